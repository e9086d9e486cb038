//! The generate driver: every sample of a [`Source`] (or of one shard of it), prepared as the
//! suite's recipe says, corrupted with every chosen corruption × severity and pushed into a
//! [`Sink`], with a journal that makes the run resumable and a manifest at the end.
//!
//! Work goes in chunks of samples. The samples of a chunk are decoded, prepared, corrupted and
//! encoded on rayon's workers, one sample per task (decoded once for all its outputs); a writer
//! thread stores the previous chunk's outputs in canonical order and journals each file as it is
//! in place. A chunk holds about [`CHUNK_BYTES`] of outputs, and at most two chunks are in
//! memory, whatever the dataset's size.
//!
//! Randomness: with `--rng fast`, each output draws from its own stream keyed by (seed, suite,
//! corruption, severity, sample key); with `--rng numpy`, sample i (in the source's canonical
//! order, whichever shard runs it) gets `np.random.seed(seed + i)` before each corruption call,
//! the reference's own draws (i within its split where the source says so, as for MNIST-C).
//! Either way the bytes never depend on threads, shards or resumes.

use crate::assets::frost::TextureSource;
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::prep::Prep;
use crate::rng::{self, RngKind, StreamKey};
use crate::sink::journal::{self, Entry, Journal, Shard, Skipped, Target};
use crate::sink::manifest::{sha256_hex, FileRecord};
use crate::sink::{Layout, OutputId, Plan, Sink};
use crate::source::{Source, SourceInfo};
use crate::suite::{Suite, SEVERITIES};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::HashSet;
use std::path::Path;

/// What a run is. Every shard, and every resumed run, must agree with the settings recorded in
/// the output folder; the manifest carries them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    pub tool: String,
    pub tool_version: String,
    pub suite: String,
    pub recipe_version: String,
    /// sha256 of the recipe's text.
    pub recipe_sha256: String,
    pub seed: u64,
    pub rng: RngKind,
    /// How each output's random stream is seeded, in words.
    pub seeding: String,
    pub source: SourceInfo,
    /// Only the first `limit` samples of the source, where set.
    pub limit: Option<usize>,
    /// The input preparation.
    pub input: Prep,
    /// `corruption/severity` of every config, in output order.
    pub configs: Vec<String>,
    /// The output layout and encoding, in words.
    pub output: String,
    /// Where assets came from where that changes the output (e.g. frost textures).
    pub assets: Vec<String>,
}

/// The state folder's record of a run: its settings and the number of shards it is split into
/// (which the manifest leaves out: the output does not depend on it).
#[derive(Clone, Debug, Serialize, Deserialize)]
struct RunFile {
    settings: Settings,
    shards: usize,
}

/// What to do with an input that cannot be read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OnError {
    /// Record it in `errors.json` and go on.
    Skip,
    /// Stop the run.
    Fail,
}

/// One corruption at one severity.
pub struct Config<'a> {
    pub corruption_name: &'a str,
    pub severity: u32,
    pub corruption: &'a dyn Corruption,
}

/// What each shard of a run owns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ShardUnit {
    /// A contiguous range of samples with every config, a whole number of `alignment` samples
    /// (see [`crate::sink::Layout::shard_alignment`]).
    Samples { alignment: usize },
    /// A contiguous range of configs with every sample: for layouts that stack every sample of
    /// a config into its files (MNIST-C's `.npy`), so each file is one shard's.
    Configs,
}

/// Everything one `generate` needs.
pub struct Job<'a> {
    pub source: &'a dyn Source,
    pub prep: &'a Prep,
    pub configs: Vec<Config<'a>>,
    pub sink: &'a dyn Sink,
    pub context: &'a Context,
    pub settings: Settings,
    pub out: &'a Path,
    pub shard: Shard,
    pub shard_unit: ShardUnit,
    pub on_error: OnError,
}

impl Job<'_> {
    /// How this job makes each sample's outputs.
    fn maker(&self) -> Maker<'_> {
        Maker {
            source: self.source,
            prep: self.prep,
            configs: &self.configs,
            sink: self.sink,
            context: self.context,
            suite: &self.settings.suite,
            seed: self.settings.seed,
            rng: self.settings.rng,
        }
    }

    /// The samples and the configs this job's shard makes, of a run of `total` samples.
    fn owned(&self, total: usize) -> (std::ops::Range<usize>, std::ops::Range<usize>) {
        match self.shard_unit {
            ShardUnit::Samples { alignment } => (
                self.shard.aligned_range(total, alignment),
                0..self.configs.len(),
            ),
            ShardUnit::Configs => (0..total, self.shard.range(self.configs.len())),
        }
    }
}

