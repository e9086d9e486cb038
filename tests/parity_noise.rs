//! ImageNet-C noise corruptions against the reference outputs (numpy-seeded).

mod common;

use blight::corrupt::Context;

#[test]
fn gaussian_noise_matches_reference() {
    common::assert_parity("gaussian_noise", &Context::default());
}
