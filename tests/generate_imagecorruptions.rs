//! `blight generate imagecorruptions` end to end on a small COCO-style tree made here: nested
//! folders, RGB, gray and CMYK JPEGs and a PNG of different sizes, annotations beside them. The
//! outputs are checked by Pillow (size, mode, format, JPEG quality), against `blight apply`,
//! through verify, resuming and shards, and the bad inputs are one clear error each.

mod cli_common;

use cli_common::{blight, ok, scratch, tree};

use blight::ops::jpeg::{self, Profile};
use blight::ops::resample::{resize, Filter};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn put(root: &Path, rel: &str, bytes: &[u8]) {
    let path = root.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// The built-in photo at `w`×`h`, gray when `gray`.
fn photo(w: usize, h: usize, gray: bool) -> blight::Image {
    let image = resize(&blight::builtin::photo(), w, h, Filter::Bilinear).unwrap();
    if !gray {
        return image;
    }
    let luma = image.data.chunks_exact(3).map(|p| p[1]).collect();
    blight::Image::new(w, h, 1, luma).unwrap()
}

/// The images of the COCO-style tree, in the order blight sorts them, with their sizes.
const IMAGES: [(&str, (usize, usize)); 5] = [
    ("val2017/000000000139.jpg", (64, 48)),
    ("val2017/cmyk/000000000776.jpg", (500, 333)),
    ("val2017/gray/000000000724.JPG", (48, 48)),
    ("val2017/nested/deeper/000000000285.png", (50, 33)),
    ("val2017/portrait.jpeg", (40, 72)),
];

/// A COCO-style tree: the images of [`IMAGES`] (the CMYK one an Adobe CMYK JPEG from the
/// dataset fixtures) and two annotation files that must stay untouched.
fn coco(root: &Path) {
    let turbo = |image: &blight::Image| jpeg::encode(image, 90, Profile::Turbo, false).unwrap();
    put(root, IMAGES[0].0, &turbo(&photo(64, 48, false)));
    let cmyk = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/imagenet-c-dataset/val/n01484850/ILSVRC2012_val_00003014.JPEG");
    put(root, IMAGES[1].0, &std::fs::read(cmyk).unwrap());
    put(root, IMAGES[2].0, &turbo(&photo(48, 48, true)));
    put(
        root,
        IMAGES[3].0,
        &blight::io::encode_png(&photo(50, 33, false)).unwrap(),
    );
    put(root, IMAGES[4].0, &turbo(&photo(40, 72, false)));
    put(
        root,
        "annotations/instances_val2017.json",
        b"{\"images\": []}",
    );
    put(root, "val2017/README.txt", b"COCO 2017 validation images");
}

fn generate_args<'a>(source: &'a Path, out: &'a Path, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "generate",
        "imagecorruptions",
        "--source",
        source.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--quiet",
    ];
    args.extend_from_slice(extra);
    args
}

/// The Python with Pillow: BLIGHT_PYTHON, else target/pyenv's (scripts/eval-env.sh).
fn python() -> PathBuf {
    std::env::var_os("BLIGHT_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python")
        })
}

/// Opens every output of OUT with Pillow and checks it against its input in SOURCE: the same
/// size, mode RGB, PNG for a .png input and JPEG for a .jpg/.jpeg one, the JPEG's quantisation
/// tables those of Pillow's save(quality=QUALITY). Prints the number of files checked.
const PILLOW_CHECK: &str = r#"
import io, os, sys
from PIL import Image
source, out, quality = sys.argv[1], sys.argv[2], int(sys.argv[3])
buffer = io.BytesIO()
Image.new("RGB", (64, 64)).save(buffer, "JPEG", quality=quality)
tables = Image.open(buffer).quantization
checked = 0
for corruption in sorted(os.listdir(out)):
    if corruption.startswith(".") or not os.path.isdir(os.path.join(out, corruption)):
        continue
    for severity in sorted(os.listdir(os.path.join(out, corruption))):
        base = os.path.join(out, corruption, severity)
        for folder, _, names in os.walk(base):
            for name in names:
                path = os.path.join(folder, name)
                rel = os.path.relpath(path, base)
                with Image.open(os.path.join(source, rel)) as clean, Image.open(path) as image:
                    image.load()
                    assert image.size == clean.size, (path, image.size, clean.size)
                    assert image.mode == "RGB", (path, image.mode)
                    want = "PNG" if name.lower().endswith(".png") else "JPEG"
                    assert image.format == want, (path, image.format)
                    if want == "JPEG":
                        assert image.quantization == tables, (path, "not quality %d" % quality)
                checked += 1
print(checked)
"#;

