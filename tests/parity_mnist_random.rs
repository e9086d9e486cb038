//! MNIST-C corruptions built from ImageNet-C building blocks, against reference outputs of
//! google-research/mnist-c `corruptions.py` (tests/fixtures/mnist-c/<config>.npy): the first 200
//! MNIST test digits, each corrupted at the released severity right after
//! `np.random.seed(2000 + i)`, float32 results cast to uint8 by truncation. `identity.npy` is the
//! clean input.
//!
//! The six released random configs come from the 2019 stack (shared fixtures). The leftovers come
//! from scripts/reference/make_mnist_c_random_leftover_fixtures.py on a current stack; see that
//! script for which library behaviours it stands in for. `frost` needs the reference textures in
//! $BLIGHT_FROST_DIR (`blight fetch frost`); without them its tests fail and say how to get them.

use blight::assets::frost::FrostTextures;
use blight::assets::{AssetDirs, FROST, PESSIMAL};
use blight::corrupt::mnist_c::PessimalMatrix;
use blight::corrupt::Context;
use blight::ops::jpeg::Profile;
use blight::rng::NumpyRandom;
use blight::suite::{Recipe, Suite};
use blight::Image;
use sha2::{Digest, Sha256};
use std::path::PathBuf;

const RECIPE: &str = include_str!("../corruptions/mnist-c.toml");

/// Reads a (200, 28, 28, 1) uint8 `.npy` fixture, parsing its header.
fn fixture(config: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mnist-c")
        .join(format!("{config}.npy"));
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(&bytes[..6], b"\x93NUMPY", "{}", path.display());
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("ASCII header");
    assert!(header.contains("'descr': '|u1'"), "{header}");
    assert!(header.contains("'fortran_order': False"), "{header}");
    assert!(header.contains("'shape': (200, 28, 28, 1)"), "{header}");
    let data = bytes[start + header_len..].to_vec();
    assert_eq!(data.len(), 200 * 784, "{}", path.display());
    data
}

fn recipe() -> Recipe {
    toml::from_str(RECIPE).expect("mnist-c.toml")
}

/// How the 200 digits compare with the reference.
struct Figures {
    identical: usize,
    total: usize,
    max_diff: u8,
    whole_images: usize,
}

/// Runs `config` at its released severity over the 200 clean digits with the fixtures' seeding.
fn run(config: &str, context: &Context) -> Figures {
    let clean = fixture("identity");
    let reference = fixture(config);
    let recipe = recipe();
    let severity = recipe
        .corruption
        .iter()
        .find(|c| c.name == config)
        .and_then(|c| c.released)
        .expect("released severity");
    let corruption = recipe.build_one(config, severity).expect("build");
    let mut figures = Figures {
        identical: 0,
        total: reference.len(),
        max_diff: 0,
        whole_images: 0,
    };
    for (i, (digit, want)) in clean
        .chunks_exact(784)
        .zip(reference.chunks_exact(784))
        .enumerate()
    {
        let image = Image::new(28, 28, 1, digit.to_vec()).unwrap();
        let mut rng = NumpyRandom::new(2000 + i as u32);
        let ours = corruption.apply(&image, &mut rng, context).expect("apply");
        let same = ours.data.iter().zip(want).filter(|(a, b)| a == b).count();
        figures.identical += same;
        figures.whole_images += (same == 784) as usize;
        for (a, b) in ours.data.iter().zip(want) {
            figures.max_diff = figures.max_diff.max(a.abs_diff(*b));
        }
    }
    figures
}

/// Prints the figures of `config` against the reference.
fn report(config: &str, f: &Figures) {
    println!(
        "{config}: {}/{} values identical ({:.5}), max diff {}, {}/200 images identical",
        f.identical,
        f.total,
        f.identical as f64 / f.total as f64,
        f.max_diff,
        f.whole_images
    );
}

/// Asserts that `config` equals the reference on every value (max difference 0).
fn assert_exact_with(config: &str, context: &Context) {
    let f = run(config, context);
    report(config, &f);
    assert_eq!(f.identical, f.total, "{config} is not bit-exact");
}

fn assert_exact(config: &str) {
    assert_exact_with(config, &Context::default());
}

#[test]
fn shot_noise_is_exact() {
    assert_exact("shot_noise");
}

#[test]
fn impulse_noise_is_exact() {
    assert_exact("impulse_noise");
}

