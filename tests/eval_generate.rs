//! `blight evaluate --generate SUITE --source PATH` scores exactly the dataset `blight generate`
//! writes: the same source, seed and subsets give the same predictions and scores, read from
//! disk or made in memory (the JPEG round trip included).

mod eval_common;

use eval_common::*;

#[test]
fn generated_in_memory_scores_as_the_dataset_on_disk() {
    let Some(model) = efficientnet() else { return };
    let dir = scratch("generate");
    let (val, out) = (dir.join("val"), dir.join("c"));
    let (disk, memory) = (dir.join("disk"), dir.join("memory"));
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        val.to_str().unwrap(),
    ]);
    let subsets = [
        "--corruptions",
        "gaussian_noise,fog",
        "--severities",
        "1,5",
        "--seed",
        "7",
    ];
    let mut args = vec![
        "generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend(subsets);
    ok(&blight(&args));
    let common = [
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--batch",
        "4",
        "--save-logits",
        "--quiet",
    ];
    let mut args = common.to_vec();
    args.extend([
        "--dataset",
        out.to_str().unwrap(),
        "--clean",
        val.to_str().unwrap(),
        "--out",
        disk.to_str().unwrap(),
    ]);
    ok(&blight(&args));
    let mut args = common.to_vec();
    args.extend([
        "--generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        memory.to_str().unwrap(),
    ]);
    args.extend(subsets);
    ok(&blight(&args));

    let (on_disk, in_memory) = (predictions(&disk), predictions(&memory));
    // The clean part and 2 corruptions × 2 severities, of every source image.
    assert_eq!(on_disk.len() % 5, 0);
    assert!(!on_disk.is_empty());
    assert_eq!(on_disk, in_memory);
    // The corrupted parts are not the clean images: their scores differ.
    let clean = &on_disk[0]["scores"];
    let key = &on_disk[0]["key"];
    let corrupted: Vec<_> = on_disk
        .iter()
        .filter(|p| &p["key"] == key && !p["corruption"].is_null())
        .collect();
    assert_eq!(corrupted.len(), 4);
    assert!(corrupted.iter().all(|p| &p["scores"] != clean));

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(memory.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["dataset"]["kind"], "generated");
    // Another seed makes another dataset.
    let other = dir.join("other");
    let mut args = common.to_vec();
    args.extend([
        "--generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        other.to_str().unwrap(),
        "--corruptions",
        "gaussian_noise",
        "--severities",
        "5",
    ]);
    ok(&blight(&args));
    let noise = |p: &Vec<serde_json::Value>| -> Vec<serde_json::Value> {
        p.iter()
            .filter(|p| p["corruption"] == "gaussian_noise" && p["severity"] == 5)
            .map(|p| p["scores"].clone())
            .collect()
    };
    assert_ne!(noise(&predictions(&other)), noise(&on_disk));
}

/// The command line's error (clap's, several lines).
fn refused(out: &std::process::Output) -> String {
    assert!(!out.status.success(), "expected a failure, got success");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn generate_refuses_a_dataset_too() {
    let err = refused(&blight(&[
        "evaluate",
        "--model",
        "m.onnx",
        "--dataset",
        "d",
        "--generate",
        "imagenet-c",
        "--source",
        "s",
    ]));
    assert!(
        err.contains("'--dataset <DATASET>' cannot be used with '--generate <SUITE>'"),
        "{err}"
    );
    let err = refused(&blight(&[
        "evaluate",
        "--model",
        "m.onnx",
        "--generate",
        "imagenet-c",
    ]));
    assert!(err.contains("--source"), "{err}");
}
