//! Stacks of images in `.npy` files, as MNIST-C and CIFAR-10-C ship them: uint8 images of shape
//! (N, H, W) or (N, H, W, C), with int64 or uint8 labels of shape (N,) in a second file.
//!
//! The reader parses the `np.save` header (format 1.0/2.0/3.0, C order, little-endian) and keeps
//! the stack in memory; `sample(i)` copies one image out. Keys are `<name>/<i>`.

use super::{Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::sink::manifest::to_hex;
use sha2::{Digest, Sha256};
use std::path::Path;

/// One image stack with its labels, or a range of it (one severity of a CIFAR-C file).
#[derive(Debug)]
pub struct NpyStack {
    name: String,
    pixels: std::sync::Arc<Vec<u8>>,
    /// First image of this range within the file.
    start: usize,
    shape: (usize, usize, usize),
    labels: Vec<usize>,
    keys: Vec<String>,
    classes: Vec<String>,
    fingerprint: String,
}

/// A parsed `.npy` array: its dtype descriptor, shape and raw data.
struct Array {
    descr: String,
    shape: Vec<usize>,
    data: Vec<u8>,
}

fn read_array(path: &Path) -> Result<Array> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let bad = |why: &str| Error::file(path, format!("not a .npy array blight can read: {why}"));
    if bytes.len() < 10 || &bytes[..6] != b"\x93NUMPY" {
        return Err(bad("no NUMPY magic"));
    }
    let (header_len, start) = match bytes[6] {
        1 => (u16::from_le_bytes([bytes[8], bytes[9]]) as usize, 10),
        2 | 3 if bytes.len() >= 12 => (
            u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unknown format version")),
    };
    let header = bytes
        .get(start..start + header_len)
        .and_then(|h| std::str::from_utf8(h).ok())
        .ok_or_else(|| bad("truncated header"))?;
    let field = |key: &str| -> Option<&str> {
        let at = header.find(&format!("'{key}':"))? + key.len() + 3;
        Some(header[at..].trim_start())
    };
    let descr = field("descr")
        .and_then(|s| s.strip_prefix('\''))
        .and_then(|s| s.split('\'').next())
        .ok_or_else(|| bad("no descr"))?
        .to_string();
    if field("fortran_order").is_some_and(|s| s.starts_with("True")) {
        return Err(bad("Fortran order"));
    }
    let shape_text = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?;
    let shape = shape_text
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<Vec<_>>>()?;
    let data = bytes[start + header_len..].to_vec();
    Ok(Array { descr, shape, data })
}

fn read_labels(path: &Path) -> Result<Vec<usize>> {
    let a = read_array(path)?;
    let labels: Vec<i64> = match a.descr.as_str() {
        "|u1" | "<u1" => a.data.iter().map(|&b| b as i64).collect(),
        "<i8" => a
            .data
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().unwrap_or([0; 8])))
            .collect(),
        other => {
            return Err(Error::file(
                path,
                format!("labels must be uint8 or int64, found dtype {other}"),
            ))
        }
    };
    labels
        .into_iter()
        .map(|l| usize::try_from(l).map_err(|_| Error::file(path, format!("negative label {l}"))))
        .collect()
}

impl NpyStack {
    /// The images in `images` with the labels in `labels`, split into `parts` equal ranges (5
    /// for a CIFAR-C file holding severities 1..5, 1 otherwise); `name` prefixes the keys.
    pub fn open(name: &str, images: &Path, labels: &Path, parts: usize) -> Result<Vec<NpyStack>> {
        let a = read_array(images)?;
        if a.descr != "|u1" && a.descr != "<u1" {
            return Err(Error::file(
                images,
                format!("images must be uint8, found dtype {}", a.descr),
            ));
        }
        let (n, h, w, c) = match a.shape[..] {
            [n, h, w] => (n, h, w, 1),
            [n, h, w, c] if c == 1 || c == 3 => (n, h, w, c),
            _ => {
                return Err(Error::file(
                    images,
                    format!(
                        "images must have shape (N, H, W[, 1|3]), found {:?}",
                        a.shape
                    ),
                ))
            }
        };
        if a.data.len() != n * h * w * c {
            return Err(Error::file(
                images,
                "truncated: fewer bytes than the shape says",
            ));
        }
        let all_labels = read_labels(labels)?;
        if all_labels.len() != n {
            return Err(Error::file(
                labels,
                format!(
                    "{} labels for {n} images in {}",
                    all_labels.len(),
                    images.display()
                ),
            ));
        }
        if n == 0 || n % parts != 0 {
            return Err(Error::file(
                images,
                format!("{n} images do not split into {parts} equal severities"),
            ));
        }
        let classes = (0..=all_labels.iter().copied().max().unwrap_or(0))
            .map(|c| c.to_string())
            .collect::<Vec<_>>();
        let per = n / parts;
        let pixels = std::sync::Arc::new(a.data);
        Ok((0..parts)
            .map(|p| {
                let labels = all_labels[p * per..(p + 1) * per].to_vec();
                let keys: Vec<String> = (0..per)
                    .map(|i| format!("{name}/{}", p * per + i))
                    .collect();
                let mut hash = Sha256::new();
                hash.update(&pixels[p * per * h * w * c..(p + 1) * per * h * w * c]);
                NpyStack {
                    name: name.to_string(),
                    pixels: pixels.clone(),
                    start: p * per,
                    shape: (h, w, c),
                    labels,
                    keys,
                    classes: classes.clone(),
                    fingerprint: to_hex(&hash.finalize()),
                }
            })
            .collect())
    }
}

impl Source for NpyStack {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        let (h, w, c) = self.shape;
        let size = h * w * c;
        let at = (self.start + i) * size;
        let image = Image::new(w, h, c, self.pixels[at..at + size].to_vec())?;
        Ok(Sample {
            index: i,
            key: self.keys[i].clone(),
            label: self.labels[i],
            image,
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: format!("npy-stack:{}", self.name),
            samples: self.labels.len(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}
