//! `blight evaluate`: opens the runtime, the model and the dataset, runs, and writes the report.
//! Perturbation sequences (a sequence dataset on disk, or `--generate imagenet-p`) are scored by
//! [`super::sequences`] into the stability report instead.

use super::dataset::{self, Dataset};
use super::evaluate::{self, Options};
use super::generated;
use super::preprocess::{Layout, Preprocess};
use super::report::{self, DatasetInfo, ModelInfo, RuntimeInfo, Setup, Throughput};
use super::runtime::{Device, Model, Runtime, Streams};
use super::sequences::{self, Selection};
use super::stability::{self, Baseline, BaselineDataset, BaselineInfo, BaselineModel};
use super::summary::{summarise, Results};
use crate::error::{Error, Result};
use crate::sink::manifest::to_hex;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// What `blight evaluate` scores.
pub enum Input {
    /// A dataset blight wrote, with the clean images from `clean`.
    Disk {
        dataset: PathBuf,
        clean: Option<PathBuf>,
    },
    /// A suite's dataset made in memory from a source.
    Generate(Box<generated::Request>),
    /// A perturbation suite's sequences made in memory from a source.
    GenerateSequences(Box<sequences::GenerateRequest>),
}

/// Everything `blight evaluate` is asked.
pub struct Request {
    pub model: PathBuf,
    pub input: Input,
    pub out: PathBuf,
    pub preset: String,
    pub mean: Option<Vec<f32>>,
    pub std: Option<Vec<f32>>,
    pub scale: Option<f32>,
    pub layout: Option<Layout>,
    pub labels: Option<PathBuf>,
    pub class_subset: Option<PathBuf>,
    pub device: Device,
    pub batch: usize,
    pub threads: usize,
    /// Sessions of the model run side by side; 0: automatic (see [`Streams::plan`]).
    pub streams: usize,
    pub ort_lib: Option<PathBuf>,
    pub save_logits: bool,
    /// `--bench`'s rounds; 0: no benchmark.
    pub bench_rounds: usize,
    pub progress: bool,
    /// Perturbation sequences: which perturbations and difficulties to score.
    pub selection: Selection,
    /// Perturbation sequences: the baseline file FR, T5D, mFR and mT5D are normalised by.
    pub baseline: Option<PathBuf>,
    /// Perturbation sequences: where to write this run's numbers as a baseline file.
    pub write_baseline: Option<PathBuf>,
}

/// What the command prints: the results and the report's throughput.
pub struct Outcome {
    pub results: Results,
    pub throughput: Throughput,
    pub device: String,
}

/// What a sequence run prints.
pub struct SequenceOutcome {
    pub results: stability::StabilityResults,
    pub throughput: Throughput,
    pub device: String,
    pub videos: usize,
    /// The baseline file written (`--write-baseline`).
    pub baseline_written: Option<PathBuf>,
}

/// A finished run of either kind.
pub enum Finished {
    Corruptions(Outcome),
    Sequences(SequenceOutcome),
}

/// Runs `request`: a -C dataset into the corruption report, perturbation sequences into the
/// stability report.
pub fn evaluate(request: Request) -> Result<Finished> {
    let sequences = match &request.input {
        Input::GenerateSequences(_) => true,
        Input::Disk { dataset, .. } => sequences::is_sequence_dataset(dataset),
        Input::Generate(_) => false,
    };
    if sequences {
        return evaluate_sequences(request).map(Finished::Sequences);
    }
    let only_sequences = [
        (
            !request.selection.perturbations.is_empty(),
            "--perturbations",
        ),
        (!request.selection.difficulties.is_empty(), "--difficulties"),
        (request.baseline.is_some(), "--baseline"),
        (request.write_baseline.is_some(), "--write-baseline"),
    ];
    if let Some((_, flag)) = only_sequences.iter().find(|(set, _)| *set) {
        return Err(Error::Invalid(format!(
            "{flag} is for perturbation sequences (imagenet-p, tiny-imagenet-p, cifar10-p); \
             this dataset holds corruptions"
        )));
    }
    evaluate_corruptions(request).map(Finished::Corruptions)
}

/// The preset with the request's overrides.
fn preprocessing(request: &Request) -> Result<Preprocess> {
    let mut preprocess = Preprocess::preset(&request.preset)?;
    if let Some(m) = &request.mean {
        preprocess.mean = m.clone();
    }
    if let Some(s) = &request.std {
        preprocess.std = s.clone();
    }
    if let Some(s) = request.scale {
        preprocess.scale = s;
    }
    if let Some(l) = request.layout {
        preprocess.layout = l;
    }
    preprocess.check()?;
    Ok(preprocess)
}

