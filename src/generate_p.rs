//! `generate imagenet-p`, `tiny-imagenet-p` and `cifar10-p`: the sequences of
//! [`crate::perturb`] written through the generate driver, in the layout of the recipe's
//! `[output]` (lossless tar shards of PNG frames, or CIFAR-10-P's `.npy` stacks).
//!
//! One output of the driver is one whole sequence: a perturbation at one difficulty (the
//! driver's "severity") on one sample, its frames stacked top to bottom into one image, which
//! the sequence sinks cut back into frames. The driver decodes each sample and leaves it as it
//! is; the sequence prepares it itself ([`PerturbSuite::sequence`]), since some sequences start
//! from the original image (Tiny-ImageNet-P's motion_blur). Everything else — the journal,
//! resuming, repairs, shards, `merge` and the manifest — is the driver's.
//!
//! The sources are those of the -C suites, in their canonical sorted order (not the reference's
//! `os.listdir` order). ImageNet-P's script resizes the opened image before `convert('RGB')`:
//! its recipe's `convert_rgb_last` keeps each JPEG in the mode it opens in (a CMYK file, as a few
//! ImageNet validation files are, stays CMYK) until the sequence has resized it. Other formats
//! are converted on opening; for a palette PNG that order can differ.
//!
//! Randomness: with `--rng numpy`, sample i gets `np.random.seed(seed + i)` before its sequence,
//! every frame's draws following from it as in the reference's loop; with `--rng fast`, each
//! sequence draws from a stream keyed by (seed, suite, perturbation, difficulty, sample key), so
//! the bytes never depend on threads or shards.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::generate::{self, Config, Job, OnError, Progress, Settings, ShardUnit, Summary};
use crate::perturb::{Pairing, PerturbSuite};
use crate::prep::Prep;
use crate::raster::Image;
use crate::rng::{Random, RngKind};
use crate::sink::journal::Shard;
use crate::sink::sequence_npy::{SequenceLayout, SequenceNpySink};
use crate::sink::sequence_tar::SequenceTarSink;
use crate::sink::video::{find_ffmpeg, Encoding, VideoSink};
use crate::sink::webdataset::boundary_samples;
use crate::sink::{Plan, Sink};
use crate::source::Source;
use std::path::Path;

/// A `generate` run of a perturbation suite.
pub struct Request<'a> {
    pub suite: &'a PerturbSuite,
    pub source: &'a dyn Source,
    pub out: &'a Path,
    /// Only these perturbations (all 14 when empty).
    pub perturbations: &'a [String],
    /// The noise difficulties to generate (1 to 3); the other perturbations have only 1.
    pub difficulties: &'a [u32],
    pub limit: Option<usize>,
    /// Sequences per tar shard, instead of the recipe's (tar layouts only).
    pub shard_size: Option<usize>,
    /// Encode each sequence as an H.264 `.mp4` through ffmpeg, the released format, instead of
    /// the recipe's lossless layout.
    pub video: bool,
    pub shard: Shard,
    pub seed: u64,
    pub rng: RngKind,
    pub on_error: OnError,
    pub context: &'a Context,
}

/// One perturbation at one difficulty, as the driver's corruption: its frames, stacked.
#[derive(Debug)]
pub struct Sequence<'a> {
    pub suite: &'a PerturbSuite,
    pub name: &'static str,
    pub difficulty: u32,
}

impl Corruption for Sequence<'_> {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _context: &Context) -> Result<Image> {
        let mut stacked: Option<Image> = None;
        self.suite
            .sequence(self.name, image, self.difficulty, rng, &mut |frame| {
                match &mut stacked {
                    None => stacked = Some(frame),
                    Some(s) if (s.width, s.channels) == (frame.width, frame.channels) => {
                        s.data.extend_from_slice(&frame.data);
                        s.height += frame.height;
                    }
                    Some(s) => {
                        return Err(Error::Invalid(format!(
                            "{}: a frame of {}×{}×{} follows frames of {}×{}×{}",
                            self.name,
                            frame.width,
                            frame.height,
                            frame.channels,
                            s.width,
                            s.height,
                            s.channels
                        )))
                    }
                }
                Ok(())
            })?;
        stacked.ok_or_else(|| Error::Invalid(format!("{}: the sequence has no frame", self.name)))
    }
}

