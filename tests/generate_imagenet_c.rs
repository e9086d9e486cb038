//! `blight generate imagenet-c` end to end on a small class-folder tree made here: the layout,
//! the determinism matrix (threads × shard splits), resuming after damage, verify and the
//! bad-input cases.

mod cli_common;

use cli_common::{blight, ok, scratch, small_file_system, tree, unmount};

use blight::ops::jpeg::{self, Profile};
use blight::ops::resample::{resize, Filter};
use std::path::Path;
use std::process::{Command, Output};

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

fn generate_args<'a>(source: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "generate",
        "imagenet-c",
        "--source",
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    args
}

#[test]
fn a_run_killed_at_any_moment_resumes_to_the_same_bytes() {
    let dir = scratch("kill");
    let source = dir.join("val");
    dataset(&source);
    let reference = dir.join("reference");
    ok(&blight(&generate_args(&source, &reference, &SUBSET)));
    let want = tree(&reference);
    // Kill points spread over the run (the whole run takes a few hundred milliseconds here).
    for (n, delay_ms) in [5u64, 40, 90, 160, 260, 400].into_iter().enumerate() {
        let out = dir.join(format!("killed-{n}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_blight"))
            .args(generate_args(&source, &out, &SUBSET))
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL
        let _ = child.wait();
        ok(&blight(&generate_args(&source, &out, &SUBSET)));
        ok(&blight(&["verify", out.to_str().unwrap()]));
        let got = tree(&out);
        assert_eq!(
            want.keys().collect::<Vec<_>>(),
            got.keys().collect::<Vec<_>>(),
            "killed after {delay_ms} ms"
        );
        for (path, bytes) in &want {
            assert!(
                got[path] == *bytes,
                "killed after {delay_ms} ms: {path} differs"
            );
        }
        let staging: Vec<_> = std::fs::read_dir(out.join(".blight"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("tmp-"))
            .collect();
        assert!(staging.is_empty(), "staging left behind: {staging:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn damaged_outputs_are_reported_and_made_again_and_a_finished_run_writes_nothing() {
    let dir = scratch("damage");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    let args = generate_args(&source, &out, &SUBSET);
    ok(&blight(&args));
    let want = tree(&out);

    // Rerunning a finished run changes nothing, even in a read-only folder.
    let manifest = out.join("manifest.json");
    let before = std::fs::metadata(&manifest).unwrap().modified().unwrap();
    let again = blight(&args);
    ok(&again);
    assert!(String::from_utf8_lossy(&again.stdout).contains("already complete"));
    assert_eq!(
        std::fs::metadata(&manifest).unwrap().modified().unwrap(),
        before
    );

    // Damage three files and take the run back to unfinished: the rerun names each and repairs.
    let flipped = "fog/1/n01440764/ILSVRC2012_val_00000293.JPEG".replace("fog", "frost");
    let mut bytes = std::fs::read(out.join(&flipped)).unwrap();
    bytes[100] ^= 0xff;
    std::fs::write(out.join(&flipped), bytes).unwrap();
    let truncated = "glass_blur/5/n01443537/ILSVRC2012_val_00000236.JPEG";
    let bytes = std::fs::read(out.join(truncated)).unwrap();
    std::fs::write(out.join(truncated), &bytes[..bytes.len() / 2]).unwrap();
    let deleted = "gaussian_noise/1/n01484850/ILSVRC2012_val_00003014.JPEG";
    std::fs::remove_file(out.join(deleted)).unwrap();
    for name in [
        "manifest.json",
        "SHA256SUMS",
        "errors.json",
        ".blight/shard-0-of-1.done",
    ] {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    let rerun = blight(&args);
    ok(&rerun);
    let stderr = String::from_utf8_lossy(&rerun.stderr);
    assert!(
        stderr.contains(&format!("made again: {flipped}: content changed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("made again: {truncated}: size changed")),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("made again: {deleted}: missing")),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&rerun.stdout).contains("wrote 3 files, kept 45"));
    assert_eq!(tree(&out), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn another_run_in_the_same_folder_is_refused_naming_what_differs() {
    let dir = scratch("differs");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    ok(&blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "fog", "--severities", "1"],
    )));
    let refused = blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "fog", "--severities", "1", "--seed", "5"],
    ));
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("output folder holds a different run"),
        "{stderr}"
    );
    assert!(stderr.contains("seed (0 there, 5 here)"), "{stderr}");
    // Another source (one more image) is a different fingerprint.
    std::fs::copy(
        source.join("n01440764/ILSVRC2012_val_00000293.JPEG"),
        source.join("n01440764/ILSVRC2012_val_00009999.JPEG"),
    )
    .unwrap();
    let refused = blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "fog", "--severities", "1"],
    ));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("source.fingerprint"), "{stderr}");
    assert!(
        stderr.contains("source.samples (6 there, 7 here)"),
        "{stderr}"
    );
    // A folder holding something else is refused too.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("notes.txt"), b"mine").unwrap();
    let refused = blight(&generate_args(&source, &other, &["--corruptions", "fog"]));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("holds notes.txt but no blight run"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn unreadable_inputs_are_skipped_into_errors_json_or_stop_the_run() {
    let dir = scratch("errors");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    let good = std::fs::read(source.join("n01440764/ILSVRC2012_val_00000293.JPEG")).unwrap();
    std::fs::write(
        source.join("n01440764/ILSVRC2012_val_00000001.JPEG"),
        &good[..good.len() / 2],
    )
    .unwrap();
    std::fs::write(source.join("n01443537/ILSVRC2012_val_00000002.JPEG"), b"").unwrap();
    std::fs::write(
        source.join("n01484850/ILSVRC2012_val_00000003.JPEG"),
        b"not an image",
    )
    .unwrap();
    let subset = ["--corruptions", "contrast", "--severities", "2"];
    let run = blight(&generate_args(&source, &out, &subset));
    assert_eq!(run.status.code(), Some(3), "complete with skipped inputs");
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("3 input(s) could not be read"), "{stderr}");
    let errors: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("errors.json")).unwrap()).unwrap();
    let reasons: Vec<(String, String)> = errors
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["skipped"].as_str().unwrap().to_string(),
                e["reason"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 3);
    assert_eq!(reasons[0].0, "n01440764/ILSVRC2012_val_00000001.JPEG");
    assert!(
        reasons[0].1.contains("JPEG data ends early"),
        "{}",
        reasons[0].1
    );
    assert!(
        reasons[1]
            .1
            .contains("ILSVRC2012_val_00000002.JPEG: empty file"),
        "{}",
        reasons[1].1
    );
    assert!(reasons[2].1.contains("not an image"), "{}", reasons[2].1);
    ok(&blight(&["verify", out.to_str().unwrap()]));
    let images = tree(&out).keys().filter(|k| k.ends_with(".JPEG")).count();
    assert_eq!(images, 6);

    let stop = dir.join("stop");
    let mut args = generate_args(&source, &stop, &subset);
    args.extend(["--on-error", "fail"]);
    let run = blight(&args);
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("stopped at n01440764/ILSVRC2012_val_00000001.JPEG (--on-error fail)"),
        "{stderr}"
    );
    assert!(!stop.join("manifest.json").exists());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn verify_reports_missing_changed_and_unexpected_files() {
    let dir = scratch("verify");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    ok(&blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "brightness", "--severities", "3"],
    )));
    let a = "brightness/3/n01440764/ILSVRC2012_val_00000293.JPEG";
    let b = "brightness/3/n01443537/ILSVRC2012_val_00000236.JPEG";
    std::fs::remove_file(out.join(a)).unwrap();
    std::fs::write(out.join(b), b"changed").unwrap();
    std::fs::write(out.join("brightness/3/extra.JPEG"), b"extra").unwrap();
    let run = blight(&["verify", out.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains(&format!("missing: {a}")), "{stdout}");
    assert!(stdout.contains(&format!("changed: {b}")), "{stdout}");
    assert!(
        stdout.contains("unexpected: brightness/3/extra.JPEG"),
        "{stdout}"
    );
    assert!(
        stdout.contains("6 files checked: 1 missing, 1 changed, 1 unexpected"),
        "{stdout}"
    );
    // SHA256SUMS is in the format sha256sum -c reads.
    let sums = std::fs::read_to_string(out.join("SHA256SUMS")).unwrap();
    assert_eq!(sums.lines().count(), 6);
    assert!(sums.lines().all(|l| l.len() > 66 && &l[64..66] == "  "));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_requests_are_one_line_errors() {
    let dir = scratch("bad");
    let source = dir.join("val");
    dataset(&source);
    let out = dir.join("out");
    let cases: [(&[&str], &str); 4] = [
        (
            &["--shard", "3/3"],
            "--shard 3/3: expected K/N with 0 ≤ K < N",
        ),
        (&["--severities", "6"], "severity 6"),
        (&["--corruptions", "rain"], "rain"),
        (&["--corruptions", "fog", "--shard", "1/2"], ""),
    ];
    for (extra, expected) in &cases[..3] {
        let run = blight(&generate_args(&source, &out, extra));
        assert_eq!(run.status.code(), Some(1), "{extra:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        let errors: Vec<&str> = stderr
            .lines()
            .filter(|l| l.starts_with("blight: error"))
            .collect();
        assert_eq!(errors.len(), 1, "{stderr}");
        assert!(errors[0].contains(expected), "{extra:?}: {stderr}");
    }
    // A sharded folder asked for with another shard count.
    ok(&blight(&generate_args(&source, &out, cases[3].0)));
    let run = blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "fog", "--shard", "0/3"],
    ));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("split into 2 shards, not 3"), "{stderr}");
    // merge before every shard is done names the missing one.
    let run = blight(&["merge", out.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("shard 0/2 has not finished"), "{stderr}");
    let empty = dir.join("empty");
    std::fs::create_dir_all(empty.join("n01")).unwrap();
    let run = blight(&generate_args(&empty, &dir.join("out2"), &[]));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stderr.contains("no images found"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_full_disk_is_one_clear_error_that_leaves_no_partial_file() {
    let dir = scratch("full");
    let source = dir.join("val");
    dataset(&source);
    // A 200 KiB file system: room for a few outputs only. Mounting needs root (CI runs as root).
    let Some(small) = small_file_system(&dir, "200k") else {
        std::fs::remove_dir_all(&dir).unwrap();
        return;
    };
    let out = small.join("out");
    let run = blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "gaussian_noise"],
    ));
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    let files = tree(&out);
    let staging: Vec<_> = std::fs::read_dir(out.join(".blight/tmp-0-of-1"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    unmount(&small);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("blight: error"))
        .collect();
    assert_eq!(errors.len(), 1, "{stderr}");
    assert!(errors[0].contains("No space left on device"), "{stderr}");
    assert!(errors[0].contains("/out/gaussian_noise/"), "{stderr}");
    // Every file in place is whole (a JPEG that decodes), and nothing is left half-written.
    assert!(!files.is_empty());
    for (path, bytes) in &files {
        if path.ends_with(".JPEG") {
            assert!(
                jpeg::decode(bytes, Profile::Ijg9).is_ok(),
                "{path} is damaged"
            );
        }
    }
    assert!(staging.is_empty(), "{staging:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Runs blight as an unprivileged user where the tests run as root (root ignores permission bits),
/// so that a folder without write permission refuses writes as it would for a user.
fn blight_unprivileged(args: &[&str]) -> Output {
    let binary = env!("CARGO_BIN_EXE_blight");
    let as_root = Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0");
    let mut command = if as_root {
        let mut c = Command::new("setpriv");
        c.args(["--reuid=65534", "--regid=65534", "--clear-groups", binary]);
        c
    } else {
        Command::new(binary)
    };
    command.args(args).output().expect("run blight")
}

fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// Gives every file and folder under `root` to the unprivileged user of `blight_unprivileged`.
fn hand_over(root: &Path) {
    if Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
    {
        let status = Command::new("chown")
            .args(["-R", "65534:65534"])
            .arg(root)
            .status()
            .unwrap();
        assert!(status.success());
    }
}

#[test]
fn permission_denied_is_one_clear_error_that_leaves_nothing_half_written() {
    let dir = scratch("denied");
    let (source, out) = (dir.join("val"), dir.join("out"));
    dataset(&source);
    set_mode(&dir, 0o755);
    let args = generate_args(&source, &out, &["--corruptions", "gaussian_noise"]);

    // An output folder the user may not write into: refused before anything is made.
    std::fs::create_dir_all(&out).unwrap();
    set_mode(&out, 0o555);
    let run = blight_unprivileged(&args);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert_eq!(
        stderr.trim(),
        format!(
            "blight: error: {}/.blight: Permission denied (os error 13)",
            out.display()
        )
    );
    assert_eq!(std::fs::read_dir(&out).unwrap().count(), 0);

    // A class folder that turns read-only in the middle of a run: the file that cannot be
    // placed is named, nothing half-written stays behind, and the run resumes once it can.
    set_mode(&out, 0o755);
    hand_over(&out);
    ok(&blight_unprivileged(&args));
    let want = tree(&out);
    let lost = "gaussian_noise/3/n01443537/ILSVRC2012_val_00000262.JPEG";
    std::fs::remove_file(out.join(lost)).unwrap();
    for name in [
        "manifest.json",
        "SHA256SUMS",
        "errors.json",
        ".blight/shard-0-of-1.done",
    ] {
        std::fs::remove_file(out.join(name)).unwrap();
    }
    let class = out.join("gaussian_noise/3/n01443537");
    set_mode(&class, 0o555);
    let run = blight_unprivileged(&args);
    let stderr = String::from_utf8_lossy(&run.stderr).to_string();
    set_mode(&class, 0o755);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("blight: error"))
        .collect();
    assert_eq!(
        errors,
        [format!(
            "blight: error: {}: Permission denied (os error 13)",
            out.join(lost).display()
        )],
        "{stderr}"
    );
    assert!(!out.join("manifest.json").exists());
    let staging: Vec<_> = std::fs::read_dir(out.join(".blight/tmp-0-of-1"))
        .map(|d| d.map(|e| e.unwrap().file_name()).collect())
        .unwrap_or_default();
    assert!(staging.is_empty(), "{staging:?}");

    let rerun = blight_unprivileged(&args);
    ok(&rerun);
    assert!(
        String::from_utf8_lossy(&rerun.stderr).contains(&format!("made again: {lost}: missing"))
    );
    assert_eq!(tree(&out), want);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn webdataset_shards_are_the_same_for_any_threads_and_shard_split() {
    let dir = scratch("wds");
    let source = dir.join("val");
    dataset(&source);
    // 3 outputs per sample, 4 per tar: a tar holds outputs of two samples, so driver shards
    // must split on 4-sample boundaries (lcm(3, 4) = 12 outputs).
    let wds = [
        "--format",
        "wds",
        "--shard-size",
        "4",
        "--corruptions",
        "fog,contrast,jpeg_compression",
        "--severities",
        "2",
    ];
    let run = |name: &str, threads: &str, shards: usize| {
        let out = dir.join(name);
        for k in 0..shards {
            let shard = format!("{k}/{shards}");
            let mut args = generate_args(&source, &out, &wds);
            args.extend(["--threads", threads, "--shard", &shard]);
            ok(&blight(&args));
        }
        if shards > 1 {
            ok(&blight(&["merge", out.to_str().unwrap()]));
        }
        ok(&blight(&["verify", out.to_str().unwrap()]));
        tree(&out)
    };
    let one = run("one", "1", 1);
    let tars: Vec<&String> = one.keys().filter(|k| k.ends_with(".tar")).collect();
    assert_eq!(
        tars,
        [
            "shard-000000.tar",
            "shard-000001.tar",
            "shard-000002.tar",
            "shard-000003.tar",
            "shard-000004.tar"
        ]
    );
    // 6 samples × 3 outputs = 18 groups of .cls, .jpg and .json.
    let mut members = Vec::new();
    for tar in &tars {
        let mut archive = ::tar::Archive::new(&one[*tar][..]);
        for entry in archive.entries().unwrap() {
            members.push(
                entry
                    .unwrap()
                    .path()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned(),
            );
        }
    }
    assert_eq!(members.len(), 18 * 3);
    assert_eq!(members[0], "fog/2/n01440764/ILSVRC2012_val_00000293.cls");
    assert_eq!(one, run("split", "2", 3));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_archive_of_a_finished_run_is_reproducible() {
    let dir = scratch("archive");
    let source = dir.join("val");
    dataset(&source);
    let mut digests = Vec::new();
    for name in ["a", "b"] {
        let out = dir.join(name).join("imagenet-c");
        let run = blight(&generate_args(
            &source,
            &out,
            &[
                "--corruptions",
                "pixelate",
                "--severities",
                "4",
                "--archive",
                "tar",
            ],
        ));
        ok(&run);
        let stdout = String::from_utf8_lossy(&run.stdout).to_string();
        let line = stdout
            .lines()
            .find(|l| l.contains("sha256"))
            .unwrap()
            .to_string();
        assert!(line.contains("imagenet-c.tar: 9 files"), "{line}");
        let bytes = std::fs::read(dir.join(name).join("imagenet-c.tar")).unwrap();
        let members: Vec<String> = ::tar::Archive::new(&bytes[..])
            .entries()
            .unwrap()
            .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned())
            .collect();
        assert!(
            members.contains(&"imagenet-c/manifest.json".to_string()),
            "{members:?}"
        );
        assert!(
            members.iter().all(|m| !m.contains(".blight")),
            "{members:?}"
        );
        digests.push(line.split("sha256 ").nth(1).unwrap().to_string());
    }
    assert_eq!(digests[0], digests[1]);

    // The archive verifies against the manifest inside it; a changed member does not.
    let tar = dir.join("a/imagenet-c.tar");
    ok(&blight(&["verify", tar.to_str().unwrap()]));
    let bytes = std::fs::read(&tar).unwrap();
    let mut rebuilt = ::tar::Builder::new(Vec::new());
    let mut changed = String::new();
    for entry in ::tar::Archive::new(&bytes[..]).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        let mut data = Vec::new();
        std::io::Read::read_to_end(&mut entry, &mut data).unwrap();
        if changed.is_empty() && path.ends_with(".JPEG") {
            data[200] ^= 1;
            changed = path.trim_start_matches("imagenet-c/").to_string();
        }
        let mut header = entry.header().clone();
        header.set_cksum();
        rebuilt.append(&header, &data[..]).unwrap();
    }
    let tampered = dir.join("tampered.tar");
    std::fs::write(&tampered, rebuilt.into_inner().unwrap()).unwrap();
    let run = blight(&["verify", tampered.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(stdout.contains(&format!("changed: {changed}")), "{stdout}");
    assert!(
        stdout.contains("6 files checked: 0 missing, 1 changed, 0 unexpected"),
        "{stdout}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
