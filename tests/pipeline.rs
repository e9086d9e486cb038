//! The generate driver on a small synthetic MNIST: layout, manifest, resume, refusal to mix runs,
//! and output that does not depend on the thread count.

use blight::corrupt::Context;
use blight::pipeline::{self, Config, RunSettings};
use blight::rng::RngKind;
use blight::suite::Recipe;
use std::path::{Path, PathBuf};

fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// A fake MNIST with `train` and `test` images of 28×28 whose pixels are a simple pattern.
fn fake_mnist(dir: &Path, train: usize, test: usize) {
    std::fs::create_dir_all(dir).unwrap();
    for (stem, n) in [("train", train), ("t10k", test)] {
        let pixels: Vec<u8> = (0..n * 784)
            .map(|i| ((i * 7 + i / 784 * 13) % 256) as u8)
            .collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(
            dir.join(format!("{stem}-images-idx3-ubyte")),
            idx(2051, &[n as u32, 28, 28], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{stem}-labels-idx1-ubyte")),
            idx(2049, &[n as u32], &labels),
        )
        .unwrap();
    }
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blight-pipeline-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

fn settings(seed: u64) -> RunSettings {
    RunSettings {
        tool: "blight".into(),
        tool_version: "test".into(),
        suite: "imagenet-c".into(),
        recipe_version: "1".into(),
        seed,
        rng: RngKind::Fast,
        seeding: "fast stream per image".into(),
        configs: vec!["gaussian_noise".into()],
        assets: Vec::new(),
    }
}

fn run(source: &Path, out: &Path, seed: u64, threads: usize) -> blight::Result<pipeline::Manifest> {
    let recipe = Recipe::built_in("imagenet-c").unwrap();
    let noise = recipe.build_one("gaussian_noise", 3).unwrap();
    let configs = [Config {
        folder: "mnist_c",
        name: "gaussian_noise".into(),
        severity: 3,
        corruption: noise.as_ref(),
    }];
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| {
        pipeline::generate_mnist(
            source,
            out,
            settings(seed),
            &configs,
            &Context::default(),
            &|_| {},
        )
    })
}

#[test]
fn writes_the_layout_and_a_manifest_that_checks_out() {
    let root = scratch("layout");
    let source = root.join("mnist");
    fake_mnist(&source, 30, 12);
    let out = root.join("out");
    let manifest = run(&source, &out, 1, 2).unwrap();
    assert!(manifest.complete);
    let names: Vec<&str> = manifest.files.iter().map(|f| f.path.as_str()).collect();
    for want in ["train_images", "train_labels", "test_images", "test_labels"] {
        assert!(
            names.contains(&format!("mnist_c/gaussian_noise/{want}.npy").as_str()),
            "{names:?}"
        );
    }
    for f in &manifest.files {
        let bytes = std::fs::read(out.join(&f.path)).unwrap();
        assert_eq!(bytes.len() as u64, f.bytes);
        assert_eq!(blight::sink::manifest::sha256_hex(&bytes), f.sha256);
    }
    let images = std::fs::read(out.join("mnist_c/gaussian_noise/test_images.npy")).unwrap();
    assert_eq!(images.len(), 128 + 12 * 784);
    assert!(std::str::from_utf8(&images[10..128])
        .unwrap()
        .contains("'shape': (12, 28, 28, 1)"));
    let labels = std::fs::read(out.join("mnist_c/gaussian_noise/test_labels.npy")).unwrap();
    assert_eq!(&labels[128 + 8 * 3..128 + 8 * 4], &3i64.to_le_bytes());
}

#[test]
fn output_does_not_depend_on_threads_and_reruns_resume() {
    let root = scratch("threads");
    let source = root.join("mnist");
    fake_mnist(&source, 40, 9);
    let one = run(&source, &root.join("one"), 5, 1).unwrap();
    let two = run(&source, &root.join("two"), 5, 2).unwrap();
    assert_eq!(one.files, two.files);
    // A rerun of a complete run rewrites nothing.
    let file = root.join("one/mnist_c/gaussian_noise/train_images.npy");
    let before = std::fs::metadata(&file).unwrap().modified().unwrap();
    let again = run(&source, &root.join("one"), 5, 2).unwrap();
    assert_eq!(again.files, one.files);
    assert_eq!(
        std::fs::metadata(&file).unwrap().modified().unwrap(),
        before
    );
    // A damaged file is redone.
    std::fs::write(&file, b"damaged").unwrap();
    let repaired = run(&source, &root.join("one"), 5, 2).unwrap();
    assert_eq!(repaired.files, one.files);
}

#[test]
fn refuses_a_folder_with_another_run_or_stray_files() {
    let root = scratch("refuse");
    let source = root.join("mnist");
    fake_mnist(&source, 10, 10);
    let out = root.join("out");
    run(&source, &out, 1, 1).unwrap();
    let e = run(&source, &out, 2, 1).unwrap_err().to_string();
    assert!(
        e.contains("already holds a different run") && e.contains("seed 1"),
        "{e}"
    );
    let stray = root.join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("notes.txt"), b"x").unwrap();
    let e = run(&source, &stray, 1, 1).unwrap_err().to_string();
    assert!(e.contains("not empty"), "{e}");
}

#[test]
fn missing_source_names_the_folder_and_writes_nothing() {
    let root = scratch("missing");
    let e = run(&root.join("nowhere"), &root.join("out"), 1, 1)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("nowhere") && e.contains("no MNIST train file"),
        "{e}"
    );
    assert!(!root.join("out").exists());
}
