//! `blight metrics ERRORS.json`: the published AlexNet table scores exactly 100, and bad tables
//! are one clear error each.

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
