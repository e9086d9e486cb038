//! The extra (validation) corruptions of ImageNet-C, apart from speckle noise (kept with the
//! other noises): Gaussian blur, spatter and saturate.

mod gaussian_blur;
mod saturate;
mod spatter;

pub use gaussian_blur::GaussianBlur;
pub use saturate::Saturate;
pub use spatter::Spatter;
