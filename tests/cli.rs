//! The command line on good and bad input: one clear error line, a non-zero exit, and no output
//! file left behind when something is wrong.

use std::path::{Path, PathBuf};
use std::process::Command;

fn blight() -> Command {
    Command::new(env!("CARGO_BIN_EXE_blight"))
}

fn clean_photo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/imagenet-c/astronaut/clean.png")
}

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blight-cli-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Runs `blight apply` and returns (success, stderr).
fn apply(args: &[&str], input: &Path, output: &Path) -> (bool, String) {
    let out = blight()
        .arg("apply")
        .arg(args[0])
        .arg(input)
        .arg(output)
        .args(&args[1..])
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn assert_one_line_error(stderr: &str, needle: &str) {
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "expected one error line, got: {stderr}");
    assert!(lines[0].starts_with("blight: error: "), "{stderr}");
    assert!(
        lines[0].contains(needle),
        "expected '{needle}' in: {stderr}"
    );
}

#[test]
fn apply_writes_the_numpy_seeded_reference_result() {
    let dir = scratch("ok");
    let out = dir.join("noisy.png");
    let (ok, stderr) = apply(
        &[
            "gaussian_noise",
            "--severity",
            "2",
            "--rng",
            "numpy",
            "--seed",
            "1002",
        ],
        &clean_photo(),
        &out,
    );
    assert!(ok, "{stderr}");
    let ours = blight::io::read_rgb(&out).unwrap();
    let reference =
        blight::io::read_rgb(&clean_photo().with_file_name("gaussian_noise-2.png")).unwrap();
    assert_eq!(ours, reference);
}

#[test]
fn fast_source_is_reproducible_and_seed_dependent() {
    let dir = scratch("fast");
    let run = |seed: &str, name: &str| {
        let out = dir.join(name);
        let (ok, stderr) = apply(
            &["gaussian_noise", "-s", "3", "--seed", seed],
            &clean_photo(),
            &out,
        );
        assert!(ok, "{stderr}");
        std::fs::read(out).unwrap()
    };
    assert_eq!(run("5", "a.png"), run("5", "b.png"));
    assert_ne!(run("5", "a.png"), run("6", "c.png"));
}

#[test]
fn bad_input_gives_one_line_and_no_output() {
    let dir = scratch("bad");
    let out = dir.join("out.png");
    let garbage = dir.join("garbage.png");
    std::fs::write(&garbage, b"this is not an image").unwrap();
    let truncated = dir.join("truncated.png");
    let bytes = std::fs::read(clean_photo()).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let missing = dir.join("missing.png");

    let no_frost = dir.join("no-frost");
    let no_frost = no_frost.to_str().unwrap();
    let cases: Vec<(Vec<&str>, &Path, &str)> = vec![
        (
            vec!["frost", "-s", "1", "--frost-dir", no_frost],
            clean_photo_static(),
            "frost folder does not exist (get it with `blight fetch frost`",
        ),
        (vec!["gaussian_noise", "-s", "1"], &garbage, "garbage.png"),
        (
            vec!["gaussian_noise", "-s", "1"],
            &truncated,
            "truncated.png",
        ),
        (vec!["gaussian_noise", "-s", "1"], &missing, "missing.png"),
        (
            vec!["no_such_corruption", "-s", "1"],
            clean_photo_static(),
            "unknown corruption 'no_such_corruption'",
        ),
        (
            vec!["gaussian_noise", "-s", "0"],
            clean_photo_static(),
            "severity 0 is outside 1..5",
        ),
        (
            vec!["gaussian_noise", "-s", "6"],
            clean_photo_static(),
            "severity 6 is outside 1..5",
        ),
        (
            vec!["gaussian_noise", "-s", "1", "--suite", "nope"],
            clean_photo_static(),
            "unknown suite 'nope'",
        ),
        (
            vec![
                "gaussian_noise",
                "-s",
                "1",
                "--rng",
                "numpy",
                "--seed",
                "99999999999",
            ],
            clean_photo_static(),
            "too large",
        ),
    ];
    for (args, input, needle) in cases {
        let (ok, stderr) = apply(&args, input, &out);
        assert!(!ok, "{args:?} should fail");
        assert_one_line_error(&stderr, needle);
        assert!(!out.exists(), "{args:?} left an output file");
        let leftovers: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .filter_map(|e| e.ok())
            .filter(|e| e.file_name().to_string_lossy().contains("partial"))
            .collect();
        assert!(leftovers.is_empty(), "{args:?} left a partial file");
    }
}

