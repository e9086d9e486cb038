//! The `blight` command line: parses arguments, calls the library, prints. No logic lives here.

use blight::assets::{self, frost::TextureSource, AssetDirs};
use blight::corrupt::Context;
use blight::generate::{OnError, Progress, Summary};
use blight::rng::{self, RngKind, StreamKey};
use blight::simd::Isa;
use blight::suite::Suite;
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// mimalloc keeps freed large buffers for reuse; the system allocator returns them to the OS and
/// every corruption's fresh image-sized buffers then cost page faults.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay`, which libmimalloc-sys does not name.
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Keeps freed memory mapped for good. By default mimalloc gives it back to the OS 10 ms after it
/// is freed, and the next corruption's buffers then fault in freshly zeroed pages again (a dozen
/// 2 MiB pages per bench round); every command's working set is bounded and reused, so nothing is
/// gained by returning it. A MIMALLOC_PURGE_DELAY (or its old name) set by the user wins.
fn configure_allocator() {
    if std::env::var_os("MIMALLOC_PURGE_DELAY").is_none()
        && std::env::var_os("MIMALLOC_RESET_DELAY").is_none()
    {
        // SAFETY: called first thing in main, before any other thread exists.
        unsafe { libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1) };
    }
}

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
    /// Recompute mCE, relative mCE and CE from a table of top-1 errors (no model needed).
    ///
    /// ERRORS.json: `{"clean": 0.2387, "errors": {"gaussian_noise": [e1, .., e5], ...}}`, errors
    /// as fractions in [0, 1], all 15 common ImageNet-C corruptions present.
    /// Score an ONNX classifier on a benchmark blight wrote: report.json, report.md, plots.
    #[cfg(feature = "eval")]
    Evaluate(Box<EvaluateArgs>),
    Metrics {
        /// The error table.
        errors: PathBuf,
        /// Print JSON (numbers in percent) instead of a table.
        #[arg(long)]
        json: bool,
    },
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
        /// `[INPUT] OUTPUT`: the input image (when left out, the built-in photo at the suite's
        /// image size, or for the mnist-c suite the built-in 28×28 digit) and the sheet to write, in the format its
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
    /// Put a reference asset or a source dataset into its folder, checksummed.
    ///
    /// `frost` (from the PyPI wheel imagecorruptions==1.1.2), `pessimal` (from --from FILE), or
    /// the datasets `cifar10`, `cifar100`, `mnist` (downloaded, resumable).
    Fetch {
        /// The asset (see `blight assets`).
        asset: String,
        /// Folder to put it in (default: the data folder's <asset>/, where every command looks:
        /// $BLIGHT_DATA_DIR, else $XDG_DATA_HOME/blight, else ~/.local/share/blight).
        #[arg(long)]
        dest: Option<PathBuf>,
        /// Take the files from here instead of downloading: the wheel, or the asset's file (or a
        /// folder holding its files).
        #[arg(long, alias = "wheel")]
        from: Option<PathBuf>,
        /// Download from this base URL instead of the dataset's canonical location (a mirror).
        #[arg(long)]
        mirror: Option<String>,
    },
    /// The reference assets and source datasets: where each is, and whether it checks out.
    Assets,
    /// Finish a sharded run: check every shard completed, write the manifest and checksums.
    Merge {
        /// The output folder all shards wrote into.
        out: PathBuf,
    },
    /// Check an output folder, or its archive, against its manifest (exit 1 on any problem).
    ///
    /// Lists missing, changed and unexpected files.
    Verify {
        /// The output folder or archive.
        dir: PathBuf,
    },
    /// The vector instruction sets this CPU supports; the one in use is marked.
    ///
    /// Least capable first. BLIGHT_SIMD=baseline|avx2|avx512 lowers the one in use.
    Simd,
    /// Time every corruption × severity on one thread (median of repeats).
    Bench {
        /// Side of the square test image: the built-in photo, resampled (default 224, at most
        /// 8192), or for the mnist-c suite the built-in 28×28 digit.
        #[arg(long)]
        size: Option<usize>,
        /// Time on this PNG or JPEG instead (read as RGB; repeatable, each timed and reported in
        /// turn), e.g. the imagecorruptions fixtures' 427×640 and 1024×2048 photos.
        #[arg(long, value_name = "PATH", conflicts_with_all = ["size", "dataset"])]
        image: Vec<PathBuf>,
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
        /// Instead: `generate` the suite's dataset end to end from N built-in 500×375 JPEGs
        /// (every corruption × severity, written as the suite writes them) and report files per
        /// second on the wall clock.
        #[arg(long, value_name = "N")]
        dataset: Option<usize>,
        /// Worker threads for --dataset (default: all cores).
        #[arg(long, requires = "dataset")]
        threads: Option<usize>,
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

/// How a dataset run goes: its random source, its workers, what an unreadable input does and
/// whether it shows progress.
#[derive(Args)]
struct RunArgs {
    /// `numpy`: sample i uses np.random.seed(SEED + i) (before its sequence, for the -P suites);
    /// `fast`: streams keyed per sample and output.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    #[arg(long, value_enum, default_value = "fast")]
    rng: RngArg,
    /// Worker threads (default: all cores).
    #[arg(long)]
    threads: Option<usize>,
    /// An unreadable input: `skip` records it in errors.json and goes on; `fail` stops.
    #[arg(long, value_enum, default_value = "skip")]
    on_error: OnErrorArg,
    /// No progress output.
    #[arg(long)]
    quiet: bool,
}

/// Corruptions to leave out.
#[derive(Args)]
struct SkipArgs {
    /// Leave out a corruption (repeatable), e.g. pessimal_noise without its matrix.
    #[arg(long, value_name = "CORRUPTION")]
    skip: Vec<String>,
}

/// Folders of the reference assets some corruptions need (see `blight assets`).
#[derive(Args)]
struct AssetArgs {
    /// Folder with the reference frost textures (default: $BLIGHT_FROST_DIR, else the data
    /// folder's frost/ when `blight fetch frost` filled it).
    #[arg(long)]
    frost_dir: Option<PathBuf>,
    /// Folder with google-research/mnist-c's `pessimal_noise_matrix` (MNIST-C's pessimal_noise
    /// needs it; default: $BLIGHT_PESSIMAL_DIR, else the data folder's pessimal/).
    #[arg(long)]
    pessimal_dir: Option<PathBuf>,
}

impl AssetArgs {
    /// The corruption context; warns when frost will fall back to the procedural texture.
    fn context(self, jpeg: blight::ops::jpeg::Profile, uses_frost: bool) -> Context {
        let context = Context {
            assets: AssetDirs::locate(&[
                (&assets::FROST, self.frost_dir),
                (&assets::PESSIMAL, self.pessimal_dir),
            ]),
            jpeg,
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
enum GenerateWhat {
    /// ImageNet-C from the ImageNet validation set (class folders, flat folder or tar).
    ///
    /// Resize(256), CenterCrop(224), the 19 corruptions × 5 severities, JPEG q85 in
    /// <corruption>/<severity>/<wnid>/<file>, with manifest.json, SHA256SUMS and errors.json.
    /// Exit status: 0 complete, 3 complete with skipped inputs (errors.json), 1 failed.
    #[command(name = "imagenet-c")]
    ImagenetC(DatasetArgs),
    /// CIFAR-10-C from the CIFAR-10 test set (cifar-10-python.tar.gz or cifar-10-binary.tar.gz).
    ///
    /// The 19 corruptions × 5 severities at 32×32: <corruption>.npy uint8 (N·5, 32, 32, 3),
    /// severity-major, and labels.npy uint8, with manifest.json and SHA256SUMS. Runs as one shard.
    #[command(name = "cifar10-c")]
    Cifar10C(DatasetArgs),
    /// CIFAR-100-C from the CIFAR-100 test set (fine labels), as cifar10-c.
    #[command(name = "cifar100-c")]
    Cifar100C(DatasetArgs),
    /// Tiny-ImageNet-C from class folders, or tiny-imagenet-200/val/images with --labels
    /// tiny-imagenet-200/val/val_annotations.txt.
    ///
    /// Resize((64, 64)), the 19 corruptions × 5 severities, JPEG q85 in
    /// <corruption>/<severity>/<class>/<file>, with manifest.json, SHA256SUMS and errors.json.
    /// (The reference read ImageNet validation images cropped to their boxes, in 200 class
    /// folders.)
    #[command(name = "tiny-imagenet-c")]
    TinyImagenetC(DatasetArgs),
    /// ImageNet-C at 299×299 for Inception, from the ImageNet validation set (as imagenet-c).
    ///
    /// Centre crop of 87.5 % of each side, PIL bilinear resize to 299×299, the 19 corruptions × 5
    /// severities, JPEG q85 in <corruption>/<severity>/<wnid>/<file>.
    #[command(name = "imagenet-c-299")]
    ImagenetC299(DatasetArgs),
    /// COCO-C, Cityscapes-C or Pascal-C style sets: the imagecorruptions package's corruptions
    /// of every .jpg, .jpeg and .png under --source, at any depth and each at its own size.
    ///
    /// Outputs go to <corruption>/<severity>/<same relative path>, in the input's format: JPEG at
    /// --jpeg-quality (libjpeg-turbo, as Pillow's save(quality=Q)), PNG losslessly. Other files
    /// (annotations) are neither read nor copied; other image formats and images under 32 pixels
    /// on a side are skipped into errors.json. Exit status: 0 complete, 3 complete with skipped
    /// inputs, 1 failed.
    #[command(
        name = "imagecorruptions",
        mut_arg("source", |a| a.help(
            "A folder tree of images, e.g. coco/val2017, cityscapes/leftImg8bit/val or \
             VOCdevkit/VOC2012/JPEGImages"
        )),
        // A tree without classes, written in its own layout.
        mut_arg("labels", |a| a.hide(true)),
        mut_arg("format", |a| a.hide(true)),
        mut_arg("shard_size", |a| a.hide(true)),
    )]
    Imagecorruptions {
        #[command(flatten)]
        dataset: DatasetArgs,
        /// The quality JPEG inputs are written back at (1..100, as Pillow's quality).
        #[arg(long, default_value_t = 95, value_parser = clap::value_parser!(u8).range(1..=100))]
        jpeg_quality: u8,
    },
    /// MNIST-C from the four MNIST IDX files (raw or .gz): mnist_c/<config>/{train,test}_{images,labels}.npy.
    ///
    /// Identity and the 15 benchmark corruptions at their released severities (and the 16
    /// leftovers in mnist_c_leftovers/ with --leftovers), with manifest.json, SHA256SUMS and
    /// errors.json. Exit status: 0 complete, 3 complete with skipped inputs, 1 failed.
    #[command(
        name = "mnist-c",
        mut_arg("rng", |a| a.help(
            "`numpy`: image i uses np.random.seed(SEED + i); `fast`: per-image keyed streams"
        )),
        mut_arg("skip", |a| a
            .help("Leave out a config (repeatable), e.g. pessimal_noise without its matrix")
            .value_name("CONFIG")),
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
        /// This process's part of the job, K/N with K from 0 (e.g. $SLURM_ARRAY_TASK_ID/N):
        /// shards split the configs; all write into the same --out, then `blight merge`.
        #[arg(long, default_value = "0/1")]
        shard: String,
        /// An image a corruption fails on: `skip` records it in errors.json (its split's files
        /// then cannot be completed); `fail` stops.
        #[arg(long, value_enum, default_value = "skip")]
        on_error: OnErrorArg,
        /// No progress output.
        #[arg(long)]
        quiet: bool,
        #[command(flatten)]
        skip: SkipArgs,
        #[command(flatten)]
        assets: AssetArgs,
    },
    /// CIFAR-10-P from the CIFAR-10 test set (cifar-10-python.tar.gz or cifar-10-binary.tar.gz).
    ///
    /// The 14 perturbation sequences at 32×32: <perturbation>.npy uint8 (N, T, 32, 32, 3), T
    /// frames per sequence (31; motion_blur 21, translate 16), noise difficulties 2 and 3 in
    /// <perturbation>_2.npy and _3.npy, with manifest.json and SHA256SUMS. Shards split the
    /// perturbations.
    #[command(name = "cifar10-p")]
    Cifar10P(SequenceArgs),
    /// ImageNet-P's sequences from the ImageNet validation set (class folders, sorted).
    ///
    /// Resize(256), the 14 perturbations (CenterCrop(224) frames; translate 41 frames, the rest
    /// 31), stored losslessly: WebDataset tar shards shard-NNNNNN.tar, one sample per sequence
    /// keyed <perturbation>/<wnid>/<name> (noise difficulties 2 and 3 under <perturbation>_2/
    /// and _3/) with .cls, .frame-NN.png and .json, plus manifest.json and SHA256SUMS.
    #[command(name = "imagenet-p")]
    ImagenetP(SequenceArgs),
    /// Tiny-ImageNet-P's sequences from class folders (Resize(64), CenterCrop(64) frames),
    /// stored as imagenet-p.
    #[command(name = "tiny-imagenet-p")]
    TinyImagenetP(SequenceArgs),
}

/// `blight generate`'s options for a perturbation (sequence) suite.
#[derive(Args)]
struct SequenceArgs {
    /// The dataset (as for the -C suites).
    #[arg(long)]
    source: PathBuf,
    /// Output folder: empty, or holding this run (to resume it, or to add a shard).
    #[arg(long)]
    out: PathBuf,
    /// A perturbation recipe file with [input] and [output] sections, instead of the built-in
    /// suite.
    #[arg(long)]
    recipe: Option<PathBuf>,
    /// Only these perturbations (comma-separated; default: all 14).
    #[arg(long, value_delimiter = ',')]
    perturbations: Vec<String>,
    /// The noise difficulties to generate (comma-separated, 1..3; default: 1). The other
    /// perturbations are generated once: their difficulty is a frame stride in the metrics.
    #[arg(long, value_delimiter = ',')]
    difficulties: Vec<u32>,
    /// Only the first N samples of the source (in its canonical order).
    #[arg(long)]
    limit: Option<usize>,
    /// Sequences per tar shard (imagenet-p, tiny-imagenet-p; default: the recipe's, 100).
    #[arg(long)]
    shard_size: Option<usize>,
    /// `mp4`: the released format, one H.264 video per sequence
    /// (<perturbation>/<class>/<name>.mp4) encoded by the ffmpeg on PATH with the reference's
    /// settings, instead of the lossless layout.
    #[arg(long, value_enum)]
    video: Option<VideoArg>,
    /// This process's part of the job, K/N with K from 0 (cifar10-p's shards split the
    /// perturbations, the others' the samples); all write into the same --out, then
    /// `blight merge`.
    #[arg(long, default_value = "0/1")]
    shard: String,
    #[command(flatten)]
    run: RunArgs,
}

/// `blight evaluate`'s options.
#[cfg(feature = "eval")]
#[derive(Args)]
struct EvaluateArgs {
    /// The ONNX model.
    #[arg(long)]
    model: PathBuf,
    /// The dataset: an ImageNet-C style tree, an MNIST-C folder, a CIFAR-C folder or WebDataset
    /// shards; or perturbation sequences (ImageNet-P tar shards, CIFAR-10-P .npy files, or
    /// <perturbation>/<class>/<name>.mp4 videos decoded through ffmpeg).
    #[arg(long, required_unless_present = "generate")]
    dataset: Option<PathBuf>,
    /// The clean images (a class-folder tree), for clean error, CE and relative CE.
    #[arg(long, conflicts_with = "generate")]
    clean: Option<PathBuf>,
    /// Instead of --dataset: make this suite's dataset in memory from --source while scoring
    /// it, exactly as `blight generate SUITE` would write it, with the source as clean images.
    #[arg(
        long,
        value_name = "SUITE",
        conflicts_with = "dataset",
        requires = "source"
    )]
    generate: Option<String>,
    /// With --generate: the source dataset, as `blight generate` takes it.
    #[arg(long, requires = "generate")]
    source: Option<PathBuf>,
    /// With --generate: the labels of a flat folder or tar (LOC_val_solution.csv's format),
    /// as `blight generate --labels` takes them.
    #[arg(long, requires = "generate")]
    source_labels: Option<PathBuf>,
    /// With --generate: only these corruptions (comma-separated; default: all of the suite).
    #[arg(long, value_delimiter = ',', requires = "generate")]
    corruptions: Vec<String>,
    /// With --generate: only these severities (comma-separated, 1..5; default: all five).
    #[arg(long, value_delimiter = ',', requires = "generate")]
    severities: Vec<u32>,
    /// With --generate: only the first N samples of the source.
    #[arg(long, requires = "generate")]
    limit: Option<usize>,
    /// Perturbation sequences: only these perturbations (comma-separated; default: every one
    /// there is, all 14 with --generate).
    #[arg(long, value_delimiter = ',')]
    perturbations: Vec<String>,
    /// Perturbation sequences: the difficulties scored (comma-separated, 1..3; default 1): a
    /// noise's _2/_3 sequences, the other perturbations' stride between the frames compared.
    #[arg(long, value_delimiter = ',')]
    difficulties: Vec<u32>,
    /// Perturbation sequences: normalise FR, T5D, mFR and mT5D by this baseline file (written
    /// by --write-baseline on the baseline model, e.g. AlexNet).
    #[arg(long)]
    baseline: Option<PathBuf>,
    /// Perturbation sequences: write this model's unnormalised FP and uT5D per perturbation and
    /// difficulty as a baseline file that later runs normalise against.
    #[arg(long)]
    write_baseline: Option<PathBuf>,
    /// With --generate: the seed, as `blight generate --seed`.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// With --generate: the random source, as `blight generate --rng`.
    #[arg(long, value_enum, default_value = "fast")]
    rng: RngArg,
    #[command(flatten)]
    assets: AssetArgs,
    /// Where report.json, report.md, predictions.jsonl and plots/ go.
    #[arg(long, default_value = "eval")]
    out: PathBuf,
    /// Preprocessing: imagenet, cifar, mnist or none.
    #[arg(long, default_value = "imagenet")]
    preset: String,
    /// Per-channel mean (after --scale), overriding the preset's; comma-separated.
    #[arg(long, value_delimiter = ',')]
    mean: Option<Vec<f32>>,
    /// Per-channel std, overriding the preset's; comma-separated.
    #[arg(long, value_delimiter = ',')]
    std: Option<Vec<f32>>,
    /// Factor applied to 0..255 pixels before mean/std (the presets use 1/255).
    #[arg(long)]
    scale: Option<f32>,
    /// Input tensor layout.
    #[arg(long, value_enum)]
    layout: Option<LayoutArg>,
    /// Class names, one per line, line i = class i (default: the sorted class folders).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// For a model with other outputs than the dataset's classes: output index per class, one a line.
    #[arg(long)]
    class_subset: Option<PathBuf>,
    /// cpu, cuda, cuda:N or auto (CUDA if ONNX Runtime offers it, else the CPU).
    #[arg(long, default_value = "cpu")]
    device: blight::eval::runtime::Device,
    /// Images per inference batch.
    #[arg(long, default_value_t = 32)]
    batch: usize,
    /// ONNX Runtime intra-op threads in all (0: every core; ONNX Runtime's default for one
    /// session).
    #[arg(long, default_value_t = 0)]
    threads: usize,
    /// Sessions of the model run side by side, sharing --threads (0: two on the CPU, one on CUDA;
    /// sequences use one).
    #[arg(long, default_value_t = 0)]
    streams: usize,
    /// The ONNX Runtime library (else ORT_DYLIB_PATH, else the onnxruntime Python package).
    #[arg(long)]
    ort_lib: Option<PathBuf>,
    /// Also write every sample's scores into predictions.jsonl.
    #[arg(long)]
    save_logits: bool,
    /// Afterwards, time ROUNDS rounds (3 if not given) of the data path and the sessions against
    /// the same sessions on ready-made tensors, and report the data path's overhead.
    #[arg(long, value_name = "ROUNDS", num_args = 0..=1, default_missing_value = "3",
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    bench: Option<usize>,
    /// No progress bar.
    #[arg(long)]
    quiet: bool,
}

