//! Exact building blocks shared by the corruptions, each matching one reference library function.

pub mod affine_warp;
pub mod canny_skimage;
pub mod gaussian;
pub mod jpeg;
pub mod line_mask;
pub mod numeric;
