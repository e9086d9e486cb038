//! `blight evaluate` on perturbation sequences.
//!
//! * A small ImageNet-P set (two photos made the way the other evaluator tests make them, three
//!   perturbations, noise difficulties 1 and 2) scored by the real ImageNet classifier
//!   (efficientnet-lite0): FP, uT5D and the Zipf distance per perturbation and difficulty equal
//!   those of a Python onnxruntime computation that decodes the tar's PNG frames itself with
//!   Pillow and ranks with numpy (`scripts/reference/imagenet_p_stability.py`).
//! * The same sequences made in memory (`--generate imagenet-p`) give identical predictions;
//!   a baseline written by one run normalises another, and the report names it.
//! * The released `.mp4` format through a real ffmpeg (skipped, saying so, where none is on
//!   PATH; CI installs one): the videos decode to the lossless frames within libx264's loss and
//!   in their order, and `evaluate` scores them as it scores the tar shards.
//! * Bad input is one clear error each: a sequence with the wrong frame count (in a tar shard
//!   and in a CIFAR-10-P `.npy`), `.mp4` sequences without ffmpeg, an unknown perturbation, a
//!   difficulty outside 1..3, the corruption evaluator's `--bench` and `--streams`.

mod cli_common;

use cli_common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn report(dir: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("report.json")).unwrap()).unwrap()
}

