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

use super::dataset::{self, Dataset, Part, DECODER};
use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::generate::{self, Config, Maker};
use crate::raster::Image;
use crate::rng::RngKind;
use crate::sink::manifest::to_hex;
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

/// What every part shares.
struct Run {
    suite: Suite,
    /// The source decoded as the suite decodes it, for corrupting.
    source: Box<dyn Source>,
    /// The same source decoded as the evaluator decodes clean images.
    clean: Box<dyn Source>,
    sink: Box<dyn Sink>,
    layout: Layout,
    context: Context,
    seed: u64,
    rng: RngKind,
    samples: usize,
}

/// One part: the clean images (`None`), or corruption `suite.corruptions[c]` at severity `s`.
struct Generated {
    run: Arc<Run>,
    config: Option<(usize, u32)>,
}

/// The dataset `request` describes, every part made on demand, with class names from
/// `label_map` where given.
pub fn open(request: Request, label_map: Option<&Path>) -> Result<Dataset> {
    let suite = request.suite;
    let layout = suite.output.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "suite {} has no [output] section, so --generate cannot make its dataset",
            suite.name
        ))
    })?;
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
    let run = Arc::new(Run {
        suite,
        source,
        clean,
        sink,
        layout,
        context: request.context,
        seed: request.seed,
        rng: request.rng,
        samples,
    });
    let parts = std::iter::once(None)
        .chain(chosen.into_iter().map(Some))
        .map(|config| Part {
            corruption: config.map(|(c, _)| run.suite.corruptions[c].name.clone()),
            severity: config.map(|(_, s)| s),
            source: Box::new(Generated {
                run: run.clone(),
                config,
            }),
            labels: Vec::new(),
        })
        .collect();
    dataset::assemble(&request.source, "generated", parts, label_map, by_index)
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
            .outputs(i, &[0])?
            .pop()
            .ok_or_else(|| Error::Invalid(format!("{}: no output made", self.key(i))))?;
        let name = Path::new(self.key(i));
        match &run.layout {
            Layout::CifarNpy {} => Image::new(32, 32, 3, bytes),
            Layout::Tree { .. } | Layout::Webdataset { .. } => {
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
        self.run.source.key(i)
    }

    fn label(&self, i: usize) -> usize {
        self.run.source.label(i)
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        match self.config {
            None => self.run.clean.sample(i),
            Some((c, s)) => Ok(Sample {
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
        hash.update(format!("{}/{:?}/{}", run.seed, run.rng, run.samples).as_bytes());
        SourceInfo {
            kind: format!("generated from {}", source.kind),
            samples: run.samples,
            fingerprint: to_hex(&hash.finalize()),
        }
    }
}
