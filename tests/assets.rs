//! The reference assets from the command line: `blight fetch ASSET` installs into the data
//! folder, `blight assets` reports where each asset is, and runs find it there.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("blight-assets-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// `blight ARGS` with the data folder `data` and no asset variables of the caller.
fn blight(data: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_blight"))
        .args(args)
        .env("BLIGHT_DATA_DIR", data)
        .env_remove("BLIGHT_FROST_DIR")
        .env_remove("BLIGHT_PESSIMAL_DIR")
        .output()
        .expect("run blight")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).trim().to_string()
}

#[test]
fn unknown_asset_and_undownloadable_asset_are_one_line_errors() {
    let data = scratch("errors");
    let out = blight(&data, &["fetch", "snowflakes"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "blight: error: unknown asset 'snowflakes' (known: frost, pessimal, cifar10, cifar100, mnist)"
    );
    let out = blight(&data, &["fetch", "pessimal"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("blight cannot download the pessimal asset"));
    assert!(stderr(&out).contains("--from FILE"));
    std::fs::remove_dir_all(&data).unwrap();
}

#[test]
fn fetched_frost_lands_in_the_data_folder_where_runs_find_it() {
    let Some(textures) = std::env::var_os("BLIGHT_FROST_DIR").map(PathBuf::from) else {
        panic!("set BLIGHT_FROST_DIR to the reference frost textures (blight fetch frost)");
    };
    let data = scratch("fetch");
    let out = blight(&data, &["assets"]);
    assert!(
        stdout(&out).contains("frost     not found"),
        "{}",
        stdout(&out)
    );

    // A wheel-shaped zip holding the reference textures, as the PyPI wheel does.
    let wheel = data.join("imagecorruptions-1.1.2-py3-none-any.whl");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&wheel).unwrap());
    for i in 1..=6 {
        let name = if i <= 3 {
            format!("frost{i}.png")
        } else {
            format!("frost{i}.jpg")
        };
        zip.start_file(
            format!("imagecorruptions/frost/{name}"),
            zip::write::SimpleFileOptions::default(),
        )
        .unwrap();
        zip.write_all(&std::fs::read(textures.join(&name)).unwrap())
            .unwrap();
    }
    zip.finish().unwrap();

    let out = blight(
        &data,
        &["fetch", "frost", "--from", wheel.to_str().unwrap()],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let installed = data.join("frost");
    assert!(stdout(&out).contains(&format!(
        "6 frost files checked and stored in {}",
        installed.display()
    )));
    let out = blight(&data, &["assets"]);
    assert!(
        stdout(&out).contains(&format!(
            "frost     ready in {} (sha256 checked)",
            installed.display()
        )),
        "{}",
        stdout(&out)
    );

    // A run now uses the reference textures without a flag: no procedural-texture warning.
    let photo = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/imagenet-c/astronaut/clean.png");
    let output = data.join("frost.png");
    let args = [
        "apply",
        "frost",
        photo.to_str().unwrap(),
        output.to_str().unwrap(),
        "-s",
        "2",
    ];
    let out = blight(&data, &args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains("procedural"), "{}", stderr(&out));

    // A damaged copy is reported, not used.
    std::fs::write(installed.join("frost2.png"), b"damaged").unwrap();
    let out = blight(&data, &["assets"]);
    assert!(
        stdout(&out).contains("frost     unusable:"),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("sha256 mismatch"), "{}", stdout(&out));
    std::fs::remove_dir_all(&data).unwrap();
}