/// Where a run stands, for progress reports.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    /// Samples of this shard handled so far (written, reused or skipped).
    pub samples_done: usize,
    pub samples_total: usize,
    /// Files written so far by this run.
    pub files_written: usize,
}

/// What a run did.
#[derive(Debug, Default)]
pub struct Summary {
    /// The output folder already held the whole run: nothing was written.
    pub already_complete: bool,
    pub files_written: usize,
    /// Files of an earlier, interrupted run that checked out and were kept.
    pub files_kept: usize,
    /// Files an earlier run had recorded that were missing or changed on disk, made again.
    pub files_repaired: Vec<String>,
    /// Inputs skipped (by this run or an earlier one of this shard).
    pub skipped: Vec<Skipped>,
    /// Files in the manifest, when this run wrote it (the run is one shard); `None` while other
    /// shards may still be working (`blight merge` writes it).
    pub manifest_files: Option<usize>,
}

/// A suite's dataset run as the command line asks for it.
pub struct Request<'a> {
    pub suite: &'a Suite,
    pub source: &'a dyn Source,
    pub out: &'a Path,
    /// Only these corruptions (all of the suite when empty).
    pub corruptions: &'a [String],
    /// Only these severities (all five when empty).
    pub severities: &'a [u32],
    pub limit: Option<usize>,
    pub shard: Shard,
    pub seed: u64,
    pub rng: RngKind,
    pub on_error: OnError,
    pub context: &'a Context,
    /// A layout instead of the suite's `[output]` (e.g. WebDataset shards).
    pub layout: Option<Layout>,
}

/// Runs `request`: the suite's corruptions × severities (or the chosen ones) over the source,
/// written in the layout of the suite's `[output]` section.
pub fn generate_suite(
    request: &Request<'_>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let suite = request.suite;
    let layout = request
        .layout
        .clone()
        .or_else(|| suite.output.clone())
        .ok_or_else(|| {
            Error::Invalid(format!(
                "suite {} has no [output] section, so it cannot generate a dataset",
                suite.name
            ))
        })?;
    let configs = configs(suite, request.corruptions, request.severities)?;
    let mut assets = Vec::new();
    if configs.iter().any(|c| c.corruption_name == "frost") {
        assets.push(match TextureSource::for_context(request.context) {
            TextureSource::Reference => "frost: reference textures (sha256-checked)".to_string(),
            TextureSource::Procedural => {
                "frost: built-in procedural texture (not the reference's)".to_string()
            }
        });
    }
    let settings = Settings {
        tool: "blight".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        suite: suite.name.clone(),
        recipe_version: suite.version.clone(),
        recipe_sha256: suite.recipe_sha256.clone(),
        seed: request.seed,
        rng: request.rng,
        seeding: match request.rng {
            RngKind::Numpy => "sample i: np.random.seed(seed + i) before each corruption".into(),
            RngKind::Fast => {
                "fast stream keyed by (seed, suite, corruption, severity, sample key)".into()
            }
        },
        source: request.source.info(),
        limit: request.limit,
        input: suite.input.clone(),
        configs: configs
            .iter()
            .map(|c| format!("{}/{}", c.corruption_name, c.severity))
            .collect(),
        output: layout.describe(),
        assets,
    };
    let total = request
        .limit
        .map_or(request.source.len(), |l| l.min(request.source.len()));
    let alignment = layout.shard_alignment(configs.len());
    let plan = Plan {
        samples: total,
        range: request.shard.aligned_range(total, alignment),
        configs: configs
            .iter()
            .map(|c| (c.corruption_name.to_string(), c.severity))
            .collect(),
    };
    let sink = layout.sink_for(&plan)?;
    let job = Job {
        source: request.source,
        prep: &suite.input,
        configs,
        sink: sink.as_ref(),
        context: request.context,
        settings,
        out: request.out,
        shard: request.shard,
        shard_unit: ShardUnit::Samples { alignment },
        on_error: request.on_error,
    };
    generate(&job, progress)
}

