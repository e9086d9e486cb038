//! `blight evaluate` on a small ImageNet-C set with a real ImageNet classifier
//! (efficientnet-lite0): every logit equals Python onnxruntime's on the same preprocessed
//! tensors, and the report states what the predictions give.

mod cli_common;

use blight::eval::dataset;
use blight::eval::preprocess::Preprocess;
use cli_common::*;

#[test]
fn efficientnet_logits_match_python_onnxruntime() {
    let Some(model) = efficientnet() else { return };
    let dir = scratch("imagenet");
    let (val, out, report) = (dir.join("val"), dir.join("c"), dir.join("report"));
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        val.to_str().unwrap(),
    ]);
    ok(&blight(&[
        "generate",
        "imagenet-c",
        "--source",
        val.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
        "--corruptions",
        "gaussian_noise,fog",
    ]));
    // Batch 4 over parts of 6 images: full and partial batches. Two sessions of one thread
    // each, run side by side: the scores must still come back in sample order.
    ok(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        out.to_str().unwrap(),
        "--clean",
        val.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
        "--batch",
        "4",
        "--streams",
        "2",
        "--threads",
        "2",
        "--save-logits",
        "--quiet",
    ]));

    // The same tensors, made by the library, scored by Python onnxruntime.
    let data = dataset::open(&out, Some(&val), None).unwrap();
    let preprocess = Preprocess::preset("imagenet").unwrap();
    let mut tensors = Vec::new();
    let mut labels = Vec::new();
    for part in &data.parts {
        for i in 0..part.source.len() {
            let sample = part.source.sample(i).unwrap();
            let image = preprocess.geometry(&sample.image, part.is_clean()).unwrap();
            let mut t = vec![0f32; 3 * 224 * 224];
            preprocess.normalise(&image, &mut t);
            tensors.extend(t);
            labels.push(part.labels[i]);
        }
    }
    let n = labels.len();
    assert_eq!(
        n,
        6 * 11,
        "clean + 2 corruptions × 5 severities of 6 images"
    );
    write_npy_f32(&dir.join("x.npy"), &[n, 3, 224, 224], &tensors);
    run_python(&[
        repo().join("scripts/eval_reference.py").to_str().unwrap(),
        model.to_str().unwrap(),
        dir.join("x.npy").to_str().unwrap(),
        dir.join("y.npy").to_str().unwrap(),
    ]);
    let (shape, reference) = read_npy_f32(&dir.join("y.npy"));
    assert_eq!(shape, vec![n, 1000]);

    let records = predictions(&report);
    assert_eq!(records.len(), n);
    let mut worst = 0f32;
    let mut clean_wrong = 0;
    for (i, record) in records.iter().enumerate() {
        let ours: Vec<f32> = record["scores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap() as f32)
            .collect();
        let theirs = &reference[i * 1000..(i + 1) * 1000];
        for (a, b) in ours.iter().zip(theirs) {
            worst = worst.max((a - b).abs());
        }
        let argmax = (0..1000).fold(0, |b, k| if theirs[k] > theirs[b] { k } else { b });
        assert_eq!(record["prediction"], argmax, "record {i}");
        assert_eq!(record["label"], labels[i], "record {i}");
        if record["corruption"].is_null() && argmax != labels[i] {
            clean_wrong += 1;
        }
    }
    // Batch size changes ONNX Runtime's kernels only in the last float bits.
    assert!(worst < 1e-4, "largest logit difference {worst}");

    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(report.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["schema"], 1);
    assert_eq!(report["runtime"]["device"], "cpu");
    assert_eq!(report["runtime"]["sessions"], 2);
    assert_eq!(report["runtime"]["threads"], 1);
    assert_eq!(report["preprocess"]["preset"], "imagenet");
    assert_eq!(report["batch"], 4);
    let clean = report["results"]["clean"]["top1_error"].as_f64().unwrap();
    assert_eq!(clean, clean_wrong as f64 / 6.0);
    let severities = &report["results"]["corruptions"]["fog"]["severities"];
    assert_eq!(severities.as_object().unwrap().len(), 5);

    // A class-subset mask: the three classes scored by outputs 281, 967 and 1; predictions are
    // the best of those three outputs.
    let subset = dir.join("subset.txt");
    std::fs::write(&subset, "281\n967\n1\n").unwrap();
    let masked = dir.join("masked");
    ok(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        out.to_str().unwrap(),
        "--clean",
        val.to_str().unwrap(),
        "--out",
        masked.to_str().unwrap(),
        "--quiet",
        "--class-subset",
        subset.to_str().unwrap(),
        "--streams",
        "1",
        "--bench",
        "2",
    ]));
    for (i, record) in predictions(&masked).iter().enumerate() {
        let row = &reference[i * 1000..(i + 1) * 1000];
        let picked = [row[281], row[967], row[1]];
        let best = (0..3).fold(0, |b, k| if picked[k] > picked[b] { k } else { b });
        assert_eq!(record["prediction"], best, "record {i}");
    }
    // --bench (which warms the session and makes the batches' tensors before the clock) leaves
    // the predictions above alone and reports its rounds and their medians.
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(masked.join("report.json")).unwrap())
            .unwrap();
    assert_eq!(report["runtime"]["sessions"], 1);
    let throughput = &report["throughput"];
    let rounds = throughput["bench_rounds"].as_array().unwrap();
    assert_eq!(rounds.len(), 2);
    let timing = |r: &serde_json::Value, key: &str| r[key].as_f64().unwrap();
    let overheads: Vec<f64> = rounds
        .iter()
        .map(|r| 100.0 * (timing(r, "data_path_seconds") / timing(r, "ready_made_seconds") - 1.0))
        .collect();
    let ready_made: Vec<f64> = rounds
        .iter()
        .map(|r| timing(r, "ready_made_seconds"))
        .collect();
    assert!(ready_made.iter().all(|&s| s > 0.0), "{throughput}");
    let overhead = throughput["data_path_overhead_percent"].as_f64().unwrap();
    assert!((overhead - (overheads[0] + overheads[1]) / 2.0).abs() < 1e-9);
    let inference = throughput["inference_only_seconds"].as_f64().unwrap();
    assert!((inference - (ready_made[0] + ready_made[1]) / 2.0).abs() < 1e-9);
    assert_eq!(throughput["images"], n);
    std::fs::remove_dir_all(&dir).unwrap();
}