#[cfg(feature = "eval")]
#[derive(Clone, Copy, clap::ValueEnum)]
enum LayoutArg {
    Nchw,
    Nhwc,
}

/// The options every image-dataset suite takes.
#[derive(Args)]
struct DatasetArgs {
    /// The dataset: a folder of class folders (val/<wnid>/*.JPEG, sorted as ImageFolder sorts);
    /// a flat folder of images or ILSVRC2012_img_val.tar, with --labels; or a CIFAR-10/100
    /// archive (cifar-10-python.tar.gz, cifar-10-binary.tar.gz, ...).
    #[arg(long)]
    source: PathBuf,
    /// The labels of a flat folder or tar, in LOC_val_solution.csv's format
    /// (ImageId,PredictionString with the wnid first).
    #[arg(long)]
    labels: Option<PathBuf>,
    /// `suite`: the suite's own layout; `wds`: WebDataset tar shards (shard-NNNNNN.tar of
    /// --shard-size outputs, each <key>.jpg + .cls + .json).
    #[arg(long, value_enum, default_value = "suite")]
    format: FormatArg,
    /// Outputs per WebDataset shard.
    #[arg(long, default_value_t = 1000)]
    shard_size: usize,
    /// Also pack the finished folder into a reproducible tar beside it (<out>.tar: sorted
    /// entries, fixed times, owners and modes), and print its sha256.
    #[arg(long, value_enum)]
    archive: Option<ArchiveArg>,
    /// Output folder: empty, or holding this run (to resume it, or to add a shard).
    #[arg(long)]
    out: PathBuf,
    /// A recipe file with [input] and [output] sections, instead of the built-in suite.
    #[arg(long)]
    recipe: Option<PathBuf>,
    /// Only these corruptions (comma-separated; default: all of the suite).
    #[arg(long, value_delimiter = ',')]
    corruptions: Vec<String>,
    /// Only these severities (comma-separated, 1..5; default: all five).
    #[arg(long, value_delimiter = ',')]
    severities: Vec<u32>,
    /// Only the first N samples of the source (in its canonical order).
    #[arg(long)]
    limit: Option<usize>,
    /// This process's part of the job, K/N with K from 0 (e.g. $SLURM_ARRAY_TASK_ID/N or
    /// $JOB_COMPLETION_INDEX/N); all shards write into the same --out, then `blight merge`.
    #[arg(long, default_value = "0/1")]
    shard: String,
    #[command(flatten)]
    run: RunArgs,
    #[command(flatten)]
    assets: AssetArgs,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FormatArg {
    /// The suite's layout (its recipe's [output]).
    Suite,
    /// WebDataset tar shards.
    Wds,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum VideoArg {
    Mp4,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum ArchiveArg {
    Tar,
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum OnErrorArg {
    Skip,
    Fail,
}

impl From<OnErrorArg> for OnError {
    fn from(a: OnErrorArg) -> Self {
        match a {
            OnErrorArg::Skip => OnError::Skip,
            OnErrorArg::Fail => OnError::Fail,
        }
    }
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
    /// The run completed but left out inputs it could not read (listed in errors.json).
    SkippedInputs(usize),
    /// `verify` found problems (already reported).
    Verification,
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
    configure_allocator();
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
        Err(Failure::Verification) => ExitCode::FAILURE,
        Err(Failure::SkippedInputs(n)) => {
            eprintln!("blight: warning: {n} input(s) could not be read and were left out (see errors.json)");
            ExitCode::from(EXIT_SKIPPED_INPUTS)
        }
    }
}

/// Exit status of a run that completed without some unreadable inputs.
const EXIT_SKIPPED_INPUTS: u8 = 3;

fn run(cli: Cli, stdout: &mut impl Write) -> Result<(), Failure> {
    // An invalid BLIGHT_SIMD is refused here rather than ignored by the kernels.
    Isa::requested()?;
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
                    shard,
                    on_error,
                    quiet,
                    skip,
                    assets,
                },
        } => {
            let mut suite = Suite::built_in("mnist-c")?;
            suite.leave_out(&skip.skip)?;
            let uses_frost = leftovers && suite.corruptions.iter().any(|c| c.name == "frost");
            let context = assets.context(suite.jpeg_codec, uses_frost);
            let shard = blight::sink::journal::Shard::parse(&shard)?;
            let request = blight::mnist_c::Request {
                suite: &suite,
                source: &source,
                out: &out,
                seed: random.seed,
                rng: random.rng.into(),
                leftovers,
                zip,
                shard,
                on_error: on_error.into(),
                context: &context,
            };
            let summary = generate_with_progress(&out, shard, threads, quiet, stdout, |p| {
                blight::mnist_c::generate_mnist_c(&request, p)
            })?;
            skipped_inputs(&summary.skipped)
        }
        Command::Generate {
            dataset: GenerateWhat::ImagenetC(args),
        } => generate_dataset("imagenet-c", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::Cifar10C(args),
        } => generate_dataset("cifar10-c", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::Cifar100C(args),
        } => generate_dataset("cifar100-c", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::TinyImagenetC(args),
        } => generate_dataset("tiny-imagenet-c", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::ImagenetC299(args),
        } => generate_dataset("imagenet-c-299", args, stdout),
        Command::Generate {
            dataset:
                GenerateWhat::Imagecorruptions {
                    dataset,
                    jpeg_quality,
                },
        } => generate_image_tree(dataset, jpeg_quality, stdout),
        Command::Generate {
            dataset: GenerateWhat::Cifar10P(args),
        } => generate_sequences("cifar10-p", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::ImagenetP(args),
        } => generate_sequences("imagenet-p", args, stdout),
        Command::Generate {
            dataset: GenerateWhat::TinyImagenetP(args),
        } => generate_sequences("tiny-imagenet-p", args, stdout),
        Command::Merge { out } => {
            let files = blight::generate::merge(&out)?;
            writeln!(
                stdout,
                "merged: {} files in {} (manifest.json, SHA256SUMS)",
                files,
                out.display()
            )?;
            Ok(())
        }
        Command::Verify { dir } => {
            let findings = blight::verify::verify(&dir)?;
            for (what, paths) in [
                ("missing", &findings.missing),
                ("changed", &findings.changed),
                ("unexpected", &findings.unexpected),
            ] {
                for path in paths {
                    writeln!(stdout, "{what}: {path}")?;
                }
            }
            writeln!(
                stdout,
                "{} files checked: {} missing, {} changed, {} unexpected",
                findings.checked,
                findings.missing.len(),
                findings.changed.len(),
                findings.unexpected.len()
            )?;
            if findings.ok() {
                Ok(())
            } else {
                Err(Failure::Verification)
            }
        }
        Command::Fetch {
            asset,
            dest,
            from,
            mirror,
        } => {
            let asset = assets::by_name(&asset)?;
            let from = assets::fetch::From {
                path: from.as_deref(),
                mirror: mirror.as_deref(),
            };
            let fetched = assets::fetch::fetch(asset, dest.as_deref(), from)?;
            writeln!(
                stdout,
                "{} {} files checked and stored in {}",
                fetched.files.len(),
                asset.name,
                fetched.dir.display()
            )?;
            Ok(())
        }
        Command::Assets => {
            let located = AssetDirs::locate(&[]);
            for asset in assets::ALL {
                let state = match located.dir(asset) {
                    None => format!(
                        "not found (looked in {} and {})",
                        asset.env,
                        asset
                            .default_dir()
                            .map_or("no data folder".into(), |d| d.display().to_string())
                    ),
                    Some(dir) => match asset
                        .files
                        .iter()
                        .try_for_each(|f| asset.check_on_disk(dir, f))
                    {
                        Ok(()) => format!("ready in {} (sha256 checked)", dir.display()),
                        Err(e) => format!("unusable: {e}"),
                    },
                };
                writeln!(stdout, "{:<9} {state}", asset.name)?;
                writeln!(stdout, "{:<9} for {}", "", asset.purpose)?;
            }
            Ok(())
        }
        Command::List => list(stdout),
        #[cfg(feature = "eval")]
        Command::Evaluate(a) => {
            use blight::eval::command::Input;
            use blight::eval::preprocess::Layout;
            let input = match (a.generate, a.dataset, a.source) {
                (Some(name), _, Some(source))
                    if blight::perturb::PerturbSuite::built_in_names().any(|n| n == name) =>
                {
                    if !a.corruptions.is_empty() || !a.severities.is_empty() {
                        return Err(blight::Error::Invalid(format!(
                            "--corruptions and --severities choose -C outputs; {name} takes \
                             --perturbations and --difficulties"
                        ))
                        .into());
                    }
                    Input::GenerateSequences(Box::new(blight::eval::sequences::GenerateRequest {
                        suite: name,
                        source,
                        source_labels: a.source_labels,
                        limit: a.limit,
                        seed: a.seed,
                        rng: a.rng.into(),
                    }))
                }
                (Some(name), _, Some(source)) => {
                    let suite = Suite::choose(&name, None)?;
                    // Without --corruptions, MNIST-C scores only its published benchmark,
                    // not the leftovers (frost among them).
                    let by_default = |c: &blight::suite::SuiteCorruption| {
                        name != "mnist-c"
                            || c.archive.as_deref() == Some(blight::mnist_c::BENCHMARK)
                    };
                    let uses_frost = suite.corruptions.iter().any(|c| {
                        c.name == "frost"
                            && if a.corruptions.is_empty() {
                                by_default(c)
                            } else {
                                a.corruptions.contains(&c.name)
                            }
                    });
                    let context = a.assets.context(suite.jpeg_codec, uses_frost);
                    Input::Generate(Box::new(blight::eval::generated::Request {
                        suite,
                        source,
                        source_labels: a.source_labels,
                        corruptions: a.corruptions,
                        severities: a.severities,
                        limit: a.limit,
                        seed: a.seed,
                        rng: a.rng.into(),
                        context,
                    }))
                }
                (_, Some(dataset), _) => Input::Disk {
                    dataset,
                    clean: a.clean,
                },
                _ => {
                    return Err(blight::Error::Invalid(
                        "evaluate needs --dataset, or --generate SUITE with --source".into(),
                    )
                    .into())
                }
            };
            let request = blight::eval::command::Request {
                model: a.model,
                input,
                out: a.out,
                preset: a.preset,
                mean: a.mean,
                std: a.std,
                scale: a.scale,
                layout: a.layout.map(|l| match l {
                    LayoutArg::Nchw => Layout::Nchw,
                    LayoutArg::Nhwc => Layout::Nhwc,
                }),
                labels: a.labels,
                class_subset: a.class_subset,
                device: a.device,
                batch: a.batch,
                threads: a.threads,
                streams: a.streams,
                ort_lib: a.ort_lib,
                save_logits: a.save_logits,
                bench_rounds: a.bench.unwrap_or(0),
                progress: !a.quiet,
                selection: blight::eval::sequences::Selection {
                    perturbations: a.perturbations,
                    difficulties: a.difficulties,
                },
                baseline: a.baseline,
                write_baseline: a.write_baseline,
            };
            use blight::eval::command::Finished;
            match blight::eval::command::evaluate(request)? {
                Finished::Corruptions(outcome) => {
                    write!(stdout, "{}", blight::eval::report::run_text(&outcome))?
                }
                Finished::Sequences(outcome) => {
                    write!(stdout, "{}", blight::eval::report::sequence_text(&outcome))?
                }
            }
            Ok(())
        }
        Command::Metrics { errors, json } => {
            let summary = blight::eval::metrics::ErrorTable::read(&errors)?.summary();
            write!(
                stdout,
                "{}",
                blight::eval::report::metrics_text(&summary, json)
            )?;
            Ok(())
        }
        Command::Simd => {
            for isa in Isa::supported() {
                let active = if isa == Isa::active() {
                    " (active)"
                } else {
                    ""
                };
                writeln!(stdout, "{}{active}", isa.name())?;
            }
            Ok(())
        }
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
                None => (
                    blight::builtin::photo_sized(suite.image_size),
                    "astronaut".to_string(),
                ),
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
            dataset: Some(samples),
            threads,
            recipe,
            json,
            assets,
            ..
        } => {
            let suite = recipe.load()?;
            let uses_frost = suite.corruptions.iter().any(|c| c.name == "frost");
            let context = assets.context(suite.jpeg_codec, uses_frost);
            let pool = worker_pool(threads)?;
            let t =
                pool.install(|| blight::bench::dataset_throughput(&suite, samples, &context))?;
            if json {
                writeln!(stdout, "{:#}", serde_json::json!(t))?;
            } else {
                let full = 50_000.0 * suite.corruptions.len() as f64 * 5.0 / t.files_per_second;
                writeln!(
                    stdout,
                    "generate {} end to end: {} samples of {}×{} → {} files in {:.2} s = {:.0} files/s ({} threads); the full 50,000-image set would take about {:.1} h",
                    suite.name,
                    t.samples,
                    blight::bench::DATASET_IMAGE.0,
                    blight::bench::DATASET_IMAGE.1,
                    t.files,
                    t.seconds,
                    t.files_per_second,
                    t.threads,
                    full / 3600.0
                )?;
            }
            Ok(())
        }
        Command::Bench {
            size,
            image,
            recipe,
            rng,
            repeats,
            json,
            skip,
            assets,
            ..
        } => {
            if recipe.recipe.is_none()
                && blight::perturb::PerturbSuite::built_in_names().any(|n| n == recipe.suite)
            {
                if !image.is_empty() {
                    return Err(blight::Error::Invalid(
                        "--image times a corruption suite, not a perturbation suite".into(),
                    )
                    .into());
                }
                return bench_sequences(
                    &recipe.suite,
                    size,
                    rng,
                    repeats,
                    json,
                    &skip.skip,
                    stdout,
                );
            }
            let mut suite = recipe.load()?;
            suite.leave_out(&skip.skip)?;
            let images = if image.is_empty() {
                vec![(None, blight::bench::test_image(&suite, size)?)]
            } else {
                image
                    .iter()
                    .map(|p| Ok((Some(p), blight::bench::image_file(p)?)))
                    .collect::<Result<Vec<_>, blight::Error>>()?
            };
            let context = assets.context(
                suite.jpeg_codec,
                suite.corruptions.iter().any(|c| c.name == "frost"),
            );
            let mut reports = Vec::new();
            for (path, image) in &images {
                let timings = blight::bench::run(&suite, image, rng.into(), repeats, &context)?;
                let total: f64 = timings.iter().map(|t| t.median_ms).sum();
                let total_wall: f64 = timings.iter().map(|t| t.median_wall_ms).sum();
                let (w, h) = (image.width, image.height);
                if json {
                    let mut report = serde_json::json!({
                        "suite": suite.name,
                        "size": w,
                        "rng": RngKind::from(rng).to_string(),
                        "repeats": repeats,
                        "threads": 1,
                        "simd": Isa::active().name(),
                        "timings": timings,
                        "total_ms": total,
                        "total_wall_ms": total_wall,
                    });
                    if let Some(path) = path {
                        report["image"] = serde_json::json!(path);
                        report["height"] = serde_json::json!(h);
                        report["width"] = serde_json::json!(w);
                    }
                    reports.push(report);
                    continue;
                }
                if let Some(path) = path {
                    writeln!(stdout, "{} (H×W {h}×{w})", path.display())?;
                }
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
                let at = match path {
                    Some(_) => format!("{h}×{w} (H×W)"),
                    None => format!("{w}×{w}"),
                };
                writeln!(
                    stdout,
                    "total of all {} variants at {at}, one thread, {}: {total:.1} ms CPU ({total_wall:.1} ms wall)",
                    timings.len(),
                    Isa::active().name()
                )?;
            }
            if json {
                // One image keeps the single-report shape; several give a list in --image order.
                let out = match <[_; 1]>::try_from(reports) {
                    Ok([one]) => one,
                    Err(all) => serde_json::Value::Array(all),
                };
                writeln!(stdout, "{out:#}")?;
            }
            Ok(())
        }
    }
}

