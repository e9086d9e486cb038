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

/// CIFAR-10-C (raw `.npy` stacks, no JPEG): every generated pixel and label is the one the
/// `.npy` files on disk hold, part by part, in the same order.
#[test]
fn generated_cifar_parts_hold_the_pixels_on_disk() {
    cifar_parts_match("fast", blight::rng::RngKind::Fast);
    cifar_parts_match("numpy", blight::rng::RngKind::Numpy);
}

fn cifar_parts_match(rng_name: &str, rng: blight::rng::RngKind) {
    use blight::eval::{dataset, generated};
    let dir = scratch(&format!("generate-cifar-{rng_name}"));
    let archive = repo().join("tests/fixtures/cifar10-c-dataset/cifar-10-binary.tar.gz");
    let out = dir.join("c");
    ok(&blight(&[
        "generate",
        "cifar10-c",
        "--source",
        archive.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--corruptions",
        "gaussian_noise,fog",
        "--seed",
        "5",
        "--rng",
        rng_name,
        "--quiet",
    ]));
    let disk = dataset::open(&out, None, None).unwrap();
    let suite = blight::suite::Suite::built_in("cifar10-c").unwrap();
    let jpeg = suite.jpeg_codec;
    let memory = generated::open(
        generated::Request {
            suite,
            source: archive,
            source_labels: None,
            corruptions: vec!["gaussian_noise".into(), "fog".into()],
            severities: Vec::new(),
            limit: None,
            seed: 5,
            rng,
            context: blight::corrupt::Context {
                assets: Default::default(),
                jpeg,
            },
        },
        None,
    )
    .unwrap();
    // The clean part first, then the disk's parts.
    assert!(memory.parts[0].is_clean());
    let names = |d: &dataset::Dataset| d.parts.iter().map(|p| p.name()).collect::<Vec<_>>();
    assert_eq!(names(&memory)[1..], names(&disk)[..]);
    assert_eq!(disk.parts.len(), 10);
    for (a, b) in disk.parts.iter().zip(&memory.parts[1..]) {
        assert_eq!(a.labels, b.labels, "{}", a.name());
        for i in 0..a.source.len() {
            let (x, y) = (a.source.sample(i).unwrap(), b.source.sample(i).unwrap());
            assert!(x.image == y.image, "{} sample {i} differs", a.name());
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
