//! Sources: readers that turn a dataset on disk into clean samples with labels and stable keys,
//! in the suite's canonical order.
//!
//! A [`Source`] is random-access (`sample(i)`), not an iterator: the driver decides which
//! indices a shard owns, which outputs a resumed run still needs, and how many samples are in
//! flight, so every source gets sharding, resuming and parallel decoding without doing any of it
//! itself. A source that is sequential on disk (a tar archive) indexes its members when it opens.
//! Decoding happens in `sample`, on the worker that asked, so it runs in parallel.

pub mod cifar;
pub mod decode;
pub mod flat;
pub mod folder;
pub mod image_tree;
pub mod imagenet_tar;
pub mod listing;
pub mod mnist;
pub mod npy_stack;
pub mod webdataset;

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use serde::{Deserialize, Serialize};

/// One clean sample, decoded.
#[derive(Clone, Debug)]
pub struct Sample {
    /// Position in the canonical order, from 0 (`--rng numpy` seeds it with seed +
    /// [`Source::seed_index`]).
    pub index: usize,
    /// The stable key: the file's path relative to the dataset root with `/` separators (e.g.
    /// `n01440764/ILSVRC2012_val_00000293.JPEG`), or `<split>/<i>` for array datasets. Output
    /// names and the fast source's streams derive from it.
    pub key: String,
    /// The class index (ImageFolder order: sorted class names).
    pub label: usize,
    pub image: Image,
}

/// What identifies a source's content, recorded in the manifest so a resumed run refuses
/// another dataset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SourceInfo {
    /// The kind of source (`image-folder`, `mnist-idx`, ...).
    pub kind: String,
    /// Number of samples.
    pub samples: usize,
    /// sha256 over every sample's key and byte size, in order.
    pub fingerprint: String,
}

/// A dataset's samples in canonical order.
pub trait Source: Send + Sync {
    /// Number of samples.
    fn len(&self) -> usize;

    /// True when the source holds no sample.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The class names, indexed by label.
    fn classes(&self) -> &[String];

    /// The key of sample `i` without decoding it (resuming checks outputs by key).
    fn key(&self, i: usize) -> &str;

    /// The label of sample `i` without decoding it.
    fn label(&self, i: usize) -> usize;

    /// What `--rng numpy` adds to the seed for sample `i` (`np.random.seed(seed + index)` before
    /// each corruption): its position in the canonical order, or, for a dataset whose reference
    /// seeds each split from 0 (MNIST-C), its position within its split.
    fn seed_index(&self, i: usize) -> usize {
        i
    }

    /// Sample `i`, read and decoded. An unreadable input is an error naming its file; the driver
    /// records it and skips the sample, or stops, as the run asks.
    fn sample(&self, i: usize) -> Result<Sample>;

    /// The content identity recorded in the manifest.
    fn info(&self) -> SourceInfo;
}

/// The source at `path`, by what is there: a folder of class folders; a flat folder of images
/// or the ILSVRC validation tar with a `LOC_val_solution.csv`-style `labels` file; a CIFAR-10 or
/// CIFAR-100 archive (binary or python tarball). JPEGs decode with `profile`'s libjpeg.
pub fn open(
    path: &std::path::Path,
    labels: Option<&std::path::Path>,
    profile: jpeg::Profile,
) -> Result<Box<dyn Source>> {
    open_with(path, labels, profile, false)
}

/// The source at `path` decoded as a suite's `[input]` says: its libjpeg, and whether JPEGs keep
/// the mode they open in until the preparation has resized them (`convert_rgb_last`).
pub fn open_for_input(
    path: &std::path::Path,
    labels: Option<&std::path::Path>,
    input: &crate::prep::Prep,
) -> Result<Box<dyn Source>> {
    open_with(path, labels, input.decoder, input.convert_rgb_last)
}

fn open_with(
    path: &std::path::Path,
    labels: Option<&std::path::Path>,
    profile: jpeg::Profile,
    file_modes: bool,
) -> Result<Box<dyn Source>> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match labels {
        Some(labels) if path.is_dir() => Ok(Box::new(flat::FlatFolder {
            file_modes,
            ..flat::FlatFolder::open(path, labels, profile)?
        })),
        Some(labels) if name.ends_with(".tar") => Ok(Box::new(imagenet_tar::ImagenetTar {
            file_modes,
            ..imagenet_tar::ImagenetTar::open(path, labels, profile)?
        })),
        None if path.is_dir() => Ok(Box::new(folder::ImageFolder {
            file_modes,
            ..folder::ImageFolder::open(path, profile)?
        })),
        None if name.ends_with(".tar.gz") || name.ends_with(".tgz") => {
            Ok(Box::new(cifar::Cifar::open(path)?))
        }
        None if name.ends_with(".tar") => Err(Error::file(
            path,
            "an image tar needs its labels: pass --labels LOC_val_solution.csv",
        )),
        _ if !path.exists() => Err(Error::file(path, "no such file or folder")),
        _ => Err(Error::file(
            path,
            "not a dataset blight can read: expected a folder of class folders \
             (val/<wnid>/*.JPEG), a flat folder or ILSVRC2012_img_val.tar with --labels, or a \
             CIFAR-10/100 .tar.gz",
        )),
    }
}