/// `blight bench --suite imagenet-p` (or another perturbation suite): one sequence of every
/// perturbation, timed on one thread.
fn bench_sequences(
    name: &str,
    size: Option<usize>,
    rng: RngArg,
    repeats: usize,
    json: bool,
    skip: &[String],
    stdout: &mut impl Write,
) -> Result<(), Failure> {
    let suite = blight::perturb::PerturbSuite::built_in(name)?;
    let side = size.unwrap_or(224);
    if side == 0 || side > blight::bench::MAX_SIZE {
        return Err(blight::Error::Invalid(format!(
            "bench size {side} is outside 1..={}",
            blight::bench::MAX_SIZE
        ))
        .into());
    }
    let image = blight::builtin::photo_sized(side);
    let timings = blight::bench::run_sequences(&suite, &image, rng.into(), repeats, skip)?;
    let total: f64 = timings.iter().map(|t| t.median_ms).sum();
    let total_wall: f64 = timings.iter().map(|t| t.median_wall_ms).sum();
    if json {
        let report = serde_json::json!({
            "suite": suite.name,
            "size": side,
            "rng": RngKind::from(rng).to_string(),
            "repeats": repeats,
            "threads": 1,
            "simd": Isa::active().name(),
            "timings": timings,
            "total_ms": total,
            "total_wall_ms": total_wall,
        });
        writeln!(stdout, "{report:#}")?;
    } else {
        writeln!(
            stdout,
            "{:<16} {:>7} {:>12}",
            "median ms", "frames", "sequence"
        )?;
        for t in &timings {
            writeln!(
                stdout,
                "{:<16} {:>7} {:>12.3}",
                t.perturbation, t.frames, t.median_ms
            )?;
        }
        writeln!(
            stdout,
            "total of one sequence of all {} perturbations from a {side}×{side} photo, one thread, {}: {total:.1} ms CPU ({total_wall:.1} ms wall)",
            timings.len(),
            Isa::active().name()
        )?;
    }
    Ok(())
}

