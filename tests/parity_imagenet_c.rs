//! ImageNet-C against the reference outputs: every corruption × severity of the built-in suite,
//! run with numpy's stream seeded 1000 + severity (the fixtures' rule), must have at least 99.9 %
//! of values identical to the Python reference and none off by more than 1.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`); without them
//! the tests fail and say how to get them. The fixtures' seeds pick frost2.png (s1, s2),
//! frost1.png (s3), frost3.png (s4) and the progressive frost4.jpg (s5).

mod common;

use blight::assets::frost::{FrostTextures, TextureSource};
use blight::assets::{AssetDirs, FROST};
use blight::corrupt::Context;
use blight::rng::{NumpyRandom, Random};
use blight::suite::{Recipe, Suite};
use std::path::PathBuf;

/// The context the reference ran in: the suite's JPEG codec and the reference frost textures.
fn reference_context() -> Context {
    let dir = match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "the ImageNet-C parity tests need the reference frost textures: run \
             `blight fetch frost --dest DIR` (python3 with pip, or add --wheel PATH to an \
             imagecorruptions-1.1.2 wheel), then set BLIGHT_FROST_DIR=DIR"
        ),
    };
    Context {
        assets: AssetDirs::none().with(&FROST, dir),
        jpeg: Recipe::built_in("imagenet-c").unwrap().jpeg_codec,
    }
}

macro_rules! parity {
    ($($name:ident),* $(,)?) => {$(
        #[test]
        fn $name() {
            common::assert_parity(stringify!($name), &reference_context());
        }
    )*};
}

parity!(
    gaussian_noise,
    shot_noise,
    impulse_noise,
    defocus_blur,
    glass_blur,
    motion_blur,
    zoom_blur,
    snow,
    frost,
    fog,
    brightness,
    contrast,
    elastic_transform,
    pixelate,
    jpeg_compression,
    speckle_noise,
    gaussian_blur,
    spatter,
    saturate,
);

#[test]
fn suite_lists_the_19_reference_corruptions_in_order_with_fixtures() {
    let suite = Suite::built_in("imagenet-c").unwrap();
    let names: Vec<&str> = suite.corruptions.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, common::CORRUPTIONS);
    for name in names {
        for severity in 1..=5 {
            let path =
                common::imagenet_c_fixtures().join(format!("astronaut/{name}-{severity}.png"));
            assert!(path.exists(), "{} missing", path.display());
        }
    }
}

#[test]
fn procedural_frost_keeps_the_stream_aligned() {
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
