//! MNIST-C geometry, stroke and per-pixel corruptions against reference outputs of
//! google-research/mnist-c `corruptions.py` (tests/fixtures/mnist-c/<config>.npy): the first 200
//! MNIST test digits, each corrupted at the released severity right after
//! `np.random.seed(2000 + i)`, float32 results cast to uint8 by truncation. `identity.npy` is the
//! clean input itself. The released configs come from the 2019 stack; line, quantize and saturate
//! (leftovers, numpy and scikit-image colour code only) from scripts/reference/
//! make_mnist_c_leftover_fixtures.py on a current stack.

use blight::corrupt::Context;
use blight::rng::NumpyRandom;
use blight::suite::Recipe;
use blight::Image;
use std::path::PathBuf;

/// A uint8 array read from an `.npy` file: its shape and C-order data.
struct NpyU8 {
    shape: Vec<usize>,
    data: Vec<u8>,
}

/// Reads an `.npy` file of dtype uint8 in C order, parsing the header (format 1.x or 2.x).
fn read_npy_u8(path: &PathBuf) -> NpyU8 {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(
        &bytes[..6],
        b"\x93NUMPY",
        "{}: not an .npy file",
        path.display()
    );
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        v => panic!("{}: unknown .npy version {v}", path.display()),
    };
    let header = std::str::from_utf8(&bytes[start..start + header_len]).expect("ASCII header");
    let value_of = |key: &str| -> &str {
        let at = header
            .find(&format!("'{key}':"))
            .unwrap_or_else(|| panic!("header lacks {key}: {header}"));
        header[at + key.len() + 3..].trim_start()
    };
    assert!(
        value_of("descr").starts_with("'|u1'"),
        "dtype is not uint8: {header}"
    );
    assert!(
        value_of("fortran_order").starts_with("False"),
        "Fortran order: {header}"
    );
    let shape_text = value_of("shape");
    let close = shape_text.find(')').expect("shape tuple");
    let shape: Vec<usize> = shape_text[1..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().expect("shape entry"))
        .collect();
    let data = bytes[start + header_len..].to_vec();
    assert_eq!(
        data.len(),
        shape.iter().product::<usize>(),
        "{}: data size",
        path.display()
    );
    NpyU8 { shape, data }
}

fn fixture(config: &str) -> NpyU8 {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/mnist-c")
        .join(format!("{config}.npy"));
    let array = read_npy_u8(&path);
    assert_eq!(array.shape, vec![200, 28, 28, 1], "{config} shape");
    array
}

/// Runs `config` at its released severity over the 200 clean digits with the fixtures' seeding
/// and returns (identical values, total values, max difference, identical images).
fn run(config: &str) -> (usize, usize, u8, usize) {
    let clean = fixture("identity");
    let reference = fixture(config);
    let recipe = Recipe::built_in("mnist-c").expect("recipe");
    let entry = recipe
        .corruption
        .iter()
        .find(|c| c.name == config)
        .expect("corruption in recipe");
    let severity = entry.released.unwrap_or(1);
    let corruption = recipe.build_one(config, severity).expect("build");
    let context = Context::default();
    let (mut identical, mut max_diff, mut whole) = (0, 0u8, 0);
    for (i, (digit, want)) in clean
        .data
        .chunks_exact(784)
        .zip(reference.data.chunks_exact(784))
        .enumerate()
    {
        let image = Image::new(28, 28, 1, digit.to_vec()).unwrap();
        let mut rng = NumpyRandom::new(2000 + i as u32);
        let ours = corruption.apply(&image, &mut rng, &context).expect("apply");
        let same = ours.data.iter().zip(want).filter(|(a, b)| a == b).count();
        identical += same;
        whole += (same == 784) as usize;
        for (a, b) in ours.data.iter().zip(want) {
            max_diff = max_diff.max(a.abs_diff(*b));
        }
    }
    (identical, reference.data.len(), max_diff, whole)
}

/// Asserts that `config` reproduces the reference bit for bit, printing the figures.
fn assert_exact(config: &str) {
    let (identical, total, max_diff, whole) = run(config);
    println!(
        "{config}: {identical}/{total} values identical ({:.5}), max diff {max_diff}, {whole}/200 images identical",
        identical as f64 / total as f64
    );
    assert_eq!(identical, total, "{config}: max diff {max_diff}");
}

#[test]
fn identity_matches_reference() {
    assert_exact("identity");
}

#[test]
fn shear_matches_reference() {
    assert_exact("shear");
}

#[test]
fn scale_matches_reference() {
    assert_exact("scale");
}

#[test]
fn rotate_matches_reference() {
    assert_exact("rotate");
}

#[test]
fn brightness_matches_reference() {
    assert_exact("brightness");
}

#[test]
fn translate_matches_reference() {
    assert_exact("translate");
}

#[test]
fn stripe_matches_reference() {
    assert_exact("stripe");
}

#[test]
fn dotted_line_matches_reference() {
    assert_exact("dotted_line");
}

#[test]
fn zigzag_matches_reference() {
    assert_exact("zigzag");
}

#[test]
fn canny_edges_matches_reference() {
    assert_exact("canny_edges");
}

#[test]
fn line_matches_reference() {
    assert_exact("line");
}

#[test]
fn quantize_matches_reference() {
    assert_exact("quantize");
}

#[test]
fn saturate_matches_reference() {
    assert_exact("saturate");
}

#[test]
fn clean_inputs_are_the_first_mnist_test_digits() {
    // Pixel sum recorded in the fixtures' manifest for identity.npy.
    let clean = fixture("identity");
    let sum: u64 = clean.data.iter().map(|&v| v as u64).sum();
    assert_eq!(sum, 4_757_429);
}

#[test]
fn recipe_records_the_released_severities() {
    let recipe = Recipe::built_in("mnist-c").expect("recipe");
    let released = |name: &str| {
        recipe
            .corruption
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("{name} missing"))
            .released
    };
    // MNIST-C spec §3 (benchmark) and §5 (leftovers, the function defaults).
    for (name, severity) in [
        ("shear", 2),
        ("scale", 3),
        ("rotate", 2),
        ("brightness", 5),
        ("translate", 3),
        ("quantize", 5),
        ("saturate", 5),
    ] {
        assert_eq!(released(name), Some(severity), "{name}");
    }
    for name in [
        "identity",
        "stripe",
        "dotted_line",
        "zigzag",
        "line",
        "inverse",
        "canny_edges",
    ] {
        assert_eq!(released(name), None, "{name} takes no severity");
    }
}

#[test]
fn released_severity_outside_one_to_five_is_rejected() {
    let text = r#"
name = "x"
version = "1"
engine = "mnist-c"
image_size = 28
[[corruption]]
name = "shear"
family = "affine"
released = 6
severity = [{ angle = 0.2 }, { angle = 0.4 }, { angle = 0.6 }, { angle = 0.8 }, { angle = 1.0 }]
"#;
    let err = blight::suite::Suite::parse(text, "test").expect_err("released 6");
    assert!(err.to_string().contains("released severity 6"), "{err}");
    let ok = text.replace("released = 6", "released = 2");
    assert!(blight::suite::Suite::parse(&ok, "test").is_ok());
}
