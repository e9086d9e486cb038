//! `blight verify DIR|ARCHIVE`: checks an output folder, or its tar made by `--archive tar`,
//! against the manifest inside — every listed file present with its size and sha256, and no file
//! the manifest does not list.

use crate::error::{Error, Result};
use crate::sink::journal::{ERRORS, MANIFEST, STATE_DIR, SUMS};
use crate::sink::manifest::{sha256_hex, FileRecord};
use rayon::prelude::*;
use std::collections::HashSet;
use std::path::Path;

/// What verification found.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Findings {
    /// Files the manifest lists.
    pub checked: usize,
    pub missing: Vec<String>,
    /// Files present with another size or checksum.
    pub changed: Vec<String>,
    /// Files present that the manifest does not list.
    pub unexpected: Vec<String>,
}

impl Findings {
    /// True when everything matched.
    pub fn ok(&self) -> bool {
        self.missing.is_empty() && self.changed.is_empty() && self.unexpected.is_empty()
    }
}

/// Verifies the output folder or archive at `path` (any blight manifest: datasets and MNIST-C
/// alike).
pub fn verify(path: &Path) -> Result<Findings> {
    if path.is_file() {
        verify_archive(path)
    } else {
        verify_dir(path)
    }
}

/// Verifies a tar of an output folder: one top folder holding the layout and its manifest.
fn verify_archive(tar_path: &Path) -> Result<Findings> {
    use std::io::Read;
    let file = std::fs::File::open(tar_path).map_err(|e| Error::io(tar_path, e))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let bad = |e: std::io::Error| Error::file(tar_path, format!("unreadable tar archive: {e}"));
    let mut present: Vec<FileRecord> = Vec::new();
    let mut manifest = None;
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        // Drop the top folder the archive wraps the layout in.
        let Some((_, rel)) = name.split_once('/') else {
            continue;
        };
        if rel.is_empty() || !entry.header().entry_type().is_file() {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).map_err(bad)?;
        if rel == MANIFEST {
            manifest = Some(bytes);
        } else if ![SUMS, ERRORS].contains(&rel) {
            present.push(FileRecord::of(Path::new(rel), &bytes));
        }
    }
    let manifest =
        manifest.ok_or_else(|| Error::file(tar_path, "the archive holds no manifest.json"))?;
    let files = listed_files(tar_path, &manifest)?;
    let present: std::collections::HashMap<&str, &FileRecord> =
        present.iter().map(|r| (r.path.as_str(), r)).collect();
    let listed: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut findings = Findings {
        checked: files.len(),
        ..Findings::default()
    };
    for record in &files {
        match present.get(record.path.as_str()) {
            None => findings.missing.push(record.path.clone()),
            Some(got) if got.bytes != record.bytes || got.sha256 != record.sha256 => {
                findings.changed.push(record.path.clone())
            }
            Some(_) => {}
        }
    }
    findings.unexpected = present
        .keys()
        .filter(|p| !listed.contains(*p))
        .map(|p| p.to_string())
        .collect();
    findings.missing.sort();
    findings.changed.sort();
    findings.unexpected.sort();
    Ok(findings)
}

/// The file list of a manifest's bytes (`origin` names it in errors).
fn listed_files(origin: &Path, manifest: &[u8]) -> Result<Vec<FileRecord>> {
    let value: serde_json::Value = serde_json::from_slice(manifest)
        .map_err(|e| Error::file(origin, format!("unreadable manifest: {e}")))?;
    value
        .get("files")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| Error::file(origin, format!("unreadable file list: {e}")))?
        .ok_or_else(|| Error::file(origin, "manifest lists no files"))
}

fn verify_dir(dir: &Path) -> Result<Findings> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::file(
            dir,
            "no manifest.json: not a finished blight output folder (a sharded run needs \
             `blight merge` first)",
        ),
        _ => Error::io(&path, e),
    })?;
    let files = listed_files(&path, text.as_bytes())?;
    let problems: Vec<(bool, String)> = files
        .par_iter()
        .filter_map(|record| match std::fs::read(dir.join(&record.path)) {
            Err(_) => Some((true, record.path.clone())),
            Ok(bytes)
                if bytes.len() as u64 != record.bytes || sha256_hex(&bytes) != record.sha256 =>
            {
                Some((false, record.path.clone()))
            }
            Ok(_) => None,
        })
        .collect();
    let listed: HashSet<&str> = files.iter().map(|f| f.path.as_str()).collect();
    let mut present = Vec::new();
    walk(dir, "", &mut present)?;
    let mut findings = Findings {
        checked: files.len(),
        unexpected: present
            .into_iter()
            .filter(|p| !listed.contains(p.as_str()))
            .collect(),
        ..Findings::default()
    };
    for (missing, path) in problems {
        if missing {
            findings.missing.push(path);
        } else {
            findings.changed.push(path);
        }
    }
    findings.missing.sort();
    findings.changed.sort();
    findings.unexpected.sort();
    Ok(findings)
}

/// Every file under `dir` as a `/`-separated path, leaving out the run's own records.
fn walk(dir: &Path, prefix: &str, out: &mut Vec<String>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let rel = if prefix.is_empty() {
            name.clone()
        } else {
            format!("{prefix}/{name}")
        };
        if prefix.is_empty() && [MANIFEST, SUMS, ERRORS, STATE_DIR].contains(&name.as_str()) {
            continue;
        }
        if entry.path().is_dir() {
            walk(&entry.path(), &rel, out)?;
        } else {
            out.push(rel);
        }
    }
    Ok(())
}
