//! `blight metrics ERRORS.json`: the published AlexNet table scores exactly 100, the published
//! ResNet-50 table gives its published mCE, and bad tables are one clear error each.

mod cli_common;

use blight::eval::alexnet;
use cli_common::*;
use std::path::Path;

fn table(path: &Path, clean: f64, errors: &[(&str, [f64; 5])]) {
    let errors: serde_json::Map<String, serde_json::Value> = errors
        .iter()
        .map(|(n, e)| (n.to_string(), serde_json::json!(e)))
        .collect();
    let json = serde_json::json!({"clean": clean, "errors": errors});
    std::fs::write(path, json.to_string()).unwrap();
}

#[test]
fn the_alexnet_table_scores_one_hundred_and_bad_tables_are_refused() {
    let dir = scratch("metrics");
    let path = dir.join("errors.json");
    table(&path, alexnet::CLEAN_ERROR, &alexnet::ERRORS);
    let out = ok(&blight(&["metrics", path.to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    for key in ["mCE", "relative_mCE"] {
        assert!(
            (v[key].as_f64().unwrap() - 100.0).abs() < 1e-9,
            "{key}: {out}"
        );
    }
    assert_eq!(v["CE"].as_object().unwrap().len(), 19);
    assert_eq!(v["relative_CE"].as_object().unwrap().len(), 19);
    // test.py's unnormalised mCE: the mean error over all 19 corruptions.
    let all: f64 = alexnet::ERRORS.iter().flat_map(|(_, e)| e).sum::<f64>() / 95.0;
    assert!((v["unnormalized_mCE"].as_f64().unwrap() - 100.0 * all).abs() < 1e-9);
    let text = ok(&blight(&["metrics", path.to_str().unwrap()]));
    assert!(text.contains("mCE 100.00"), "{text}");

    table(&path, 0.2, &alexnet::ERRORS[1..]);
    let err = fails(&blight(&["metrics", path.to_str().unwrap()]));
    assert!(
        err.contains("missing corruption(s) gaussian_noise"),
        "{err}"
    );

    let mut percent = alexnet::ERRORS.to_vec();
    percent[3].1[0] = 65.6;
    table(&path, 0.2, &percent);
    let err = fails(&blight(&["metrics", path.to_str().unwrap()]));
    assert!(
        err.contains("defocus_blur severity 1: error 65.6 is outside [0, 1]"),
        "{err}"
    );

    let mut unknown = alexnet::ERRORS.to_vec();
    unknown.push(("rain", [0.5; 5]));
    table(&path, 0.2, &unknown);
    let err = fails(&blight(&["metrics", path.to_str().unwrap()]));
    assert!(err.contains("unknown corruption 'rain'"), "{err}");

    let mut no_baseline = alexnet::ERRORS.to_vec();
    no_baseline.push(("rotate", [0.5; 5]));
    table(&path, 0.2, &no_baseline);
    let err = fails(&blight(&["metrics", path.to_str().unwrap()]));
    assert!(err.contains("rotate has no AlexNet baseline"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// torchvision's ResNet-50 on ImageNet-C as published by Rusak et al., "A simple way to make
/// neural networks robust against diverse image corruptions" (ECCV 2020), in their repository
/// bethgelab/game-of-noise, file `Results/clean_results.txt` at commit 82423a1 (2020-02-05):
/// top-1 accuracy (%) per corruption averaged over the five severities, the CE (%) they derived
/// from it, and their mCE of 76.70, the README leaderboard's 76.7. Their clean top-1 accuracy is
/// 76.13 %.
const RESNET50_PUBLISHED: [(&str, f64, f64); 15] = [
    ("gaussian_noise", 29.29, 79.77),
    ("shot_noise", 27.03, 81.58),
    ("impulse_noise", 23.81, 82.58),
    ("defocus_blur", 38.75, 74.71),
    ("glass_blur", 26.79, 88.61),
    ("motion_blur", 38.67, 78.03),
    ("zoom_blur", 36.24, 79.86),
    ("snow", 32.53, 77.83),
    ("frost", 38.14, 74.84),
    ("fog", 45.83, 66.11),
    ("brightness", 68.02, 56.64),
    ("contrast", 39.06, 71.43),
    ("elastic_transform", 45.25, 84.75),
    ("pixelate", 44.79, 76.92),
    ("jpeg_compression", 53.41, 76.82),
];

#[test]
fn the_published_resnet50_table_gives_its_published_mce() {
    let dir = scratch("metrics-resnet50");
    let path = dir.join("errors.json");
    // Only each corruption's mean over the severities was published. CE divides the sum of the
    // five errors by AlexNet's sum, so five copies of the mean give the same CE as the real five.
    let errors: Vec<(&str, [f64; 5])> = RESNET50_PUBLISHED
        .iter()
        .map(|&(name, accuracy, _)| (name, [1.0 - accuracy / 100.0; 5]))
        .collect();
    table(&path, 1.0 - 0.7613, &errors);
    let out = ok(&blight(&["metrics", path.to_str().unwrap(), "--json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();

    let mce = v["mCE"].as_f64().unwrap();
    assert!((mce - 76.70).abs() <= 0.01, "mCE {mce}, published 76.70");
    // Their "Full ImageNet-C" top-1 accuracy is 39.17 %: test.py's unnormalised mCE.
    let unnormalised = v["unnormalized_mCE"].as_f64().unwrap();
    assert!((unnormalised - 60.83).abs() <= 0.01, "{unnormalised}");
    for (name, _, published) in RESNET50_PUBLISHED {
        let ce = v["CE"][name].as_f64().unwrap();
        // The accuracies are rounded to 0.005 points, which moves a CE by at most 0.005 / 0.56
        // (brightness, AlexNet's lowest mean error); the published CE is rounded to 0.005 too.
        assert!(
            (ce - published).abs() <= 0.015,
            "{name}: CE {ce}, published {published}"
        );
    }
    // Relative CE: (mean error - clean error) / AlexNet's; gaussian_noise by hand.
    let alexnet_gauss = alexnet::ERRORS[0].1.iter().sum::<f64>() / 5.0;
    let gauss_error = 1.0 - RESNET50_PUBLISHED[0].1 / 100.0;
    let clean_error = 1.0 - 0.7613;
    let expected = (gauss_error - clean_error) / (alexnet_gauss - alexnet::CLEAN_ERROR) * 100.0;
    let relative = v["relative_CE"]["gaussian_noise"].as_f64().unwrap();
    assert!(
        (relative - expected).abs() < 1e-9,
        "{relative} against {expected}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