#[test]
fn unwritable_output_fails_cleanly() {
    let dir = scratch("unwritable");
    let out = dir.join("no/such/folder/out.png");
    let (ok, stderr) = apply(&["gaussian_noise", "-s", "1"], &clean_photo(), &out);
    assert!(!ok);
    assert_one_line_error(&stderr, "out.png");
}

fn clean_photo_static() -> &'static Path {
    static PATH: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(clean_photo)
}

#[test]
fn bench_times_the_mnist_c_suite_on_the_built_in_digit() {
    let out = blight()
        .args(["bench", "--suite", "mnist-c", "--skip", "pessimal_noise"])
        .args(["--repeats", "1", "--json"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["size"], 28);
    let timings = report["timings"].as_array().unwrap();
    // 32 corruptions less the skipped one, five severities each.
    assert_eq!(timings.len(), 31 * 5);
    assert!(timings.iter().all(|t| t["corruption"] != "pessimal_noise"));

    let wrong = blight()
        .args(["bench", "--suite", "mnist-c", "--skip", "no_such"])
        .output()
        .unwrap();
    assert!(!wrong.status.success());
    assert_one_line_error(&String::from_utf8_lossy(&wrong.stderr), "no_such");
}

#[test]
fn preview_of_the_mnist_c_suite_shows_the_built_in_digit_enlarged() {
    let dir = scratch("preview-mnist");
    let sheet = dir.join("sheet.png");
    let out = blight()
        .args(["preview", "--suite", "mnist-c", "--skip", "pessimal_noise"])
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let image = image::open(&sheet).unwrap();
    // 31 rows of 84-pixel tiles (28 × 3) with 4-pixel gaps under a 24-pixel header.
    assert_eq!(image.height(), 24 + 31 * (84 + 4) + 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recipe_with_an_absurd_parameter_is_refused_in_one_line() {
    let dir = scratch("absurd-recipe");
    let text = include_str!("../corruptions/imagenet-c.toml").replacen(
        "{ sigma = 1.0 }",
        "{ sigma = 1e9 }",
        1,
    );
    assert!(text.contains("1e9"), "the gaussian_blur table moved");
    let recipe = dir.join("recipe.toml");
    std::fs::write(&recipe, text).unwrap();
    let output = dir.join("out.png");
    let recipe_arg = recipe.to_str().unwrap();
    let (ok, stderr) = apply(
        &["gaussian_blur", "--severity", "1", "--recipe", recipe_arg],
        &clean_photo(),
        &output,
    );
    assert!(!ok);
    assert_one_line_error(&stderr, "'sigma' = 1000000000");
    assert!(!output.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn apply_takes_a_gray_digit_for_the_mnist_c_suite() {
    let dir = scratch("apply-mnist");
    let (digit, output) = (dir.join("digit.png"), dir.join("out.png"));
    let pixels: Vec<u8> = (0..784)
        .map(|i| if i % 28 > 9 && i % 28 < 18 { 255 } else { 0 })
        .collect();
    image::GrayImage::from_raw(28, 28, pixels.clone())
        .unwrap()
        .save(&digit)
        .unwrap();
    let (ok, stderr) = apply(
        &["inverse", "--suite", "mnist-c", "--severity", "1"],
        &digit,
        &output,
    );
    assert!(ok, "{stderr}");
    let out = image::open(&output).unwrap().to_luma8().into_raw();
    let want: Vec<u8> = pixels.iter().map(|v| 255 - v).collect();
    assert_eq!(out, want);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn list_into_a_closed_pipe_exits_cleanly() {
    // `blight list | head -1` with the reader already gone: every write meets a broken pipe.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let child = blight()
        .arg("list")
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn list_piped_into_head_exits_cleanly() {
    use std::io::BufRead;
    let mut child = blight()
        .arg("list")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with("imagenet-c"), "{first}");
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}

#[test]
fn shared_flags_keep_their_names_and_defaults_in_every_subcommand() {
    let help = |args: &[&str]| {
        let out = blight().args(args).arg("--help").output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    };
    let recipe = [
        "--suite <SUITE>",
        "[default: imagenet-c]",
        "--recipe <RECIPE>",
    ];
    let random = [
        "--seed <SEED>",
        "[default: 0]",
        "--rng <RNG>",
        "[default: fast]",
    ];
    let assets = ["--frost-dir <FROST_DIR>", "--pessimal-dir <PESSIMAL_DIR>"];
    let apply = help(&["apply"]);
    let preview = help(&["preview"]);
    let bench = help(&["bench"]);
    let generate = help(&["generate", "mnist-c"]);
    for (text, flags) in [
        (&apply, [&recipe[..], &random, &assets].concat()),
        (&preview, [&recipe[..], &random, &assets].concat()),
        (
            &bench,
            [
                &recipe[..],
                &assets,
                &["--rng <RNG>", "--repeats <REPEATS>"],
            ]
            .concat(),
        ),
        (&generate, [&random[..], &assets].concat()),
    ] {
        for flag in flags {
            assert!(text.contains(flag), "'{flag}' missing from:\n{text}");
        }
    }
    assert!(preview.contains("--skip <CORRUPTION>") && bench.contains("--skip <CORRUPTION>"));
    assert!(generate.contains("--skip <CONFIG>"), "{generate}");
    assert!(generate.contains("np.random.seed(SEED + i)"), "{generate}");
    assert!(!bench.contains("--seed"), "bench seeds each round itself");
}

#[test]
fn truncated_jpeg_is_refused_naming_the_file() {
    let dir = scratch("truncated-jpeg");
    let (whole, half, out) = (
        dir.join("whole.jpg"),
        dir.join("trunc.jpg"),
        dir.join("o.png"),
    );
    let photo = blight::io::read_rgb(&clean_photo()).unwrap();
    blight::io::write_image(&whole, &photo).unwrap();
    let bytes = std::fs::read(&whole).unwrap();
    std::fs::write(&half, &bytes[..bytes.len() / 2]).unwrap();
    // Pillow: "image file is truncated"; the image crate alone filled the rest with gray.
    let (ok, stderr) = apply(&["gaussian_noise", "-s", "3"], &half, &out);
    assert!(!ok);
    assert_one_line_error(
        &stderr,
        "trunc.jpg: cannot decode image: JPEG data ends early",
    );
    assert!(!out.exists());
    let (ok, stderr) = apply(&["gaussian_noise", "-s", "3"], &whole, &out);
    assert!(ok, "{stderr}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn bench_size_of_zero_or_beyond_8192_is_refused_in_one_line() {
    for size in ["0", "8193", "100000"] {
        let out = blight()
            .args(["bench", "--repeats", "1", "--size", size])
            .output()
            .unwrap();
        assert!(!out.status.success(), "--size {size}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let error = stderr.lines().last().unwrap_or_default();
        assert!(
            error == format!("blight: error: bench size {size} is outside 1..=8192"),
            "{stderr}"
        );
        assert!(out.stdout.is_empty());
    }
}

/// Runs `apply gaussian_noise -s 3` with the built-in ImageNet-C recipe changed by `edit`, and
/// checks that it is refused in one line containing `needle`, with no output written.
fn assert_recipe_refused_by_apply(case: &str, edit: impl Fn(&str) -> String, needle: &str) {
    let dir = scratch(case);
    let builtin = include_str!("../corruptions/imagenet-c.toml");
    let text = edit(builtin);
    assert_ne!(text, builtin, "{case}: the edit changed nothing");
    let (recipe, output) = (dir.join("recipe.toml"), dir.join("out.png"));
    std::fs::write(&recipe, text).unwrap();
    let (ok, stderr) = apply(
        &[
            "gaussian_noise",
            "-s",
            "3",
            "--recipe",
            recipe.to_str().unwrap(),
        ],
        &clean_photo(),
        &output,
    );
    assert!(!ok, "{case}: accepted");
    assert_one_line_error(&stderr, needle);
    assert!(stderr.contains("recipe.toml: "), "{case}: {stderr}");
    assert!(!output.exists(), "{case}");
    let _ = std::fs::remove_dir_all(&dir);
}

const GAUSSIAN_NOISE_SEVERITY_1: &str = "{ sigma = 0.08 }";

#[test]
fn apply_refuses_an_unknown_key_in_an_unused_severity() {
    assert_recipe_refused_by_apply(
        "unknown-key",
        |t| t.replacen(GAUSSIAN_NOISE_SEVERITY_1, "{ sigma = 0.08, bogus = 1 }", 1),
        "gaussian_noise severity 1: unknown field `bogus`, expected `sigma`",
    );
}

#[test]
fn apply_refuses_a_string_parameter_in_an_unused_severity() {
    assert_recipe_refused_by_apply(
        "string-sigma",
        |t| t.replacen(GAUSSIAN_NOISE_SEVERITY_1, "{ sigma = \"0.1\" }", 1),
        "gaussian_noise severity 1: invalid type: string \"0.1\", expected f64 in `sigma`",
    );
}

#[test]
fn apply_refuses_a_recipe_with_four_severities() {
    assert_recipe_refused_by_apply(
        "four-severities",
        |t| t.replacen(", { sigma = 0.38 }]", "]", 1),
        "gaussian_noise lists 4 severities, not 5",
    );
}

#[test]
fn apply_refuses_a_corruption_listed_twice() {
    assert_recipe_refused_by_apply(
        "listed-twice",
        |t| {
            let first = t.find("[[corruption]]").unwrap();
            let second = first + 1 + t[first + 1..].find("[[corruption]]").unwrap();
            format!("{t}\n{}", &t[first..second])
        },
        "gaussian_noise is listed twice",
    );
}

#[test]
fn apply_names_an_unknown_engine() {
    assert_recipe_refused_by_apply(
        "unknown-engine",
        |t| t.replacen("engine = \"imagenet-c\"", "engine = \"x\"", 1),
        "unknown engine 'x'",
    );
}

#[test]
fn apply_refuses_image_size_zero() {
    assert_recipe_refused_by_apply(
        "image-size-zero",
        |t| t.replacen("image_size = 224", "image_size = 0", 1),
        "image_size is 0",
    );
}

#[test]
fn recipe_syntax_errors_are_one_line_with_their_position() {
    assert_recipe_refused_by_apply(
        "syntax",
        |t| t.replacen("image_size = 224", "image_size = \"224\"", 1),
        "line 8, column 14: invalid type: string \"224\", expected usize",
    );
}

#[test]
fn apply_refuses_negative_photons_instead_of_writing_a_black_image() {
    assert_recipe_refused_by_apply(
        "negative-photons",
        |t| t.replacen("{ photons = 60.0 }", "{ photons = -5.0 }", 1),
        "shot_noise severity 1: photons = -5 is not positive",
    );
}

#[test]
fn preview_to_a_jpg_writes_a_jpeg() {
    let dir = scratch("preview-jpg");
    let sheet = dir.join("sheet.jpg");
    let out = blight()
        .args(["preview", "--suite", "mnist-c", "--skip", "pessimal_noise"])
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&sheet).unwrap();
    assert!(bytes.starts_with(&[0xFF, 0xD8]), "not a JPEG");
    let image = image::load_from_memory_with_format(&bytes, image::ImageFormat::Jpeg).unwrap();
    assert_eq!(image.height(), 24 + 31 * (84 + 4) + 4);
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn preview_to_an_unknown_extension_is_refused_in_one_line() {
    let dir = scratch("preview-gif");
    let sheet = dir.join("sheet.gif");
    let out = blight()
        .args(["preview", "--suite", "mnist-c", "--skip", "pessimal_noise"])
        .arg(&sheet)
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert_one_line_error(
        &String::from_utf8_lossy(&out.stderr),
        "sheet.gif: unsupported output format (use .png or .jpg)",
    );
    assert!(!sheet.exists());
    let _ = std::fs::remove_dir_all(&dir);
}