#[test]
fn glass_blur_is_exact() {
    assert_exact("glass_blur");
}

#[test]
fn motion_blur_is_exact() {
    assert_exact("motion_blur");
}

#[test]
fn fog_is_exact() {
    assert_exact("fog");
}

#[test]
fn spatter_is_exact() {
    assert_exact("spatter");
}

#[test]
fn gaussian_noise_is_exact() {
    assert_exact("gaussian_noise");
}

#[test]
fn speckle_noise_is_exact() {
    assert_exact("speckle_noise");
}

#[test]
fn contrast_is_exact() {
    assert_exact("contrast");
}

#[test]
fn pixelate_is_exact() {
    assert_exact("pixelate");
}

#[test]
fn gaussian_blur_is_exact() {
    assert_exact("gaussian_blur");
}

#[test]
fn defocus_blur_is_exact() {
    assert_exact("defocus_blur");
}

#[test]
fn snow_is_exact() {
    assert_exact("snow");
}

#[test]
fn zoom_blur_is_exact() {
    assert_exact("zoom_blur");
}

#[test]
fn jpeg_compression_is_exact_with_either_codec() {
    // Gray images use no chroma, where the two libjpeg families differ.
    for jpeg in [Profile::Ijg9, Profile::Turbo] {
        let context = Context {
            jpeg,
            ..Context::default()
        };
        assert_exact_with("jpeg_compression", &context);
    }
}

#[test]
fn elastic_transform_is_exact() {
    assert_exact("elastic_transform");
}

/// The reference frost textures from $BLIGHT_FROST_DIR (`blight fetch frost`).
fn frost_dir() -> PathBuf {
    match std::env::var_os("BLIGHT_FROST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "MNIST-C frost needs the reference frost textures: run `blight fetch frost --dest DIR`, \
             then set BLIGHT_FROST_DIR=DIR"
        ),
    }
}

#[test]
fn frost_textures_read_in_gray_as_opencv_reads_them() {
    // sha256 of `cv2.imread(path, cv2.IMREAD_GRAYSCALE).tobytes()` (OpenCV 4.10.0; the PNGs'
    // gAMA chunk makes libpng convert on linear values).
    let expected = [
        "1d6ea8232d9c1bafd3a6137687f53d98b848ac8222d1cc27c0e35fdcf108d272",
        "c6113f94b45be99f4af7291d1d6a9c88b798afc8188c8fa515ddd30419e9dd21",
        "c6113f94b45be99f4af7291d1d6a9c88b798afc8188c8fa515ddd30419e9dd21",
        "3710a5ae2e8646cc38ba1279d198b99756b0c3f497a78e9687b28e3138dd61f2",
        "7725fb44dabeb0a191178793612bd9be8ab5ed1a0c14d06206ce20d92041c385",
        "3fe0923e5a27e18eb3fc3844859ef7ca9cd3f4e23e6e948f11dc7a53b6d999ae",
    ];
    let textures = FrostTextures::load(&frost_dir()).expect("reference textures");
    for (i, want) in expected.iter().enumerate() {
        let gray = textures.gray(i).unwrap();
        let digest: String = Sha256::digest(&gray.data)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(&digest, want, "texture {}", i + 1);
    }
}

#[test]
fn frost_is_exact() {
    let context = Context {
        assets: AssetDirs::none().with(&FROST, frost_dir()),
        ..Context::default()
    };
    assert_exact_with("frost", &context);
}

/// The pessimal folder from $BLIGHT_PESSIMAL_DIR, or `None` (with a notice) when unset.
fn pessimal_dir() -> Option<PathBuf> {
    match std::env::var_os("BLIGHT_PESSIMAL_DIR").map(PathBuf::from) {
        Some(dir) if PESSIMAL.is_in(&dir) => Some(dir),
        _ => {
            println!(
                "skipped: set BLIGHT_PESSIMAL_DIR to a folder with google-research/mnist-c's \
                 pessimal_noise_matrix file to check pessimal_noise against the reference"
            );
            None
        }
    }
}

