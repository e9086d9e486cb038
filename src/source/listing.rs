//! The list of a dataset's images in canonical order — ImageFolder's: classes sorted, images by
//! class and then by path — with each image's key, label, size and where it is stored. The
//! class-folder tree, the flat folder and the ILSVRC tar all list their images this way, so the
//! same images give the same keys, order and fingerprint whatever the container.

use crate::sink::manifest::to_hex;
use sha2::{Digest, Sha256};
use std::path::Path;

/// The extensions ImageFolder counts as images (torchvision's `IMG_EXTENSIONS`), in lower case;
/// other files in the folder (a README, the label file itself) are left out as it leaves them.
const IMAGE_EXTENSIONS: [&str; 9] = [
    "jpg", "jpeg", "png", "ppm", "bmp", "pgm", "tif", "tiff", "webp",
];

/// Whether ImageFolder would count a file of this name as an image.
pub(crate) fn is_image(name: &str) -> bool {
    Path::new(name)
        .extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| IMAGE_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

/// One labelled image, wherever it is stored (`at`: a file name, an offset in a tar).
#[derive(Debug)]
pub(crate) struct Entry<L> {
    /// `<wnid>/<file>`.
    pub key: String,
    pub label: usize,
    pub bytes: u64,
    pub at: L,
}

/// The images of a validation set with their labels, in canonical order.
#[derive(Debug)]
pub(crate) struct Listing<L> {
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