/// The configs of `suite` a run makes, in output order: the chosen corruptions (all when
/// empty) × the chosen severities (all five when empty).
pub fn configs<'s>(
    suite: &'s Suite,
    corruptions: &[String],
    severities: &[u32],
) -> Result<Vec<Config<'s>>> {
    if let Some(&s) = severities.iter().find(|s| !SEVERITIES.contains(s)) {
        return Err(Error::Severity(s));
    }
    if let Some(unknown) = corruptions
        .iter()
        .find(|n| suite.corruptions.iter().all(|c| &c.name != *n))
    {
        return Err(Error::UnknownCorruption {
            suite: suite.name.clone(),
            name: unknown.clone(),
        });
    }
    let mut configs = Vec::new();
    for c in &suite.corruptions {
        if !corruptions.is_empty() && !corruptions.contains(&c.name) {
            continue;
        }
        for severity in SEVERITIES {
            if severities.is_empty() || severities.contains(&severity) {
                configs.push(Config {
                    corruption_name: &c.name,
                    severity,
                    corruption: c.at(severity)?,
                });
            }
        }
    }
    Ok(configs)
}

/// The run settings' file in the state folder.
const RUN_FILE: &str = "run.json";

/// Runs `job`, reporting progress through `progress`.
pub fn generate(job: &Job<'_>, progress: &(dyn Fn(Progress) + Sync)) -> Result<Summary> {
    let out = job.out;
    let state = out.join(journal::STATE_DIR);
    std::fs::create_dir_all(&state).map_err(|e| Error::io(&state, e))?;
    if let Some(done) = finished_run(out, &job.settings)? {
        return Ok(done);
    }
    record_settings(out, &job.settings, job.shard.count)?;
    let target = Target::new(out, job.shard);
    journal::clear_staging(&target)?;
    let mut journal = Journal::open(out, job.shard)?;

    // What an earlier run of this shard did, checked against the disk a batch at a time (in
    // parallel), remembering only a hash of each intact file's path.
    let mut done: HashSet<u64> = HashSet::new();
    let mut damaged: Vec<String> = Vec::new();
    let mut skipped = Vec::new();
    let mut batch: Vec<FileRecord> = Vec::new();
    let mut check = |batch: &mut Vec<FileRecord>, done: &mut HashSet<u64>| {
        let verdicts: Vec<(u64, Option<String>)> = batch
            .par_iter()
            .map(|r| {
                let what = damage(out, r).map(|what| format!("{}: {what}", r.path));
                (path_hash(&r.path), what)
            })
            .collect();
        for (hash, what) in verdicts {
            match what {
                None => {
                    done.insert(hash);
                }
                Some(line) if !damaged.contains(&line) => damaged.push(line),
                Some(_) => {}
            }
        }
        batch.clear();
    };
    journal::for_each_entry(&job.shard.journal_path(out), |entry| {
        match entry {
            Entry::File(record) => {
                batch.push(record);
                if batch.len() == 4096 {
                    check(&mut batch, &mut done);
                }
            }
            Entry::Skipped(s) => skipped.push(s),
        }
        Ok(())
    })?;
    check(&mut batch, &mut done);
    let skipped_keys: HashSet<String> = skipped.iter().map(|s| s.skipped.clone()).collect();

    let total = job
        .settings
        .limit
        .map_or(job.source.len(), |l| l.min(job.source.len()));
    let (range, owned) = job.owned(total);
    let samples_total = range.len();
    // Each sample with the configs whose files are still to make.
    let mut todo: Vec<(usize, Vec<usize>)> = Vec::new();
    let mut files_kept = 0;
    for i in range {
        let key = job.source.key(i);
        if skipped_keys.contains(key) {
            continue;
        }
        let label = job.source.label(i);
        let class = class_name(job.source, label);
        let needed: Vec<usize> = owned
            .clone()
            .filter(|&c| {
                // A fresh run (nothing journaled) needs every output: no paths to look up.
                done.is_empty() || {
                    let id = output_id(&job.configs, i, key, label, class, c);
                    let files = job.sink.files_of(&id);
                    !files.iter().all(|f| done.contains(&path_hash(f)))
                }
            })
            .collect();
        files_kept += owned.len() - needed.len();
        if !needed.is_empty() {
            todo.push((i, needed));
        }
    }

    let workers = rayon::current_num_threads().max(1);
    let mut report = Progress {
        samples_done: samples_total - todo.len(),
        samples_total,
        files_written: 0,
    };
    progress(report);
    let worked = std::thread::scope(|scope| -> Result<()> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Vec<Made>>(1);
        let writer = scope.spawn(|| -> Result<Journal> {
            for made in receive {
                for sample in made {
                    store(
                        job,
                        &target,
                        &mut journal,
                        sample,
                        &mut skipped,
                        &mut report,
                    )?;
                }
                progress(report);
            }
            for record in job.sink.finish(&target)? {
                journal.record(&Entry::File(record))?;
                report.files_written += 1;
            }
            Ok(journal)
        });
        let (mut rest, mut chunk) = (&todo[..], workers);
        while !rest.is_empty() {
            let (work, after) = rest.split_at(chunk.min(rest.len()));
            rest = after;
            let made: Vec<Made> = work
                .par_iter()
                .map(|(i, needed)| make(job, *i, needed))
                .collect();
            let bytes: usize = made.iter().map(Made::bytes).sum();
            chunk = next_chunk(chunk, work.len(), bytes, workers);
            if send.send(made).is_err() {
                break; // the writer stopped on an error, returned below
            }
        }
        drop(send);
        let mut journal = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        journal.sync()
    });
    if worked.is_err() {
        // What was being written is of no use to the rerun, which would clear it anyway.
        let _ = journal::clear_staging(&target);
    }
    worked?;
    journal::sync_filesystem(out)?;
    crate::io::write_atomic(&job.shard.done_path(out), b"done\n")?;
    let _ = std::fs::remove_dir(&target.staging);

    let manifest_files = if job.shard.count == 1 {
        Some(journal::finalize(out, &job.settings, 1)?.files)
    } else {
        None
    };
    Ok(Summary {
        already_complete: false,
        files_written: report.files_written,
        files_kept,
        files_repaired: damaged,
        skipped,
        manifest_files,
    })
}

