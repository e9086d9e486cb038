//! `blight evaluate --generate SUITE --source PATH`: a suite's corrupted dataset made in memory
//! while it is scored, instead of written to disk first.
//!
//! Each part (one corruption at one severity) is a [`Source`] whose `sample(i)` makes the output
//! through [`crate::generate::Maker`], the very code `blight generate` writes with (same
//! preparation, random streams and encoder), then decodes the encoded bytes as the evaluator
//! decodes the files on disk: the JPEG round trip included, the predictions are those of the
//! dataset on disk. Samples are made on demand by the evaluator's prefetching producer, so
//! memory stays bounded whatever the source's size. The clean part is the source itself,
//! decoded as the evaluator decodes `--clean` images.
//!
//! MNIST-C, whose dataset on disk the evaluator reads as the test split of each corruption's
//! folder, is made from the test digits of the MNIST source, each corruption at its released
//! severity; its clean part is the `identity` corruption, as on disk. Array layouts (MNIST-C,
//! CIFAR-C) key their samples as the `.npy` files read from disk do, so the predictions match
//! line for line. A suite whose outputs follow their inputs' tree (imagecorruptions: detection
//! and segmentation sets) has no class labels to score, and is refused.

use super::dataset::{self, Dataset, Part, DECODER};
use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::generate::{self, Config, Maker};
use crate::mnist_c;
use crate::raster::Image;
use crate::rng::RngKind;
use crate::sink::manifest::to_hex;
use crate::sink::mnist_npy::MnistNpySink;
use crate::sink::{Layout, Plan, Sink};
use crate::source::{self, Sample, Source, SourceInfo};
use crate::suite::Suite;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What to generate: the options `blight generate` takes for the same dataset.
pub struct Request {
    pub suite: Suite,
    pub source: PathBuf,
    /// The labels of a flat folder or tar (`LOC_val_solution.csv`'s format).
    pub source_labels: Option<PathBuf>,
    pub corruptions: Vec<String>,
    pub severities: Vec<u32>,
    pub limit: Option<usize>,
    pub seed: u64,
    pub rng: RngKind,
    pub context: Context,
}

/// How the layout stores an output: raw pixels of one shape, or an encoded image file.
enum Stored {
    Pixels {
        width: usize,
        height: usize,
        channels: usize,
    },
    Encoded,
}

/// What every part shares.
struct Run {
    suite: Suite,
    /// The source decoded as the suite decodes it, for corrupting.
    source: Box<dyn Source>,
    /// The same source decoded as the evaluator decodes clean images; `None` where the clean
    /// part is a corruption (MNIST-C's `identity`).
    clean: Option<Box<dyn Source>>,
    sink: Box<dyn Sink>,
    stored: Stored,
    context: Context,
    seed: u64,
    rng: RngKind,
    /// The source index of the first sample scored (MNIST's first test digit).
    offset: usize,
    samples: usize,
}

/// One part: the clean images (`config` `None`), or corruption `suite.corruptions[c]` at
/// severity `s`.
struct Generated {
    run: Arc<Run>,
    config: Option<(usize, u32)>,
    /// The keys of the dataset on disk, where they are not the source's (array layouts).
    keys: Option<Vec<String>>,
}

/// One part to make.
struct Planned {
    /// `None` for the clean part.
    corruption: Option<String>,
    /// The severity the dataset on disk names the part by.
    severity: Option<u32>,
    /// What makes its samples: `None` reads the clean source.
    config: Option<(usize, u32)>,
    /// The keys on disk, `<prefix>/<first + i>`, for array layouts.
    keys: Option<(String, usize)>,
}

