//! The suites of hendrycks/robustness's other `create_c` scripts against their reference outputs:
//! CIFAR-10-C (`make_cifar_c.py`, 32×32; CIFAR-100-C runs the same recipe tables) and
//! Tiny-ImageNet-C (`make_tinyimagenet_c.py`, 64×64): every
//! corruption × severity of the built-in recipe run with numpy's stream seeded 1000 + severity
//! (the fixtures' rule, `scripts/reference/make_create_c_fixtures.py`) on each fixture photo,
//! must equal the Python reference on every value. The Inception variant
//! (`make_imagenet_c_inception.py`, 299×299) is held to the same rule through the sha256 of each
//! reference output array (299×299 PNGs would be megabytes), after its preparation — the script's
//! own `resized_center_crop` of two validation JPEGs — is checked pixel for pixel.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`).

mod common;

use blight::assets::{AssetDirs, FROST};
use blight::corrupt::Context;
use blight::rng::NumpyRandom;
use blight::sink::manifest::sha256_hex;
use blight::suite::{Recipe, Suite};
use std::path::PathBuf;

/// The photos each suite's fixtures hold.
const PHOTOS: [&str; 2] = ["chelsea", "coffee"];

/// The context the reference ran in: the suite's JPEG codec and the reference frost textures.
fn reference_context(suite: &str) -> Context {
    let dir = match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "the create_c parity tests need the reference frost textures: run \
             `blight fetch frost --dest DIR`, then set BLIGHT_FROST_DIR=DIR"
        ),
    };
    Context {
        assets: AssetDirs::none().with(&FROST, dir),
        jpeg: Recipe::built_in(suite).unwrap().jpeg_codec,
    }
}

