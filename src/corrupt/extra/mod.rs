//! The extra (validation) corruptions of ImageNet-C.

mod saturate;

pub use saturate::Saturate;

mod gaussian_blur;

pub use gaussian_blur::GaussianBlur;

mod spatter;

pub use spatter::Spatter;