/// Completes a sharded run: checks that every shard finished and writes the manifest,
/// `SHA256SUMS` and `errors.json`. Returns the number of files.
pub fn merge(out: &Path) -> Result<usize> {
    let path = out.join(journal::STATE_DIR).join(RUN_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => Error::file(
            out,
            "not a blight output folder being generated (no .blight/run.json)",
        ),
        _ => Error::io(&path, e),
    })?;
    let run: RunFile = serde_json::from_str(&text)
        .map_err(|e| Error::file(&path, format!("unreadable run settings: {e}")))?;
    Ok(journal::finalize(out, &run.settings, run.shards)?.files)
}

/// About how many bytes of outputs a chunk of samples holds (never fewer than four samples per
/// worker, or one for images whose outputs pass [`LARGE_CHUNK_BYTES`]): small images (MNIST's
/// digits) then come in chunks long enough to keep every worker busy between two hand-overs to
/// the writer, large ones in chunks that keep memory bounded.
const CHUNK_BYTES: usize = 16 << 20;

/// The outputs of four samples per worker beyond which a chunk is one sample per worker: a
/// megapixel image's 95 outputs take hundreds of megabytes (Cityscapes' 2048×1024 PNGs), and
/// four of them per worker, twice over, would take tens of gigabytes on a large machine.
const LARGE_CHUNK_BYTES: usize = 256 << 20;

/// The samples of the chunk after one of `chunk` samples of which `made` made `bytes` of outputs:
/// about [`CHUNK_BYTES`], growing at most fourfold; at least four per worker for balance, or one
/// per worker for large images; unchanged after a chunk of skipped samples, which tells nothing.
fn next_chunk(chunk: usize, made: usize, bytes: usize, workers: usize) -> usize {
    let Some(fits) = (CHUNK_BYTES * made).checked_div(bytes) else {
        return chunk;
    };
    let fewest = if bytes / made.max(1) * 4 * workers > LARGE_CHUNK_BYTES {
        workers
    } else {
        4 * workers
    };
    fits.clamp(fewest.min(4 * chunk), 4 * chunk)
}

/// The outputs made for one sample, in config order, or why the sample was skipped.
enum Made {
    Outputs {
        index: usize,
        outputs: Vec<(usize, Vec<u8>)>,
    },
    Failed {
        index: usize,
        reason: String,
    },
}

impl Made {
    /// The bytes of the outputs.
    fn bytes(&self) -> usize {
        match self {
            Made::Outputs { outputs, .. } => outputs.iter().map(|(_, b)| b.len()).sum(),
            Made::Failed { .. } => 0,
        }
    }
}

/// Decodes, prepares, corrupts and encodes sample `i` for the configs `needed`.
fn make(job: &Job<'_>, i: usize, needed: &[usize]) -> Made {
    match job.maker().outputs(i, needed) {
        Ok(outputs) => Made::Outputs { index: i, outputs },
        Err(e) => Made::Failed {
            index: i,
            reason: e.to_string(),
        },
    }
}