#[test]
fn efficientnet_stability_matches_python_onnxruntime() {
    let Some(model) = efficientnet() else { return };
    let model = model.to_str().unwrap();
    let dir = scratch("sequences");
    let val = dir.join("val");
    let (p, disk, fly) = (dir.join("p"), dir.join("disk"), dir.join("fly"));
    let baseline = dir.join("baseline.json");
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        val.to_str().unwrap(),
    ]);
    let selection = [
        "--perturbations",
        "gaussian_noise,translate,rotate",
        "--difficulties",
        "1,2",
    ];
    let mut args = vec![
        "generate",
        "imagenet-p",
        "--source",
        val.to_str().unwrap(),
        "--out",
        p.to_str().unwrap(),
        "--limit",
        "2",
        "--quiet",
    ];
    args.extend_from_slice(&selection);
    ok(&blight(&args));

    // Batches of 8 frames: every batch boundary falls inside a video.
    let mut args = vec![
        "evaluate",
        "--model",
        model,
        "--dataset",
        p.to_str().unwrap(),
        "--out",
        disk.to_str().unwrap(),
        "--batch",
        "8",
        "--quiet",
        "--difficulties",
        "1,2",
        "--write-baseline",
        baseline.to_str().unwrap(),
    ];
    let printed = ok(&blight(&args));
    assert!(printed.contains("baseline: none"), "{printed}");

    let reference = dir.join("reference.json");
    run_python(&[
        repo()
            .join("scripts/reference/imagenet_p_stability.py")
            .to_str()
            .unwrap(),
        model,
        p.to_str().unwrap(),
        reference.to_str().unwrap(),
        "1,2",
    ]);
    let reference: Value =
        serde_json::from_str(&std::fs::read_to_string(&reference).unwrap()).unwrap();
    let ours = report(&disk);
    assert_eq!(ours["dataset"]["kind"], "sequence-tar");
    let results = &ours["results"];
    assert_eq!(results["suite"], "imagenet-p");
    assert_eq!(results["normalised"], false);
    assert!(results["baseline"].is_null());
    let measured = results["perturbations"].as_object().unwrap();
    assert_eq!(measured.len(), 3);
    let mut compared = 0;
    for (name, by_difficulty) in reference.as_object().unwrap() {
        for (d, theirs) in by_difficulty.as_object().unwrap() {
            let mine = &measured[name]["difficulties"][d];
            assert_eq!(mine["videos"], theirs["videos"], "{name} {d}");
            for key in ["FP", "uT5D", "zipf"] {
                let (a, b) = (mine[key].as_f64().unwrap(), theirs[key].as_f64().unwrap());
                assert!(
                    (a - b).abs() < 1e-9,
                    "{name} difficulty {d} {key}: {a} vs {b}"
                );
            }
            assert!(mine["FR"].is_null() && mine["T5D"].is_null());
            compared += 1;
        }
    }
    // gaussian_noise at 1 and 2 (its own _2 sequences), translate and rotate at strides 1, 2.
    assert_eq!(compared, 6);
    let pairs = |name: &str, d: &str| measured[name]["difficulties"][d]["pairs"].as_u64();
    assert_eq!(pairs("translate", "1"), Some(40));
    assert_eq!(pairs("translate", "2"), Some(39));
    assert_eq!(pairs("gaussian_noise", "2"), Some(30));
    assert_eq!(pairs("rotate", "2"), Some(29));

    // The same sequences made in memory: the same predictions, normalised by the baseline.
    args = vec![
        "evaluate",
        "--model",
        model,
        "--generate",
        "imagenet-p",
        "--source",
        val.to_str().unwrap(),
        "--limit",
        "2",
        "--out",
        fly.to_str().unwrap(),
        "--quiet",
        "--baseline",
        baseline.to_str().unwrap(),
    ];
    args.extend_from_slice(&selection);
    let printed = ok(&blight(&args));
    assert!(printed.contains("efficientnet-lite0.onnx"), "{printed}");
    assert_eq!(
        std::fs::read_to_string(disk.join("predictions.jsonl")).unwrap(),
        std::fs::read_to_string(fly.join("predictions.jsonl")).unwrap()
    );
    let generated = report(&fly);
    assert_eq!(generated["dataset"]["kind"], "generated");
    let results = &generated["results"];
    assert_eq!(results["normalised"], true);
    assert_eq!(results["baseline"]["path"], baseline.to_str().unwrap());
    assert_eq!(results["baseline"]["model"], "efficientnet-lite0.onnx");
    assert_eq!(results["baseline"]["sha256"], ours["model"]["sha256"]);
    for (name, numbers) in results["perturbations"].as_object().unwrap() {
        for (d, n) in numbers["difficulties"].as_object().unwrap() {
            let same = &measured[name]["difficulties"][d];
            assert_eq!(n["FP"], same["FP"], "{name} {d}");
            assert_eq!(n["uT5D"], same["uT5D"], "{name} {d}");
            // Against itself: 100 %, or null where the baseline never flipped.
            for (ratio, base) in [("FR", "FP"), ("T5D", "uT5D")] {
                match same[base].as_f64().unwrap() {
                    0.0 => assert!(n[ratio].is_null(), "{name} {d} {ratio}"),
                    _ => assert!(
                        (n[ratio].as_f64().unwrap() - 100.0).abs() < 1e-9,
                        "{name} {d} {ratio}: {}",
                        n[ratio]
                    ),
                }
            }
        }
    }
    let md = std::fs::read_to_string(fly.join("report.md")).unwrap();
    assert!(md.contains(baseline.to_str().unwrap()), "{md}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `.npy` bytes of uint8 `shape`, zero-filled.
fn npy_u8(shape: &[usize]) -> Vec<u8> {
    npy_bytes("|u1", shape, &vec![0; shape.iter().product()])
}

/// A one-sequence ImageNet-P shard whose rotate sequence has `frames` frames.
fn short_shard(dir: &Path, frames: usize) {
    std::fs::create_dir_all(dir).unwrap();
    let file = std::fs::File::create(dir.join("shard-000000.tar")).unwrap();
    let mut tar = tar::Builder::new(file);
    let key = "rotate/n01440764/ILSVRC2012_val_00000293";
    let mut members = vec![("cls".to_string(), b"0".to_vec())];
    let frame = blight::Image::zeros(224, 224, 3);
    for n in 0..frames {
        members.push((
            format!("frame-{n:02}.png"),
            blight::io::encode_png(&frame).unwrap(),
        ));
    }
    let meta = format!(
        "{{\"perturbation\":\"rotate\",\"difficulty\":1,\"key\":\"n01440764/a.JPEG\",\
         \"label\":0,\"class\":\"n01440764\",\"frames\":{frames}}}"
    );
    members.push(("json".to_string(), meta.into_bytes()));
    for (ext, bytes) in members {
        let mut header = tar::Header::new_ustar();
        header.set_size(bytes.len() as u64);
        header.set_mode(0o644);
        header.set_cksum();
        tar.append_data(&mut header, format!("{key}.{ext}"), bytes.as_slice())
            .unwrap();
    }
    tar.finish().unwrap();
}

/// `blight evaluate` on `dataset` with a stand-in model file (the dataset is refused before
/// ONNX Runtime loads anything) and `extra` options; its one-line error.
fn refused(dir: &Path, dataset: &Path, extra: &[&str], path: Option<&str>) -> String {
    let model = dir.join("model.onnx");
    std::fs::write(&model, b"not read before the dataset is checked").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_blight"));
    command
        .args(["evaluate", "--model", model.to_str().unwrap(), "--dataset"])
        .arg(dataset)
        .args(["--out", dir.join("out").to_str().unwrap(), "--quiet"])
        .args(extra)
        .env("BLIGHT_PYTHON", python())
        .env_remove("ORT_DYLIB_PATH");
    if let Some(path) = path {
        command.env("PATH", path);
    }
    fails(&command.output().unwrap())
}

#[test]
fn bad_sequence_input_is_one_clear_error_each() {
    let dir = scratch("sequence-errors");

    // A tar sequence with 30 frames where rotate has 31.
    let tar = dir.join("tar");
    short_shard(&tar, 30);
    let err = refused(&dir, &tar, &[], None);
    assert!(
        err.contains("shard-000000.tar")
            && err.contains("rotate/n01440764/ILSVRC2012_val_00000293: 30 frames")
            && err.contains("rotate has 31"),
        "{err}"
    );

    // CIFAR-10-P: translate has 16 frames, this file 15.
    let npy = dir.join("npy");
    std::fs::create_dir_all(&npy).unwrap();
    std::fs::write(npy.join("rotate.npy"), npy_u8(&[2, 31, 32, 32, 3])).unwrap();
    std::fs::write(npy.join("translate.npy"), npy_u8(&[2, 15, 32, 32, 3])).unwrap();
    let err = refused(&dir, &npy, &[], None);
    assert!(
        err.contains("translate.npy") && err.contains("(N, 16, 32, 32, 3)"),
        "{err}"
    );
    // An unknown perturbation and a difficulty outside 1..3, on a readable set.
    let err = refused(&dir, &npy, &["--perturbations", "rotate,fog"], None);
    assert!(
        err.contains("unknown perturbation 'fog' in suite cifar10-p"),
        "{err}"
    );
    let err = refused(
        &dir,
        &npy,
        &["--perturbations", "rotate", "--difficulties", "4"],
        None,
    );
    assert!(err.contains("difficulty 4 is outside 1..3"), "{err}");
    let err = refused(&dir, &npy, &["--difficulties", "0"], None);
    assert!(err.contains("difficulty 0 is outside 1..3"), "{err}");
    // Asking for what is not there.
    let err = refused(&dir, &npy, &["--perturbations", "shear"], None);
    assert!(err.contains("holds no shear sequences"), "{err}");
    // Options of the corruption evaluator only (refused before the files are read).
    let err = refused(&dir, &npy, &["--bench"], None);
    assert!(
        err.contains("--bench: times the corruption evaluator only"),
        "{err}"
    );
    let err = refused(&dir, &npy, &["--streams", "2"], None);
    assert!(
        err.contains("--streams: sequences are scored by one session"),
        "{err}"
    );

    // .mp4 sequences with no ffmpeg on PATH.
    let mp4 = dir.join("mp4");
    std::fs::create_dir_all(mp4.join("rotate/n01440764")).unwrap();
    std::fs::write(mp4.join("rotate/n01440764/a.mp4"), b"not decoded").unwrap();
    let empty = dir.join("empty-path");
    std::fs::create_dir_all(&empty).unwrap();
    let err = refused(&dir, &mp4, &[], Some(empty.to_str().unwrap()));
    assert!(err.contains("no ffmpeg on PATH"), "{err}");

    // The same for sequences made in memory, before any source is read.
    let model = dir.join("model.onnx");
    let out = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(["evaluate", "--model", model.to_str().unwrap()])
        .args(["--generate", "imagenet-p", "--source", "/nonexistent"])
        .args(["--perturbations", "fog", "--quiet"])
        .output()
        .unwrap();
    let err = fails(&out);
    assert!(
        err.contains("unknown perturbation 'fog' in suite imagenet-p"),
        "{err}"
    );

    // Sequence options on a corruption dataset, and a baseline of another suite.
    let tree = dir.join("tree/fog/1/n01");
    std::fs::create_dir_all(&tree).unwrap();
    let err = refused(&dir, &dir.join("tree"), &["--difficulties", "2"], None);
    assert!(
        err.contains("--difficulties is for perturbation sequences"),
        "{err}"
    );
    let baseline = dir.join("baseline.json");
    std::fs::write(
        &baseline,
        r#"{"format": "blight-stability-baseline-1", "suite": "imagenet-p",
            "model": {"name": "alexnet.onnx", "sha256": "00"},
            "dataset": {"kind": "sequence-tar", "path": "p", "fingerprint": "00"},
            "perturbations": {"rotate": {"1": {"videos": 1, "FP": 0.5, "uT5D": 3, "zipf": 0.1}}}}"#,
    )
    .unwrap();
    let err = refused(
        &dir,
        &npy,
        &[
            "--perturbations",
            "rotate",
            "--baseline",
            baseline.to_str().unwrap(),
        ],
        None,
    );
    assert!(
        err.contains("is a baseline for imagenet-p, but these sequences are cifar10-p"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A linear classifier (3×side×side → 10, side 32 unless given) with seeded random weights, as
/// ONNX.
const LINEAR_MODEL: &str = r#"
import sys
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
side = int(sys.argv[2]) if len(sys.argv) > 2 else 32
rng = np.random.RandomState(0)
w = numpy_helper.from_array(rng.randn(3 * side * side, 10).astype(np.float32) * 0.05, "w")
b = numpy_helper.from_array(rng.randn(10).astype(np.float32), "b")
graph = helper.make_graph(
    [
        helper.make_node("Flatten", ["x"], ["f"], axis=1),
        helper.make_node("MatMul", ["f", "w"], ["m"]),
        helper.make_node("Add", ["m", "b"], ["y"]),
    ],
    "linear",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["n", 3, side, side])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["n", 10])],
    [w, b],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
model.ir_version = 8
onnx.save(model, sys.argv[1])
"#;

/// CIFAR-10-P's `.npy` files and the same sequences made in memory give the same predictions;
/// the mean FP runs over `cifar-p-eval.py`'s 10 perturbations (spatter, not snow).
#[test]
fn cifar10_p_files_and_memory_agree_and_mean_fp_follows_cifar_p_eval() {
    let dir = scratch("cifar10-p");
    let model = dir.join("linear.onnx");
    run_python(&["-c", LINEAR_MODEL, model.to_str().unwrap()]);
    let archive = repo().join("tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz");
    let (p, disk, fly) = (dir.join("p"), dir.join("disk"), dir.join("fly"));
    ok(&blight(&[
        "generate",
        "cifar10-p",
        "--source",
        archive.to_str().unwrap(),
        "--out",
        p.to_str().unwrap(),
        "--quiet",
    ]));
    let evaluate = |input: &[&str], out: &Path| {
        let mut args = vec![
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--preset",
            "cifar",
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ];
        args.extend_from_slice(input);
        ok(&blight(&args));
        report(out)
    };
    let on_disk = evaluate(&["--dataset", p.to_str().unwrap()], &disk);
    let made = evaluate(
        &[
            "--generate",
            "cifar10-p",
            "--source",
            archive.to_str().unwrap(),
        ],
        &fly,
    );
    assert_eq!(on_disk["dataset"]["kind"], "sequence-npy");
    let frames = |dir: &Path| -> Vec<(Value, Value, Value)> {
        predictions(dir)
            .into_iter()
            .map(|r| {
                (
                    r["perturbation"].clone(),
                    r["difficulty"].clone(),
                    r["predictions"].clone(),
                )
            })
            .collect()
    };
    let seen = frames(&disk);
    assert_eq!(seen.len(), 14 * 4, "14 perturbations of 4 images");
    assert_eq!(seen, frames(&fly));
    assert_eq!(on_disk["results"], made["results"]);

    let results = &on_disk["results"];
    assert_eq!(results["suite"], "cifar10-p");
    let tests: Vec<&str> = results["test_perturbations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        tests.contains(&"spatter") && !tests.contains(&"snow"),
        "{tests:?}"
    );
    let fp = |name: &str| {
        results["perturbations"][name]["difficulties"]["1"]["FP"]
            .as_f64()
            .unwrap()
    };
    let mean = tests.iter().map(|n| fp(n)).sum::<f64>() / 10.0;
    assert!((results["mean_FP"].as_f64().unwrap() - mean).abs() < 1e-12);
    assert!(results["mFR"].is_null());
    let pairs = |name: &str| results["perturbations"][name]["difficulties"]["1"]["pairs"].as_u64();
    assert_eq!(pairs("translate"), Some(15));
    assert_eq!(pairs("motion_blur"), Some(20));
    assert!(!results["perturbations"]["snow"]["test"].as_bool().unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Decodes every `.mp4` under argv[1] with ffmpeg and compares it with the PNG frames of the
/// same sequence in the tar shards under argv[2]: same count and size, within libx264's loss
/// (crf 20, or its default for the noises), and each translate frame nearest its own PNG.
const MP4_AGAINST_TAR: &str = r#"
import io, pathlib, subprocess, sys, tarfile
import numpy as np
from PIL import Image
videos, shards = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
frames = {}
for shard in sorted(shards.glob("*.tar")):
    with tarfile.open(shard) as tar:
        for m in tar.getmembers():
            if ".frame-" in m.name:
                key, n = m.name.split(".frame-")
                png = Image.open(io.BytesIO(tar.extractfile(m).read())).convert("RGB")
                frames.setdefault(key, {})[int(n[:-4])] = np.asarray(png, dtype=np.float64)
checked = 0
for mp4 in sorted(videos.rglob("*.mp4")):
    key = str(mp4.relative_to(videos))[:-4]
    want = np.stack([frames[key][i] for i in sorted(frames[key])])
    raw = subprocess.run(["ffmpeg", "-loglevel", "error", "-i", str(mp4), "-f", "rawvideo",
                          "-pix_fmt", "rgb24", "-"], check=True, capture_output=True).stdout
    got = np.frombuffer(raw, np.uint8).reshape(-1, *want.shape[1:]).astype(np.float64)
    assert got.shape == want.shape, (key, got.shape, want.shape)
    error = np.abs(got - want).mean(axis=(1, 2, 3))
    assert error.max() < 8, (key, error)
    if key.startswith("translate/"):
        for i in range(len(got)):
            others = [np.abs(got[i] - w).mean() for w in want]
            assert int(np.argmin(others)) == i, (key, i, others)
    checked += 1
assert checked == 2, checked
print("mp4 frames match", checked)
"#;

#[test]
fn mp4_sequences_through_a_real_ffmpeg() {
    let on_path = std::env::var_os("PATH")
        .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join("ffmpeg").is_file()));
    if !on_path {
        eprintln!("skipped: no ffmpeg on PATH (apt-get install ffmpeg)");
        return;
    }
    let dir = scratch("mp4");
    let model = dir.join("linear64.onnx");
    run_python(&["-c", LINEAR_MODEL, model.to_str().unwrap(), "64"]);
    let val = repo().join("tests/fixtures/imagenet-c-dataset/val");
    let (tar, mp4) = (dir.join("tar"), dir.join("mp4"));
    for (out, extra) in [(&tar, &[][..]), (&mp4, &["--video", "mp4"][..])] {
        let mut args = vec![
            "generate",
            "tiny-imagenet-p",
            "--source",
            val.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--limit",
            "1",
            "--perturbations",
            "translate,gaussian_noise",
            "--quiet",
        ];
        args.extend_from_slice(extra);
        ok(&blight(&args));
    }
    run_python(&[
        "-c",
        MP4_AGAINST_TAR,
        mp4.to_str().unwrap(),
        tar.to_str().unwrap(),
    ]);
    let evaluate = |dataset: &Path, out: &Path| {
        ok(&blight(&[
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--preset",
            "cifar",
            "--dataset",
            dataset.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
        ]));
        report(out)
    };
    let (from_mp4, from_tar) = (
        evaluate(&mp4, &dir.join("eval-mp4")),
        evaluate(&tar, &dir.join("eval-tar")),
    );
    assert_eq!(from_mp4["dataset"]["kind"], "sequence-mp4");
    assert_eq!(from_tar["dataset"]["kind"], "sequence-tar");
    // The same videos, with a prediction for every frame, in the same order. (A video's key is
    // its file: the .mp4, or the source image's name in a tar shard.)
    let videos = |name: &str| -> Vec<(Value, String, usize)> {
        predictions(&dir.join(name))
            .into_iter()
            .map(|r| {
                let key = r["key"].as_str().unwrap();
                let stem = key.rsplit_once('.').map_or(key, |(stem, _)| stem);
                let frames = r["predictions"].as_array().unwrap().len();
                (r["perturbation"].clone(), stem.to_string(), frames)
            })
            .collect()
    };
    let listed = videos("eval-mp4");
    assert_eq!(listed, videos("eval-tar"));
    assert_eq!(listed.len(), 2, "{listed:?}");
    assert!(listed.iter().all(|v| v.2 == 31), "{listed:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