/// The model file's bytes, or an error saying it is missing.
fn model_bytes(request: &Request) -> Result<Vec<u8>> {
    if !request.model.is_file() {
        return Err(Error::file(&request.model, "model not found"));
    }
    std::fs::read(&request.model).map_err(|e| Error::io(&request.model, e))
}

fn evaluate_corruptions(request: Request) -> Result<Outcome> {
    let preprocess = preprocessing(&request)?;
    let model_bytes = model_bytes(&request)?;
    let dataset = match request.input {
        Input::Disk { dataset, clean } => {
            dataset::open(&dataset, clean.as_deref(), request.labels.as_deref())?
        }
        Input::Generate(generate) => generated::open(*generate, request.labels.as_deref())?,
        Input::GenerateSequences(_) => {
            return Err(Error::Invalid(
                "sequences reached the corruption evaluator".into(),
            ))
        }
    };
    let subset = request
        .class_subset
        .as_deref()
        .map(read_subset)
        .transpose()?;
    let runtime = Runtime::load(request.ort_lib.as_deref())?;
    let device = request.device.resolve();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let streams = Streams::plan(device, request.threads, request.streams, cores);
    let mut models = Model::open_streams(&runtime, &request.model, &model_bytes, device, streams)?;
    std::fs::create_dir_all(&request.out).map_err(|e| Error::io(&request.out, e))?;
    let options = Options {
        preprocess: preprocess.clone(),
        batch: request.batch,
        subset,
        predictions: Some(request.out.join("predictions.jsonl")),
        save_logits: request.save_logits,
        progress: request.progress,
        bench_rounds: request.bench_rounds,
    };
    let run = evaluate::run(&mut models, &dataset, &options)?;
    let model = &models[0];
    let results = summarise(&run.parts);
    let throughput = Throughput::new(run.images, run.elapsed.as_secs_f64(), &run.bench);
    let setup = Setup {
        tool: "blight".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model: ModelInfo {
            path: request.model.display().to_string(),
            sha256: to_hex(&Sha256::digest(&model_bytes)),
            input: model.input.name.clone(),
            input_shape: model.input.shape.clone(),
            output: model.output.name.clone(),
            output_shape: model.output.shape.clone(),
        },
        runtime: RuntimeInfo {
            onnxruntime: runtime.version.clone(),
            library: runtime.library.path.display().to_string(),
            device: model.device.clone(),
            sessions: models.len(),
            threads: streams.threads,
        },
        dataset: dataset_info(&dataset)?,
        preprocess,
        batch: request.batch,
    };
    report::write(&request.out, &setup, &results, &throughput)?;
    Ok(Outcome {
        results,
        throughput,
        device: model.device.clone(),
    })
}

