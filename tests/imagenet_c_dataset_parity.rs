//! `blight generate imagenet-c --rng numpy` end to end against the original chain's files
//! (tests/fixtures/imagenet-c-dataset, made by scripts/reference/make_imagenet_c_dataset_fixtures.py
//! with Pillow 5.0.0 / libjpeg 9b): six odd JPEGs in three classes — landscape, portrait, short
//! side exactly 256, gray, and two Adobe-inverted CMYK files — through twelve corruptions at
//! severities 1 and 5, seed 7. Every output must decode to the reference's pixels and be the
//! same file byte for byte.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`).

mod cli_common;

use cli_common::frost_dir;

use blight::ops::jpeg::{self, Profile};
use blight::prep::Prep;
use blight::source::decode::decode_rgb;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

const SEED: &str = "7";
const SEVERITIES: &str = "1,5";
const CORRUPTIONS: &str = "gaussian_noise,impulse_noise,glass_blur,motion_blur,snow,frost,fog,\
                           contrast,elastic_transform,jpeg_compression,spatter,saturate";

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imagenet-c-dataset")
}

/// Every file under `dir`, by path relative to it, skipping the run's state.
fn files(dir: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with('.') {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if path.is_dir() {
                walk(&path, &format!("{rel}/"), out);
            } else {
                out.insert(rel, path);
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The inputs decode (in their own mode and as RGB) and prepare to Pillow 5.0.0's pixels.
#[test]
fn inputs_decode_and_prepare_as_pillow_5_does() {
    let text = std::fs::read_to_string(fixtures().join("decoded.json")).unwrap();
    let expected: BTreeMap<String, serde_json::Value> = serde_json::from_str(&text).unwrap();
    let prep = Prep {
        decoder: Profile::Ijg9,
        crop_fraction: None,
        resize_short_side: Some(256),
        resize: None,
        center_crop: Some(224),
        classes: None,
        convert_rgb_last: false,
    };
    assert_eq!(expected.len(), 6);
    let modes: Vec<&str> = expected
        .values()
        .map(|v| v["mode"].as_str().unwrap())
        .collect();
    assert_eq!(modes, ["RGB", "RGB", "RGB", "L", "CMYK", "CMYK"]);
    for (key, want) in &expected {
        let path = fixtures().join("val").join(key);
        let bytes = std::fs::read(&path).unwrap();
        let native = jpeg::decode(&bytes, Profile::Ijg9).unwrap();
        let size = [native.width as u64, native.height as u64];
        assert_eq!(want["size"], serde_json::json!(size), "{key}");
        assert_eq!(sha256(&native.data), want["native"], "{key}: as opened");
        let rgb = decode_rgb(&path, &bytes, Profile::Ijg9).unwrap();
        assert_eq!(sha256(&rgb.data), want["rgb"], "{key}: convert('RGB')");
        let prepared = prep.apply(&rgb).unwrap();
        assert_eq!(
            sha256(&prepared.data),
            want["prepared"],
            "{key}: Resize + CenterCrop"
        );
    }
}

#[test]
fn generate_numpy_matches_the_reference_files() {
    let out = std::env::temp_dir().join(format!("blight-dataset-parity-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&out);
    let source = fixtures().join("val");
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "imagenet-c", "--source"])
        .arg(&source)
        .arg("--out")
        .arg(&out)
        .args([
            "--rng",
            "numpy",
            "--seed",
            SEED,
            "--corruptions",
            CORRUPTIONS,
        ])
        .args(["--severities", SEVERITIES, "--quiet", "--on-error", "fail"])
        .args(["--frost-dir", &frost_dir()])
        .output()
        .expect("run blight");
    assert!(
        run.status.success(),
        "blight failed: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let reference = files(&fixtures().join("reference"));
    let ours: BTreeMap<String, PathBuf> = files(&out)
        .into_iter()
        .filter(|(k, _)| k.ends_with(".JPEG"))
        .collect();
    assert_eq!(
        ours.keys().collect::<Vec<_>>(),
        reference.keys().collect::<Vec<_>>(),
        "the output tree differs from the reference's"
    );
    assert_eq!(reference.len(), 12 * 2 * 6);
    let (mut pixel_mismatch, mut byte_mismatch) = (Vec::new(), Vec::new());
    for (key, reference_path) in &reference {
        let (a, b) = (
            std::fs::read(&ours[key]).unwrap(),
            std::fs::read(reference_path).unwrap(),
        );
        if a != b {
            byte_mismatch.push(key.as_str());
        }
        let (pa, pb) = (
            jpeg::decode(&a, Profile::Ijg9).unwrap(),
            jpeg::decode(&b, Profile::Ijg9).unwrap(),
        );
        if pa != pb {
            let differing = pa.data.iter().zip(&pb.data).filter(|(x, y)| x != y).count();
            pixel_mismatch.push(format!("{key} ({differing} values)"));
        }
    }
    let _ = std::fs::remove_dir_all(&out);
    assert!(
        pixel_mismatch.is_empty(),
        "{} of {} outputs decode to other pixels than the reference's: {pixel_mismatch:#?}",
        pixel_mismatch.len(),
        reference.len()
    );
    assert!(
        byte_mismatch.is_empty(),
        "{} of {} outputs are not byte-identical to the reference's: {byte_mismatch:#?}",
        byte_mismatch.len(),
        reference.len()
    );
}
