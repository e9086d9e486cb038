//! `blight evaluate` on MNIST-C with a small classifier trained here on the real MNIST digits
//! (scikit-learn, exported by skl2onnx): every prediction equals Python onnxruntime's on the
//! same inputs, and the clean accuracy equals scikit-learn's own.

mod cli_common;

use blight::eval::dataset;
use blight::eval::preprocess::Preprocess;
use cli_common::*;
use std::path::PathBuf;

#[test]
fn mnist_c_predictions_match_onnxruntime_and_clean_accuracy_matches_sklearn() {
    let Some(mnist) = std::env::var_os("BLIGHT_MNIST_DIR").map(PathBuf::from) else {
        panic!("BLIGHT_MNIST_DIR must name the real MNIST IDX files (scripts/get-real-mnist.sh)");
    };
    let dir = scratch("mnist");
    let (trained, out, report) = (dir.join("model"), dir.join("c"), dir.join("report"));
    run_python(&[
        repo().join("scripts/train_mnist.py").to_str().unwrap(),
        mnist.to_str().unwrap(),
        trained.to_str().unwrap(),
    ]);
    let model = trained.join("mnist_mlp.onnx");
    // identity (clean), shot_noise and rotate: 30,000 digits.
    let mut args = vec![
        "generate",
        "mnist-c",
        "--source",
        mnist.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ];
    for skip in [
        "impulse_noise",
        "glass_blur",
        "motion_blur",
        "shear",
        "scale",
        "brightness",
        "translate",
        "stripe",
        "fog",
        "spatter",
        "dotted_line",
        "zigzag",
        "canny_edges",
    ] {
        args.extend(["--skip", skip]);
    }
    ok(&blight(&args));
    ok(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        out.to_str().unwrap(),
        "--preset",
        "mnist",
        "--out",
        report.to_str().unwrap(),
        "--batch",
        "500",
        "--quiet",
    ]));

    let data = dataset::open(&out, None, None).unwrap();
    let names: Vec<String> = data.parts.iter().map(|p| p.name()).collect();
    assert_eq!(names, ["clean", "rotate", "shot_noise"]);
    let preprocess = Preprocess::preset("mnist").unwrap();
    let mut x = Vec::new();
    for part in &data.parts {
        for i in 0..part.source.len() {
            let image = part.source.sample(i).unwrap().image;
            let mut t = vec![0f32; 784];
            preprocess.normalise(
                &preprocess.geometry(&image, part.is_clean()).unwrap(),
                &mut t,
            );
            x.extend(t);
        }
    }
    let n = x.len() / 784;
    assert_eq!(n, 30_000);
    write_npy_f32(&dir.join("x.npy"), &[n, 784], &x);
    run_python(&[
        repo().join("scripts/eval_reference.py").to_str().unwrap(),
        model.to_str().unwrap(),
        dir.join("x.npy").to_str().unwrap(),
        dir.join("y.npy").to_str().unwrap(),
    ]);
    let (shape, probabilities) = read_npy_f32(&dir.join("y.npy"));
    assert_eq!(shape, vec![n, 10]);

    let records = predictions(&report);
    assert_eq!(records.len(), n);
    for (i, record) in records.iter().enumerate() {
        let row = &probabilities[i * 10..(i + 1) * 10];
        let argmax = (0..10).fold(0, |b, k| if row[k] > row[b] { k } else { b });
        assert_eq!(record["prediction"], argmax, "record {i}: {record}");
    }

    let sklearn: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(trained.join("sklearn_test.json")).unwrap())
            .unwrap();
    let clean: Vec<&serde_json::Value> = records.iter().take(10_000).collect();
    for (i, (record, want)) in clean
        .iter()
        .zip(sklearn["predictions"].as_array().unwrap())
        .enumerate()
    {
        assert_eq!(record["prediction"], *want, "clean digit {i}");
    }
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    let error = report["results"]["clean"]["top1_error"].as_f64().unwrap();
    let accuracy = sklearn["accuracy"].as_f64().unwrap();
    assert!(
        (1.0 - error - accuracy).abs() < 1e-12,
        "{error} vs sklearn {accuracy}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
