//! One evaluation run: the dataset's parts, preprocessed in batches ahead of inference, scored
//! by the model, summarised into errors and calibration.
//!
//! A producer thread decodes and preprocesses batch k+1.. (in parallel over the batch's
//! samples, on rayon) while the model runs batch k; a bounded channel of [`PREFETCH`] batches
//! keeps memory flat. Each session of the model runs on its own thread and takes the next batch
//! when it is free; the scores are put back in run order before they are scored.

use super::calibration::{expected_calibration_error, probabilities};
use super::dataset::{Dataset, Part};
use super::preprocess::{Layout, Preprocess};
use super::runtime::Model;
use crate::error::{Error, Result};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io::Write;
use std::sync::mpsc::{Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Batches prepared ahead of the one the model runs.
const PREFETCH: usize = 3;

/// How a run is done.
pub struct Options {
    pub preprocess: Preprocess,
    pub batch: usize,
    /// Model output index of each dataset class (a class-subset mask), or `None` when outputs
    /// and classes correspond one to one.
    pub subset: Option<Vec<usize>>,
    /// Write every sample's prediction (and scores, with `save_logits`) here.
    pub predictions: Option<std::path::PathBuf>,
    pub save_logits: bool,
    pub progress: bool,
    /// `--bench`: afterwards, this many rounds of the data path and the sessions timed against
    /// the sessions alone on the batches kept ready-made; 0: no benchmark.
    pub bench_rounds: usize,
}

/// One sample's outcome.
#[derive(Clone, Copy, Debug)]
pub struct Outcome {
    pub correct: bool,
    pub top5: bool,
    pub confidence: f32,
}

/// The outcomes of one part, in sample order.
pub struct PartResult {
    pub corruption: Option<String>,
    pub severity: Option<u32>,
    pub outcomes: Vec<Outcome>,
}

impl PartResult {
    pub fn top1_error(&self) -> f64 {
        error(self.outcomes.iter().map(|o| o.correct))
    }
    pub fn top5_error(&self) -> f64 {
        error(self.outcomes.iter().map(|o| o.top5))
    }
    pub fn ece(&self) -> f64 {
        let pairs: Vec<(f32, bool)> = self
            .outcomes
            .iter()
            .map(|o| (o.confidence, o.correct))
            .collect();
        expected_calibration_error(&pairs)
    }
}

/// The fraction of `false`.
pub fn error(correct: impl Iterator<Item = bool>) -> f64 {
    let (mut n, mut wrong) = (0usize, 0usize);
    for c in correct {
        n += 1;
        wrong += (!c) as usize;
    }
    if n == 0 {
        return f64::NAN;
    }
    wrong as f64 / n as f64
}

/// A run's results and timings.
pub struct Run {
    pub parts: Vec<PartResult>,
    pub images: usize,
    /// Wall time from the first batch requested to the last scored.
    pub elapsed: Duration,
    /// With `--bench`: each round's (data path and sessions, sessions on ready-made tensors).
    pub bench: Vec<(Duration, Duration)>,
    /// The (C, H, W) of the tensors fed.
    pub image_shape: [usize; 3],
}

/// A prepared batch: its place in the run, its part, its tensor of `n` images.
struct Batch {
    seq: usize,
    part: usize,
    tensor: Vec<f32>,
    n: usize,
}

/// Each part's batches in run order: (part, first sample, images).
fn batches(dataset: &Dataset, batch: usize) -> impl Iterator<Item = (usize, usize, usize)> + '_ {
    dataset
        .parts
        .iter()
        .enumerate()
        .flat_map(move |(index, part)| {
            let len = part.source.len();
            (0..len)
                .step_by(batch)
                .map(move |begin| (index, begin, batch.min(len - begin)))
        })
}

