//! The CPU dispatch seen from the command line: `blight simd` lists the paths, `BLIGHT_SIMD`
//! lowers the active one, and a value it cannot honour is one clear error.

use std::process::Command;

fn blight_simd(value: Option<&str>) -> std::process::Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_blight"));
    command.arg("simd");
    match value {
        Some(v) => command.env("BLIGHT_SIMD", v),
        None => command.env_remove("BLIGHT_SIMD"),
    };
    command.output().expect("run blight")
}

fn listed(output: &std::process::Output) -> Vec<String> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn lists_the_supported_paths_with_the_best_active() {
    let out = blight_simd(None);
    assert!(out.status.success());
    let lines = listed(&out);
    assert_eq!(lines.first().map(String::as_str), Some("baseline"));
    assert!(lines.last().unwrap().ends_with(" (active)"), "{lines:?}");
    assert_eq!(lines.iter().filter(|l| l.ends_with("(active)")).count(), 1);
}

#[test]
fn baseline_override_is_honoured() {
    let out = blight_simd(Some("baseline"));
    assert!(out.status.success());
    assert_eq!(listed(&out)[0], "baseline (active)");
}

#[test]
fn unknown_override_is_an_error() {
    let out = blight_simd(Some("sse9"));
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim(),
        "blight: error: BLIGHT_SIMD=sse9 is not one of baseline, avx2, avx512"
    );
}

#[test]
fn override_above_the_cpu_is_an_error() {
    let supported = listed(&blight_simd(None));
    if supported.len() == 3 {
        return; // this CPU has every path; nothing lies above it
    }
    let out = blight_simd(Some("avx512"));
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("asks for more than this CPU has"));
}
