//! `.npy` files as `np.save` writes them (format 1.0): the magic, a little-endian header length,
//! the header dict padded with spaces to a 64-byte boundary and ended by a newline, then the raw
//! C-order data. The header is a fixed ASCII template, so it is written here directly; that keeps
//! writing, hashing and the atomic rename in one pass.

use super::manifest::FileRecord;
use crate::error::Result;
use std::path::Path;

/// The element types blight writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dtype {
    /// `uint8` images.
    U8,
    /// `int64` labels (little-endian).
    I64,
}

impl Dtype {
    fn descr(self) -> &'static str {
        match self {
            Dtype::U8 => "|u1",
            Dtype::I64 => "<i8",
        }
    }

    /// Bytes per element.
    pub fn size(self) -> usize {
        match self {
            Dtype::U8 => 1,
            Dtype::I64 => 8,
        }
    }
}

/// The preamble (magic, version, header) of an array of `dtype` and `shape`.
pub fn preamble(dtype: Dtype, shape: &[usize]) -> Vec<u8> {
    let dims = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let mut header = format!(
        "{{'descr': '{}', 'fortran_order': False, 'shape': {dims}, }}",
        dtype.descr()
    );
    // magic (6) + version (2) + length (2) + header + newline, padded to 64 bytes.
    let unpadded = 10 + header.len() + 1;
    header.push_str(&" ".repeat((64 - unpadded % 64) % 64));
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    out
}

/// Writes `data` (C order, already in `dtype`'s little-endian layout) as an `.npy` file,
/// atomically, and returns its record for the manifest.
pub fn write(path: &Path, dtype: Dtype, shape: &[usize], data: &[u8]) -> Result<FileRecord> {
    let elements: usize = shape.iter().product();
    if elements * dtype.size() != data.len() {
        return Err(crate::Error::Invalid(format!(
            "{}: {} bytes do not make an array of shape {shape:?}",
            path.display(),
            data.len()
        )));
    }
    use sha2::{Digest, Sha256};
    use std::io::Write;
    let head = preamble(dtype, shape);
    crate::io::write_atomic_with(path, |f| {
        f.write_all(&head)?;
        f.write_all(data)
    })?;
    let mut hash = Sha256::new();
    hash.update(&head);
    hash.update(data);
    Ok(FileRecord {
        path: path.to_string_lossy().replace('\\', "/"),
        bytes: (head.len() + data.len()) as u64,
        sha256: super::manifest::to_hex(&hash.finalize()),
    })
}

/// Labels as little-endian int64 bytes.
pub fn labels_i64(labels: &[u8]) -> Vec<u8> {
    labels
        .iter()
        .flat_map(|&l| (l as i64).to_le_bytes())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preamble_matches_np_save() {
        // np.save of a uint8 array of shape (200, 28, 28, 1) starts with exactly these 128 bytes.
        let p = preamble(Dtype::U8, &[200, 28, 28, 1]);
        assert_eq!(p.len(), 128);
        assert_eq!(&p[..8], b"\x93NUMPY\x01\x00");
        assert_eq!(u16::from_le_bytes([p[8], p[9]]), 118);
        let text = std::str::from_utf8(&p[10..]).unwrap();
        assert!(text
            .starts_with("{'descr': '|u1', 'fortran_order': False, 'shape': (200, 28, 28, 1), }"));
        assert!(text.ends_with(" \n"));
        let labels = preamble(Dtype::I64, &[200]);
        assert!(std::str::from_utf8(&labels[10..])
            .unwrap()
            .contains("'descr': '<i8', 'fortran_order': False, 'shape': (200,), }"));
        assert_eq!(labels.len() % 64, 0);
    }

    #[test]
    fn labels_are_little_endian_int64() {
        assert_eq!(
            labels_i64(&[7, 2]),
            vec![7, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]
        );
    }
}