/// `blight generate SUITE` for a suite whose recipe has an [output] layout.
fn generate_dataset(name: &str, args: DatasetArgs, stdout: &mut impl Write) -> Result<(), Failure> {
    let suite = Suite::choose(name, args.recipe.as_deref())?;
    let source = blight::source::open(&args.source, args.labels.as_deref(), suite.input.decoder)?;
    suite
        .input
        .check_classes(&args.source, source.classes().len())?;
    let layout = match args.format {
        FormatArg::Suite => None,
        FormatArg::Wds => Some(blight::sink::Layout::Webdataset {
            image: match &suite.output {
                Some(blight::sink::Layout::Tree { image, .. }) => *image,
                _ => blight::sink::tree::ImageFormat::Png,
            },
            shard_size: args.shard_size,
        }),
    };
    run_dataset(&suite, source.as_ref(), layout, args, stdout)
}

/// `blight generate imagecorruptions`: every image of a folder tree at its own size, written
/// back in its own format (JPEG at `jpeg_quality`).
fn generate_image_tree(
    args: DatasetArgs,
    jpeg_quality: u8,
    stdout: &mut impl Write,
) -> Result<(), Failure> {
    use blight::sink::{tree::ImageFormat, Layout};
    use blight::source::Source;
    let suite = Suite::choose("imagecorruptions", args.recipe.as_deref())?;
    if args.labels.is_some() {
        return Err(blight::Error::Invalid(
            "--labels: generate imagecorruptions reads a tree of images without classes; \
             leave it out"
                .into(),
        )
        .into());
    }
    if args.format != FormatArg::Suite {
        return Err(blight::Error::Invalid(
            "--format wds: generate imagecorruptions writes each image beside its relative \
             path, in its input's format; leave --format out"
                .into(),
        )
        .into());
    }
    let image = match &suite.output {
        Some(Layout::Tree {
            image: ImageFormat::Jpeg {
                optimize, profile, ..
            },
            follow_input: true,
        }) => ImageFormat::Jpeg {
            quality: jpeg_quality,
            optimize: *optimize,
            profile: *profile,
        },
        _ => {
            return Err(blight::Error::Invalid(format!(
                "suite {}: generate imagecorruptions needs [output] layout = \"tree\" with \
                 follow_input = true and a JPEG image format",
                suite.name
            ))
            .into())
        }
    };
    refuse_out_inside(&args.source, &args.out)?;
    let source = blight::source::image_tree::ImageTree::open(
        &args.source,
        suite.input.decoder,
        blight::corrupt::imagecorruptions::MIN_SIDE,
    )?;
    writeln!(
        stdout,
        "{}: {} images; {} other files (annotations, ...) left out, not read or copied",
        args.source.display(),
        source.len(),
        source.other_files()
    )?;
    let layout = Layout::Tree {
        image,
        follow_input: true,
    };
    run_dataset(&suite, &source, Some(layout), args, stdout)
}

