//! WebDataset shards as blight writes them (`shard-*.tar`; see [`crate::sink::webdataset`]):
//! each output is a group of members sharing a key, with the image (`.jpg`/`.png`) and a
//! `.json` naming its corruption, severity, sample key and class.
//!
//! The shards are indexed once (member offsets, no image bytes kept); [`open`] returns one
//! source per corruption × severity, whose samples are decoded from their shard on demand. Class
//! names come from the `.json` members, so the evaluator maps them like class folders.

use super::{decode, Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::sink::manifest::to_hex;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

/// One output's image inside a shard.
#[derive(Debug)]
struct Member {
    key: String,
    class: String,
    shard: usize,
    offset: u64,
    size: u64,
}

/// The outputs of one corruption at one severity, across the shards.
#[derive(Debug)]
pub struct WebDatasetPart {
    pub corruption: String,
    pub severity: u32,
    shards: std::sync::Arc<Vec<PathBuf>>,
    members: Vec<Member>,
    classes: Vec<String>,
    labels: Vec<usize>,
    profile: jpeg::Profile,
    fingerprint: String,
}

#[derive(serde::Deserialize)]
struct Meta {
    corruption: String,
    severity: u32,
    key: String,
    class: String,
}

/// Whether `dir` holds WebDataset shards.
pub fn is_shards(dir: &Path) -> bool {
    shard_files(dir).is_ok_and(|s| !s.is_empty())
}

fn shard_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut shards: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".tar"))
        })
        .collect();
    shards.sort();
    Ok(shards)
}

/// Indexes the shards in `dir`: one part per corruption × severity, samples in shard order.
pub fn open(dir: &Path, profile: jpeg::Profile) -> Result<Vec<WebDatasetPart>> {
    let shards = shard_files(dir)?;
    let mut groups: BTreeMap<(String, u32), Vec<Member>> = BTreeMap::new();
    for (n, path) in shards.iter().enumerate() {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut archive = tar::Archive::new(file);
        // Members of one output are adjacent: the image's place, then its .json.
        let mut image: Option<(String, u64, u64)> = None;
        for entry in archive.entries().map_err(|e| Error::io(path, e))? {
            let mut entry = entry.map_err(|e| Error::io(path, e))?;
            let name = entry
                .path()
                .map_err(|e| Error::io(path, e))?
                .to_string_lossy()
                .into_owned();
            let Some((stem, ext)) = name.rsplit_once('.') else {
                continue;
            };
            match ext {
                "jpg" | "png" => {
                    image = Some((stem.to_string(), entry.raw_file_position(), entry.size()))
                }
                "json" => {
                    let mut text = String::new();
                    entry
                        .read_to_string(&mut text)
                        .map_err(|e| Error::io(path, e))?;
                    let meta: Meta = serde_json::from_str(&text)
                        .map_err(|e| Error::file(path, format!("{name}: {e}")))?;
                    let (_, offset, size) =
                        image.take().filter(|(s, _, _)| s == stem).ok_or_else(|| {
                            Error::file(path, format!("{name} has no image before it"))
                        })?;
                    groups
                        .entry((meta.corruption, meta.severity))
                        .or_default()
                        .push(Member {
                            key: meta.key,
                            class: meta.class,
                            shard: n,
                            offset,
                            size,
                        });
                }
                _ => {}
            }
        }
    }
    let shards = std::sync::Arc::new(shards);
    Ok(groups
        .into_iter()
        .map(|((corruption, severity), members)| {
            let mut classes: Vec<String> = members.iter().map(|m| m.class.clone()).collect();
            classes.sort();
            classes.dedup();
            let labels = members
                .iter()
                .map(|m| classes.binary_search(&m.class).unwrap_or(0))
                .collect();
            let mut hash = Sha256::new();
            for m in &members {
                hash.update(format!("{}\0{}\n", m.key, m.size).as_bytes());
            }
            WebDatasetPart {
                corruption,
                severity,
                shards: shards.clone(),
                members,
                classes,
                labels,
                profile,
                fingerprint: to_hex(&hash.finalize()),
            }
        })
        .collect())
}

impl Source for WebDatasetPart {
    fn len(&self) -> usize {
        self.members.len()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn key(&self, i: usize) -> &str {
        &self.members[i].key
    }

    fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        let m = &self.members[i];
        let path = &self.shards[m.shard];
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        file.seek(SeekFrom::Start(m.offset))
            .map_err(|e| Error::io(path, e))?;
        let mut bytes = vec![0u8; m.size as usize];
        file.read_exact(&mut bytes)
            .map_err(|e| Error::io(path, e))?;
        let image = decode::decode_rgb(&path.join(&m.key), &bytes, self.profile)?;
        Ok(Sample {
            index: i,
            key: m.key.clone(),
            label: self.labels[i],
            image,
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: "webdataset".into(),
            samples: self.members.len(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}
