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

pub mod archive;
pub mod cifar_npy;
pub mod input_format;
pub mod journal;
pub mod manifest;
pub mod mnist_npy;
pub mod npy;
pub mod sequence_npy;
pub mod sequence_tar;
pub mod tree;
pub mod video;
pub mod webdataset;

use crate::error::Result;
use crate::raster::Image;
use journal::Target;
use manifest::FileRecord;

/// A suite's output layout, from its recipe's `[output]` section.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "layout", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Layout {
    /// `<corruption>/<severity>/<key>` image files, all as `image` ([`tree::TreeSink`]), or with
    /// `follow_input` each in its input's format, JPEG inputs as `image`
    /// ([`input_format::InputFormatTree`]): detection and segmentation sets, whose annotations
    /// name the image files.
    Tree {
        image: tree::ImageFormat,
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        follow_input: bool,
    },
    /// CIFAR-10-C's `<corruption>.npy` stacks and `labels.npy` ([`cifar_npy::CifarNpySink`]).
    /// (Braces, not a unit variant, so that serde refuses a misspelt extra key here too.)
    CifarNpy {},
    /// WebDataset tar shards of `shard_size` outputs each ([`webdataset::WebDatasetSink`]).
    Webdataset {
        image: tree::ImageFormat,
        shard_size: usize,
    },
}

/// What a run will push into its sink: layouts that pack many outputs into one file need the
/// whole run's shape to place each output and to know when a file is complete.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Plan {
    /// Samples in the run: the canonical indices `0..samples` (the source's length, or the
    /// limit).
    pub samples: usize,
    /// The samples this shard of the run writes, within `0..samples`.
    pub range: std::ops::Range<usize>,
    /// Corruption and severity of every config, in the driver's config order: every sample's
    /// outputs arrive in this order.
    pub configs: Vec<(String, u32)>,
}

impl Layout {
    /// The sink that writes this layout for the run `plan`, or why the layout cannot write that
    /// run (e.g. a `.npy` stack split across shards).
    pub fn sink_for(&self, plan: &Plan) -> Result<Box<dyn Sink>> {
        Ok(match self {
            Layout::Tree {
                image,
                follow_input: false,
            } => Box::new(tree::TreeSink { format: *image }),
            Layout::Tree {
                image,
                follow_input: true,
            } => Box::new(input_format::InputFormatTree::new(*image)?),
            Layout::CifarNpy {} => Box::new(cifar_npy::CifarNpySink::new(plan)?),
            Layout::Webdataset { image, shard_size } => {
                Box::new(webdataset::WebDatasetSink::new(*image, *shard_size, plan)?)
            }
        })
    }

    /// How many samples a driver shard's range must be a multiple of (except at the run's end),
    /// so that no output file is written by two shards.
    pub fn shard_alignment(&self, configs_per_sample: usize) -> usize {
        match self {
            Layout::Webdataset { shard_size, .. } => {
                webdataset::boundary_samples(configs_per_sample, *shard_size)
            }
            _ => 1,
        }
    }

    /// The layout in words, for the manifest.
    pub fn describe(&self) -> String {
        match self {
            Layout::Tree {
                image,
                follow_input: false,
            } => format!("<corruption>/<severity>/<key> files, {image}"),
            Layout::Tree {
                image,
                follow_input: true,
            } => input_format::InputFormatTree::new(*image)
                .map_or_else(|e| e.to_string(), |sink| sink.describe()),
            Layout::CifarNpy {} => {
                "<corruption>.npy uint8 (N·severities, 32, 32, 3), severity-major, \
                                 and labels.npy uint8"
                    .into()
            }
            Layout::Webdataset { image, shard_size } => format!(
                "WebDataset shards shard-NNNNNN.tar of {shard_size} outputs \
                 (<key>.cls, <key>.json and the image, {image})"
            ),
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
pub trait Sink: Send + Sync {
    /// The path, relative to the output root, of the file that `id` ends up in. The driver skips
    /// every output whose file is journaled complete and intact.
    fn file_of(&self, id: &OutputId<'_>) -> String;

    /// Every file that holds part of `id`: [`Sink::file_of`], and the companions a layout
    /// writes with it (labels beside a stack of images). The driver makes `id` again unless all
    /// of them are journaled complete and intact, so a damaged companion is repaired too.
    fn files_of(&self, id: &OutputId<'_>) -> Vec<String> {
        vec![self.file_of(id)]
    }

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

#[cfg(test)]
mod tests {
    use super::*;

    /// A recipe's `[output]` section, read as `suite.rs` reads it.
    fn layout(section: &str) -> Layout {
        #[derive(serde::Deserialize)]
        struct Recipe {
            output: Layout,
        }
        toml::from_str::<Recipe>(&format!("[output]\n{section}"))
            .unwrap()
            .output
    }

    fn plan() -> Plan {
        Plan {
            samples: 4,
            range: 0..4,
            configs: vec![("fog".into(), 1), ("fog".into(), 2)],
        }
    }

    #[test]
    fn recipes_name_every_layout() {
        let jpeg = tree::ImageFormat::Jpeg {
            quality: 85,
            optimize: true,
            profile: crate::ops::jpeg::Profile::Ijg9,
        };
        assert_eq!(
            layout(
                "layout = \"tree\"\n\
                 image = { format = \"jpeg\", quality = 85, optimize = true, profile = \"ijg9\" }"
            ),
            Layout::Tree {
                image: jpeg,
                follow_input: false
            }
        );
        let turbo = tree::ImageFormat::Jpeg {
            quality: 95,
            optimize: false,
            profile: crate::ops::jpeg::Profile::Turbo,
        };
        let follow = layout(
            "layout = \"tree\"\nfollow_input = true\n\
             image = { format = \"jpeg\", quality = 95, profile = \"turbo\" }",
        );
        assert_eq!(
            follow,
            Layout::Tree {
                image: turbo,
                follow_input: true
            }
        );
        assert!(follow.describe().contains(".jpg/.jpeg as JPEG quality 95"));
        let cifar = layout("layout = \"cifar-npy\"");
        assert_eq!(cifar, Layout::CifarNpy {});
        assert!(cifar.describe().starts_with("<corruption>.npy uint8"));
        let wds = layout(
            "layout = \"webdataset\"\nshard_size = 1000\n\
             image = { format = \"jpeg\", quality = 85, optimize = true, profile = \"ijg9\" }",
        );
        assert_eq!(
            wds,
            Layout::Webdataset {
                image: jpeg,
                shard_size: 1000
            }
        );
        assert!(wds.describe().contains("shard-NNNNNN.tar of 1000 outputs"));
        for layout in [&cifar, &wds, &follow] {
            assert!(layout.sink_for(&plan()).is_ok());
        }
        let unknown = toml::from_str::<toml::Table>("[output]\nlayout = \"cifar-npy\"\nsize = 3")
            .unwrap()["output"]
            .clone()
            .try_into::<Layout>();
        assert!(unknown.is_err());
    }
}