/// Refuses an output folder inside the tree of images `source`: a rerun would read the outputs
/// as inputs.
fn refuse_out_inside(source: &std::path::Path, out: &std::path::Path) -> blight::Result<()> {
    let inside = match (source.canonicalize(), std::path::absolute(out)) {
        (Ok(source), Ok(out)) => {
            // The folder that exists nearest to `out`, with its links resolved.
            let existing = out.ancestors().find_map(|a| a.canonicalize().ok());
            existing.is_some_and(|e| e.starts_with(&source))
        }
        _ => false,
    };
    if inside {
        return Err(blight::Error::file(
            out,
            format!(
                "is inside --source {}; its images would be read as inputs on a rerun: choose a \
                 folder outside it",
                source.display()
            ),
        ));
    }
    Ok(())
}

/// Generates `suite`'s dataset from `source` as `args` ask, in `layout` (the suite's own where
/// `None`), and reports what was skipped.
fn run_dataset(
    suite: &Suite,
    source: &dyn blight::source::Source,
    layout: Option<blight::sink::Layout>,
    args: DatasetArgs,
    stdout: &mut impl Write,
) -> Result<(), Failure> {
    use blight::generate::{self, Request};
    let shard = blight::sink::journal::Shard::parse(&args.shard)?;
    let uses_frost = suite.corruptions.iter().any(|c| {
        c.name == "frost" && (args.corruptions.is_empty() || args.corruptions.contains(&c.name))
    });
    let context = args.assets.context(suite.jpeg_codec, uses_frost);
    let request = Request {
        suite,
        source,
        out: &args.out,
        corruptions: &args.corruptions,
        severities: &args.severities,
        limit: args.limit,
        shard,
        seed: args.run.seed,
        rng: args.run.rng.into(),
        on_error: args.run.on_error.into(),
        context: &context,
        layout,
    };
    let summary = generate_with_progress(
        &args.out,
        shard,
        args.run.threads,
        args.run.quiet,
        stdout,
        |p| generate::generate_suite(&request, p),
    )?;
    if let (Some(ArchiveArg::Tar), Some(_)) = (args.archive, summary.manifest_files) {
        let name = args
            .out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| suite.name.clone());
        let tar = args.out.with_file_name(format!("{name}.tar"));
        let packed = blight::sink::archive::archive(&args.out, &name, &tar)?;
        writeln!(
            stdout,
            "{}: {} files, {} bytes, sha256 {}",
            tar.display(),
            packed.files.len(),
            packed.bytes,
            packed.sha256
        )?;
    }
    skipped_inputs(&summary.skipped)
}

