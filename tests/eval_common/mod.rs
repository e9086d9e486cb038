//! Helpers shared by the evaluator's tests: scratch folders, the CLI, the test models and the
//! Python environment with onnxruntime.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blight-eval-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The Python with numpy, Pillow and onnxruntime: BLIGHT_PYTHON, else target/pyenv's.
pub fn python() -> PathBuf {
    std::env::var_os("BLIGHT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("target/pyenv/bin/python"))
}

/// `blight ARGS` with the onnxruntime Python package as the library's source.
pub fn blight(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(args)
        .env("BLIGHT_PYTHON", python())
        .env_remove("ORT_DYLIB_PATH")
        .output()
        .expect("run blight")
}

pub fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The one-line error of a failed run.
pub fn fails(out: &Output) -> String {
    assert!(!out.status.success(), "expected a failure, got success");
    let err = String::from_utf8_lossy(&out.stderr).trim().to_string();
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    err
}

pub fn run_python(args: &[&str]) {
    let out = Command::new(python())
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    assert!(
        out.status.success(),
        "python {args:?} failed (needs numpy, pillow, onnxruntime, scikit-learn, skl2onnx: \
         .ci/run installs them):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// efficientnet-lite0.onnx, from `../shared/models/` beside the repository (or any ancestor's
/// `shared/models/`), or BLIGHT_MODELS_DIR; `None` with the reason printed when it is absent.
pub fn efficientnet() -> Option<PathBuf> {
    let name = "efficientnet-lite0.onnx";
    let mut candidates: Vec<PathBuf> = std::env::var_os("BLIGHT_MODELS_DIR")
        .map(|d| vec![PathBuf::from(d).join(name)])
        .unwrap_or_default();
    candidates.extend(
        repo()
            .ancestors()
            .map(|a| a.join("shared/models").join(name)),
    );
    let found = candidates.into_iter().find(|p| p.is_file());
    if found.is_none() {
        println!(
            "SKIPPED: {name} not found in BLIGHT_MODELS_DIR or any ../shared/models/ above {}",
            repo().display()
        );
    }
    found
}

/// Writes a float32 array as `.npy` (format 1.0, C order).
pub fn write_npy_f32(path: &Path, shape: &[usize], data: &[f32]) {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in data {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes).unwrap();
}

/// Reads a float32 `.npy` of format 1.0: (shape, data).
pub fn read_npy_f32(path: &Path) -> (Vec<usize>, Vec<f32>) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header = std::str::from_utf8(&bytes[10..10 + len]).unwrap();
    assert!(header.contains("'<f4'"), "{header}");
    let shape_text = header
        .split("'shape': (")
        .nth(1)
        .unwrap()
        .split(')')
        .next()
        .unwrap();
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().unwrap())
        .collect();
    let data = bytes[10 + len..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    (shape, data)
}

/// predictions.jsonl as JSON values.
pub fn predictions(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("predictions.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}
