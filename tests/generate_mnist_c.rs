//! `blight generate mnist-c` end to end on a small MNIST made here: the released layout, output
//! that does not depend on threads or shards, resuming after kill -9, SIGTERM or a full disk,
//! refusing another run (naming the setting), checking the image size up front, repairing damage
//! and leaving a finished run untouched.

mod cli_common;

use cli_common::{blight, ok, scratch, small_file_system, stderr, tree, unmount};

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output};

/// The configs these tests run (the rest are left out with --skip): one untouched, one random,
/// one deterministic, one geometric.
const SUBSET: [&str; 4] = ["identity", "shot_noise", "brightness", "rotate"];

fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
    let mut out = magic.to_be_bytes().to_vec();
    for d in dims {
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

/// A fake MNIST of `train` and `test` images of rows × cols: a pattern with stroke-like runs.
fn fake_mnist(dir: &Path, train: usize, test: usize, rows: u32, cols: u32) {
    std::fs::create_dir_all(dir).unwrap();
    let size = (rows * cols) as usize;
    for (stem, n) in [("train", train), ("t10k", test)] {
        let pixels: Vec<u8> = (0..n * size)
            .map(|i| {
                let v = (i * 7 + i / size * 13) % 256;
                if v > 150 {
                    v as u8
                } else {
                    0
                }
            })
            .collect();
        let labels: Vec<u8> = (0..n).map(|i| (i % 10) as u8).collect();
        std::fs::write(
            dir.join(format!("{stem}-images-idx3-ubyte")),
            idx(2051, &[n as u32, rows, cols], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join(format!("{stem}-labels-idx1-ubyte")),
            idx(2049, &[n as u32], &labels),
        )
        .unwrap();
    }
}

/// `generate mnist-c` of SUBSET from `source` into `out`, with `extra` arguments.
fn args(source: &Path, out: &Path, extra: &[&str]) -> Vec<String> {
    let suite = blight::suite::Suite::built_in("mnist-c").unwrap();
    let mut args: Vec<String> = [
        "generate",
        "mnist-c",
        "--source",
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ]
    .map(String::from)
    .to_vec();
    for c in &suite.corruptions {
        if !SUBSET.contains(&c.name.as_str()) {
            args.extend(["--skip".to_string(), c.name.clone()]);
        }
    }
    args.extend(extra.iter().map(|a| a.to_string()));
    args
}

fn generate(source: &Path, out: &Path, extra: &[&str]) -> Output {
    let args = args(source, out, extra);
    blight(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

/// The data of an `.npy` file and the shape its header states.
fn npy(bytes: &[u8]) -> (String, &[u8]) {
    let header = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let text = std::str::from_utf8(&bytes[10..10 + header]).unwrap();
    let shape = text.split("'shape': ").nth(1).unwrap();
    (
        shape[..shape.find(')').unwrap() + 1].to_string(),
        &bytes[10 + header..],
    )
}

fn assert_same(want: &BTreeMap<String, Vec<u8>>, got: &BTreeMap<String, Vec<u8>>, what: &str) {
    assert_eq!(
        want.keys().collect::<Vec<_>>(),
        got.keys().collect::<Vec<_>>(),
        "{what}"
    );
    for (path, bytes) in want {
        assert!(got[path] == *bytes, "{what}: {path} differs");
    }
}

#[test]
fn writes_the_released_layout_and_zip_with_a_manifest_that_verifies() {
    let dir = scratch("layout");
    let (source, out) = (dir.join("mnist"), dir.join("out"));
    fake_mnist(&source, 30, 12, 28, 28);
    ok(&generate(&source, &out, &["--zip"]));
    let files = tree(&out);
    let mut want: Vec<String> = ["SHA256SUMS", "errors.json", "manifest.json", "mnist_c.zip"]
        .map(String::from)
        .to_vec();
    for config in SUBSET {
        for file in ["test_images", "test_labels", "train_images", "train_labels"] {
            want.push(format!("mnist_c/{config}/{file}.npy"));
        }
    }
    want.sort();
    assert_eq!(files.keys().cloned().collect::<Vec<_>>(), want);
    let (shape, pixels) = npy(&files["mnist_c/identity/test_images.npy"]);
    assert_eq!(shape, "(12, 28, 28, 1)");
    let clean = std::fs::read(source.join("t10k-images-idx3-ubyte")).unwrap();
    assert_eq!(pixels, &clean[16..]);
    let (shape, labels) = npy(&files["mnist_c/rotate/train_labels.npy"]);
    assert_eq!(shape, "(30,)");
    assert_eq!(&labels[8 * 13..8 * 14], &3i64.to_le_bytes());
    let (_, noisy) = npy(&files["mnist_c/shot_noise/train_images.npy"]);
    assert_ne!(
        noisy,
        &std::fs::read(source.join("train-images-idx3-ubyte")).unwrap()[16..]
    );
    // The zip holds the folder's 16 files under mnist_c/, and the manifest lists it.
    let zip = zip::ZipArchive::new(std::io::Cursor::new(&files["mnist_c.zip"])).unwrap();
    assert_eq!(zip.len(), 16);
    assert!(zip.file_names().all(|n| n.starts_with("mnist_c/")));
    let manifest: serde_json::Value = serde_json::from_slice(&files["manifest.json"]).unwrap();
    assert_eq!(manifest["file_count"], 17);
    assert_eq!(
        manifest["settings"]["configs"],
        serde_json::json!(["identity/1", "shot_noise/5", "brightness/5", "rotate/2"])
    );
    assert_eq!(manifest["settings"]["source"]["samples"], 42);
    ok(&blight(&["verify", out.to_str().unwrap()]));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_is_the_same_for_any_threads_and_shard_split() {
    let dir = scratch("matrix");
    let source = dir.join("mnist");
    fake_mnist(&source, 20, 9, 28, 28);
    for rng in ["fast", "numpy"] {
        let run = |name: &str, threads: &str, shards: usize| {
            let out = dir.join(format!("{rng}-{name}"));
            for k in 0..shards {
                let shard = format!("{k}/{shards}");
                ok(&generate(
                    &source,
                    &out,
                    &["--rng", rng, "--threads", threads, "--shard", &shard],
                ));
            }
            if shards > 1 {
                ok(&blight(&["merge", out.to_str().unwrap()]));
            }
            ok(&blight(&["verify", out.to_str().unwrap()]));
            tree(&out)
        };
        let reference = run("t1", "1", 1);
        for (name, threads, shards) in [("t2", "2", 1), ("t8s3", "8", 3), ("t2s5", "2", 5)] {
            assert_same(
                &reference,
                &run(name, threads, shards),
                &format!("{rng} {name}"),
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs the subset into `out` and stops it with `signal` after `delay_ms`.
fn interrupted(source: &Path, out: &Path, signal: &str, delay_ms: u64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(args(source, out, &[]))
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(delay_ms));
    let _ = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status();
    let _ = child.wait();
}

#[test]
fn a_run_killed_or_terminated_at_any_moment_resumes_to_the_same_bytes() {
    let dir = scratch("kill");
    let source = dir.join("mnist");
    // Big enough that the run takes a few hundred milliseconds here (the first stops come
    // while it reads and checks the source, the later ones between its files).
    fake_mnist(&source, 6000, 1500, 28, 28);
    let reference = dir.join("reference");
    ok(&generate(&source, &reference, &[]));
    let want = tree(&reference);
    let stops = [
        ("-KILL", 0u64),
        ("-KILL", 15),
        ("-TERM", 15),
        ("-KILL", 80),
        ("-TERM", 160),
        ("-KILL", 250),
        ("-KILL", 400),
    ];
    for (n, (signal, delay_ms)) in stops.into_iter().enumerate() {
        let what = format!("{signal} after {delay_ms} ms");
        let out = dir.join(format!("stopped-{n}"));
        interrupted(&source, &out, signal, delay_ms);
        let rerun = generate(&source, &out, &[]);
        ok(&rerun);
        assert!(
            !stderr(&rerun).contains("choose an empty folder"),
            "{what}: {}",
            stderr(&rerun)
        );
        ok(&blight(&["verify", out.to_str().unwrap()]));
        assert_same(&want, &tree(&out), &what);
        let staging: Vec<_> = std::fs::read_dir(out.join(".blight"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("tmp-"))
            .collect();
        assert!(
            staging.is_empty(),
            "{what}: staging left behind: {staging:?}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_disk_too_small_for_the_first_file_fails_cleanly_and_the_run_resumes() {
    let dir = scratch("full");
    let source = dir.join("mnist");
    fake_mnist(&source, 60, 20, 28, 28);
    let reference = dir.join("reference");
    ok(&generate(&source, &reference, &[]));
    // A 32 KiB file system: less than the first images file (47 KB). Mounting needs root.
    let Some(small) = small_file_system(&dir, "32k") else {
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    };
    let out = small.join("out");
    let run = generate(&source, &out, &[]);
    let message = stderr(&run);
    let partial: Vec<String> = tree(&out)
        .into_keys()
        .filter(|k| k.ends_with(".npy") || k.contains("partial"))
        .collect();
    let resumable = out.join(".blight/run.json").exists();
    // Room again: the same command picks the run up.
    let grown = Command::new("mount")
        .args(["-o", "remount,size=16m"])
        .arg(&small)
        .status()
        .is_ok_and(|s| s.success());
    let rerun = generate(&source, &out, &[]);
    let got = tree(&out);
    unmount(&small);
    assert_eq!(run.status.code(), Some(1), "{message}");
    let errors: Vec<&str> = message
        .lines()
        .filter(|l| l.starts_with("blight: error"))
        .collect();
    assert_eq!(errors.len(), 1, "{message}");
    assert!(errors[0].contains("No space left on device"), "{message}");
    assert!(errors[0].contains("train_images.npy"), "{message}");
    assert!(partial.is_empty(), "{partial:?}");
    assert!(resumable, "no run.json: the folder could not be resumed");
    assert!(grown);
    ok(&rerun);
    assert_same(&tree(&reference), &got, "resumed after a full disk");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_source_or_seed_is_refused_naming_what_differs() {
    let dir = scratch("differs");
    let (source, out) = (dir.join("mnist"), dir.join("out"));
    fake_mnist(&source, 30, 12, 28, 28);
    let other = dir.join("other");
    fake_mnist(&other, 10, 5, 28, 28);
    // Refused whether the first run finished or was interrupted.
    ok(&generate(&source, &out, &[]));
    for finished in [true, false] {
        if !finished {
            for name in ["manifest.json", ".blight/shard-0-of-1.done"] {
                std::fs::remove_file(out.join(name)).unwrap();
            }
        }
        let refused = generate(&other, &out, &[]);
        assert_eq!(refused.status.code(), Some(1));
        let message = stderr(&refused);
        assert!(
            message.contains(
                "output folder holds a different run; it differs in source.fingerprint, \
                 source.samples (42 there, 15 here)"
            ),
            "{message}"
        );
        let refused = generate(&source, &out, &["--seed", "5"]);
        let message = stderr(&refused);
        assert!(
            message.contains("it differs in seed (0 there, 5 here)"),
            "{message}"
        );
    }
    // A folder holding something else is refused too.
    let stray = dir.join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("notes.txt"), b"mine").unwrap();
    let message = stderr(&generate(&source, &stray, &[]));
    assert!(
        message.contains("holds notes.txt but no blight run"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_sources_are_refused_before_anything_is_written() {
    let dir = scratch("size");
    let source = dir.join("mnist");
    fake_mnist(&source, 3, 2, 56, 14);
    let out = dir.join("out");
    let run = generate(&source, &out, &[]);
    assert_eq!(run.status.code(), Some(1));
    let message = stderr(&run);
    assert!(
        message.contains(
            "train-images-idx3-ubyte: images are 56×14 (rows × columns in the IDX header), but \
             the mnist-c suite corrupts 28×28 digits; nothing was written"
        ),
        "{message}"
    );
    assert!(!out.exists());
    let message = stderr(&generate(&dir.join("nowhere"), &out, &[]));
    assert!(
        message.contains("nowhere") && message.contains("no MNIST train file"),
        "{message}"
    );
    assert!(!out.exists());
    let message = stderr(&generate(&source, &out, &["--zip", "--shard", "0/2"]));
    assert!(
        message.contains("--zip packs every file of the run"),
        "{message}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_files_are_named_and_made_again() {
    let dir = scratch("damage");
    let (source, out) = (dir.join("mnist"), dir.join("out"));
    fake_mnist(&source, 30, 12, 28, 28);
    ok(&generate(&source, &out, &[]));
    let want = tree(&out);
    let flipped = "mnist_c/identity/test_images.npy";
    let mut bytes = std::fs::read(out.join(flipped)).unwrap();
    bytes[500] ^= 0xff;
    std::fs::write(out.join(flipped), bytes).unwrap();
    let truncated = "mnist_c/rotate/train_labels.npy";
    let bytes = std::fs::read(out.join(truncated)).unwrap();
    std::fs::write(out.join(truncated), &bytes[..bytes.len() / 2]).unwrap();
    let deleted = "mnist_c/shot_noise/test_images.npy";
    std::fs::remove_file(out.join(deleted)).unwrap();
    // `verify` finds them; a rerun of the run taken back to unfinished names and repairs them.
    let verify = blight(&["verify", out.to_str().unwrap()]);
    assert_eq!(verify.status.code(), Some(1));
    for name in [
        "manifest.json",
        "SHA256SUMS",
        "errors.json",
        ".blight/shard-0-of-1.done",
    ] {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    let rerun = generate(&source, &out, &[]);
    ok(&rerun);
    let message = stderr(&rerun);
    for line in [
        format!("blight: made again: {flipped}: content changed"),
        format!("blight: made again: {truncated}: size changed"),
        format!("blight: made again: {deleted}: missing"),
    ] {
        assert!(message.contains(&line), "{line}\n{message}");
    }
    // Three configs' splits made again (images and labels each), the fourth's kept.
    let stdout = String::from_utf8_lossy(&rerun.stdout);
    assert!(stdout.contains("wrote 6 files"), "{stdout}");
    assert_same(&want, &tree(&out), "repaired");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_finished_run_is_left_untouched_even_read_only() {
    let dir = scratch("finished");
    let (source, out) = (dir.join("mnist"), dir.join("out"));
    fake_mnist(&source, 10, 4, 28, 28);
    ok(&generate(&source, &out, &[]));
    let manifest = out.join("manifest.json");
    let before = std::fs::metadata(&manifest).unwrap().modified().unwrap();
    // A read-only view of the folder (a bind mount, since root ignores file modes).
    let view = dir.join("view");
    std::fs::create_dir_all(&view).unwrap();
    let mounted = Command::new("mount")
        .arg("--bind")
        .arg(&out)
        .arg(&view)
        .status()
        .is_ok_and(|s| s.success())
        && Command::new("mount")
            .args(["-o", "remount,bind,ro"])
            .arg(&view)
            .status()
            .is_ok_and(|s| s.success());
    let again = generate(&source, if mounted { &view } else { &out }, &[]);
    if mounted {
        unmount(&view);
    } else {
        println!("read-only part skipped: cannot bind-mount here (needs root)");
    }
    ok(&again);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already complete (16 files)"));
    assert_eq!(
        std::fs::metadata(&manifest).unwrap().modified().unwrap(),
        before
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
