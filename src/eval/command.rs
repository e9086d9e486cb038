//! `blight evaluate`: opens the runtime, the model and the dataset, runs, and writes the report.

use super::dataset::{self, Dataset};
use super::evaluate::{self, Options};
use super::generated;
use super::preprocess::{Layout, Preprocess};
use super::report::{self, DatasetInfo, ModelInfo, RuntimeInfo, Setup, Throughput};
use super::runtime::{Device, Model, Runtime};
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
    pub ort_lib: Option<PathBuf>,
    pub save_logits: bool,
    pub bench: bool,
    pub progress: bool,
}

/// What the command prints: the results and the report's throughput.
pub struct Outcome {
    pub results: Results,
    pub throughput: Throughput,
    pub device: String,
}

pub fn evaluate(request: Request) -> Result<Outcome> {
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
    if !request.model.is_file() {
        return Err(Error::file(&request.model, "model not found"));
    }
    let model_bytes = std::fs::read(&request.model).map_err(|e| Error::io(&request.model, e))?;
    let dataset = match request.input {
        Input::Disk { dataset, clean } => {
            dataset::open(&dataset, clean.as_deref(), request.labels.as_deref())?
        }
        Input::Generate(generate) => generated::open(*generate, request.labels.as_deref())?,
    };
    let subset = request
        .class_subset
        .as_deref()
        .map(read_subset)
        .transpose()?;
    let runtime = Runtime::load(request.ort_lib.as_deref())?;
    let mut model = Model::open(&runtime, &request.model, request.device, request.threads)?;
    std::fs::create_dir_all(&request.out).map_err(|e| Error::io(&request.out, e))?;
    let options = Options {
        preprocess: preprocess.clone(),
        batch: request.batch,
        subset,
        predictions: Some(request.out.join("predictions.jsonl")),
        save_logits: request.save_logits,
        progress: request.progress,
        bench: request.bench,
    };
    let run = evaluate::run(&mut model, &dataset, &options)?;
    let results = summarise(&run.parts);
    let seconds = run.elapsed.as_secs_f64();
    let inference = run.inference_only.map(|d| d.as_secs_f64());
    let throughput = Throughput {
        images: run.images,
        seconds,
        images_per_second: run.images as f64 / seconds.max(1e-9),
        inference_only_seconds: inference,
        data_path_overhead_percent: inference.map(|i| 100.0 * (seconds / i.max(1e-9) - 1.0)),
    };
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
        },
        dataset: dataset_info(&dataset)?,
        preprocess,
        batch: request.batch,
    };
    report::write(&request.out, &setup, &results, &throughput)?;
    Ok(Outcome {
        results,
        throughput,
        device: model.device,
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
    let manifest = dataset.root.join("manifest.json");
    let manifest_sha256 = match std::fs::read(&manifest) {
        Ok(bytes) => Some(to_hex(&Sha256::digest(&bytes))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io(&manifest, e)),
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
