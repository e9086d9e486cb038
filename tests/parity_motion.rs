//! ImageNet-C motion_blur, zoom_blur and snow against the reference outputs (numpy-seeded; the
//! reference ran ImageMagick 6.9.11 Q16 through Wand, scipy 1.0.0 and OpenCV 3.4.2).

mod common;

use blight::corrupt::Context;

#[test]
fn motion_blur_matches_reference() {
    common::assert_parity("motion_blur", &Context::default());
}

#[test]
fn zoom_blur_matches_reference() {
    common::assert_parity("zoom_blur", &Context::default());
}

#[test]
fn snow_matches_reference() {
    common::assert_parity("snow", &Context::default());
}
