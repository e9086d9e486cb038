//! The four extra (validation) corruptions: speckle noise, Gaussian blur, spatter and saturate.

mod gaussian_blur;

pub use gaussian_blur::GaussianBlur;
