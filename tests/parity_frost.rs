//! ImageNet-C `frost` against the reference outputs (numpy-seeded). Needs the reference textures
//! in $BLIGHT_FROST_DIR; without them the tests fail and say how to get them.
//!
//! The fixtures' seeds pick frost2.png (s1, s2), frost1.png (s3), frost3.png (s4) and frost4.jpg
//! (s5). The PNGs decode exactly; frost4.jpg must be decoded as libjpeg-turbo decodes it (OpenCV
//! 3.4.2), which the `image` crate's decoder does not do bit for bit.

mod common;

use blight::corrupt::Context;
use blight::frost::{FrostTextures, TextureSource};
use blight::rng::{NumpyRandom, Random};
use blight::suite::Recipe;
use std::path::PathBuf;

fn reference_context() -> Context {
    let dir = match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "the frost parity tests need the reference frost textures: run \
             `blight fetch frost --dest DIR` (python3 with pip, or add --wheel PATH to an \
             imagecorruptions-1.1.2 wheel), then set BLIGHT_FROST_DIR=DIR"
        ),
    };
    Context {
        frost_dir: Some(dir),
        ..Context::default()
    }
}

fn assert_severity(severity: u32) {
    let context = reference_context();
    assert_eq!(
        TextureSource::for_context(&context),
        TextureSource::Reference
    );
    let a = common::imagenet_c_parity("astronaut", "frost", severity, &context)
        .unwrap_or_else(|| panic!("fixture frost-{severity} missing"));
    println!(
        "frost s{severity}: {:.5} identical, max diff {}",
        a.fraction(),
        a.max_diff
    );
    assert!(a.at_parity(), "frost s{severity} not at parity: {a:?}");
}

#[test]
fn frost_png_textures_match_reference() {
    for severity in 1..=4 {
        assert_severity(severity);
    }
}

#[test]
#[ignore = "frost4.jpg needs a libjpeg-turbo-exact JPEG decoder (ops::jpeg); the image crate's \
            decoder gives 99.43 % identical, max diff 2"]
fn frost_jpeg_texture_matches_reference() {
    assert_severity(5);
}

#[test]
fn procedural_texture_keeps_the_stream_aligned() {
    // The built-in texture changes the pixels but not the draws: after the corruption, a stream
    // is where the reference textures would have left it.
    let reference = reference_context();
    let procedural = Context::default();
    assert_eq!(
        FrostTextures::for_context(&procedural).unwrap().source(),
        TextureSource::Procedural
    );
    let recipe = Recipe::built_in("imagenet-c").unwrap();
    let clean =
        blight::io::read_rgb(&common::imagenet_c_fixtures().join("astronaut/clean.png")).unwrap();
    for severity in 1..=5 {
        let frost = recipe.build_one("frost", severity).unwrap();
        let mut a = NumpyRandom::new(1000 + severity);
        let mut b = NumpyRandom::new(1000 + severity);
        let with_files = frost.apply(&clean, &mut a, &reference).unwrap();
        let built_in = frost.apply(&clean, &mut b, &procedural).unwrap();
        assert_ne!(with_files, built_in);
        assert_eq!(a.next_u32(), b.next_u32(), "severity {severity}");
    }
}
