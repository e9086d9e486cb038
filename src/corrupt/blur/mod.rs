//! Blur corruptions: defocus, glass, motion and zoom blur.

mod defocus_blur;
mod glass_blur;

pub use defocus_blur::DefocusBlur;
pub use glass_blur::GlassBlur;