/// The dataset `request` describes, every part made on demand, with class names from
/// `label_map` where given.
pub fn open(request: Request, label_map: Option<&Path>) -> Result<Dataset> {
    if request.suite.engine == "mnist-c" {
        return open_mnist_c(request, label_map);
    }
    let suite = request.suite;
    let layout = suite.output.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "suite {} has no [output] section, so --generate cannot make its dataset",
            suite.name
        ))
    })?;
    if let Layout::Tree {
        follow_input: true, ..
    } = layout
    {
        return Err(Error::Invalid(format!(
            "suite {} corrupts detection and segmentation sets, whose images have no class \
             labels to score: write it with `blight generate {}` and score it with the task's \
             own tools",
            suite.name, suite.name
        )));
    }
    let source = source::open(
        &request.source,
        request.source_labels.as_deref(),
        suite.input.decoder,
    )?;
    suite
        .input
        .check_classes(&request.source, source.classes().len())?;
    let clean = source::open(&request.source, request.source_labels.as_deref(), DECODER)?;
    let samples = request.limit.map_or(source.len(), |l| l.min(source.len()));
    let configs = generate::configs(&suite, &request.corruptions, &request.severities)?;
    let mut chosen: Vec<(usize, u32)> = configs
        .iter()
        .filter_map(|c| {
            let index = suite
                .corruptions
                .iter()
                .position(|s| s.name == c.corruption_name);
            index.map(|index| (index, c.severity))
        })
        .collect();
    let plan = Plan {
        samples,
        range: 0..samples,
        configs: configs
            .iter()
            .map(|c| (c.corruption_name.to_string(), c.severity))
            .collect(),
    };
    let sink = layout.sink_for(&plan)?;
    drop(configs);
    // The order of the same dataset read from disk: by corruption name, then severity.
    chosen.sort_by(|a, b| {
        (&suite.corruptions[a.0].name, a.1).cmp(&(&suite.corruptions[b.0].name, b.1))
    });
    let by_index = matches!(layout, Layout::CifarNpy {});
    let planned = std::iter::once(Planned {
        corruption: None,
        severity: None,
        config: None,
        keys: None,
    })
    .chain(chosen.iter().map(|&(c, s)| {
        let name = suite.corruptions[c].name.clone();
        // A `.npy` stack holds the run's severities one after another, N samples each.
        let block = chosen
            .iter()
            .filter(|&&(other, t)| other == c && t < s)
            .count();
        Planned {
            keys: by_index.then(|| (name.clone(), block * samples)),
            corruption: Some(name),
            severity: Some(s),
            config: Some((c, s)),
        }
    }))
    .collect();
    let run = Run {
        suite,
        source,
        clean: Some(clean),
        sink,
        stored: if by_index {
            Stored::Pixels {
                width: 32,
                height: 32,
                channels: 3,
            }
        } else {
            Stored::Encoded
        },
        context: request.context,
        seed: request.seed,
        rng: request.rng,
        offset: 0,
        samples,
    };
    assemble(&request.source, run, planned, label_map, by_index)
}

/// MNIST-C as the evaluator reads it from disk: the test digits of each chosen corruption (the
/// benchmark's 15 by default) at its released severity, and `identity` as the clean part.
fn open_mnist_c(request: Request, label_map: Option<&Path>) -> Result<Dataset> {
    let suite = request.suite;
    if !request.severities.is_empty() {
        return Err(Error::Invalid(format!(
            "--severities: {} has one severity per corruption, the one it was released at; \
             leave it out",
            suite.name
        )));
    }
    if request.source_labels.is_some() {
        return Err(Error::Invalid(format!(
            "--source-labels: {} reads the labels of the MNIST files; leave it out",
            suite.name
        )));
    }
    if let Some(unknown) = request
        .corruptions
        .iter()
        .find(|n| suite.corruptions.iter().all(|c| &c.name != *n))
    {
        return Err(Error::UnknownCorruption {
            suite: suite.name.clone(),
            name: unknown.clone(),
        });
    }
    let released = |c: usize| suite.corruptions[c].released.unwrap_or(1);
    let identity = suite
        .corruptions
        .iter()
        .position(|c| c.name == "identity")
        .ok_or_else(|| {
            Error::Invalid(format!(
                "suite {} has no identity corruption, which MNIST-C's clean part is",
                suite.name
            ))
        })?;
    let mut chosen: Vec<usize> = (0..suite.corruptions.len())
        .filter(|&c| {
            let corruption = &suite.corruptions[c];
            c != identity
                && if request.corruptions.is_empty() {
                    corruption.archive.as_deref() == Some(mnist_c::BENCHMARK)
                } else {
                    request.corruptions.contains(&corruption.name)
                }
        })
        .collect();
    chosen.sort_by(|&a, &b| suite.corruptions[a].name.cmp(&suite.corruptions[b].name));

    let source = mnist_c::open_source(&suite, &request.source, "nothing was evaluated")?;
    let (rows, cols) = source.image_size();
    let [_, test] = source.splits();
    let test = test.1;
    let samples = request.limit.map_or(test.len(), |l| l.min(test.len()));
    let folders: Vec<(String, String)> = std::iter::once(identity)
        .chain(chosen.iter().copied())
        .map(|c| {
            let corruption = &suite.corruptions[c];
            let folder = corruption.archive.as_deref().unwrap_or(mnist_c::BENCHMARK);
            (corruption.name.clone(), folder.to_string())
        })
        .collect();
    let sink = MnistNpySink::new(
        &folders,
        source
            .splits()
            .into_iter()
            .map(|(split, range)| (split.name(), range))
            .collect(),
        (rows, cols),
        false,
    );
    let planned = std::iter::once((None, identity))
        .chain(
            chosen
                .iter()
                .map(|&c| (Some(suite.corruptions[c].name.clone()), c)),
        )
        .map(|(corruption, c)| Planned {
            corruption,
            severity: None,
            config: Some((c, released(c))),
            keys: Some((suite.corruptions[c].name.clone(), 0)),
        })
        .collect();
    let run = Run {
        suite,
        source: Box::new(source),
        clean: None,
        sink: Box::new(sink),
        stored: Stored::Pixels {
            width: cols,
            height: rows,
            channels: 1,
        },
        context: request.context,
        seed: request.seed,
        rng: request.rng,
        offset: test.start,
        samples,
    };
    assemble(&request.source, run, planned, label_map, true)
}