/// `blight generate SUITE` for a perturbation suite whose recipe has an [output] layout.
fn generate_sequences(
    name: &str,
    args: SequenceArgs,
    stdout: &mut impl Write,
) -> Result<(), Failure> {
    let suite = match &args.recipe {
        Some(path) => blight::perturb::PerturbSuite::from_file(path)?,
        None => blight::perturb::PerturbSuite::built_in(name)?,
    };
    let shard = blight::sink::journal::Shard::parse(&args.shard)?;
    let source = blight::source::open_for_input(&args.source, None, &suite.input)?;
    suite
        .input
        .check_classes(&args.source, source.classes().len())?;
    let context = Context {
        assets: AssetDirs::locate(&[]),
        jpeg: suite.input.decoder,
    };
    let request = blight::generate_p::Request {
        suite: &suite,
        source: source.as_ref(),
        out: &args.out,
        perturbations: &args.perturbations,
        difficulties: &args.difficulties,
        limit: args.limit,
        shard_size: args.shard_size,
        video: args.video == Some(VideoArg::Mp4),
        shard,
        seed: args.run.seed,
        rng: args.run.rng.into(),
        on_error: args.run.on_error.into(),
        context: &context,
    };
    let summary = generate_with_progress(
        &args.out,
        shard,
        args.run.threads,
        args.run.quiet,
        stdout,
        |p| blight::generate_p::generate_sequences(&request, p),
    )?;
    skipped_inputs(&summary.skipped)
}