/// Runs [`PILLOW_CHECK`]; returns the number of files it checked.
fn pillow_check(source: &Path, out: &Path, quality: u8) -> usize {
    let run = Command::new(python())
        .args(["-c", PILLOW_CHECK])
        .args([source.to_str().unwrap(), out.to_str().unwrap()])
        .arg(quality.to_string())
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", python().display()));
    assert!(
        run.status.success(),
        "the Pillow check failed (needs Pillow: scripts/eval-env.sh installs it):\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8_lossy(&run.stdout).trim().parse().unwrap()
}

#[test]
fn a_coco_style_tree_is_generated_verified_and_opened_by_pillow_at_its_sizes() {
    let dir = scratch("coco");
    let (source, out) = (dir.join("coco"), dir.join("coco-c"));
    coco(&source);
    let annotations = std::fs::read(source.join("annotations/instances_val2017.json")).unwrap();
    // Every severity of two corruptions whose work depends on the image's size, two of one more.
    let stdout = ok(&blight(&generate_args(
        &source,
        &out,
        &["--corruptions", "fog,zoom_blur", "--threads", "2"],
    )));
    assert!(
        stdout.contains("5 images; 2 other files (annotations, ...) left out"),
        "{stdout}"
    );
    let files = tree(&out);
    for name in ["manifest.json", "SHA256SUMS", "errors.json"] {
        assert!(files.contains_key(name), "{name}");
    }
    let outputs: Vec<&String> = files.keys().filter(|k| k.contains("/val2017/")).collect();
    assert_eq!(outputs.len(), 2 * 5 * IMAGES.len());
    for (key, _) in IMAGES {
        for severity in 1..=5 {
            assert!(
                files.contains_key(&format!("fog/{severity}/{key}")),
                "{key}"
            );
        }
    }
    assert!(!files
        .keys()
        .any(|k| k.contains("annotations") || k.contains("README")));
    assert_eq!(
        std::fs::read(source.join("annotations/instances_val2017.json")).unwrap(),
        annotations
    );
    ok(&blight(&["verify", out.to_str().unwrap()]));
    assert_eq!(pillow_check(&source, &out, 95), 50);

    // --jpeg-quality sets the JPEGs' quality.
    let q70 = dir.join("q70");
    ok(&blight(&generate_args(
        &source,
        &q70,
        &[
            "--corruptions",
            "contrast",
            "--severities",
            "2",
            "--jpeg-quality",
            "70",
        ],
    )));
    assert_eq!(pillow_check(&source, &q70, 70), IMAGES.len());
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_png_output_is_the_bytes_of_blight_apply_with_the_samples_numpy_seed() {
    let dir = scratch("apply");
    let (source, out) = (dir.join("coco"), dir.join("out"));
    coco(&source);
    let seed = 40u64;
    ok(&blight(&generate_args(
        &source,
        &out,
        &[
            "--corruptions",
            "fog,gaussian_noise",
            "--severities",
            "4",
            "--rng",
            "numpy",
            "--seed",
            &seed.to_string(),
        ],
    )));
    // Sample i (sorted order) draws from np.random.seed(seed + i).
    let (index, key) = IMAGES
        .iter()
        .enumerate()
        .find(|(_, (k, _))| k.ends_with(".png"))
        .map(|(i, (k, _))| (i as u64, *k))
        .unwrap();
    for corruption in ["fog", "gaussian_noise"] {
        let applied = dir.join(format!("{corruption}.png"));
        ok(&blight(&[
            "apply",
            corruption,
            source.join(key).to_str().unwrap(),
            applied.to_str().unwrap(),
            "--severity",
            "4",
            "--suite",
            "imagecorruptions",
            "--rng",
            "numpy",
            "--seed",
            &(seed + index).to_string(),
        ]));
        assert!(
            std::fs::read(out.join(format!("{corruption}/4/{key}"))).unwrap()
                == std::fs::read(&applied).unwrap(),
            "{corruption}"
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn an_interrupted_or_sharded_run_ends_with_the_same_bytes() {
    let dir = scratch("resume");
    let source = dir.join("coco");
    coco(&source);
    let subset = ["--corruptions", "glass_blur,snow", "--severities", "1,5"];
    let reference = dir.join("reference");
    ok(&blight(&generate_args(&source, &reference, &subset)));
    let want = tree(&reference);
    // Killed part-way (the run takes about half a second here), then run again on one thread.
    for (n, delay_ms) in [20u64, 100, 250].into_iter().enumerate() {
        let out = dir.join(format!("killed-{n}"));
        let mut child = Command::new(env!("CARGO_BIN_EXE_blight"))
            .args(generate_args(&source, &out, &subset))
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        let mut again = generate_args(&source, &out, &subset);
        again.extend(["--threads", "1"]);
        ok(&blight(&again));
        ok(&blight(&["verify", out.to_str().unwrap()]));
        assert!(tree(&out) == want, "killed after {delay_ms} ms");
    }
    // Two shards into one folder, then merge.
    let sharded = dir.join("sharded");
    for shard in ["0/2", "1/2"] {
        let mut args = generate_args(&source, &sharded, &subset);
        args.extend(["--shard", shard]);
        ok(&blight(&args));
    }
    ok(&blight(&["merge", sharded.to_str().unwrap()]));
    assert!(tree(&sharded) == want, "sharded run differs");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The `blight: error` lines of a run's stderr.
fn error_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| l.starts_with("blight: error"))
        .map(str::to_string)
        .collect()
}

#[test]
fn bad_inputs_are_one_clear_error_each() {
    let dir = scratch("bad");
    let source = dir.join("coco");
    coco(&source);
    let tiny = "val2017/tiny/000000000001.png";
    put(
        &source,
        tiny,
        &blight::io::encode_png(&photo(31, 40, false)).unwrap(),
    );
    let subset = ["--corruptions", "contrast", "--severities", "1"];

    // An image under 32 pixels on a side is skipped into errors.json, named on stderr.
    let out = dir.join("skip");
    let run = blight(&generate_args(&source, &out, &subset));
    assert_eq!(run.status.code(), Some(3), "complete with a skipped input");
    let stderr = String::from_utf8_lossy(&run.stderr);
    let named: Vec<&str> = stderr.lines().filter(|l| l.contains(tiny)).collect();
    assert_eq!(named.len(), 1, "{stderr}");
    assert!(
        named[0].contains("31×40 pixels (width×height); the suite needs at least 32 on each side"),
        "{stderr}"
    );
    let errors: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("errors.json")).unwrap()).unwrap();
    let errors = errors.as_array().unwrap();
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0]["skipped"], tiny);
    ok(&blight(&["verify", out.to_str().unwrap()]));
    assert_eq!(
        tree(&out)
            .keys()
            .filter(|k| k.starts_with("contrast/"))
            .count(),
        IMAGES.len()
    );
    // ... or stops the run with --on-error fail.
    let stop = dir.join("stop");
    let mut args = generate_args(&source, &stop, &subset);
    args.extend(["--on-error", "fail"]);
    let run = blight(&args);
    assert_eq!(run.status.code(), Some(1));
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].contains(&format!("stopped at {tiny} (--on-error fail)"))
            && errors[0].contains("at least 32"),
        "{errors:?}"
    );

    // A format that cannot be written back is skipped with the reason.
    std::fs::remove_file(source.join(tiny)).unwrap();
    let bmp = "val2017/scan.bmp";
    put(&source, bmp, b"BM not read");
    let run = blight(&generate_args(&source, &dir.join("bmp"), &subset));
    assert_eq!(run.status.code(), Some(3));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("scan.bmp: only .jpg, .jpeg and .png images are corrupted"),
        "{stderr}"
    );
    std::fs::remove_file(source.join(bmp)).unwrap();

    // Requests the suite cannot make, refused before anything is written.
    let cases: [(&[&str], &str); 6] = [
        (
            &["--corruptions", "rain"],
            "unknown corruption 'rain' in suite 'imagecorruptions'",
        ),
        (&["--severities", "0"], "severity 0 is outside 1..5"),
        (&["--severities", "6"], "severity 6 is outside 1..5"),
        (
            &["--labels", "labels.csv"],
            "--labels: generate imagecorruptions",
        ),
        (
            &["--format", "wds"],
            "--format wds: generate imagecorruptions",
        ),
        (&["--jpeg-quality", "101"], "101 is not in 1..=100"),
    ];
    for (extra, expected) in cases {
        let out = dir.join("refused");
        let run = blight(&generate_args(&source, &out, extra));
        assert_eq!(run.status.code().map(|c| c != 0), Some(true), "{extra:?}");
        let stderr = String::from_utf8_lossy(&run.stderr);
        assert!(stderr.contains(expected), "{extra:?}: {stderr}");
        assert_eq!(
            stderr.lines().filter(|l| l.contains("error")).count(),
            1,
            "{stderr}"
        );
        assert!(!out.join("manifest.json").exists());
    }
    // An output folder inside the source would be read as input by a rerun.
    let inside = source.join("val2017/corrupted");
    let run = blight(&generate_args(&source, &inside, &subset));
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("is inside --source"), "{errors:?}");
    assert!(!inside.exists());
    let empty = dir.join("empty");
    put(&empty, "annotations/instances_val2017.json", b"{}");
    let run = blight(&generate_args(&empty, &dir.join("none"), &[]));
    let errors = error_lines(&run);
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(errors[0].contains("no images found"), "{errors:?}");
    std::fs::remove_dir_all(&dir).unwrap();
}