/// How a run makes the outputs of one sample, apart from where they go: what
/// [`generate`] writes, and what `blight evaluate --generate` scores in memory, so the two
/// cannot drift apart.
pub struct Maker<'a> {
    pub source: &'a dyn Source,
    pub prep: &'a Prep,
    pub configs: &'a [Config<'a>],
    /// The layout's encoder ([`Sink::encode`]); nothing is written through it here.
    pub sink: &'a dyn Sink,
    pub context: &'a Context,
    /// The suite's name, part of every `--rng fast` stream's key.
    pub suite: &'a str,
    pub seed: u64,
    pub rng: RngKind,
}

impl Maker<'_> {
    /// Sample `i` decoded and prepared once, then corrupted and encoded for each config of
    /// `needed` (indices into `configs`): `(config, bytes)` in the order of `needed`, the bytes
    /// exactly those the layout stores.
    pub fn outputs(&self, i: usize, needed: &[usize]) -> Result<Vec<(usize, Vec<u8>)>> {
        let sample = self.source.sample(i)?;
        let image = self.prep.apply(&sample.image)?;
        let class = class_name(self.source, sample.label);
        needed
            .iter()
            .map(|&c| {
                let config = &self.configs[c];
                let key = StreamKey {
                    seed: match self.rng {
                        RngKind::Numpy => self.seed + self.source.seed_index(i) as u64,
                        RngKind::Fast => self.seed,
                    },
                    suite: self.suite,
                    corruption: config.corruption_name,
                    severity: config.severity,
                    sample: &sample.key,
                };
                let mut stream = rng::open(self.rng, &key)?;
                let corrupted = config
                    .corruption
                    .apply(&image, stream.as_mut(), self.context)
                    .map_err(|e| {
                        Error::Invalid(format!(
                            "{} severity {}: {e}",
                            config.corruption_name, config.severity
                        ))
                    })?;
                let id = output_id(self.configs, i, &sample.key, sample.label, class, c);
                Ok((c, self.sink.encode(&id, &corrupted)?))
            })
            .collect()
    }
}

/// Writes one sample's outputs (or records its failure) and journals every completed file.
fn store(
    job: &Job<'_>,
    target: &Target,
    journal: &mut Journal,
    made: Made,
    skipped: &mut Vec<Skipped>,
    report: &mut Progress,
) -> Result<()> {
    match made {
        Made::Failed { index, reason } => {
            let key = job.source.key(index).to_string();
            if job.on_error == OnError::Fail {
                return Err(Error::Invalid(format!(
                    "stopped at {key} (--on-error fail): {reason}"
                )));
            }
            let s = Skipped {
                skipped: key,
                reason,
            };
            journal.record(&Entry::Skipped(s.clone()))?;
            skipped.push(s);
        }
        Made::Outputs { index, outputs } => {
            let key = job.source.key(index);
            let label = job.source.label(index);
            let class = class_name(job.source, label);
            for (c, bytes) in outputs {
                let id = output_id(&job.configs, index, key, label, class, c);
                for record in job.sink.write(target, &id, bytes)? {
                    journal.record(&Entry::File(record))?;
                    report.files_written += 1;
                }
            }
        }
    }
    report.samples_done += 1;
    Ok(())
}

fn output_id<'j>(
    configs: &'j [Config<'_>],
    index: usize,
    key: &'j str,
    label: usize,
    class: &'j str,
    config: usize,
) -> OutputId<'j> {
    let config = &configs[config];
    OutputId {
        key,
        index,
        label,
        class,
        corruption: config.corruption_name,
        severity: config.severity,
    }
}

fn class_name(source: &dyn Source, label: usize) -> &str {
    source.classes().get(label).map_or("", String::as_str)
}

/// A hash standing for an output path in the set of finished files (64 bits: a collision among
/// a few million paths is about one in a million million).
fn path_hash(path: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    path.hash(&mut hasher);
    hasher.finish()
}

/// What is wrong with a journaled file on disk, if anything.
fn damage(out: &Path, record: &FileRecord) -> Option<&'static str> {
    match std::fs::read(out.join(&record.path)) {
        Err(_) => Some("missing"),
        Ok(bytes) if bytes.len() as u64 != record.bytes => Some("size changed"),
        Ok(bytes) if sha256_hex(&bytes) != record.sha256 => Some("content changed"),
        Ok(_) => None,
    }
}

