//! ImageNet-C defocus, glass and Gaussian blur against the reference outputs (numpy-seeded).

mod common;

use blight::corrupt::Context;

#[test]
fn defocus_blur_matches_reference() {
    common::assert_parity("defocus_blur", &Context::default());
}

#[test]
fn glass_blur_matches_reference() {
    common::assert_parity("glass_blur", &Context::default());
}

#[test]
fn gaussian_blur_matches_reference() {
    common::assert_parity("gaussian_blur", &Context::default());
}
