//! The evaluator's dataset layouts: a CIFAR-C folder (severities stacked in one `.npy`, labels
//! repeated) splits into one part per severity with the right images and labels.

mod cli_common;

use blight::eval::dataset;
use blight::sink::npy::{self, Dtype};
use cli_common::scratch;

#[test]
fn cifar_c_files_split_into_five_severities() {
    let dir = scratch("cifar");
    // 3 images per severity, 2×2 RGB; image j of severity s is filled with 10·s + j.
    let (n, side) = (3usize, 2usize);
    let mut pixels = Vec::new();
    let mut labels = Vec::new();
    for s in 1..=5u8 {
        for j in 0..n as u8 {
            pixels.extend(std::iter::repeat_n(10 * s + j, side * side * 3));
            labels.push(j as i64 * 6);
        }
    }
    npy::write(
        &dir.join("fog.npy"),
        Dtype::U8,
        &[5 * n, side, side, 3],
        &pixels,
    )
    .unwrap();
    let label_bytes: Vec<u8> = labels.iter().flat_map(|l| l.to_le_bytes()).collect();
    npy::write(&dir.join("labels.npy"), Dtype::I64, &[5 * n], &label_bytes).unwrap();

    let data = dataset::open(&dir, None, None).unwrap();
    assert_eq!(data.kind, "cifar-c-npy");
    let names: Vec<String> = data.parts.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["fog/1", "fog/2", "fog/3", "fog/4", "fog/5"]);
    for (s, part) in data.parts.iter().enumerate() {
        assert_eq!(part.source.len(), n);
        for j in 0..n {
            let sample = part.source.sample(j).unwrap();
            assert_eq!(sample.image.data[0], 10 * (s as u8 + 1) + j as u8);
            assert_eq!((sample.image.width, sample.image.channels), (side, 3));
            // The stored label numbers are the class indices (12 after 6, not before 2).
            assert_eq!(part.labels[j], j * 6);
        }
    }

    // A file that does not split into five severities is refused, naming it.
    npy::write(
        &dir.join("fog.npy"),
        Dtype::U8,
        &[4, side, side, 3],
        &pixels[..48],
    )
    .unwrap();
    npy::write(
        &dir.join("labels.npy"),
        Dtype::I64,
        &[4],
        &label_bytes[..32],
    )
    .unwrap();
    let err = dataset::open(&dir, None, None).err().unwrap().to_string();
    assert!(
        err.contains("fog.npy: 4 images do not split into 5 equal severities"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same outputs written as a tree and as WebDataset shards give identical predictions.
#[test]
fn webdataset_shards_and_the_tree_give_identical_predictions() {
    use cli_common::*;
    let Some(model) = efficientnet() else { return };
    let dir = scratch("wds");
    let val = dir.join("val");
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        val.to_str().unwrap(),
    ]);
    let mut reports = Vec::new();
    for (name, extra) in [
        ("tree", vec![]),
        ("wds", vec!["--format", "wds", "--shard-size", "7"]),
    ] {
        let out = dir.join(name);
        let mut args = vec![
            "generate",
            "imagenet-c",
            "--source",
            val.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--quiet",
            "--corruptions",
            "gaussian_noise,pixelate",
        ];
        args.extend(extra);
        ok(&blight(&args));
        let report = dir.join(format!("{name}-report"));
        ok(&blight(&[
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--dataset",
            out.to_str().unwrap(),
            "--out",
            report.to_str().unwrap(),
            "--quiet",
            "--batch",
            "5",
        ]));
        reports.push(predictions(&report));
    }
    assert_eq!(reports[0].len(), 60);
    assert_eq!(reports[0], reports[1]);
    std::fs::remove_dir_all(&dir).unwrap();
}