#[test]
fn pessimal_matrix_file_reads_as_the_reference_array() {
    let Some(path) = pessimal_dir() else {
        return;
    };
    let matrix = PessimalMatrix::load(&path).expect("matrix");
    assert_eq!(matrix.side(), 14);
    let (mut min, mut max, mut trace) = (f64::INFINITY, f64::NEG_INFINITY, 0.0);
    for i in 0..196 {
        trace += matrix.weight(i, i);
        for j in 0..196 {
            min = min.min(matrix.weight(i, j));
            max = max.max(matrix.weight(i, j));
        }
    }
    // numpy: min −202.16621, max 196.48373, trace 250.88477 (float32).
    assert!((min + 202.16621).abs() < 1e-4, "{min}");
    assert!((max - 196.48373).abs() < 1e-4, "{max}");
    assert!((trace - 250.88477).abs() < 1e-2, "{trace}");
}

#[test]
fn pessimal_noise_matches() {
    let Some(path) = pessimal_dir() else {
        return;
    };
    let context = Context {
        assets: AssetDirs::none().with(&PESSIMAL, path),
        ..Context::default()
    };
    let f = run("pessimal_noise", &context);
    report("pessimal_noise", &f);
    // The reference's product is BLAS sgemm, whose summation order depends on the BLAS build.
    assert!(
        f.identical as f64 >= 0.999 * f.total as f64 && f.max_diff <= 1,
        "pessimal_noise misses parity"
    );
}

#[test]
fn pessimal_noise_without_the_matrix_names_the_file() {
    let context = Context {
        assets: AssetDirs::none().with(&PESSIMAL, "/nonexistent/pessimal"),
        ..Context::default()
    };
    let noise = recipe().build_one("pessimal_noise", 1).expect("build");
    let digit = Image::zeros(28, 28, 1);
    let err = noise
        .apply(&digit, &mut NumpyRandom::new(0), &context)
        .unwrap_err();
    assert!(err.to_string().contains("pessimal_noise_matrix"), "{err}");
}

#[test]
fn recipe_builds_every_severity_and_records_the_defaults() {
    let suite = Suite::parse(RECIPE, "mnist-c.toml").expect("suite");
    assert_eq!(suite.engine, "mnist-c");
    // The released benchmark: identity and the 15 corruptions of mnist_c.zip.
    let released_archive: Vec<&str> = suite
        .corruptions
        .iter()
        .filter(|c| c.archive.as_deref() == Some("mnist_c"))
        .map(|c| c.name.as_str())
        .collect();
    assert_eq!(
        released_archive,
        [
            "identity",
            "shot_noise",
            "impulse_noise",
            "glass_blur",
            "motion_blur",
            "fog",
            "spatter",
            "brightness",
            "shear",
            "rotate",
            "scale",
            "translate",
            "dotted_line",
            "zigzag",
            "stripe",
            "canny_edges",
        ]
    );
    assert!(suite
        .corruptions
        .iter()
        .all(|c| matches!(c.archive.as_deref(), Some("mnist_c" | "mnist_c_leftovers"))));
    let recipe = recipe();
    let released = |name: &str| {
        recipe
            .corruption
            .iter()
            .find(|c| c.name == name)
            .and_then(|c| c.released)
    };
    let defaults = [
        ("gaussian_noise", 5),
        ("shot_noise", 5),
        ("impulse_noise", 4),
        ("speckle_noise", 5),
        ("pessimal_noise", 1),
        ("gaussian_blur", 2),
        ("glass_blur", 1),
        ("defocus_blur", 1),
        ("motion_blur", 1),
        ("zoom_blur", 5),
        ("fog", 5),
        ("snow", 5),
        ("spatter", 4),
        ("contrast", 4),
        ("pixelate", 3),
    ];
    for (name, severity) in defaults {
        assert_eq!(released(name), Some(severity), "{name}");
    }
}

#[test]
fn every_severity_runs_on_a_digit() {
    let clean = fixture("identity");
    let digit = Image::new(28, 28, 1, clean[..784].to_vec()).unwrap();
    let suite = Suite::parse(RECIPE, "mnist-c.toml").expect("suite");
    for c in &suite.corruptions {
        if c.name == "pessimal_noise" {
            continue;
        }
        for severity in 1..=5 {
            let out = c
                .at(severity)
                .unwrap()
                .apply(&digit, &mut NumpyRandom::new(7), &Context::default())
                .unwrap_or_else(|e| panic!("{} severity {severity}: {e}", c.name));
            assert_eq!((out.width, out.height, out.channels), (28, 28, 1));
        }
    }
}
