//! Sinks: writers of the output layouts. The driver *pushes* outputs into a sink, in the
//! canonical order of (sample, corruption, severity), from one writer thread.
//!
//! Push rather than pull, as in ripgrep's searcher: the driver owns the parallel work (decode,
//! prepare, corrupt, encode on rayon workers) and the bookkeeping (shards, resuming, the journal),
//! and a sink only decides where bytes go. Encoding, the costly half of writing, is done by
//! [`Sink::encode`] on the workers; [`Sink::write`] then only stores bytes, in order, so layouts
//! that pack many outputs into one file (tar shards, `.npy` stacks) get them deterministically.
//!
//! Every file a sink completes is reported as a [`FileRecord`]; the driver journals it at once,
//! so what a sink reported survives an interruption and is not redone.

pub mod journal;
pub mod manifest;
pub mod npy;
pub mod tree;

use crate::error::Result;
use crate::raster::Image;
use journal::Target;
use manifest::FileRecord;

/// A suite's output layout, from its recipe's `[output]` section.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "layout", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Layout {
    /// `<corruption>/<severity>/<key>` image files ([`tree::TreeSink`]).
    Tree { image: tree::ImageFormat },
}

impl Layout {
    /// The sink that writes this layout.
    pub fn sink(&self) -> Box<dyn Sink> {
        match self {
            Layout::Tree { image } => Box::new(tree::TreeSink { format: *image }),
        }
    }

    /// The layout in words, for the manifest.
    pub fn describe(&self) -> String {
        match self {
            Layout::Tree { image } => format!("<corruption>/<severity>/<key> files, {image}"),
        }
    }
}

/// One corrupted output: which sample, which corruption and severity.
#[derive(Clone, Copy, Debug)]
pub struct OutputId<'a> {
    /// The sample's key (its path in the source) and canonical index.
    pub key: &'a str,
    pub index: usize,
    pub label: usize,
    /// The class name of the label.
    pub class: &'a str,
    pub corruption: &'a str,
    pub severity: u32,
}

/// A writer of one output layout.
pub trait Sink: Sync {
    /// The path, relative to the output root, of the file that `id` ends up in. The driver skips
    /// every output whose file is journaled complete and intact.
    fn file_of(&self, id: &OutputId<'_>) -> String;

    /// The bytes of one output as the layout stores it (run on worker threads).
    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>>;

    /// Stores one encoded output in the target; returns the records of the files this completed.
    /// Called from one thread, in canonical order.
    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>>;

    /// Completes what is still open after the last output; returns the files it completed.
    fn finish(&self, _target: &Target) -> Result<Vec<FileRecord>> {
        Ok(Vec::new())
    }
}
