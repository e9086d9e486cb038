//! `blight generate cifar10-c --rng numpy` end to end against make_cifar_c.py's loop
//! (tests/fixtures/cifar10-c-dataset, made by scripts/reference/make_cifar_c_dataset_fixtures.py
//! in the 2018 stack): a made-up four-image `cifar-10-binary.tar.gz` (the last image gray), all
//! 19 corruptions × 5 severities with np.random.seed(7 + i) before each call on sample i. Every
//! `<corruption>.npy` and `labels.npy` must hold the reference's array: same dtype, shape and
//! every byte of data.
//!
//! `frost` needs the reference textures in $BLIGHT_FROST_DIR (`blight fetch frost`).

mod cli_common;

use cli_common::{frost_dir, npy, npy_parts, scratch};

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/cifar10-c-dataset")
}

#[test]
fn numpy_seeded_run_equals_the_reference_loop() {
    let out = scratch("run");
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "cifar10-c", "--source"])
        .arg(fixtures().join("cifar-10-binary.tar.gz"))
        .arg("--out")
        .arg(&out)
        .args([
            "--rng",
            "numpy",
            "--seed",
            "7",
            "--quiet",
            "--on-error",
            "fail",
        ])
        .args(["--frost-dir", &frost_dir()])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let reference = fixtures().join("reference");
    let mut names: Vec<String> = std::fs::read_dir(&reference)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 20, "19 corruptions and labels.npy: {names:?}");
    let mut failures = Vec::new();
    for name in &names {
        let (want_header, want) = npy(&reference.join(name));
        let (header, ours) = npy(&out.join(name));
        assert_eq!(header, want_header, "{name} header");
        let differing = ours.iter().zip(&want).filter(|(a, b)| a != b).count();
        println!("{name}: {differing} of {} bytes differ", want.len());
        if ours.len() != want.len() || differing > 0 {
            failures.push(name.clone());
        }
    }
    assert!(
        failures.is_empty(),
        "differ from the reference: {failures:?}"
    );
    std::fs::remove_dir_all(&out).unwrap();
}

/// Every `.npy` of a finished run folder, by name.
fn stacks(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "npy"))
        .map(|p| {
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            (name, std::fs::read(&p).unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fast_source_output_is_the_same_for_any_thread_count() {
    let run = |name: &str, threads: &str| {
        let out = scratch(name);
        let status = Command::new(env!("CARGO_BIN_EXE_blight"))
            .args(["generate", "cifar10-c", "--source"])
            .arg(fixtures().join("cifar-10-binary.tar.gz"))
            .arg("--out")
            .arg(&out)
            .args(["--seed", "3", "--threads", threads, "--quiet"])
            .args(["--frost-dir", &frost_dir()])
            .output()
            .unwrap();
        assert!(
            status.status.success(),
            "{}",
            String::from_utf8_lossy(&status.stderr)
        );
        let files = stacks(&out);
        std::fs::remove_dir_all(&out).unwrap();
        files
    };
    let one = run("fast-t1", "1");
    assert_eq!(one.len(), 20);
    assert_eq!(one, run("fast-t3", "3"), "threads 1 and 3 differ");
    // The keyed streams are not numpy's: the noise differs from the numpy-seeded reference.
    let (_, reference) = npy(&fixtures().join("reference/gaussian_noise.npy"));
    let (_, noise) = one.iter().find(|(n, _)| n == "gaussian_noise.npy").unwrap();
    assert_ne!(npy_parts(noise).1, reference);
}

#[test]
fn an_archive_with_the_wrong_class_count_is_refused_before_anything_is_written() {
    let out = scratch("wrong-classes").join("out");
    let archive = fixtures().join("cifar-10-binary.tar.gz");
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "cifar100-c", "--source"])
        .arg(&archive)
        .arg("--out")
        .arg(&out)
        .arg("--quiet")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("blight: error"))
        .collect();
    assert_eq!(
        errors,
        [format!(
            "blight: error: {}: has 10 classes; this suite is made from a dataset of 100 classes",
            archive.display()
        )]
    );
    assert!(!out.exists());
}

#[test]
fn a_damaged_labels_file_is_made_again_on_resume() {
    let out = scratch("labels-damage");
    let generate = || {
        let run = Command::new(env!("CARGO_BIN_EXE_blight"))
            .args(["generate", "cifar10-c", "--source"])
            .arg(fixtures().join("cifar-10-binary.tar.gz"))
            .arg("--out")
            .arg(&out)
            .args(["--corruptions", "gaussian_noise,fog", "--quiet"])
            .output()
            .unwrap();
        assert!(
            run.status.success(),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        String::from_utf8_lossy(&run.stderr).into_owned()
    };
    generate();
    let want = stacks(&out);
    let labels = out.join("labels.npy");
    let mut bytes = std::fs::read(&labels).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0xff;
    std::fs::write(&labels, bytes).unwrap();
    // The run taken back to unfinished: the rerun names the damage and repairs it.
    for name in [
        "manifest.json",
        "SHA256SUMS",
        "errors.json",
        ".blight/shard-0-of-1.done",
    ] {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    let stderr = generate();
    assert!(
        stderr.contains("blight: made again: labels.npy: content changed"),
        "{stderr}"
    );
    let got = stacks(&out);
    for ((name, bytes), (_, wanted)) in got.iter().zip(&want) {
        assert!(bytes == wanted, "{name} differs after the repair");
    }
    let names = |files: &[(String, Vec<u8>)]| files.iter().map(|f| f.0.clone()).collect::<Vec<_>>();
    assert_eq!(names(&got), names(&want));
    std::fs::remove_dir_all(&out).unwrap();
}
