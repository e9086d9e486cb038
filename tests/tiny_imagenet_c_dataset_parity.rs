//! `blight generate tiny-imagenet-c --rng numpy` end to end against make_tinyimagenet_c.py's chain
//! (tests/fixtures/tiny-imagenet-c-dataset, made by
//! scripts/reference/make_tiny_imagenet_c_dataset_fixtures.py with Pillow 5.0.0 / libjpeg 9b): the
//! six odd JPEGs of the ImageNet-C dataset fixtures (landscape, portrait, gray, CMYK) through
//! Resize((64, 64)) and all 19 corruptions at severities 1 and 5, seed 7. Every output must be the
//! reference's file byte for byte, and no other file may be written.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`).

mod cli_common;

use cli_common::frost_dir;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// Every image file under `dir` (JPEGs only: the run's records are not compared), by path
/// relative to it.
fn jpegs(dir: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            let rel = format!("{prefix}{name}");
            if path.is_dir() {
                walk(&path, &format!("{rel}/"), out);
            } else if name.ends_with(".JPEG") {
                out.insert(rel, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

#[test]
fn numpy_seeded_run_writes_the_reference_files() {
    let out = std::env::temp_dir().join(format!("blight-tiny-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "tiny-imagenet-c", "--source"])
        .arg(fixtures().join("imagenet-c-dataset/val"))
        .arg("--out")
        .arg(&out)
        .args(["--rng", "numpy", "--seed", "7", "--severities", "1,5"])
        .args(["--quiet", "--on-error", "fail", "--frost-dir", &frost_dir()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let reference = jpegs(&fixtures().join("tiny-imagenet-c-dataset/reference"));
    let ours = jpegs(&out);
    assert_eq!(reference.len(), 19 * 2 * 6);
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>()
    );
    let differing: Vec<&String> = reference
        .iter()
        .filter(|(rel, path)| std::fs::read(path).unwrap() != std::fs::read(&ours[*rel]).unwrap())
        .map(|(rel, _)| rel)
        .collect();
    assert!(
        differing.is_empty(),
        "differ from the reference: {differing:?}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}
