//! The `blight` command line: parses arguments, calls the library, prints. No logic lives here.

use blight::corrupt::Context;
use blight::rng::{self, RngKind, StreamKey};
use blight::suite::{Recipe, Suite};
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

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
        /// Input image (PNG or JPEG; converted to RGB like PIL's convert('RGB')).
        input: PathBuf,
        /// Output image; the format follows the extension (.png is lossless).
        output: PathBuf,
        /// Severity, 1..5.
        #[arg(long, short)]
        severity: u32,
        /// Suite whose parameters to use.
        #[arg(long, default_value = "imagenet-c")]
        suite: String,
        /// A recipe file to use instead of a built-in suite.
        #[arg(long, conflicts_with = "suite")]
        recipe: Option<PathBuf>,
        /// Seed of the random source.
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// Random source: `numpy` replays np.random.seed(SEED) exactly; `fast` is keyed per sample.
        #[arg(long, value_enum, default_value = "fast")]
        rng: RngArg,
        /// Folder with the reference frost textures (see `blight fetch frost`).
        #[arg(long)]
        frost_dir: Option<PathBuf>,
    },
    /// Write a labelled contact sheet of every corruption × severity.
    Preview {
        /// Input image; the built-in 224×224 photo when left out.
        input: Option<PathBuf>,
        /// Output PNG.
        output: PathBuf,
        #[arg(long, default_value = "imagenet-c")]
        suite: String,
        /// A recipe file to use instead of a built-in suite.
        #[arg(long, conflicts_with = "suite")]
        recipe: Option<PathBuf>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        #[arg(long, value_enum, default_value = "fast")]
        rng: RngArg,
        #[arg(long)]
        frost_dir: Option<PathBuf>,
    },
    /// Time every corruption × severity on one thread (median of repeats).
    Bench {
        /// Side of the square test image (the built-in photo, resampled).
        #[arg(long, default_value_t = 224)]
        size: usize,
        #[arg(long, default_value = "imagenet-c")]
        suite: String,
        /// A recipe file to use instead of a built-in suite.
        #[arg(long, conflicts_with = "suite")]
        recipe: Option<PathBuf>,
        #[arg(long, value_enum, default_value = "fast")]
        rng: RngArg,
        /// Runs per variant; the median is reported.
        #[arg(long, default_value_t = 11)]
        repeats: usize,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
        #[arg(long)]
        frost_dir: Option<PathBuf>,
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

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("blight: error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> blight::Result<()> {
    match cli.command {
        Command::List => list(),
        Command::Apply {
            corruption,
            input,
            output,
            severity,
            suite,
            recipe,
            seed,
            rng,
            frost_dir,
        } => {
            let recipe = Recipe::choose(&suite, recipe.as_deref())?;
            let corrupt = recipe.build_one(&corruption, severity)?;
            let image = blight::io::read_rgb(&input)?;
            let context = Context {
                frost_dir,
                jpeg: recipe.jpeg_codec,
                pessimal_matrix: None,
            };
            let sample = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut source = rng::open(
                rng.into(),
                &StreamKey {
                    seed,
                    suite: &recipe.name,
                    corruption: &corruption,
                    severity,
                    sample: &sample,
                },
            )?;
            let out = corrupt.apply(&image, source.as_mut(), &context)?;
            blight::io::write_image(&output, &out)
        }
        Command::Preview {
            input,
            output,
            suite,
            recipe,
            seed,
            rng,
            frost_dir,
        } => {
            let suite = Suite::choose(&suite, recipe.as_deref())?;
            let (image, sample) = match &input {
                Some(path) => (
                    blight::io::read_rgb(path)?,
                    path.file_name()
                        .map(|n| n.to_string_lossy().into_owned())
                        .unwrap_or_default(),
                ),
                None => (blight::builtin::photo(), "astronaut".to_string()),
            };
            let context = Context {
                frost_dir,
                jpeg: suite.jpeg_codec,
                pessimal_matrix: None,
            };
            let sheet = blight::preview::contact_sheet(
                &suite,
                &image,
                rng.into(),
                seed,
                &sample,
                &context,
            )?;
            blight::io::write_png(&output, &sheet)?;
            println!(
                "wrote {} ({} corruptions × 5 severities)",
                output.display(),
                suite.corruptions.len()
            );
            Ok(())
        }
        Command::Bench {
            size,
            suite,
            recipe,
            rng,
            repeats,
            json,
            frost_dir,
        } => {
            let suite = Suite::choose(&suite, recipe.as_deref())?;
            let image = blight::builtin::photo_sized(size);
            let context = Context {
                frost_dir,
                jpeg: suite.jpeg_codec,
                pessimal_matrix: None,
            };
            let timings = blight::bench::run(&suite, &image, rng.into(), repeats, &context)?;
            let total: f64 = timings.iter().map(|t| t.median_ms).sum();
            if json {
                let report = serde_json::json!({
                    "suite": suite.name,
                    "size": size,
                    "rng": RngKind::from(rng).to_string(),
                    "repeats": repeats,
                    "threads": 1,
                    "timings": timings,
                    "total_ms": total,
                });
                println!("{report:#}");
            } else {
                println!(
                    "{:<18} {:>9} {:>9} {:>9} {:>9} {:>9}",
                    "median ms", "s1", "s2", "s3", "s4", "s5"
                );
                for row in timings.chunks(5) {
                    print!("{:<18}", row[0].corruption);
                    for t in row {
                        print!(" {:>9.3}", t.median_ms);
                    }
                    println!();
                }
                println!(
                    "total of all {} variants at {size}×{size}, one thread: {total:.1} ms",
                    timings.len()
                );
            }
            Ok(())
        }
    }
}

fn list() -> blight::Result<()> {
    for name in Suite::built_in_names() {
        let suite = Suite::built_in(name)?;
        println!(
            "{} (recipe {}, {}×{}, {} corruptions)",
            suite.name,
            suite.version,
            suite.image_size,
            suite.image_size,
            suite.corruptions.len()
        );
        for c in &suite.corruptions {
            println!("  {:<18} {}", c.name, c.family);
        }
    }
    Ok(())
}