/// Evaluates every part of `dataset` with the model's sessions in `models` (one or more of the
/// same model, run side by side).
pub fn run(models: &mut [Model], dataset: &Dataset, options: &Options) -> Result<Run> {
    options.preprocess.check()?;
    let model = models
        .first()
        .ok_or_else(|| Error::Invalid("no model session to run".into()))?;
    let first = dataset
        .parts
        .iter()
        .find(|p| !p.source.is_empty())
        .ok_or_else(|| Error::file(&dataset.root, "no images found"))?;
    let first_image = first.source.sample(0)?.image;
    let probe = options
        .preprocess
        .geometry(&first_image, first.is_clean())?;
    let image_shape = [probe.channels, probe.height, probe.width];
    let image_len: usize = image_shape.iter().product();
    let batch = fit_input(model, &options.preprocess, image_shape, options.batch)?;
    check_outputs(model, dataset, options.subset.as_deref())?;

    let total: usize = dataset.parts.iter().map(|p| p.source.len()).sum();
    let bar = if options.progress {
        indicatif::ProgressBar::new(total as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut predictions = match &options.predictions {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| Error::io(path, e))?,
        )),
        None => None,
    };
    let mut results: Vec<PartResult> = dataset
        .parts
        .iter()
        .map(|p| PartResult {
            corruption: p.corruption.clone(),
            severity: p.severity,
            outcomes: Vec::with_capacity(p.source.len()),
        })
        .collect();
    let mut kept: Vec<Batch> = Vec::new();
    // Tensors the sessions are done with come back to be filled again: fresh ones would cost
    // the kernel's page zeroing on every batch.
    let (recycle, recycled) = std::sync::mpsc::channel::<Vec<f32>>();
    let bench = options.bench_rounds > 0;
    if bench {
        // Both sides' first batch is slow, and the timed passes after the run would not pay for
        // either: ONNX Runtime's first run of a shape plans its memory (several times slower than
        // the next), and the data path's first batches fault in the decoders' fresh buffers. One
        // batch through both warms them.
        let n = batch.min(first.source.len());
        let warm = prepare(first, 0, n, &options.preprocess, image_shape, Vec::new())?;
        for model in models.iter_mut() {
            let shape = input_shape(model, &options.preprocess, n, image_shape);
            model.run(&warm, &shape)?;
        }
        // --bench keeps every batch, so none comes back: its tensors are made and touched before
        // the clock starts, so that the run fills mapped memory as a run without --bench does.
        for (_, _, n) in batches(dataset, batch) {
            let mut tensor = Vec::with_capacity(n * image_len);
            tensor.resize(n * image_len, 0.0);
            let _ = recycle.send(tensor);
        }
    }
    let preprocess = &options.preprocess;
    let start = Instant::now();
    let produce = producer(dataset, batch, preprocess, image_shape, recycled);
    infer(models, preprocess, image_shape, produce, |made, scores| {
        let part = &dataset.parts[made.part];
        let result = &mut results[made.part];
        let width = scores.len() / made.n.max(1);
        for row in scores.chunks_exact(width) {
            let i = result.outcomes.len();
            let label = part.labels[i];
            let row: Vec<f32> = match &options.subset {
                Some(mask) => mask.iter().map(|&k| row[k]).collect(),
                None => row.to_vec(),
            };
            let outcome = score(&row, label);
            if let Some(out) = predictions.as_mut() {
                write_prediction(out, part, i, label, &row, outcome, options.save_logits)
                    .map_err(|e| Error::io(options.predictions.clone().unwrap_or_default(), e))?;
            }
            result.outcomes.push(outcome);
        }
        bar.inc(made.n as u64);
        if bench {
            kept.push(made);
        } else {
            // The producer may have finished; then the tensor is simply dropped.
            let _ = recycle.send(made.tensor);
        }
        Ok(())
    })?;
    let elapsed = start.elapsed();
    bar.finish_and_clear();
    if let Some(mut out) = predictions {
        out.flush()
            .map_err(|e| Error::io(options.predictions.clone().unwrap_or_default(), e))?;
    }
    let mut rounds = Vec::with_capacity(options.bench_rounds);
    for _ in 0..options.bench_rounds {
        // The sessions alone on the kept tensors, then the data path and the sessions again.
        // Timed side by side round after round, so that a slow spell of a shared machine falls
        // on both.
        let start = Instant::now();
        let mut back = Vec::with_capacity(kept.len());
        let replay = move |send: SyncSender<Result<Batch>>| {
            for made in kept {
                if send.send(Ok(made)).is_err() {
                    return;
                }
            }
        };
        infer(models, preprocess, image_shape, replay, |made, _| {
            back.push(made);
            Ok(())
        })?;
        let ready_made = start.elapsed();
        kept = back;
        // The few tensors a run recycles, made and touched beforehand as in a run they are
        // after its first batches.
        let (recycle, recycled) = std::sync::mpsc::channel::<Vec<f32>>();
        for made in kept.iter().take(PREFETCH + models.len() + 2) {
            let _ = recycle.send(made.tensor.clone());
        }
        let start = Instant::now();
        let produce = producer(dataset, batch, preprocess, image_shape, recycled);
        infer(models, preprocess, image_shape, produce, |made, _| {
            let _ = recycle.send(made.tensor);
            Ok(())
        })?;
        rounds.push((start.elapsed(), ready_made));
    }
    Ok(Run {
        parts: results,
        images: total,
        elapsed,
        bench: rounds,
        image_shape,
    })
}

