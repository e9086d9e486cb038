//! `generate mnist-c --rng numpy --seed 2000` against the reference fixtures: the fixtures are the
//! first 200 MNIST test digits corrupted right after `np.random.seed(2000 + i)`, which is exactly
//! what the numpy source's per-image seeding (seed + index) gives. The source here is made from
//! those 200 digits (tests/fixtures/mnist-c/identity.npy), so no MNIST download is needed.

use blight::corrupt::Context;
use blight::generate::OnError;
use blight::mnist_c::{self, Request};
use blight::rng::RngKind;
use blight::sink::journal::Shard;
use blight::suite::Suite;
use std::path::{Path, PathBuf};

const RANDOM_RELEASED: [&str; 11] = [
    "shot_noise",
    "impulse_noise",
    "glass_blur",
    "motion_blur",
    "fog",
    "spatter",
    "shear",
    "rotate",
    "translate",
    "dotted_line",
    "zigzag",
];

fn fixture_pixels(name: &str) -> Vec<u8> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join(format!("tests/fixtures/mnist-c/{name}.npy"));
    let bytes = std::fs::read(&path).unwrap();
    let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    bytes[10 + header..].to_vec()
}

fn write_idx(dir: &Path, stem: &str, pixels: &[u8]) {
    let n = (pixels.len() / 784) as u32;
    let mut images = 2051u32.to_be_bytes().to_vec();
    for d in [n, 28, 28] {
        images.extend_from_slice(&d.to_be_bytes());
    }
    images.extend_from_slice(pixels);
    std::fs::write(dir.join(format!("{stem}-images-idx3-ubyte")), images).unwrap();
    let mut labels = 2049u32.to_be_bytes().to_vec();
    labels.extend_from_slice(&n.to_be_bytes());
    labels.extend((0..n).map(|i| (i % 10) as u8));
    std::fs::write(dir.join(format!("{stem}-labels-idx1-ubyte")), labels).unwrap();
}

#[test]
fn numpy_seeded_generation_equals_the_reference_fixtures() {
    let root = std::env::temp_dir().join(format!("blight-mnist-c-generate-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let source = root.join("mnist");
    std::fs::create_dir_all(&source).unwrap();
    let clean = fixture_pixels("identity");
    write_idx(&source, "t10k", &clean);
    write_idx(&source, "train", &clean[..10 * 784]);

    let full = include_str!("../corruptions/mnist-c.toml");
    let mut parts = full.split("[[corruption]]");
    let mut text = parts.next().unwrap().to_string();
    for part in parts {
        if RANDOM_RELEASED
            .iter()
            .any(|n| part.contains(&format!("name = \"{n}\"\n")))
        {
            text.push_str("[[corruption]]");
            text.push_str(part);
        }
    }
    let suite = Suite::parse(&text, "random released subset").unwrap();
    assert_eq!(suite.corruptions.len(), RANDOM_RELEASED.len());
    let out = root.join("out");
    let context = Context::default();
    let request = Request {
        suite: &suite,
        source: &source,
        out: &out,
        seed: 2000,
        rng: RngKind::Numpy,
        leftovers: false,
        zip: false,
        shard: Shard::WHOLE,
        on_error: OnError::Fail,
        context: &context,
    };
    mnist_c::generate_mnist_c(&request, &|_| {}).unwrap();
    for name in RANDOM_RELEASED {
        let bytes = std::fs::read(out.join(format!("mnist_c/{name}/test_images.npy"))).unwrap();
        let ours = &bytes[128..];
        let reference = fixture_pixels(name);
        let identical = ours.iter().zip(&reference).filter(|(a, b)| a == b).count();
        let max_diff = ours
            .iter()
            .zip(&reference)
            .map(|(a, b)| a.abs_diff(*b))
            .max()
            .unwrap();
        println!(
            "{name}: {identical}/{} identical, max diff {max_diff}",
            reference.len()
        );
        assert_eq!(ours, &reference[..], "{name}");
    }
    let _ = std::fs::remove_dir_all(&root);
}

/// Mean and standard deviation.
fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let var = values.iter().map(|v| (v - mean) * (v - mean)).sum::<f64>() / (n - 1.0);
    (mean, var.sqrt())
}

/// With the default fast source the draws differ from numpy's, but the corruption must change
/// the digits by the same amount: per image, the mean absolute change of its 784 values, over the
/// 200 fixture digits. The two samples (fast vs reference) are independent draws over the same
/// images, so their means may differ by a few standard errors of the difference; 4 of them makes
/// a false alarm rarer than 1 in 10,000 per config. The spread of the per-image change must agree
/// within 25 % (its standard error at n = 200 is about 5 %).
#[test]
fn fast_source_changes_digits_as_much_as_the_reference() {
    use blight::rng::{FastRandom, StreamKey};
    let recipe = blight::suite::Recipe::built_in("mnist-c").unwrap();
    let clean = fixture_pixels("identity");
    let context = Context::default();
    for name in RANDOM_RELEASED {
        let entry = recipe.corruption.iter().find(|c| c.name == name).unwrap();
        let severity = entry.released.unwrap_or(1);
        let corruption = recipe.build_one(name, severity).unwrap();
        let reference = fixture_pixels(name);
        let mut ours_change = Vec::new();
        let mut reference_change = Vec::new();
        for i in 0..200 {
            let digit = &clean[i * 784..(i + 1) * 784];
            let image = blight::Image::new(28, 28, 1, digit.to_vec()).unwrap();
            let sample = format!("test/{i}");
            let mut rng = FastRandom::new(&StreamKey {
                seed: 0,
                suite: "mnist-c",
                corruption: name,
                severity,
                sample: &sample,
            });
            let out = corruption.apply(&image, &mut rng, &context).unwrap();
            let change = |y: &[u8]| {
                y.iter()
                    .zip(digit)
                    .map(|(a, b)| a.abs_diff(*b) as f64)
                    .sum::<f64>()
                    / 784.0
            };
            ours_change.push(change(&out.data));
            reference_change.push(change(&reference[i * 784..(i + 1) * 784]));
        }
        let (m_ours, s_ours) = mean_std(&ours_change);
        let (m_ref, s_ref) = mean_std(&reference_change);
        let se = ((s_ours * s_ours + s_ref * s_ref) / 200.0).sqrt();
        println!("{name}: mean change {m_ours:.3} vs {m_ref:.3} (se {se:.3}), spread {s_ours:.3} vs {s_ref:.3}");
        assert!(
            (m_ours - m_ref).abs() <= 4.0 * se,
            "{name}: mean change {m_ours} vs {m_ref}"
        );
        assert!(
            (s_ours - s_ref).abs() <= 0.25 * s_ref.max(1e-9),
            "{name}: spread {s_ours} vs {s_ref}"
        );
    }
}
