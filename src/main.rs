//! The `blight` command line: parses arguments, calls the library, prints. No logic lives here.

use blight::corrupt::Context;
use blight::rng::{FastRandom, NumpyRandom, Random, RngKind, StreamKey};
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
        Command::List => {
            for name in Suite::built_in_names() {
                let suite = Suite::built_in(name)?;
                println!(
                    "{} (version {}, {}×{}, {} corruptions)",
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
        Command::Apply {
            corruption,
            input,
            output,
            severity,
            suite,
            seed,
            rng,
            frost_dir,
        } => {
            let recipe = Recipe::built_in(&suite)?;
            let corrupt = recipe.build_one(&corruption, severity)?;
            let image = blight::io::read_rgb(&input)?;
            let context = Context {
                frost_dir,
                jpeg: recipe.jpeg_codec,
            };
            let sample = input
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let mut source: Box<dyn Random> = match RngKind::from(rng) {
                RngKind::Numpy => {
                    let seed = u32::try_from(seed).map_err(|_| {
                        blight::Error::Invalid(format!(
                            "--seed {seed} is too large for numpy's np.random.seed (at most 2^32 - 1)"
                        ))
                    })?;
                    Box::new(NumpyRandom::new(seed))
                }
                RngKind::Fast => Box::new(FastRandom::new(&StreamKey {
                    seed,
                    suite: &recipe.name,
                    corruption: &corruption,
                    severity,
                    sample: &sample,
                })),
            };
            let out = corrupt.apply(&image, source.as_mut(), &context)?;
            blight::io::write_image(&output, &out)
        }
    }
}