/// The producer of a pass over `dataset`: decodes and preprocesses each batch into a tensor
/// from `recycled` (or a new one) and sends it, numbered in run order; stops at the first error,
/// which it sends too.
fn producer<'a>(
    dataset: &'a Dataset,
    batch: usize,
    preprocess: &'a Preprocess,
    image_shape: [usize; 3],
    recycled: Receiver<Vec<f32>>,
) -> impl FnOnce(SyncSender<Result<Batch>>) + Send + 'a {
    move |send| {
        for (seq, (index, begin, n)) in batches(dataset, batch).enumerate() {
            let tensor = recycled.try_recv().unwrap_or_default();
            let made = prepare(
                &dataset.parts[index],
                begin,
                n,
                preprocess,
                image_shape,
                tensor,
            );
            let stop = made.is_err();
            let sent = send.send(made.map(|tensor| Batch {
                seq,
                part: index,
                tensor,
                n,
            }));
            if stop || sent.is_err() {
                return;
            }
        }
    }
}

/// Runs the batches `produce` sends (numbered in run order from 0) through the sessions in
/// `models`, each session on its own thread taking the next batch when it is free, and hands
/// each batch with its scores to `scored` in run order.
///
/// `produce` runs on its own thread ahead of the sessions, through a queue of [`PREFETCH`]
/// batches. A batch finished before those ahead of it waits for them; at most one per other
/// session does.
fn infer(
    models: &mut [Model],
    preprocess: &Preprocess,
    image_shape: [usize; 3],
    produce: impl FnOnce(SyncSender<Result<Batch>>) + Send,
    mut scored: impl FnMut(Batch, Vec<f32>) -> Result<()>,
) -> Result<()> {
    std::thread::scope(|scope| -> Result<()> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Batch>>(PREFETCH);
        scope.spawn(move || produce(send));
        // Owned by the sessions' threads: once they have all stopped (after an error), the
        // producer's next send fails and it stops too.
        let receive = Arc::new(Mutex::new(receive));
        let (done, finished) = std::sync::mpsc::channel::<Result<(Batch, Vec<f32>)>>();
        for model in models.iter_mut() {
            let receive = Arc::clone(&receive);
            let done = done.clone();
            scope.spawn(move || loop {
                // Held while waiting, so that the sessions take the batches in turn.
                let next = receive.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(made) = next else { return };
                let ran = made.and_then(|made| {
                    let shape = input_shape(model, preprocess, made.n, image_shape);
                    let scores = model.run(&made.tensor, &shape)?;
                    Ok((made, scores))
                });
                let failed = ran.is_err();
                if done.send(ran).is_err() || failed {
                    return;
                }
            });
        }
        drop((receive, done));
        let mut waiting = BTreeMap::new();
        let mut next = 0;
        for ran in finished {
            let (made, scores) = ran?;
            waiting.insert(made.seq, (made, scores));
            while let Some((made, scores)) = waiting.remove(&next) {
                next += 1;
                scored(made, scores)?;
            }
        }
        Ok(())
    })
}

/// Decodes and preprocesses samples `begin..begin + n` of `part` into one tensor, reusing
/// `tensor`'s memory (every value is overwritten).
fn prepare(
    part: &Part,
    begin: usize,
    n: usize,
    preprocess: &Preprocess,
    shape: [usize; 3],
    mut tensor: Vec<f32>,
) -> Result<Vec<f32>> {
    let image_len: usize = shape.iter().product();
    tensor.resize(n * image_len, 0.0);
    tensor
        .par_chunks_mut(image_len)
        .enumerate()
        .try_for_each(|(j, out)| -> Result<()> {
            let sample = part.source.sample(begin + j)?;
            let image = preprocess.geometry(&sample.image, part.is_clean())?;
            if [image.channels, image.height, image.width] != shape {
                return Err(Error::Invalid(format!(
                    "{}: image {} is {}×{}×{} (C×H×W) after preprocessing, the batch's others \
                     {}×{}×{}: use a preset that crops to one size",
                    part.name(),
                    sample.key,
                    image.channels,
                    image.height,
                    image.width,
                    shape[0],
                    shape[1],
                    shape[2]
                )));
            }
            preprocess.normalise(&image, out);
            Ok(())
        })?;
    Ok(tensor)
}