/// The end of a run that left out `skipped` inputs: the first [`SKIPPED_SHOWN`] named on stderr
/// with their reasons, and the exit status that says so.
fn skipped_inputs(skipped: &[blight::sink::journal::Skipped]) -> Result<(), Failure> {
    for s in skipped.iter().take(SKIPPED_SHOWN) {
        eprintln!("blight: skipped {}: {}", s.skipped, s.reason);
    }
    if skipped.len() > SKIPPED_SHOWN {
        eprintln!(
            "blight: ... and {} more in errors.json",
            skipped.len() - SKIPPED_SHOWN
        );
    }
    if skipped.is_empty() {
        Ok(())
    } else {
        Err(Failure::SkippedInputs(skipped.len()))
    }
}

/// How many skipped inputs a run names on stderr (errors.json lists them all).
const SKIPPED_SHOWN: usize = 10;

/// Runs a dataset generation on `threads` workers with a progress bar, then reports what it did:
/// repaired files on stderr, the summary on stdout.
fn generate_with_progress(
    out: &std::path::Path,
    shard: blight::sink::journal::Shard,
    threads: Option<usize>,
    quiet: bool,
    stdout: &mut impl Write,
    run: impl FnOnce(&(dyn Fn(Progress) + Sync)) -> blight::Result<Summary> + Send,
) -> Result<Summary, Failure> {
    let pool = worker_pool(threads)?;
    let start = std::time::Instant::now();
    let bar = progress_bar(quiet);
    let summary = pool.install(|| {
        run(&|p: Progress| {
            bar.set_length(p.samples_total as u64);
            bar.set_position(p.samples_done as u64);
            bar.set_message(format!("{} files", p.files_written));
        })
    })?;
    bar.finish_and_clear();
    for line in &summary.files_repaired {
        eprintln!("blight: made again: {line}");
    }
    if summary.already_complete {
        writeln!(
            stdout,
            "{} is already complete ({} files); nothing to do (`blight verify {}` checks every file)",
            out.display(),
            summary.files_kept,
            out.display()
        )?;
    } else {
        writeln!(
            stdout,
            "shard {}/{}: wrote {} files, kept {} from before, remade {}, skipped {} inputs, in {:.1} s ({} threads){}",
            shard.index,
            shard.count,
            summary.files_written,
            summary.files_kept,
            summary.files_repaired.len(),
            summary.skipped.len(),
            start.elapsed().as_secs_f64(),
            pool.current_num_threads(),
            match summary.manifest_files {
                Some(n) => format!("; manifest lists {n} files"),
                None => "; run `blight merge` when every shard is done".into(),
            }
        )?;
    }
    Ok(summary)
}

