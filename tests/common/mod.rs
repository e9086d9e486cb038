//! Shared helpers for the parity tests: load a fixture photo, run a corruption with numpy's
//! seeding rule, and compare with the reference output.

#![allow(dead_code)]

use blight::corrupt::Context;
use blight::rng::NumpyRandom;
use blight::suite::Recipe;
use blight::Image;
use std::path::PathBuf;

/// The 19 corruptions of ImageNet-C and of every suite made like it, in the scripts' order.
pub const CORRUPTIONS: [&str; 19] = [
    "gaussian_noise",
    "shot_noise",
    "impulse_noise",
    "defocus_blur",
    "glass_blur",
    "motion_blur",
    "zoom_blur",
    "snow",
    "frost",
    "fog",
    "brightness",
    "contrast",
    "elastic_transform",
    "pixelate",
    "jpeg_compression",
    "speckle_noise",
    "gaussian_blur",
    "spatter",
    "saturate",
];

/// The folder of ImageNet-C reference outputs copied into the repository.
pub fn imagenet_c_fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imagenet-c")
}

/// How a corrupted image compares with the reference.
#[derive(Debug, Clone, Copy)]
pub struct Agreement {
    pub identical: usize,
    pub total: usize,
    pub max_diff: u8,
}

impl Agreement {
    pub fn fraction(&self) -> f64 {
        self.identical as f64 / self.total as f64
    }

    /// The acceptance rule: every value identical to the reference (max difference 0).
    pub fn exact(&self) -> bool {
        self.identical == self.total
    }
}

pub fn compare(ours: &Image, reference: &Image) -> Agreement {
    assert_eq!(
        (ours.width, ours.height, ours.channels),
        (reference.width, reference.height, reference.channels),
        "shape differs"
    );
    let mut identical = 0;
    let mut max_diff = 0;
    for (a, b) in ours.data.iter().zip(&reference.data) {
        let d = a.abs_diff(*b);
        identical += (d == 0) as usize;
        max_diff = max_diff.max(d);
    }
    Agreement {
        identical,
        total: ours.len(),
        max_diff,
    }
}

/// Runs `corruption` at `severity` on the fixture photo after seeding numpy's stream with
/// 1000 + severity (the fixtures' rule) and compares with the stored reference output.
/// Returns `None` when the fixture file is not in the repository.
pub fn imagenet_c_parity(
    photo: &str,
    corruption: &str,
    severity: u32,
    context: &Context,
) -> Option<Agreement> {
    let dir = imagenet_c_fixtures().join(photo);
    let reference_path = dir.join(format!("{corruption}-{severity}.png"));
    if !reference_path.exists() {
        return None;
    }
    let clean = blight::io::read_rgb(&dir.join("clean.png")).expect("clean fixture");
    let reference = blight::io::read_rgb(&reference_path).expect("reference fixture");
    let recipe = Recipe::built_in("imagenet-c").expect("recipe");
    let c = recipe.build_one(corruption, severity).expect("corruption");
    let mut rng = NumpyRandom::new(1000 + severity);
    let ours = c.apply(&clean, &mut rng, context).expect("apply");
    Some(compare(&ours, &reference))
}

/// Asserts that all five severities of one corruption equal the reference on every value,
/// printing the figures.
pub fn assert_parity(corruption: &str, context: &Context) {
    let mut failures = Vec::new();
    for severity in 1..=5 {
        let a = imagenet_c_parity("astronaut", corruption, severity, context)
            .unwrap_or_else(|| panic!("fixture {corruption}-{severity} missing"));
        println!(
            "{corruption} s{severity}: {:.5} identical, max diff {}",
            a.fraction(),
            a.max_diff
        );
        if !a.exact() {
            failures.push(format!("s{severity}: {a:?}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{corruption} differs from the reference: {failures:?}"
    );
}

/// The reference frost textures in $BLIGHT_FROST_DIR (`blight fetch frost`), which the texture
/// resize tests need.
pub fn reference_frost() -> blight::assets::frost::FrostTextures {
    match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => blight::assets::frost::FrostTextures::load(&PathBuf::from(dir)).unwrap(),
        None => panic!("this test needs the reference frost textures in $BLIGHT_FROST_DIR"),
    }
}

/// A JSON file of tests/fixtures, parsed.
pub fn fixture_json(name: &str) -> serde_json::Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