/// Asserts that all five severities of `corruption` of `suite` equal the reference outputs in
/// `tests/fixtures/<fixtures>/<photo>/` on every value of every photo, printing the figures.
fn assert_suite_parity(suite: &str, fixtures: &str, corruption: &str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(fixtures);
    let recipe = Recipe::built_in(suite).unwrap();
    let context = reference_context(suite);
    let mut failures = Vec::new();
    for photo in PHOTOS {
        let clean = blight::io::read_rgb(&root.join(photo).join("clean.png")).unwrap();
        assert_eq!(clean.width, recipe.image_size, "{photo} clean.png size");
        for severity in 1..=5 {
            let path = root
                .join(photo)
                .join(format!("{corruption}-{severity}.png"));
            let reference = blight::io::read_rgb(&path)
                .unwrap_or_else(|e| panic!("fixture {}: {e}", path.display()));
            let c = recipe.build_one(corruption, severity).unwrap();
            let mut rng = NumpyRandom::new(1000 + severity);
            let ours = c.apply(&clean, &mut rng, &context).unwrap();
            let a = common::compare(&ours, &reference);
            println!(
                "{suite} {photo} {corruption} s{severity}: {:.5} identical, max diff {}",
                a.fraction(),
                a.max_diff
            );
            if !a.exact() {
                failures.push(format!("{photo} s{severity}: {a:?}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{suite} {corruption} differs from the reference: {failures:?}"
    );
}

macro_rules! parity {
    ($suite:literal, $fixtures:literal, $module:ident: $($name:ident),* $(,)?) => {
        mod $module {
            $(
                #[test]
                fn $name() {
                    super::assert_suite_parity($suite, $fixtures, stringify!($name));
                }
            )*
        }
    };
}

parity!("cifar10-c", "cifar10-c", cifar10_c:
    gaussian_noise, shot_noise, impulse_noise, defocus_blur, glass_blur, motion_blur, zoom_blur,
    snow, frost, fog, brightness, contrast, elastic_transform, pixelate, jpeg_compression,
    speckle_noise, gaussian_blur, spatter, saturate,
);

parity!("tiny-imagenet-c", "tiny-imagenet-c", tiny_imagenet_c:
    gaussian_noise, shot_noise, impulse_noise, defocus_blur, glass_blur, motion_blur, zoom_blur,
    snow, frost, fog, brightness, contrast, elastic_transform, pixelate, jpeg_compression,
    speckle_noise, gaussian_blur, spatter, saturate,
);

#[test]
fn suites_list_the_19_reference_corruptions_in_order() {
    for suite in [
        "cifar10-c",
        "cifar100-c",
        "tiny-imagenet-c",
        "imagenet-c-299",
    ] {
        let loaded = Suite::built_in(suite).unwrap();
        let names: Vec<&str> = loaded.corruptions.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, common::CORRUPTIONS, "{suite}");
    }
}

#[test]
fn cifar100_c_runs_the_cifar10_c_tables() {
    let ten = Suite::built_in("cifar10-c").unwrap();
    let hundred = Suite::built_in("cifar100-c").unwrap();
    for (a, b) in ten.corruptions.iter().zip(&hundred.corruptions) {
        assert_eq!(a.parameters, b.parameters, "{}", a.name);
    }
    // The same preparation, bar the class count each checks its archive against.
    assert_eq!(
        (ten.input.classes, hundred.input.classes),
        (Some(10), Some(100))
    );
    let same_input = blight::prep::Prep {
        classes: None,
        ..hundred.input.clone()
    };
    assert_eq!(
        blight::prep::Prep {
            classes: None,
            ..ten.input.clone()
        },
        same_input
    );
    assert_eq!(ten.output, hundred.output);
}

/// The Inception variant's fixtures: per input, the prepared image and the digest of every output.
fn imagenet_c_299_case(input: &str) -> (blight::Image, serde_json::Map<String, serde_json::Value>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let jpeg = root.join(format!("imagenet-c-dataset/val/n01440764/{input}.JPEG"));
    let recipe = Recipe::built_in("imagenet-c-299").unwrap();
    let bytes = std::fs::read(&jpeg).unwrap();
    let decoded = blight::source::decode::decode_rgb(&jpeg, &bytes, recipe.input.decoder).unwrap();
    let prepared = recipe.input.apply(&decoded).unwrap();
    let dir = root.join("imagenet-c-299").join(input);
    let clean = blight::io::read_rgb(&dir.join("clean.png")).unwrap();
    let a = common::compare(&prepared, &clean);
    assert!(
        a.exact(),
        "{input}: preparation differs from resized_center_crop: {a:?}"
    );
    let text = std::fs::read_to_string(dir.join("digests.json")).unwrap();
    let digests: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    (prepared, digests)
}

#[test]
fn imagenet_c_299_equals_the_inception_script() {
    let recipe = Recipe::built_in("imagenet-c-299").unwrap();
    let context = reference_context("imagenet-c-299");
    let mut failures = Vec::new();
    let mut checked = 0;
    for input in ["ILSVRC2012_val_00000293", "ILSVRC2012_val_00002138"] {
        let (clean, digests) = imagenet_c_299_case(input);
        assert_eq!(digests.len(), 95, "{input}: 19 corruptions × 5 severities");
        for corruption in common::CORRUPTIONS {
            for severity in 1..=5 {
                let c = recipe.build_one(corruption, severity).unwrap();
                let mut rng = NumpyRandom::new(1000 + severity);
                let ours = c.apply(&clean, &mut rng, &context).unwrap();
                let label = format!("{corruption}-{severity}");
                let want = digests[&label].as_str().unwrap();
                if sha256_hex(&ours.data) != want {
                    failures.push(format!("{input} {label}"));
                }
                checked += 1;
            }
        }
    }
    println!("{checked} outputs checked");
    assert!(
        failures.is_empty(),
        "differ from the reference: {failures:?}"
    );
}

#[test]
fn frost_textures_shrink_as_opencv_3_4_does() {
    // All six textures at both factors (0.2 for CIFAR, 0.3 for Tiny), against
    // tests/fixtures/frost-resize.json (scripts/reference/make_frost_resize_fixture.py). At 0.2
    // every sample falls on a pixel; at 0.3 the fixed-point rounding decides values.
    let set = common::reference_frost();
    let fixture = common::fixture_json("frost-resize.json");
    let mut checked = 0;
    for (index, file) in FROST.files.iter().enumerate() {
        for factor in ["0.2", "0.3"] {
            let want = &fixture["textures"][format!("{}@{factor}", file.name)];
            let texture = set.texture(index).unwrap();
            let ours =
                blight::ops::resize_linear::resize_linear_by(texture, factor.parse().unwrap())
                    .unwrap();
            assert_eq!(
                [ours.height as u64, ours.width as u64],
                [
                    want["shape"][0].as_u64().unwrap(),
                    want["shape"][1].as_u64().unwrap()
                ],
                "{} at {factor}",
                file.name
            );
            assert_eq!(
                sha256_hex(&ours.data),
                want["sha256"].as_str().unwrap(),
                "{} at {factor}",
                file.name
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 12);
}