/// A rayon pool of `threads` workers (default: one per core).
fn worker_pool(threads: Option<usize>) -> blight::Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        pool = pool.num_threads(n);
    }
    pool.build()
        .map_err(|e| blight::Error::Invalid(format!("cannot start the worker threads: {e}")))
}

/// A progress bar with throughput and ETA on a terminal; periodic plain lines otherwise; nothing
/// with `quiet`.
fn progress_bar(quiet: bool) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if quiet {
        return indicatif::ProgressBar::hidden();
    }
    let bar = if std::io::stderr().is_terminal() {
        indicatif::ProgressBar::new(0)
    } else {
        indicatif::ProgressBar::with_draw_target(
            Some(0),
            indicatif::ProgressDrawTarget::term_like_with_hz(Box::new(PlainLines), 1),
        )
    };
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{elapsed_precise} {bar:30} {pos}/{len} samples, {msg} ({per_sec}, ETA {eta})",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    bar
}

/// Progress as one plain line at a time on stderr, for logs (SLURM, Kubernetes).
#[derive(Debug)]
struct PlainLines;

impl indicatif::TermLike for PlainLines {
    fn width(&self) -> u16 {
        100
    }
    fn move_cursor_up(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_down(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_right(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn move_cursor_left(&self, _: usize) -> std::io::Result<()> {
        Ok(())
    }
    fn write_line(&self, line: &str) -> std::io::Result<()> {
        if !line.trim().is_empty() {
            eprintln!("{line}");
        }
        Ok(())
    }
    fn write_str(&self, s: &str) -> std::io::Result<()> {
        self.write_line(s)
    }
    fn clear_line(&self) -> std::io::Result<()> {
        Ok(())
    }
    fn flush(&self) -> std::io::Result<()> {
        Ok(())
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
