//! The folder-tree layout of ImageNet-C and Tiny-ImageNet-C:
//! `<corruption>/<severity>/<key>`, the key being the source file's path (`<wnid>/<file>`), one
//! image file per output. ImageNet-C stores JPEG at quality 85 with optimised Huffman tables
//! (Pillow's `save(quality=85, optimize=True)`) whatever the file's extension says, as the
//! reference does; PNG stores the pixels losslessly.

use super::journal::Target;
use super::manifest::FileRecord;
use super::{OutputId, Sink};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use serde::{Deserialize, Serialize};

/// How the tree stores each image.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "format", rename_all = "lowercase", deny_unknown_fields)]
pub enum ImageFormat {
    /// JPEG as Pillow's `save(quality=q, optimize=...)` writes it with `profile`'s libjpeg.
    Jpeg {
        quality: u8,
        #[serde(default)]
        optimize: bool,
        #[serde(default)]
        profile: jpeg::Profile,
    },
    /// Lossless PNG.
    Png,
}

impl std::fmt::Display for ImageFormat {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageFormat::Jpeg {
                quality,
                optimize,
                profile,
            } => write!(
                f,
                "JPEG quality {quality}{} ({profile:?} libjpeg)",
                if *optimize {
                    ", optimised Huffman tables"
                } else {
                    ""
                }
            ),
            ImageFormat::Png => f.write_str("PNG"),
        }
    }
}

/// `<corruption>/<severity>/<key>` files.
#[derive(Debug)]
pub struct TreeSink {
    pub format: ImageFormat,
}

impl Sink for TreeSink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        format!("{}/{}/{}", id.corruption, id.severity, id.key)
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        match self.format {
            ImageFormat::Jpeg {
                quality,
                optimize,
                profile,
            } => jpeg::encode(image, quality, profile, optimize).map_err(|e| {
                Error::Invalid(format!("{}: cannot encode JPEG: {e}", self.file_of(id)))
            }),
            ImageFormat::Png => crate::io::encode_png(image),
        }
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        Ok(vec![super::journal::write_file(
            target,
            &self.file_of(id),
            &bytes,
        )?])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outputs_land_under_corruption_severity_and_key() {
        let root = std::env::temp_dir().join(format!("blight-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let sink = TreeSink {
            format: ImageFormat::Jpeg {
                quality: 85,
                optimize: true,
                profile: jpeg::Profile::Ijg9,
            },
        };
        let id = OutputId {
            key: "n01/ILSVRC2012_val_00000001.JPEG",
            index: 0,
            label: 0,
            class: "n01",
            corruption: "fog",
            severity: 3,
        };
        let image = Image::new(16, 16, 3, (0..768).map(|v| (v % 256) as u8).collect()).unwrap();
        let bytes = sink.encode(&id, &image).unwrap();
        assert_eq!(
            bytes,
            jpeg::encode(&image, 85, jpeg::Profile::Ijg9, true).unwrap()
        );
        let target = Target::new(&root, super::super::journal::Shard::WHOLE);
        let records = sink.write(&target, &id, bytes.clone()).unwrap();
        assert_eq!(records[0].path, "fog/3/n01/ILSVRC2012_val_00000001.JPEG");
        assert_eq!(std::fs::read(root.join(&records[0].path)).unwrap(), bytes);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
