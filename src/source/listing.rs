//! The list of a dataset's images in canonical order — ImageFolder's: classes sorted, images by
//! class and then by path — with each image's key, label, size and where it is stored. The
//! class-folder tree, the flat folder and the ILSVRC tar all list their images this way, so the
//! same images give the same keys, order and fingerprint whatever the container.

use super::{decode, Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::sink::manifest::to_hex;
use sha2::{Digest, Sha256};
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// The extensions ImageFolder counts as images (torchvision's `IMG_EXTENSIONS`), in lower case;
/// other files in the folder (a README, the label file itself) are left out as it leaves them.
const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp",
];

/// Whether ImageFolder would count a file of this name as an image.
pub fn is_image(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// Adds the image files under `dir` to `out` as `<prefix><relative path>`; returns how many
/// other files it passed over. Linked folders are followed; `seen` holds the folders entered so
/// far, so a link back up the tree is an error rather than an endless walk.
pub fn list_images(
    dir: &Path,
    prefix: &str,
    out: &mut Vec<String>,
    seen: &mut HashSet<PathBuf>,
) -> Result<usize> {
    let real = dir.canonicalize().map_err(|e| Error::io(dir, e))?;
    if !seen.insert(real) {
        return Err(Error::file(
            dir,
            "a link to a folder that holds it, or to one already listed: the tree would be read \
             twice",
        ));
    }
    let mut others = 0;
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| Error::file(&path, format!("file name {name:?} is not valid UTF-8")))?;
        let key = format!("{prefix}{name}");
        if path.is_dir() {
            others += list_images(&path, &format!("{key}/"), out, seen)?;
        } else if is_image(&name) {
            out.push(key);
        } else {
            others += 1;
        }
    }
    Ok(others)
}

/// One labelled image, wherever it is stored (`at`: a file name, an offset in a tar).
#[derive(Debug)]
pub struct Entry<L> {
    /// `<wnid>/<file>`.
    pub key: String,
    pub label: usize,
    pub bytes: u64,
    pub at: L,
}

/// The images of a validation set with their labels, in canonical order.
#[derive(Debug)]
pub struct Listing<L> {
    pub classes: Vec<String>,
    pub entries: Vec<Entry<L>>,
}

impl<L> Listing<L> {
    /// The fingerprint ImageFolder computes: every key and size, in order.
    pub fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for entry in &self.entries {
            hash.update(entry.key.as_bytes());
            hash.update(format!("\0{}\n", entry.bytes).as_bytes());
        }
        to_hex(&hash.finalize())
    }
}

/// Where a listed dataset keeps its image files.
pub trait Store: Send + Sync {
    /// Where an entry is within the store (a path inside a folder, an offset in a tar).
    type At: Send + Sync;
    /// The source's kind, as the manifest records it.
    const KIND: &'static str;

    /// The bytes of `entry`'s file, and the path that names it in errors.
    fn read(&self, entry: &Entry<Self::At>) -> Result<(PathBuf, Vec<u8>)>;
}

/// A dataset of image files listed in canonical order: one [`Source`] for every [`Store`].
pub struct Listed<S: Store> {
    pub(crate) listing: Listing<S::At>,
    pub(crate) store: S,
    pub(crate) profile: jpeg::Profile,
    /// JPEGs stay in the mode Pillow opens them in (gray, RGB, CMYK) instead of RGB
    /// ([`super::open_for_input`] with `convert_rgb_last`).
    pub(crate) file_modes: bool,
}

impl<S: Store + std::fmt::Debug> std::fmt::Debug for Listed<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listed")
            .field("store", &self.store)
            .field("samples", &self.listing.entries.len())
            .finish()
    }
}

impl<S: Store> Source for Listed<S> {
    fn len(&self) -> usize {
        self.listing.entries.len()
    }

    fn classes(&self) -> &[String] {
        &self.listing.classes
    }

    fn key(&self, i: usize) -> &str {
        &self.listing.entries[i].key
    }

    fn label(&self, i: usize) -> usize {
        self.listing.entries[i].label
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        let entry = &self.listing.entries[i];
        let (path, bytes) = self.store.read(entry)?;
        Ok(Sample {
            index: i,
            key: entry.key.clone(),
            label: entry.label,
            image: if self.file_modes {
                decode::decode_as_opened(&path, &bytes, self.profile)?
            } else {
                decode::decode_rgb(&path, &bytes, self.profile)?
            },
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: S::KIND.into(),
            samples: self.listing.entries.len(),
            fingerprint: self.listing.fingerprint(),
        }
    }
}