/// Runs `request` through the generate driver, in the layout of the suite's `[output]`.
pub fn generate_sequences(
    request: &Request<'_>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let suite = request.suite;
    let layout = suite.output.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "suite {} has no [output] section, so it cannot generate a dataset",
            suite.name
        ))
    })?;
    let layout = match (layout, request.shard_size) {
        (SequenceLayout::SequenceTar { .. }, Some(shard_size)) => {
            SequenceLayout::SequenceTar { shard_size }
        }
        (SequenceLayout::SequenceNpy { .. }, Some(_)) => {
            return Err(Error::Invalid(format!(
                "--shard-size: suite {} writes one .npy per perturbation, not tar shards",
                suite.name
            )))
        }
        (layout, None) => layout,
    };
    if let Some(unknown) = request
        .perturbations
        .iter()
        .find(|n| suite.names().all(|m| m != n.as_str()))
    {
        return Err(Error::UnknownCorruption {
            suite: suite.name.clone(),
            name: unknown.clone(),
        });
    }
    if let Some(d) = request.difficulties.iter().find(|d| !(1..=3).contains(*d)) {
        return Err(Error::Invalid(format!(
            "difficulty {d}: the noise sequences have difficulties 1, 2 and 3"
        )));
    }
    if request.video && request.shard_size.is_some() {
        return Err(Error::Invalid(
            "--shard-size sizes tar shards; --video mp4 writes one file per sequence".into(),
        ));
    }
    // Found before anything is written, so a missing ffmpeg leaves no output folder.
    let ffmpeg = match request.video {
        true => Some(find_ffmpeg()?),
        false => None,
    };
    let mut sequences = Vec::new();
    let mut frames = Vec::new();
    let mut encodings = Vec::new();
    for name in suite.names() {
        if !request.perturbations.is_empty() && !request.perturbations.iter().any(|p| p == name) {
            continue;
        }
        let perturbation = suite.get(name)?;
        for difficulty in perturbation.difficulties() {
            let wanted = if request.difficulties.is_empty() {
                difficulty == 1
            } else {
                request.difficulties.contains(&difficulty)
            };
            if wanted {
                sequences.push(Sequence {
                    suite,
                    name,
                    difficulty,
                });
            }
        }
        frames.push((name.to_string(), perturbation.frame_count()));
        encodings.push((
            name.to_string(),
            Encoding {
                frames: perturbation.frame_count(),
                grain: perturbation.pairing() == Pairing::AgainstFirst,
            },
        ));
    }
    let configs: Vec<Config<'_>> = sequences
        .iter()
        .map(|s| Config {
            corruption_name: s.name,
            severity: s.difficulty,
            corruption: s,
        })
        .collect();
    let total = request
        .limit
        .map_or(request.source.len(), |l| l.min(request.source.len()));
    let settings = Settings {
        tool: "blight".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        suite: suite.name.clone(),
        recipe_version: suite.version.clone(),
        recipe_sha256: suite.recipe_sha256.clone(),
        seed: request.seed,
        rng: request.rng,
        seeding: match request.rng {
            RngKind::Numpy => {
                "sample i: np.random.seed(seed + i) before each sequence, its frames drawn in \
                 order"
                    .into()
            }
            RngKind::Fast => {
                "fast stream keyed by (seed, suite, perturbation, difficulty, sample key)".into()
            }
        },
        source: request.source.info(),
        limit: request.limit,
        input: suite.input.clone(),
        configs: configs
            .iter()
            .map(|c| format!("{}/{}", c.corruption_name, c.severity))
            .collect(),
        output: match ffmpeg {
            Some(_) => "<perturbation>[_<difficulty>]/<class>/<name>.mp4, H.264 through ffmpeg \
                        (libx264, -preset veryslow; -tune grain for the noises, -crf 20 otherwise)"
                .into(),
            None => layout.describe(),
        },
        assets: Vec::new(),
    };
    let plan = |range| Plan {
        samples: total,
        range,
        configs: configs
            .iter()
            .map(|c| (c.corruption_name.to_string(), c.severity))
            .collect(),
    };
    // A `.npy` holds every sample of a perturbation, so its shards split the perturbations; tar
    // shards hold runs of sequences, so shards split the samples on tar-shard boundaries.
    let (sink, shard_unit): (Box<dyn Sink>, ShardUnit) = match (ffmpeg, layout) {
        (Some(ffmpeg), _) => (
            Box::new(VideoSink::new(ffmpeg, &encodings)),
            ShardUnit::Samples { alignment: 1 },
        ),
        (None, SequenceLayout::SequenceNpy { side }) => (
            Box::new(SequenceNpySink::new(total, side, &frames)?),
            ShardUnit::Configs,
        ),
        (None, SequenceLayout::SequenceTar { shard_size: 0 }) => {
            return Err(Error::Invalid(
                "a tar shard holds at least one sequence (shard_size 0)".into(),
            ))
        }
        (None, SequenceLayout::SequenceTar { shard_size }) => {
            let alignment = boundary_samples(configs.len(), shard_size);
            let range = request.shard.aligned_range(total, alignment);
            (
                Box::new(SequenceTarSink::new(shard_size, &plan(range), &frames)?),
                ShardUnit::Samples { alignment },
            )
        }
    };
    // The sequences prepare their inputs themselves.
    let identity = Prep::default();
    let job = Job {
        source: request.source,
        prep: &identity,
        configs,
        sink: sink.as_ref(),
        context: request.context,
        settings,
        out: request.out,
        shard: request.shard,
        shard_unit,
        on_error: request.on_error,
    };
    generate::generate(&job, progress)
}
