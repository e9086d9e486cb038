//! imagecorruptions 1.1.2 against its reference outputs at sizes other than 224×224: every
//! corruption × severity of the built-in suite, run with numpy's stream seeded 1000 + severity
//! (the fixtures' rule, scripts/reference/make_imagecorruptions_fixtures.py), must equal the
//! Python reference in every value. The 33×47 outputs are PNGs (a failure reports how many values
//! differ and by how much); the larger ones (427×640, 1024×2048, 300×200 gray) are sha256 digests
//! of the raw RGB pixels. The reference ran OpenCV's own code (IPP off), whose frost texture
//! resize and defocus_blur DFT do not depend on the CPU.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`).

mod common;

use blight::assets::{AssetDirs, FROST};
use blight::corrupt::Context;
use blight::raster::Image;
use blight::rng::NumpyRandom;
use blight::sink::manifest::sha256_hex;
use blight::suite::Suite;
use std::path::{Path, PathBuf};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imagecorruptions")
}

/// The suite's JPEG codec and, where set, the reference frost textures.
fn context(suite: &Suite) -> Context {
    let assets = match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => AssetDirs::none().with(&FROST, PathBuf::from(dir)),
        None => AssetDirs::none(),
    };
    Context {
        assets,
        jpeg: suite.jpeg_codec,
    }
}

/// The corrupted image for one corruption and severity, numpy seeded as the fixtures were.
fn run(suite: &Suite, input: &Image, corruption: &str, severity: u32) -> Image {
    let corrupt = suite.corruption(corruption).unwrap().at(severity).unwrap();
    let mut rng = NumpyRandom::new(1000 + severity);
    corrupt
        .apply(input, &mut rng, &context(suite))
        .unwrap_or_else(|e| panic!("{corruption}-{severity}: {e}"))
}

/// The input as the reference received it: RGB as stored, gray as one channel (the corruption
/// replicates it, as `corrupt` does).
fn input(name: &str, gray: bool) -> Image {
    let path = fixtures().join("inputs").join(format!("{name}.png"));
    let image = if gray {
        blight::io::read_gray(&path)
    } else {
        blight::io::read_rgb(&path)
    };
    image.unwrap()
}

/// Checks every corruption and severity of the suite against one input's digests.
fn digests_match(name: &str, gray: bool) {
    let suite = Suite::built_in("imagecorruptions").unwrap();
    let image = input(name, gray);
    let text = std::fs::read_to_string(fixtures().join(format!("{name}.json"))).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    let mut failed = Vec::new();
    for corruption in &suite.corruptions {
        for severity in 1..=5 {
            let key = format!("{}-{severity}", corruption.name);
            let want = json["sha256"][&key].as_str().unwrap();
            let out = run(&suite, &image, &corruption.name, severity);
            assert_eq!(
                (out.width, out.height, out.channels),
                (image.width, image.height, 3)
            );
            if sha256_hex(&out.data) != want {
                failed.push(key);
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{name}: differs from the reference: {failed:?}"
    );
}

#[test]
fn rgb_427x640_equals_the_reference() {
    digests_match("coffee-427x640", false);
}

/// 1024×2048: every corruption sized by the image (fog's map, frost's texture enlargement, the
/// blurs' borders) at a street-camera frame size.
#[test]
fn rgb_1024x2048_equals_the_reference() {
    digests_match("coffee-1024x2048", false);
}

#[test]
fn gray_300x200_equals_the_reference() {
    digests_match("camera-300x200-gray", true);
}

#[test]
fn rgb_33x47_equals_the_reference() {
    let name = "chelsea-33x47";
    let suite = Suite::built_in("imagecorruptions").unwrap();
    let image = input(name, false);
    let mut failed = Vec::new();
    for corruption in &suite.corruptions {
        for severity in 1..=5 {
            let key = format!("{}-{severity}", corruption.name);
            let path = fixtures().join(name).join(format!("{key}.png"));
            let want = blight::io::read_rgb(&path).unwrap();
            let out = run(&suite, &image, &corruption.name, severity);
            let differing = out
                .data
                .iter()
                .zip(&want.data)
                .filter(|(a, b)| a != b)
                .count();
            let largest = out
                .data
                .iter()
                .zip(&want.data)
                .map(|(&a, &b)| a.abs_diff(b))
                .max()
                .unwrap_or(0);
            if differing != 0 {
                failed.push(format!("{key}: {differing} values, up to {largest}"));
            }
        }
    }
    assert!(
        failed.is_empty(),
        "{name}: differs from the reference: {failed:?}"
    );
}

#[test]
fn lists_the_reference_corruptions_in_order() {
    let suite = Suite::built_in("imagecorruptions").unwrap();
    let names: Vec<&str> = suite.corruptions.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, common::CORRUPTIONS);
}

#[test]
fn frost_textures_enlarge_as_opencv_does() {
    // All six textures at five sizes each, against tests/fixtures/cubic-resize.json
    // (scripts/reference/make_cubic_resize_fixture.py): OpenCV 4.5.5's own INTER_CUBIC, whose
    // rows switch from vector to scalar arithmetic for their last (width × 3) mod 8 values.
    let set = common::reference_frost();
    let fixture = common::fixture_json("cubic-resize.json");
    let mut failed = Vec::new();
    let mut checked = 0;
    for (index, file) in FROST.files.iter().enumerate() {
        let texture = set.texture(index).unwrap();
        for (key, want) in fixture["textures"].as_object().unwrap() {
            if !key.starts_with(&format!("{}@", file.name)) {
                continue;
            }
            let size = |k: &str| want[k].as_u64().unwrap() as usize;
            let ours =
                blight::ops::resize_cubic::resize_cubic(texture, size("width"), size("height"))
                    .unwrap();
            if sha256_hex(&ours.data) != want["sha256"].as_str().unwrap() {
                failed.push(key.clone());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 30);
    assert!(failed.is_empty(), "differ from OpenCV: {failed:?}");
}