/// The tensor shape fed for `n` images: the model's rank decides (4: images, 3: gray planes,
/// 2: flattened).
pub(super) fn input_shape(
    model: &Model,
    preprocess: &Preprocess,
    n: usize,
    [c, h, w]: [usize; 3],
) -> Vec<usize> {
    match (model.input.shape.len(), preprocess.layout) {
        (4, Layout::Nchw) => vec![n, c, h, w],
        (4, Layout::Nhwc) => vec![n, h, w, c],
        (3, _) => vec![n, h, w],
        _ => vec![n, c * h * w],
    }
}

/// Checks the model's input against the images the preset makes; returns the batch size to
/// use (the model's own where it fixes one).
pub(super) fn fit_input(
    model: &Model,
    preprocess: &Preprocess,
    image: [usize; 3],
    batch: usize,
) -> Result<usize> {
    let want = input_shape(model, preprocess, 1, image);
    let have = &model.input.shape;
    let fits = have.len() == want.len()
        && (model.input.shape.len() != 3 || image[0] == 1)
        && have
            .iter()
            .zip(&want)
            .skip(1)
            .all(|(&d, &w)| d < 0 || d as usize == w);
    if !fits {
        return Err(Error::Invalid(format!(
            "the model's input '{}' has shape {:?} (-1: any), but the '{}' preset makes {}×{}×{} \
             (C×H×W) images, fed as {:?} with --layout {}: choose the preset (or --layout) the \
             model was trained with",
            model.input.name,
            have,
            preprocess.preset,
            image[0],
            image[1],
            image[2],
            want,
            match preprocess.layout {
                Layout::Nchw => "nchw",
                Layout::Nhwc => "nhwc",
            }
        )));
    }
    Ok(match have.first() {
        Some(&fixed) if fixed > 0 => fixed as usize,
        _ => batch.max(1),
    })
}

/// Checks that the model's outputs can score the dataset's classes.
fn check_outputs(model: &Model, dataset: &Dataset, subset: Option<&[usize]>) -> Result<()> {
    let Some(outputs) = model.classes() else {
        return Ok(());
    };
    match subset {
        Some(mask) => {
            if mask.len() != dataset.classes.len() {
                return Err(Error::Invalid(format!(
                    "the class subset lists {} outputs but the dataset has {} classes",
                    mask.len(),
                    dataset.classes.len()
                )));
            }
            if let Some(k) = mask.iter().find(|&&k| k >= outputs) {
                return Err(Error::Invalid(format!(
                    "the class subset names output {k}, but the model has {outputs} outputs"
                )));
            }
        }
        None if dataset.classes.len() > outputs => {
            return Err(Error::Invalid(format!(
                "the label map has {} classes but the model's output '{}' has {outputs}: pass \
                 --labels with the model's classes, or --class-subset for a model with fewer \
                 outputs",
                dataset.classes.len(),
                model.output.name
            )))
        }
        None => {}
    }
    Ok(())
}

/// Top-1, top-5 and confidence of one row of scores.
fn score(row: &[f32], label: usize) -> Outcome {
    let probs = probabilities(row);
    let mut best = 0;
    for (k, p) in probs.iter().enumerate() {
        if *p > probs[best] {
            best = k;
        }
    }
    // The label is in the top 5 when fewer than 5 classes score strictly above it.
    let mine = probs.get(label).copied().unwrap_or(f32::NEG_INFINITY);
    let above = probs.iter().filter(|&&p| p > mine).count();
    Outcome {
        correct: best == label,
        top5: label < probs.len() && above < 5,
        confidence: probs[best],
    }
}

fn write_prediction(
    out: &mut impl Write,
    part: &Part,
    i: usize,
    label: usize,
    row: &[f32],
    outcome: Outcome,
    save_logits: bool,
) -> std::io::Result<()> {
    let prediction = row
        .iter()
        .enumerate()
        .fold(0, |b, (k, v)| if *v > row[b] { k } else { b });
    let mut record = serde_json::json!({
        "corruption": part.corruption,
        "severity": part.severity,
        "key": part.source.key(i),
        "label": label,
        "prediction": prediction,
        "confidence": outcome.confidence,
    });
    if save_logits {
        record["scores"] = serde_json::json!(row);
    }
    writeln!(out, "{record}")
}
