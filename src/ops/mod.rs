//! Exact building blocks shared by the corruptions, each matching one reference library function.

pub mod affine;
pub mod affine_warp;
pub mod border;
pub mod box_filter;
pub mod canny;
pub mod canny_skimage;
pub mod disk;
pub mod distance;
pub mod equalize;
pub mod filter2d;
pub mod gaussian;
pub mod hsv;
pub mod jpeg;
pub mod line_mask;
pub mod map_coordinates;
pub mod map_coordinates_reflect;
pub mod motion;
pub mod numeric;
pub mod plasma;
pub mod png_gray;
pub mod resample;
pub mod resize_cubic;
pub mod resize_linear;
pub mod shift_motion;
pub mod unit_byte;
pub mod zoom;
