//! The manifest: the record of a run (tool and recipe versions, seed, random source) and of every
//! file it completed, with size and sha256. A resumed run trusts only what the manifest lists and
//! the checksums confirm.

use sha2::{Digest, Sha256};
use std::path::Path;

/// One written file.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FileRecord {
    /// Path relative to the output root, with `/` separators.
    pub path: String,
    pub bytes: u64,
    pub sha256: String,
}

impl FileRecord {
    /// The record of `bytes` written at `path` (the path is made relative later by the caller).
    pub fn of(path: &Path, bytes: &[u8]) -> Self {
        FileRecord {
            path: path.to_string_lossy().replace('\\', "/"),
            bytes: bytes.len() as u64,
            sha256: sha256_hex(bytes),
        }
    }
}

/// Lower-case hex sha256 of `bytes`.
pub fn sha256_hex(bytes: &[u8]) -> String {
    to_hex(&Sha256::digest(bytes))
}

/// Lower-case hex of a digest.
pub fn to_hex(digest: &[u8]) -> String {
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sha256_matches_known_digest() {
        assert_eq!(
            sha256_hex(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
