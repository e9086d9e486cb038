//! `blight generate imagenet-c` end to end on a small class-folder tree made here: the layout,
//! the determinism matrix (threads × shard splits), resuming after damage, verify and the
//! bad-input cases.

use blight::ops::jpeg::{self, Profile};
use blight::ops::resample::{resize, Filter};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blight-gen-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// A small ImageNet-style validation tree: three classes, photos of several sizes (landscape,
/// portrait, short side already 256, gray).
fn dataset(root: &Path) {
    let photo = blight::builtin::photo();
    let files: [(&str, usize, usize, bool); 6] = [
        ("n01440764/ILSVRC2012_val_00000293.JPEG", 500, 375, false),
        ("n01440764/ILSVRC2012_val_00002138.JPEG", 333, 500, false),
        ("n01443537/ILSVRC2012_val_00000236.JPEG", 256, 300, false),
        ("n01443537/ILSVRC2012_val_00000262.JPEG", 300, 241, true),
        ("n01484850/ILSVRC2012_val_00002752.JPEG", 400, 300, false),
        ("n01484850/ILSVRC2012_val_00003014.JPEG", 260, 260, false),
    ];
    for (rel, w, h, gray) in files {
        let mut image = resize(&photo, w, h, Filter::Bilinear).unwrap();
        if gray {
            let luma: Vec<u8> = image.data.chunks_exact(3).map(|p| p[1]).collect();
            image = blight::Image::new(w, h, 1, luma).unwrap();
        }
        let bytes = jpeg::encode(&image, 90, Profile::Ijg9, false).unwrap();
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }
}

fn blight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(args)
        .output()
        .expect("run blight")
}

fn ok(out: &Output) {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every file under `dir` (outside the run's state) with its bytes.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".blight" {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{rel}/"), out);
            } else {
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

const SUBSET: [&str; 4] = [
    "--corruptions",
    "gaussian_noise,glass_blur,frost,jpeg_compression",
    "--severities",
    "1,5",
];

#[test]
fn writes_the_reference_layout_as_jpeg_q85() {
    let dir = scratch("layout");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    let args = [
        &[
            "generate",
            "imagenet-c",
            "--source",
            source.to_str().unwrap(),
        ][..],
        &["--out", out.to_str().unwrap(), "--quiet"],
        &SUBSET,
    ]
    .concat();
    ok(&blight(&args));
    let files = tree(&out);
    // 4 corruptions × 2 severities × 6 images, and the run's records.
    let images: Vec<&String> = files.keys().filter(|k| k.ends_with(".JPEG")).collect();
    assert_eq!(images.len(), 48);
    for name in ["manifest.json", "SHA256SUMS", "errors.json"] {
        assert!(files.contains_key(name), "{name}");
    }
    let first = &files["frost/5/n01440764/ILSVRC2012_val_00000293.JPEG"];
    let decoded = jpeg::decode(first, Profile::Ijg9).unwrap();
    assert_eq!(
        (decoded.width, decoded.height, decoded.channels),
        (224, 224, 3)
    );
    ok(&blight(&["verify", out.to_str().unwrap()]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_is_the_same_for_any_threads_and_shard_split() {
    let dir = scratch("matrix");
    let source = dir.join("val");
    dataset(&source);
    let run = |name: &str, threads: &str, shards: usize| {
        let out = dir.join(name);
        for k in 0..shards {
            let shard = format!("{k}/{shards}");
            let args = [
                &[
                    "generate",
                    "imagenet-c",
                    "--source",
                    source.to_str().unwrap(),
                ][..],
                &[
                    "--out",
                    out.to_str().unwrap(),
                    "--quiet",
                    "--threads",
                    threads,
                ],
                &["--shard", &shard],
                &SUBSET,
            ]
            .concat();
            ok(&blight(&args));
        }
        if shards > 1 {
            ok(&blight(&["merge", out.to_str().unwrap()]));
        }
        ok(&blight(&["verify", out.to_str().unwrap()]));
        tree(&out)
    };
    let reference = run("t1", "1", 1);
    for (name, threads, shards) in [("t2s3", "2", 3), ("t8s7", "8", 7), ("t2s1", "2", 1)] {
        let other = run(name, threads, shards);
        assert_eq!(
            reference.keys().collect::<Vec<_>>(),
            other.keys().collect::<Vec<_>>(),
            "{name}"
        );
        for (path, bytes) in &reference {
            assert!(other[path] == *bytes, "{name}: {path} differs");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
