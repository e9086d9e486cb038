//! Any folder tree of images, as detection and segmentation sets ship them (COCO's `val2017/`,
//! Cityscapes' `leftImg8bit/val/<city>/`, Pascal VOC's `JPEGImages/`): no classes, every image
//! file at any depth one sample keyed by its path relative to the root, in sorted order (byte
//! order of the `/`-separated keys). Files that are not images (annotations, READMEs) are left
//! out and counted, never read. Images keep their size; the suite's smallest side is checked
//! here so the error names the file.

use super::listing::{list_images, Entry, Listed, Listing, Store};
use super::{Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::sink::input_format::written_as;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A tree of images, listed once when opened.
pub struct ImageTree {
    listed: Listed<Files>,
    min_side: usize,
    other_files: usize,
}

impl ImageTree {
    /// Lists the tree at `root`; JPEGs will be decoded with `profile`'s libjpeg, and an image
    /// with a side below `min_side` is refused when read. A tree without images is an error.
    pub fn open(root: &Path, profile: jpeg::Profile, min_side: usize) -> Result<Self> {
        if !root.is_dir() {
            return Err(Error::file(root, "not a folder of images"));
        }
        let mut keys = Vec::new();
        let other_files = list_images(root, "", &mut keys, &mut HashSet::new())?;
        keys.sort();
        let mut entries = Vec::with_capacity(keys.len());
        for key in keys {
            let path = root.join(&key);
            let bytes = std::fs::metadata(&path)
                .map_err(|e| Error::io(&path, e))?
                .len();
            entries.push(Entry {
                key,
                label: 0,
                bytes,
                at: (),
            });
        }
        if entries.is_empty() {
            return Err(Error::file(
                root,
                "no images found: expected .jpg, .jpeg or .png files at any depth",
            ));
        }
        Ok(ImageTree {
            listed: Listed {
                listing: Listing {
                    classes: Vec::new(),
                    entries,
                },
                store: Files {
                    root: root.to_path_buf(),
                },
                profile,
                file_modes: false,
            },
            min_side,
            other_files,
        })
    }

    /// How many files under the root are not images (left out, untouched).
    pub fn other_files(&self) -> usize {
        self.other_files
    }
}

impl Source for ImageTree {
    fn len(&self) -> usize {
        self.listed.len()
    }

    fn classes(&self) -> &[String] {
        self.listed.classes()
    }

    fn key(&self, i: usize) -> &str {
        self.listed.key(i)
    }

    fn label(&self, i: usize) -> usize {
        self.listed.label(i)
    }

    /// Image `i` as RGB at its own size. An image of a format not written back, or with a side
    /// below the minimum, is an error naming its file.
    fn sample(&self, i: usize) -> Result<Sample> {
        let path = self.listed.store.root.join(self.key(i));
        if written_as(self.key(i)).is_none() {
            return Err(Error::file(
                &path,
                "only .jpg, .jpeg and .png images are corrupted and written back; convert this \
                 one to PNG",
            ));
        }
        let sample = self.listed.sample(i)?;
        let (width, height) = (sample.image.width, sample.image.height);
        if width < self.min_side || height < self.min_side {
            return Err(Error::file(
                &path,
                format!(
                    "{width}×{height} pixels (width×height); the suite needs at least {} on each \
                     side",
                    self.min_side
                ),
            ));
        }
        Ok(sample)
    }

    fn info(&self) -> SourceInfo {
        self.listed.info()
    }
}

/// The tree's files.
#[derive(Debug)]
pub struct Files {
    root: PathBuf,
}

impl Store for Files {
    type At = ();
    const KIND: &'static str = "image-tree";

    fn read(&self, entry: &Entry<()>) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.root.join(&entry.key);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        Ok((path, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::Image;

    fn put(root: &Path, rel: &str, bytes: &[u8]) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn every_image_at_any_depth_is_a_sample_keyed_by_its_path() {
        let root = std::env::temp_dir().join(format!("blight-image-tree-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let jpeg = jpeg::encode(&Image::zeros(40, 32, 3), 90, jpeg::Profile::Turbo, false).unwrap();
        let png = crate::io::encode_png(&Image::zeros(8, 40, 1)).unwrap();
        for rel in ["b/2.jpg", "a.JPEG", "b/1/x.jpg", "Z.jpg"] {
            put(&root, rel, &jpeg);
        }
        put(&root, "b/small.png", &png);
        put(&root, "annotations/instances_val2017.json", b"{}");
        put(&root, "b/notes.txt", b"notes");
        let tree = ImageTree::open(&root, jpeg::Profile::Turbo, 32).unwrap();
        let keys: Vec<&str> = (0..tree.len()).map(|i| tree.key(i)).collect();
        assert_eq!(
            keys,
            ["Z.jpg", "a.JPEG", "b/1/x.jpg", "b/2.jpg", "b/small.png"]
        );
        assert_eq!(tree.other_files(), 2);
        assert!(tree.classes().is_empty());
        assert_eq!(tree.info().kind, "image-tree");
        let sample = tree.sample(2).unwrap();
        assert_eq!(
            (
                sample.image.width,
                sample.image.height,
                sample.image.channels
            ),
            (40, 32, 3)
        );
        let message = tree.sample(4).unwrap_err().to_string();
        assert!(message.contains("b/small.png: 8×40 pixels"), "{message}");
        assert!(message.contains("at least 32"), "{message}");
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_back_up_the_tree_is_refused_not_walked_for_ever() {
        let root =
            std::env::temp_dir().join(format!("blight-image-tree-loop-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let jpeg = jpeg::encode(&Image::zeros(32, 32, 3), 90, jpeg::Profile::Turbo, false).unwrap();
        put(&root, "a/b/1.jpg", &jpeg);
        std::os::unix::fs::symlink(&root, root.join("a/b/up")).unwrap();
        let message = ImageTree::open(&root, jpeg::Profile::Turbo, 32)
            .err()
            .unwrap()
            .to_string();
        assert!(message.contains("a/b/up: a link to a folder"), "{message}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
