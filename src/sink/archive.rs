//! A reproducible tar of a finished output folder, for release: every file of the released layout
//! (the data, `manifest.json`, `SHA256SUMS`, `errors.json`; not the `.blight` working state)
//! under one top folder, sorted by path, each with the fixed header of
//! [`super::webdataset::deterministic_header`] (mtime 0, owner 0:0 without names, mode 0644).
//! The same folder content therefore always gives the same bytes and sha256, whenever and by
//! whomever it was generated. Files are streamed, never held whole.

use super::journal::STATE_DIR;
use super::manifest::to_hex;
use super::webdataset::deterministic_header;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::Path;

/// What [`archive`] wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Archived {
    /// The member paths, in archive order.
    pub files: Vec<String>,
    pub bytes: u64,
    pub sha256: String,
}

/// Counts and hashes what passes through to `inner`.
struct Hashing<W> {
    inner: W,
    hash: Sha256,
    bytes: u64,
}

impl<W: Write> Write for Hashing<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.hash.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Writes the files under `root` into the tar `out` (atomically), each as `<top>/<path>`.
/// Links and other non-regular files are refused, naming them.
pub fn archive(root: &Path, top: &str, out: &Path) -> Result<Archived> {
    let mut files = Vec::new();
    list(root, "", out, &mut files)?;
    files.sort();
    let mut digest = None;
    crate::io::write_atomic_with(out, |f| {
        let writer = Hashing {
            inner: std::io::BufWriter::new(f),
            hash: Sha256::new(),
            bytes: 0,
        };
        let mut tar = tar::Builder::new(writer);
        for rel in &files {
            let path = root.join(rel);
            let named = |e: std::io::Error| {
                std::io::Error::new(e.kind(), format!("{}: {e}", path.display()))
            };
            let file = std::fs::File::open(&path).map_err(named)?;
            let mut header = deterministic_header(file.metadata().map_err(named)?.len());
            tar.append_data(&mut header, format!("{top}/{rel}"), file)
                .map_err(named)?;
        }
        let mut writer = tar.into_inner()?;
        writer.flush()?;
        digest = Some((to_hex(&writer.hash.finalize()), writer.bytes));
        Ok(())
    })?;
    let (sha256, bytes) = digest.ok_or_else(|| Error::file(out, "the archive was not written"))?;
    Ok(Archived {
        files,
        bytes,
        sha256,
    })
}

/// Adds the files under `dir` (relative to the root as `prefix`) to `out`, leaving out the
/// working state and the archive being written.
fn list(dir: &Path, prefix: &str, archive: &Path, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| Error::file(&path, format!("file name {name:?} is not valid UTF-8")))?;
        if prefix.is_empty() && name == STATE_DIR || path == archive {
            continue;
        }
        let rel = format!("{prefix}{name}");
        let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
        if kind.is_dir() {
            list(&path, &format!("{rel}/"), archive, out)?;
        } else if kind.is_file() {
            out.push(rel);
        } else {
            return Err(Error::file(
                &path,
                "not a regular file (a link?); the archive holds only files",
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("blight-archive-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    #[test]
    fn the_archive_is_reproducible_and_lists_every_file() {
        let dir = scratch("repro");
        let root = dir.join("out");
        for (rel, bytes) in [
            ("fog/1/n01/b.JPEG", &b"bb"[..]),
            ("fog/1/n01/a.JPEG", b"a"),
            ("fog/10/x.JPEG", b"x"),
            ("SHA256SUMS", b"sums"),
            ("manifest.json", b"{}"),
            (".blight/shard-0-of-1.jsonl", b"state"),
        ] {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
        let first = archive(&root, "ImageNet-C", &dir.join("one.tar")).unwrap();
        // Touch a file: the mtime must not reach the archive.
        let later = std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1 << 30);
        std::fs::File::options()
            .write(true)
            .open(root.join("fog/1/n01/a.JPEG"))
            .unwrap()
            .set_modified(later)
            .unwrap();
        let second = archive(&root, "ImageNet-C", &dir.join("two.tar")).unwrap();
        assert_eq!(first, second);
        let bytes = std::fs::read(dir.join("one.tar")).unwrap();
        assert_eq!(bytes, std::fs::read(dir.join("two.tar")).unwrap());
        assert_eq!(first.sha256, crate::sink::manifest::sha256_hex(&bytes));
        assert_eq!(first.bytes, bytes.len() as u64);
        assert_eq!(
            first.files,
            [
                "SHA256SUMS",
                "fog/1/n01/a.JPEG",
                "fog/1/n01/b.JPEG",
                "fog/10/x.JPEG",
                "manifest.json"
            ]
        );
        let mut tar = tar::Archive::new(bytes.as_slice());
        let listed: Vec<(String, u64, u64)> = tar
            .entries()
            .unwrap()
            .map(|e| {
                let e = e.unwrap();
                let h = e.header();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    h.mtime().unwrap(),
                    h.size().unwrap(),
                )
            })
            .collect();
        let expected: Vec<(String, u64, u64)> = first
            .files
            .iter()
            .map(|f| {
                let size = std::fs::metadata(root.join(f)).unwrap().len();
                (format!("ImageNet-C/{f}"), 0, size)
            })
            .collect();
        assert_eq!(listed, expected);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn links_are_refused_by_name() {
        let dir = scratch("link");
        let root = dir.join("out");
        std::fs::create_dir_all(&root).unwrap();
        std::os::unix::fs::symlink("/etc/hostname", root.join("sneaky")).unwrap();
        let message = archive(&root, "x", &dir.join("x.tar"))
            .unwrap_err()
            .to_string();
        assert!(message.contains("sneaky: not a regular file"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
