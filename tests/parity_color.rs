//! ImageNet-C noise, colour and resampling corruptions against the reference outputs
//! (numpy-seeded): shot, impulse and speckle noise, fog, brightness, contrast, pixelate, saturate.

mod common;

use blight::corrupt::Context;

#[test]
fn shot_noise_matches_reference() {
    common::assert_parity("shot_noise", &Context::default());
}

#[test]
fn impulse_noise_matches_reference() {
    common::assert_parity("impulse_noise", &Context::default());
}

#[test]
fn speckle_noise_matches_reference() {
    common::assert_parity("speckle_noise", &Context::default());
}

#[test]
fn fog_matches_reference() {
    common::assert_parity("fog", &Context::default());
}

#[test]
fn brightness_matches_reference() {
    common::assert_parity("brightness", &Context::default());
}

#[test]
fn contrast_matches_reference() {
    common::assert_parity("contrast", &Context::default());
}

#[test]
fn pixelate_matches_reference() {
    common::assert_parity("pixelate", &Context::default());
}

#[test]
fn saturate_matches_reference() {
    common::assert_parity("saturate", &Context::default());
}
