//! `blight generate tiny-imagenet-p` end to end on the six-image validation tree of
//! tests/fixtures/imagenet-c-dataset (imagenet-p writes the same layout at 224): every tar
//! sample is one sequence whose PNG frames are the frames [`PerturbSuite::sequence`] makes for
//! sample i after `np.random.seed(seed + i)`, with its label and metadata; difficulty 2 of the
//! noises lands under `<perturbation>_2/`; the shards' bytes do not depend on threads or driver
//! shards, and `blight verify` passes.

mod cli_common;

use cli_common::{blight, flat_files, ok, scratch};

use blight::perturb::PerturbSuite;
use blight::rng::NumpyRandom;
use blight::source::Source;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

const VAL: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/imagenet-c-dataset/val"
);

fn generate(out: &Path, extra: &[&str]) -> String {
    let mut args = vec![
        "generate",
        "tiny-imagenet-p",
        "--source",
        VAL,
        "--out",
        out.to_str().unwrap(),
        "--rng",
        "numpy",
        "--seed",
        "3",
        "--quiet",
        "--on-error",
        "fail",
    ];
    args.extend_from_slice(extra);
    ok(&blight(&args))
}

/// Every member of every shard, by name, in shard order.
fn members(out: &Path) -> Vec<(String, Vec<u8>)> {
    let mut shards: Vec<PathBuf> = std::fs::read_dir(out)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "tar"))
        .collect();
    shards.sort();
    let mut all = Vec::new();
    for shard in shards {
        let mut archive = tar::Archive::new(std::fs::File::open(&shard).unwrap());
        for entry in archive.entries().unwrap() {
            let mut entry = entry.unwrap();
            let name = entry.path().unwrap().to_string_lossy().into_owned();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            all.push((name, bytes));
        }
    }
    all
}

#[test]
fn each_sample_is_one_sequence_of_png_frames() {
    let out = scratch("frames");
    generate(
        &out,
        &["--limit", "2", "--difficulties", "1,2", "--shard-size", "5"],
    );
    let members: BTreeMap<String, Vec<u8>> = members(&out).into_iter().collect();
    let suite = PerturbSuite::built_in("tiny-imagenet-p").unwrap();
    let source =
        blight::source::folder::ImageFolder::open(Path::new(VAL), suite.input.decoder).unwrap();
    let mut sequences = 0;
    for i in 0..2 {
        let sample = source.sample(i).unwrap();
        let stem = sample.key.trim_end_matches(".JPEG");
        for name in suite.names() {
            let perturbation = suite.get(name).unwrap();
            for d in perturbation.difficulties().filter(|d| *d <= 2) {
                let folder = if d == 1 {
                    name.to_string()
                } else {
                    format!("{name}_{d}")
                };
                let key = format!("{folder}/{stem}");
                assert_eq!(
                    members[&format!("{key}.cls")],
                    sample.label.to_string().into_bytes()
                );
                let meta: serde_json::Value =
                    serde_json::from_slice(&members[&format!("{key}.json")]).unwrap();
                assert_eq!(meta["perturbation"], name);
                assert_eq!(meta["difficulty"], d);
                assert_eq!(meta["key"], sample.key.as_str());
                assert_eq!(meta["label"], sample.label);
                assert_eq!(meta["frames"], perturbation.frame_count());
                let mut rng = NumpyRandom::new(3 + i as u32);
                let mut n = 0;
                suite
                    .sequence(name, &sample.image, d, &mut rng, &mut |frame| {
                        let member = format!("{key}.frame-{n:02}.png");
                        let png = members
                            .get(&member)
                            .unwrap_or_else(|| panic!("{member} missing"));
                        let stored = blight::io::decode_rgb(Path::new(&member), png).unwrap();
                        assert!(stored == frame, "{member} differs from the sequence");
                        n += 1;
                        Ok(())
                    })
                    .unwrap();
                assert_eq!(n, perturbation.frame_count(), "{key}");
                assert!(!members.contains_key(&format!("{key}.frame-{n:02}.png")));
                sequences += 1;
            }
        }
    }
    // 14 sequences and the three noises' difficulty 2, for each of the two samples.
    assert_eq!(sequences, 2 * 17);
    assert_eq!(
        members.keys().filter(|k| k.ends_with(".json")).count(),
        sequences
    );
    let verify = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["verify", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(verify.status.success());
}

#[test]
fn shards_do_not_depend_on_threads_or_driver_shards() {
    let args = [
        "--limit",
        "4",
        "--perturbations",
        "gaussian_noise,rotate,motion_blur",
        "--shard-size",
        "3",
    ];
    let one = scratch("one");
    generate(&one, &[&args[..], &["--threads", "1"]].concat());
    let reference = flat_files(&one);
    // 4 samples × 3 sequences in shards of 3.
    assert_eq!(
        reference
            .iter()
            .filter(|(n, _)| n.ends_with(".tar"))
            .count(),
        4
    );
    let split = scratch("split");
    for shard in ["1/2", "0/2"] {
        generate(
            &split,
            &[&args[..], &["--threads", "2", "--shard", shard]].concat(),
        );
    }
    let merged = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["merge", split.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(merged.status.success());
    assert!(flat_files(&split) == reference, "split run differs");
}

#[test]
fn video_needs_ffmpeg_on_path() {
    let out = scratch("no-ffmpeg").join("out");
    let empty = scratch("empty-path");
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "imagenet-p", "--source", VAL, "--out"])
        .arg(&out)
        .args(["--video", "mp4", "--quiet"])
        .env("PATH", &empty)
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("ffmpeg") && stderr.contains("not on PATH"),
        "{stderr}"
    );
    assert!(!out.exists(), "nothing is written without ffmpeg");
}

