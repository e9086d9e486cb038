//! `blight verify DIR`: checks an output folder against its manifest — every listed file present
//! with its size and sha256, and no file the manifest does not list.

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

/// Verifies the output folder `dir` (any blight manifest: datasets and MNIST-C alike).
pub fn verify(dir: &Path) -> Result<Findings> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::file(
            dir,
            "no manifest.json: not a finished blight output folder (a sharded run needs \
             `blight merge` first)",
        ),
        _ => Error::io(&path, e),
    })?;
    let manifest: serde_json::Value = serde_json::from_str(&text)
        .map_err(|e| Error::file(&path, format!("unreadable manifest: {e}")))?;
    let files: Vec<FileRecord> = manifest
        .get("files")
        .cloned()
        .map(serde_json::from_value)
        .transpose()
        .map_err(|e| Error::file(&path, format!("unreadable file list: {e}")))?
        .ok_or_else(|| Error::file(&path, "manifest lists no files"))?;
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