/// The summary of a run that `out` already holds whole, with the same settings.
fn finished_run(out: &Path, settings: &Settings) -> Result<Option<Summary>> {
    let path = out.join(journal::MANIFEST);
    if !path.exists() {
        return Ok(None);
    }
    let head = journal::ManifestHead::read(&path)?;
    refuse_other_settings(out, &head.settings, settings)?;
    Ok(head.complete.then(|| Summary {
        already_complete: true,
        files_kept: head.file_count,
        skipped: head.skipped,
        manifest_files: Some(head.file_count),
        ..Summary::default()
    }))
}

/// Writes the run's settings into the state folder, or checks them against those there.
fn record_settings(out: &Path, settings: &Settings, shards: usize) -> Result<()> {
    let path = out.join(journal::STATE_DIR).join(RUN_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => {
            let there: serde_json::Value = serde_json::from_str(&text)
                .map_err(|e| Error::file(&path, format!("unreadable run settings: {e}")))?;
            refuse_other_settings(
                out,
                there.get("settings").unwrap_or(&serde_json::Value::Null),
                settings,
            )?;
            match there.get("shards").and_then(|n| n.as_u64()) {
                Some(n) if n as usize == shards => Ok(()),
                n => Err(Error::file(
                    out,
                    format!(
                        "output folder holds this run split into {} shards, not {shards}; \
                         use --shard K/{}",
                        n.unwrap_or(0),
                        n.unwrap_or(0)
                    ),
                )),
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let stray = std::fs::read_dir(out)
                .map_err(|e| Error::io(out, e))?
                .filter_map(|e| e.ok())
                .find(|e| e.file_name() != journal::STATE_DIR);
            if let Some(entry) = stray {
                return Err(Error::file(
                    out,
                    format!(
                        "output folder holds {} but no blight run; choose an empty folder",
                        entry.file_name().to_string_lossy()
                    ),
                ));
            }
            let run = RunFile {
                settings: settings.clone(),
                shards,
            };
            let text = serde_json::to_vec_pretty(&run)
                .map_err(|e| Error::Invalid(format!("cannot serialise the settings: {e}")))?;
            crate::io::write_atomic(&path, &text)
        }
        Err(e) => Err(Error::io(&path, e)),
    }
}

/// An error naming every setting in which `there` (recorded in `out`) differs from `here`.
fn refuse_other_settings(out: &Path, there: &serde_json::Value, here: &Settings) -> Result<()> {
    let here = serde_json::to_value(here)
        .map_err(|e| Error::Invalid(format!("cannot serialise the settings: {e}")))?;
    let mut differences = Vec::new();
    differ("", there, &here, &mut differences);
    if differences.is_empty() {
        return Ok(());
    }
    Err(Error::file(
        out,
        format!(
            "output folder holds a different run; it differs in {} (use another folder, or the \
             same settings to resume)",
            differences.join(", ")
        ),
    ))
}

/// The dotted names of the leaves where `a` and `b` differ, with both values where short.
fn differ(name: &str, a: &serde_json::Value, b: &serde_json::Value, out: &mut Vec<String>) {
    use serde_json::Value;
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            let mut keys: Vec<&String> = x.keys().chain(y.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let sub = if name.is_empty() {
                    k.clone()
                } else {
                    format!("{name}.{k}")
                };
                differ(
                    &sub,
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    out,
                );
            }
        }
        _ if a == b => {}
        _ => {
            let (x, y) = (a.to_string(), b.to_string());
            if x.len() + y.len() <= 80 {
                out.push(format!("{name} ({x} there, {y} here)"));
            } else {
                out.push(name.to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_hold_about_chunk_bytes_and_large_images_one_per_worker() {
        let workers = 16;
        // Digits of 1 kB each: growing fourfold at a time towards 16 MB of outputs.
        assert_eq!(next_chunk(16, 16, 16 << 10, workers), 64);
        assert_eq!(next_chunk(4096, 4096, 4096 << 10, workers), 16 << 10);
        // ImageNet-C's 224×224 JPEGs, about 1.4 MB a sample: four per worker for balance.
        assert_eq!(next_chunk(64, 64, 64 * 1_400_000, workers), 64);
        // Cityscapes' 2048×1024 PNGs, about 300 MB a sample: one per worker.
        assert_eq!(next_chunk(16, 16, 16 * 300_000_000, workers), 16);
        // Nothing made (every sample skipped): as before.
        assert_eq!(next_chunk(16, 16, 0, workers), 16);
    }
}