/// Scores perturbation sequences: the stability report, normalised by `--baseline` where given.
fn evaluate_sequences(request: Request) -> Result<SequenceOutcome> {
    let preprocess = preprocessing(&request)?;
    let refused = [
        (
            matches!(request.input, Input::Disk { clean: Some(_), .. }),
            "--clean: sequences hold their own clean frame",
        ),
        (
            request.labels.is_some(),
            "--labels: the stability metrics compare frames with each other, never with labels",
        ),
        (
            request.bench_rounds > 0,
            "--bench: times the corruption evaluator only",
        ),
        (
            request.streams > 1,
            "--streams: sequences are scored by one session (with all of --threads)",
        ),
    ];
    if let Some((_, why)) = refused.iter().find(|(set, _)| *set) {
        return Err(Error::Invalid(format!(
            "{why}; leave it out for perturbation sequences"
        )));
    }
    let model_bytes = model_bytes(&request)?;
    let baseline = request
        .baseline
        .as_deref()
        .map(Baseline::read)
        .transpose()?;
    let dataset = match request.input {
        Input::Disk { dataset, .. } => sequences::open(&dataset, &request.selection)?,
        Input::GenerateSequences(generate) => sequences::generate(*generate, &request.selection)?,
        Input::Generate(_) => {
            return Err(Error::Invalid(
                "a -C suite reached the sequence evaluator".into(),
            ))
        }
    };
    let suite = dataset.suite.name.clone();
    if let (Some(b), Some(path)) = (&baseline, &request.baseline) {
        if b.suite != suite {
            return Err(Error::file(
                path,
                format!(
                    "is a baseline for {}, but these sequences are {suite}",
                    b.suite
                ),
            ));
        }
    }
    let subset = request
        .class_subset
        .as_deref()
        .map(read_subset)
        .transpose()?;
    let runtime = Runtime::load(request.ort_lib.as_deref())?;
    let mut model = Model::open(
        &runtime,
        &request.model,
        &model_bytes,
        request.device,
        request.threads,
    )?;
    std::fs::create_dir_all(&request.out).map_err(|e| Error::io(&request.out, e))?;
    let options = sequences::Options {
        preprocess: preprocess.clone(),
        batch: request.batch,
        subset,
        predictions: Some(request.out.join("predictions.jsonl")),
        save_logits: request.save_logits,
        progress: request.progress,
    };
    let run = sequences::run(&mut model, &dataset, &options)?;
    let throughput = Throughput::new(run.frames, run.elapsed.as_secs_f64(), &[]);
    // Sequences made in memory have no manifest (their root is the source, maybe an archive).
    let manifest = dataset.root.join("manifest.json");
    let manifest_sha256 = match std::fs::read(&manifest) {
        _ if dataset.kind == "generated" => None,
        Ok(bytes) => Some(to_hex(&Sha256::digest(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&manifest, e)),
    };
    let info = DatasetInfo {
        path: dataset.root.display().to_string(),
        kind: dataset.kind.into(),
        manifest_sha256,
        fingerprint: sequences::fingerprint(&dataset),
        images: run.frames,
        classes: run.classes,
    };
    let sha256 = to_hex(&Sha256::digest(&model_bytes));
    let normaliser = match (&baseline, &request.baseline) {
        (Some(b), Some(path)) => Some((
            b,
            BaselineInfo {
                path: path.display().to_string(),
                model: b.model.name.clone(),
                sha256: b.model.sha256.clone(),
                dataset: b.dataset.clone(),
            },
        )),
        _ => None,
    };
    let results = stability::summarise(&suite, &run.tallies, normaliser);
    if let Some(path) = &request.write_baseline {
        let name = request.model.file_name().map_or_else(
            || request.model.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Baseline::of(
            &suite,
            BaselineModel {
                name,
                sha256: sha256.clone(),
            },
            BaselineDataset {
                kind: info.kind.clone(),
                path: info.path.clone(),
                fingerprint: info.fingerprint.clone(),
            },
            &run.tallies,
        )
        .write(path)?;
    }
    let setup = Setup {
        tool: "blight".into(),
        version: env!("CARGO_PKG_VERSION").into(),
        model: ModelInfo {
            path: request.model.display().to_string(),
            sha256,
            input: model.input.name.clone(),
            input_shape: model.input.shape.clone(),
            output: model.output.name.clone(),
            output_shape: model.output.shape.clone(),
        },
        runtime: RuntimeInfo {
            onnxruntime: runtime.version.clone(),
            library: runtime.library.path.display().to_string(),
            device: model.device.clone(),
            sessions: 1,
            threads: request.threads,
        },
        dataset: info,
        preprocess,
        batch: request.batch,
    };
    report::write_sequences(&request.out, &setup, &results, &throughput)?;
    Ok(SequenceOutcome {
        results,
        throughput,
        device: model.device,
        videos: run.videos,
        baseline_written: request.write_baseline,
    })
}

/// A class-subset mask: one model output index per line, line i for dataset class i.
fn read_subset(path: &Path) -> Result<Vec<usize>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, l)| {
            l.parse::<usize>().map_err(|_| {
                Error::file(
                    path,
                    format!("line {}: '{l}' is not an output index", i + 1),
                )
            })
        })
        .collect()
}

fn dataset_info(dataset: &Dataset) -> Result<DatasetInfo> {
    // A dataset made in memory has no manifest: its root is the source, maybe a file (an
    // archive, MNIST's folder), whose own manifest.json (if any) describes another dataset.
    let manifest = dataset.root.join("manifest.json");
    let manifest_sha256 = if dataset.kind == "generated" {
        None
    } else {
        match std::fs::read(&manifest) {
            Ok(bytes) => Some(to_hex(&Sha256::digest(&bytes))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(Error::io(&manifest, e)),
        }
    };
    let mut hash = Sha256::new();
    for part in &dataset.parts {
        hash.update(part.name().as_bytes());
        hash.update(part.source.info().fingerprint.as_bytes());
    }
    Ok(DatasetInfo {
        path: dataset.root.display().to_string(),
        kind: dataset.kind.into(),
        manifest_sha256,
        fingerprint: to_hex(&hash.finalize()),
        images: dataset.parts.iter().map(|p| p.source.len()).sum(),
        classes: dataset.classes.len(),
    })
}
