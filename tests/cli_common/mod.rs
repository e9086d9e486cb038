//! Helpers shared by the tests that run the `blight` binary: scratch folders, the command and its
//! outcome, the files a run writes (trees, `.npy`), the reference frost textures, and for the
//! evaluator the test models and the Python environment with onnxruntime.

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// An empty folder of its own for this test binary's `name` case.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "blight-{}-{}-{name}",
        env!("CARGO_CRATE_NAME"),
        std::process::id()
    ));
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

/// `blight ARGS`, with the onnxruntime Python package as the evaluator's library source.
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
    let err = stderr(out);
    assert_eq!(err.lines().count(), 1, "one line expected: {err}");
    err
}

/// A run's standard error, trimmed.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).trim().to_string()
}

/// Every file under `dir` with its bytes, by path relative to `dir` (outside a run's `.blight`
/// state folder).
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            if name == ".blight" {
                continue;
            }
            let rel = format!("{prefix}{name}");
            if entry.path().is_dir() {
                walk(&entry.path(), &format!("{rel}/"), out);
            } else {
                out.insert(rel, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

/// The files directly in `dir` (not its folders) with their bytes, sorted by name.
pub fn flat_files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut all: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            (
                p.file_name().unwrap().to_string_lossy().into_owned(),
                std::fs::read(&p).unwrap(),
            )
        })
        .collect();
    all.sort();
    all
}

/// An `.npy` file's header without whitespace, and its data.
pub fn npy(path: &Path) -> (String, Vec<u8>) {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    npy_parts(&bytes)
}

/// An `.npy` file's header (format 1.0 or 2.0) without whitespace, and its data.
pub fn npy_parts(bytes: &[u8]) -> (String, Vec<u8>) {
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        _ => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
    };
    let header: String = String::from_utf8_lossy(&bytes[start..start + header_len])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    (header, bytes[start + header_len..].to_vec())
}

/// A file system of `size` (e.g. `32k`) mounted at `dir/small`, to fill up on purpose; `None`,
/// with the reason printed, where mounting is not allowed (it needs root, which CI has).
/// Unmount it with [`unmount`].
pub fn small_file_system(dir: &Path, size: &str) -> Option<PathBuf> {
    let small = dir.join("small");
    std::fs::create_dir_all(&small).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(&small)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        println!("skipped: cannot mount a small tmpfs here (needs root)");
        return None;
    }
    Some(small)
}

/// Unmounts what [`small_file_system`] mounted.
pub fn unmount(path: &Path) {
    let _ = Command::new("umount").arg(path).status();
}

/// BLIGHT_FROST_DIR, which the tests of frost against the reference need.
pub fn frost_dir() -> String {
    match std::env::var("BLIGHT_FROST_DIR") {
        Ok(dir) if !dir.is_empty() => dir,
        _ => panic!(
            "this test needs the reference frost textures: run `blight fetch frost --dest DIR`, \
             then set BLIGHT_FROST_DIR=DIR"
        ),
    }
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

/// The bytes of an `.npy` file (format 1.0, C order) of dtype `descr` (e.g. `<f4`, `|u1`).
pub fn npy_bytes(descr: &str, shape: &[usize], data: &[u8]) -> Vec<u8> {
    let dims: Vec<String> = shape.iter().map(|d| d.to_string()).collect();
    let shape_text = if dims.len() == 1 {
        format!("({},)", dims[0])
    } else {
        format!("({})", dims.join(", "))
    };
    let mut header =
        format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape_text}, }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    bytes.extend_from_slice(data);
    bytes
}

/// Writes a float32 array as `.npy`.
pub fn write_npy_f32(path: &Path, shape: &[usize], data: &[f32]) {
    let data: Vec<u8> = data.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(path, npy_bytes("<f4", shape, &data)).unwrap();
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