/// The dataset of the `planned` parts of `run`.
fn assemble(
    root: &Path,
    run: Run,
    planned: Vec<Planned>,
    label_map: Option<&Path>,
    by_index: bool,
) -> Result<Dataset> {
    let run = Arc::new(run);
    let parts = planned
        .into_iter()
        .map(|p| Part {
            corruption: p.corruption,
            severity: p.severity,
            source: Box::new(Generated {
                run: run.clone(),
                config: p.config,
                keys: p.keys.map(|(prefix, first)| {
                    (0..run.samples)
                        .map(|i| format!("{prefix}/{}", first + i))
                        .collect()
                }),
            }),
            labels: Vec::new(),
        })
        .collect();
    dataset::assemble(root, "generated", parts, label_map, by_index)
}

impl Generated {
    /// The corrupted sample `i` as the dataset on disk holds it, decoded.
    fn corrupted(&self, i: usize, corruption: usize, severity: u32) -> Result<Image> {
        let run = &*self.run;
        let c = &run.suite.corruptions[corruption];
        let configs = [Config {
            corruption_name: &c.name,
            severity,
            corruption: c.at(severity)?,
        }];
        let maker = Maker {
            source: run.source.as_ref(),
            prep: &run.suite.input,
            configs: &configs,
            sink: run.sink.as_ref(),
            context: &run.context,
            suite: &run.suite.name,
            seed: run.seed,
            rng: run.rng,
        };
        let (_, bytes) = maker
            .outputs(run.offset + i, &[0])?
            .pop()
            .ok_or_else(|| Error::Invalid(format!("{}: no output made", self.key(i))))?;
        match run.stored {
            Stored::Pixels {
                width,
                height,
                channels,
            } => Image::new(width, height, channels, bytes),
            Stored::Encoded => {
                let name = Path::new(run.source.key(run.offset + i));
                source::decode::decode_rgb(name, &bytes, DECODER)
            }
        }
    }
}

impl Source for Generated {
    fn len(&self) -> usize {
        self.run.samples
    }

    fn classes(&self) -> &[String] {
        self.run.source.classes()
    }

    fn key(&self, i: usize) -> &str {
        match &self.keys {
            Some(keys) => &keys[i],
            None => self.run.source.key(self.run.offset + i),
        }
    }

    fn label(&self, i: usize) -> usize {
        self.run.source.label(self.run.offset + i)
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        match (self.config, &self.run.clean) {
            (None, Some(clean)) => clean.sample(i),
            (None, None) => Err(Error::Invalid(format!(
                "{}: suite {} has no clean source",
                self.key(i),
                self.run.suite.name
            ))),
            (Some((c, s)), _) => Ok(Sample {
                index: i,
                key: self.key(i).to_string(),
                label: self.label(i),
                image: self.corrupted(i, c, s)?,
            }),
        }
    }

    /// The source's identity with everything that decides the generated pixels.
    fn info(&self) -> SourceInfo {
        let run = &*self.run;
        let source = run.source.info();
        let mut hash = Sha256::new();
        hash.update(source.fingerprint.as_bytes());
        hash.update(run.suite.recipe_sha256.as_bytes());
        hash.update(
            format!("{}/{:?}/{}/{}", run.seed, run.rng, run.offset, run.samples).as_bytes(),
        );
        SourceInfo {
            kind: format!("generated from {}", source.kind),
            samples: run.samples,
            fingerprint: to_hex(&hash.finalize()),
        }
    }
}