/// An `ffmpeg` stand-in that records its command line and the frames it was given, so the
/// reference's settings and the released layout are checked without an encoder.
#[cfg(unix)]
#[test]
fn video_runs_ffmpeg_with_the_reference_settings() {
    use std::os::unix::fs::PermissionsExt;
    let bin = scratch("fake-ffmpeg");
    let ffmpeg = bin.join("ffmpeg");
    std::fs::write(
        &ffmpeg,
        "#!/bin/sh\nprintf '%s ' \"$@\" > video.mp4\nls img*.png | sort -V | tr '\\n' ' ' >> video.mp4\n",
    )
    .unwrap();
    std::fs::set_permissions(&ffmpeg, std::fs::Permissions::from_mode(0o755)).unwrap();
    let out = scratch("video");
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "tiny-imagenet-p", "--source", VAL, "--out"])
        .arg(&out)
        .args([
            "--video",
            "mp4",
            "--quiet",
            "--limit",
            "1",
            "--perturbations",
            "shot_noise,rotate",
            "--difficulties",
            "1,3",
        ])
        .env("PATH", path)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let frames = |n: usize| (0..n).map(|i| format!("img{i}.png ")).collect::<String>();
    let common = "-nostdin -loglevel error -r 1 -framerate 1 -i img%01d.png -vcodec libx264";
    let read = |rel: &str| std::fs::read_to_string(out.join(rel)).unwrap();
    let stem = "n01440764/ILSVRC2012_val_00000293.mp4";
    for folder in ["shot_noise", "shot_noise_3"] {
        assert_eq!(
            read(&format!("{folder}/{stem}")),
            format!(
                "{common} -tune grain -preset veryslow -y video.mp4 {}",
                frames(31)
            )
        );
    }
    assert_eq!(
        read(&format!("rotate/{stem}")),
        format!(
            "{common} -crf 20 -preset veryslow -y video.mp4 {}",
            frames(31)
        )
    );
    assert!(!out.join("rotate_3").exists());
    let verify = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["verify", out.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(verify.status.success());
}

/// `generate imagenet-p` resizes a CMYK JPEG before converting it to RGB, as the reference does:
/// sample 4 of the fixture tree (a CMYK photo), seeded 7 + 4, gives the reference's frames for
/// that photo seeded 11 (tests/fixtures/imagenet-p/cmyk/frames.txt).
#[test]
fn cmyk_photos_are_resized_before_their_rgb_conversion() {
    use sha2::{Digest, Sha256};
    let out = scratch("cmyk");
    let run = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["generate", "imagenet-p", "--source", VAL, "--out"])
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
        .args(["--perturbations", "brightness,rotate"])
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let members: BTreeMap<String, Vec<u8>> = members(&out).into_iter().collect();
    let reference = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imagenet-p/cmyk/frames.txt"),
    )
    .unwrap();
    let mut compared = 0;
    for line in reference.lines() {
        let [name, frame, hash] = line.split(' ').collect::<Vec<_>>()[..] else {
            panic!("{line}")
        };
        if name != "brightness" && name != "rotate" {
            continue;
        }
        let frame: usize = frame.parse().unwrap();
        let member = format!("{name}/n01484850/ILSVRC2012_val_00002752.frame-{frame:02}.png");
        let png = &members[&member];
        let pixels = blight::io::decode_rgb(Path::new(&member), png)
            .unwrap()
            .data;
        let digest: String = Sha256::digest(&pixels)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(digest, hash, "{member}");
        compared += 1;
    }
    assert_eq!(compared, 62);
    std::fs::remove_dir_all(&out).unwrap();
}
