//! Blur corruptions: defocus, glass, motion and zoom blur.

mod defocus_blur;
mod glass_blur;
mod motion_blur;
mod zoom_blur;

pub use defocus_blur::DefocusBlur;
pub use glass_blur::GlassBlur;
pub use motion_blur::MotionBlur;
pub use zoom_blur::ZoomBlur;
