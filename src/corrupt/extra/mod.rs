//! The extra (validation) corruptions of ImageNet-C.

mod saturate;

pub use saturate::Saturate;
