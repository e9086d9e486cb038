//! Bad input to `blight evaluate` gives one clear error each.

mod cli_common;

use cli_common::*;
use std::path::Path;
use std::process::Command;

/// A small ImageNet-C tree (fog only) and its clean images.
fn small_set(dir: &Path) {
    run_python(&[
        repo().join("scripts/check_imagenet_c.py").to_str().unwrap(),
        "make",
        dir.join("val").to_str().unwrap(),
    ]);
    ok(&blight(&[
        "generate",
        "imagenet-c",
        "--source",
        dir.join("val").to_str().unwrap(),
        "--out",
        dir.join("c").to_str().unwrap(),
        "--quiet",
        "--corruptions",
        "fog",
    ]));
}

fn evaluate(dir: &Path, model: &Path, extra: &[&str]) -> String {
    let (data, out) = (dir.join("c"), dir.join("out"));
    let mut args = vec![
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        data.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    fails(&blight(&args))
}

#[test]
fn bad_inputs_are_one_line_errors() {
    let Some(model) = efficientnet() else { return };
    let dir = scratch("errors");
    small_set(&dir);

    let missing = dir.join("nope.onnx");
    let err = evaluate(&dir, &missing, &[]);
    assert!(err.contains("nope.onnx: model not found"), "{err}");

    let garbage = dir.join("garbage.onnx");
    std::fs::write(&garbage, b"this is not a protobuf").unwrap();
    let err = evaluate(&dir, &garbage, &[]);
    assert!(
        err.contains("garbage.onnx: not a model ONNX Runtime can load"),
        "{err}"
    );

    let err = evaluate(&dir, &model, &["--preset", "mnist"]);
    assert!(
        err.contains("has shape [-1, 3, 224, 224]")
            && err.contains("'mnist' preset makes 1×224×224"),
        "{err}"
    );

    let empty = dir.join("empty");
    std::fs::create_dir_all(empty.join("fog/1")).unwrap();
    let out = blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        empty.to_str().unwrap(),
        "--quiet",
        "--out",
        dir.join("out").to_str().unwrap(),
    ]);
    let err = fails(&out);
    assert!(err.contains("no images found"), "{err}");

    // The three wnids of the set plus 998 more: 1001 classes for 1000 outputs.
    let mut names: Vec<String> = ["n01440764", "n01443537", "n01484850"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    names.extend((0..998).map(|i| format!("extra{i}")));
    let labels = dir.join("labels.txt");
    std::fs::write(&labels, names.join("\n")).unwrap();
    let err = evaluate(&dir, &model, &["--labels", labels.to_str().unwrap()]);
    assert!(
        err.contains("the label map has 1001 classes but the model's output 'logits' has 1000"),
        "{err}"
    );

    // The CPU-only onnxruntime wheel: CUDA is refused, never replaced by the CPU; `auto` runs on
    // the CPU and says so.
    let err = evaluate(&dir, &model, &["--device", "cuda:0"]);
    assert!(
        err.contains("--device cuda:0: this ONNX Runtime has no CUDA execution provider"),
        "{err}"
    );
    let auto = dir.join("auto");
    let printed = ok(&blight(&[
        "evaluate",
        "--model",
        model.to_str().unwrap(),
        "--dataset",
        dir.join("c").to_str().unwrap(),
        "--out",
        auto.to_str().unwrap(),
        "--quiet",
        "--device",
        "auto",
    ]));
    assert!(printed.contains("images on cpu"), "{printed}");
    let report = std::fs::read_to_string(auto.join("report.json")).unwrap();
    assert!(report.contains("\"device\": \"cpu\""), "{report}");

    let subset = dir.join("subset.txt");
    std::fs::write(&subset, "281\n967\n1000\n").unwrap();
    let err = evaluate(&dir, &model, &["--class-subset", subset.to_str().unwrap()]);
    assert!(
        err.contains("the class subset names output 1000, but the model has 1000 outputs"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_missing_or_old_onnx_runtime_says_how_to_install_it() {
    let dir = scratch("runtime");
    small_set(&dir);
    // Any file will do as the model: the runtime is looked for first.
    let model = dir.join("model.onnx");
    std::fs::write(&model, b"x").unwrap();

    let err = evaluate(
        &dir,
        &model,
        &["--ort-lib", "/nonexistent/libonnxruntime.so"],
    );
    assert!(
        err.contains("ONNX Runtime library not found") && err.contains("pip install onnxruntime"),
        "{err}"
    );

    // No --ort-lib, no ORT_DYLIB_PATH, and a Python without the package.
    let out = Command::new(env!("CARGO_BIN_EXE_blight"))
        .args([
            "evaluate",
            "--model",
            model.to_str().unwrap(),
            "--dataset",
            dir.join("c").to_str().unwrap(),
            "--quiet",
        ])
        .env("BLIGHT_PYTHON", "/bin/false")
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .unwrap();
    let err = fails(&out);
    assert!(
        err.contains("ONNX Runtime not found") && err.contains("pip install onnxruntime"),
        "{err}"
    );

    // A library that says it is ONNX Runtime 1.10.0.
    let source = dir.join("old.c");
    std::fs::write(
        &source,
        "typedef struct { const void *(*get_api)(unsigned); const char *(*version)(void); } Base;\n\
         static const void *get_api(unsigned v) { (void)v; return 0; }\n\
         static const char *version(void) { return \"1.10.0\"; }\n\
         static const Base base = { get_api, version };\n\
         const Base *OrtGetApiBase(void) { return &base; }\n",
    )
    .unwrap();
    let old = dir.join("libonnxruntime.so.1.10.0");
    let cc = Command::new("cc")
        .args([
            "-shared",
            "-fPIC",
            "-o",
            old.to_str().unwrap(),
            source.to_str().unwrap(),
        ])
        .status()
        .expect("a C compiler (cc) builds the stand-in old library");
    assert!(cc.success());
    let err = evaluate(&dir, &model, &["--ort-lib", old.to_str().unwrap()]);
    assert!(
        err.contains("ONNX Runtime 1.10.0 is too old (blight needs 1.24 or newer)")
            && err.contains("pip install onnxruntime"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
