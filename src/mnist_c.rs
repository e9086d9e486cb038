//! `generate mnist-c`: MNIST-C (google-research/mnist-c) as one suite of the generate driver.
//!
//! The source is both MNIST splits ([`crate::source::mnist::Mnist`]); each corruption runs at
//! its released severity and lands in its published folder (`mnist_c`, or `mnist_c_leftovers`
//! when asked for), written by [`MnistNpySink`]. Everything else — the journal, resuming,
//! repairs, refusing another run, shards, `merge` and the manifest — is the driver's. With
//! `--rng numpy`, image i of each split gets `np.random.seed(seed + i)` before each call, as the
//! reference's parity fixtures were made; with `--rng fast`, streams are keyed by
//! `<split>/<i>`, so the bytes never depend on threads or shards.

use crate::assets::frost::TextureSource;
use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::generate::{self, Config, Job, OnError, Progress, Settings, ShardUnit, Summary};
use crate::rng::{self, RngKind, StreamKey};
use crate::sink::journal::Shard;
use crate::sink::mnist_npy::MnistNpySink;
use crate::source::mnist::Mnist;
use crate::source::Source;
use crate::suite::Suite;
use std::path::Path;

/// The released benchmark's folder.
pub const BENCHMARK: &str = "mnist_c";
/// The folder of the corruptions left out of the benchmark.
pub const LEFTOVERS: &str = "mnist_c_leftovers";

/// A `generate mnist-c` run.
pub struct Request<'a> {
    /// Every config of the suite is written (a caller leaves some out with
    /// [`Suite::leave_out`]), the leftovers only with `leftovers`.
    pub suite: &'a Suite,
    /// The folder of the four MNIST files.
    pub source: &'a Path,
    pub out: &'a Path,
    pub seed: u64,
    pub rng: RngKind,
    /// Also write the leftover corruptions (`mnist_c_leftovers/`).
    pub leftovers: bool,
    /// Also pack each folder into `<folder>.zip`, as released.
    pub zip: bool,
    pub shard: Shard,
    pub on_error: OnError,
    pub context: &'a Context,
}

/// Runs `request` through the generate driver.
pub fn generate_mnist_c(
    request: &Request<'_>,
    progress: &(dyn Fn(Progress) + Sync),
) -> Result<Summary> {
    let suite = request.suite;
    if request.zip && request.shard.count > 1 {
        return Err(Error::Invalid(
            "--zip packs every file of the run, which no single shard has: generate without \
             --shard to get the zips"
                .into(),
        ));
    }
    // Every config with its folder.
    let mut configs = Vec::new();
    let mut folders = Vec::new();
    for c in &suite.corruptions {
        let folder = match c.archive.as_deref() {
            Some(BENCHMARK) => BENCHMARK,
            Some(LEFTOVERS) if request.leftovers => LEFTOVERS,
            Some(LEFTOVERS) => continue,
            other => {
                return Err(Error::Invalid(format!(
                    "suite {}: {} has archive {other:?}, not {BENCHMARK} or {LEFTOVERS}",
                    suite.name, c.name
                )))
            }
        };
        // Corruptions without a severity give the published output at any severity.
        let severity = c.released.unwrap_or(1);
        configs.push(Config {
            corruption_name: &c.name,
            severity,
            corruption: c.at(severity)?,
        });
        folders.push(folder);
    }

    let source = open_source(suite, request.source, "nothing was written")?;
    let (rows, cols) = source.image_size();
    preflight(&source, &configs, request.context)?;

    let mut assets = Vec::new();
    if configs.iter().any(|c| c.corruption_name == "frost") {
        assets.push(match TextureSource::for_context(request.context) {
            TextureSource::Reference => "frost: reference textures (sha256-checked)".to_string(),
            TextureSource::Procedural => {
                "frost: built-in procedural texture (not the reference's)".to_string()
            }
        });
    }
    let written = if request.leftovers {
        format!("{BENCHMARK}/ and {LEFTOVERS}/")
    } else {
        format!("{BENCHMARK}/")
    };
    let settings =
        Settings {
            tool: "blight".into(),
            tool_version: env!("CARGO_PKG_VERSION").into(),
            suite: suite.name.clone(),
            recipe_version: suite.version.clone(),
            recipe_sha256: suite.recipe_sha256.clone(),
            seed: request.seed,
            rng: request.rng,
            seeding: match request.rng {
                RngKind::Numpy => {
                    "image i of each split: np.random.seed(seed + i) before each corruption".into()
                }
                RngKind::Fast => {
                    "fast stream keyed by (seed, suite, corruption, severity, <split>/<i>)".into()
                }
            },
            source: source.info(),
            limit: None,
            input: suite.input.clone(),
            configs: configs
                .iter()
                .map(|c| format!("{}/{}", c.corruption_name, c.severity))
                .collect(),
            output: format!(
            "{written} <folder>/<corruption>/{{train,test}}_images.npy uint8 (N, {rows}, {cols}, \
             1) and {{train,test}}_labels.npy int64 (N,){}",
            if request.zip { ", and <folder>.zip" } else { "" }
        ),
            assets,
        };
    let sink = MnistNpySink::new(
        &configs
            .iter()
            .zip(&folders)
            .map(|(c, folder)| (c.corruption_name.to_string(), folder.to_string()))
            .collect::<Vec<_>>(),
        source
            .splits()
            .into_iter()
            .map(|(split, range)| (split.name(), range))
            .collect(),
        (rows, cols),
        request.zip,
    );
    let job = Job {
        source: &source,
        prep: &suite.input,
        configs,
        sink: &sink,
        context: request.context,
        settings,
        out: request.out,
        shard: request.shard,
        shard_unit: ShardUnit::Configs,
        on_error: request.on_error,
    };
    generate::generate(&job, progress)
}

/// The four MNIST files in `dir`, refused (`outcome` says what that left undone) unless their
/// digits have the size `suite` corrupts.
pub fn open_source(suite: &Suite, dir: &Path, outcome: &str) -> Result<Mnist> {
    let source = Mnist::open(dir)?;
    let (rows, cols) = source.image_size();
    if (rows, cols) != (suite.image_size, suite.image_size) {
        return Err(Error::file(
            source.images_paths()[0],
            format!(
                "images are {rows}×{cols} (rows × columns in the IDX header), but the {} suite \
                 corrupts {side}×{side} digits; {outcome}",
                suite.name,
                side = suite.image_size
            ),
        ));
    }
    Ok(source)
}

/// Runs every config once on the first image before anything is written, so a missing asset or
/// an image a corruption cannot take stops the run at once, with nothing half-made.
fn preflight(source: &Mnist, configs: &[Config<'_>], context: &Context) -> Result<()> {
    if source.is_empty() {
        return Ok(());
    }
    let image = source.sample(0)?.image;
    for config in configs {
        let mut stream = rng::open(
            RngKind::Fast,
            &StreamKey {
                seed: 0,
                suite: "preflight",
                corruption: config.corruption_name,
                severity: config.severity,
                sample: "0",
            },
        )?;
        config
            .corruption
            .apply(&image, stream.as_mut(), context)
            .map_err(|e| Error::Invalid(format!("{} cannot run: {e}", config.corruption_name)))?;
    }
    Ok(())
}
