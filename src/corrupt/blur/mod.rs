//! Blur corruptions: the image smeared by a lens, a motion or a zoom.

mod motion_blur;
mod zoom_blur;

pub use motion_blur::MotionBlur;
pub use zoom_blur::ZoomBlur;
