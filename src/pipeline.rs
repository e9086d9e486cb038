//! The generate driver: corrupts every image of a source with every config of a suite, in
//! parallel across images, and writes the reference layout with a manifest.
//!
//! Every image's randomness comes from its own stream, keyed by (seed, suite, corruption,
//! severity, split/index) with the fast source, or `np.random.seed(seed + index)` with the numpy
//! source, so the bytes never depend on thread count or order. Files are written atomically and
//! the manifest is rewritten after each one, so a run that stops part-way keeps what it finished
//! and a rerun with the same settings resumes after checking the checksums.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::rng::{self, RngKind, StreamKey};
use crate::sink::manifest::{sha256_hex, FileRecord};
use crate::sink::npy;
use crate::source::mnist::{self, MnistSplit, Split};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// One output config: a corruption at one severity, written to `<folder>/<name>/`.
pub struct Config<'a> {
    /// Top-level folder of its release (`mnist_c`, `mnist_c_leftovers`).
    pub folder: &'static str,
    pub name: String,
    pub severity: u32,
    pub corruption: &'a dyn Corruption,
}

/// What a run is, as recorded in its manifest; a rerun must agree on all of it to resume.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunSettings {
    pub tool: String,
    pub tool_version: String,
    pub suite: String,
    pub recipe_version: String,
    pub seed: u64,
    pub rng: RngKind,
    /// How each image's stream is seeded, in words.
    pub seeding: String,
    pub configs: Vec<String>,
    /// Where assets came from where that changes the output (e.g. frost textures).
    #[serde(default)]
    pub assets: Vec<String>,
}

/// The manifest file: the settings and every completed file.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub format: u32,
    #[serde(flatten)]
    pub settings: RunSettings,
    pub complete: bool,
    pub files: Vec<FileRecord>,
}

/// The manifest's file name in the output root.
pub const MANIFEST: &str = "manifest.json";

/// Generates MNIST-C style `.npy` folders for every config and both splits.
pub fn generate_mnist(
    source: &Path,
    out: &Path,
    settings: RunSettings,
    configs: &[Config<'_>],
    context: &Context,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Manifest> {
    let splits = [Split::Train, Split::Test]
        .into_iter()
        .map(|s| mnist::read_split(source, s).map(|data| (s, data)))
        .collect::<Result<Vec<_>>>()?;
    preflight(&splits[0].1, configs, context)?;
    std::fs::create_dir_all(out).map_err(|e| Error::io(out, e))?;
    let manifest = open_manifest(out, &settings)?;
    // What is left to do: (config, split) pairs whose two files are not both listed and intact.
    let mut todo = Vec::new();
    for config in configs {
        for (split, data) in &splits {
            let files = SplitFiles::new(config, *split);
            if !(is_done(out, &manifest, &files.images_rel)?
                && is_done(out, &manifest, &files.labels_rel)?)
            {
                todo.push((config, *split, data, files));
            }
        }
    }

    // The corrupted pixels of each split go to a writer thread, which writes and hashes them
    // and updates the manifest while the next split is corrupted. The channel holds one split,
    // so at most three splits' pixels are in memory. Written buffers come back to be filled
    // again, which spares the kernel faulting in and zeroing fresh pages for every split.
    std::thread::scope(|scope| {
        let (send, receive) = std::sync::mpsc::sync_channel::<Finished>(1);
        let (give_back, returned) = std::sync::mpsc::channel::<Vec<u8>>();
        let writer = scope.spawn(move || -> Result<Manifest> {
            let mut manifest = manifest;
            for done in receive {
                let pixels = done.write(out, &mut manifest)?;
                save_manifest(out, &manifest)?;
                // The producer may have finished and gone; the buffer is then just dropped.
                let _ = give_back.send(pixels);
            }
            Ok(manifest)
        });
        let corrupted = (|| -> Result<()> {
            let mut spare: Vec<Vec<u8>> = Vec::new();
            for (config, split, data, files) in todo {
                progress(&format!(
                    "{} {} ({} images)",
                    config.name,
                    split.name(),
                    data.len()
                ));
                spare.extend(returned.try_iter());
                // The largest spare buffer, so a train split rarely has to grow one.
                let largest = (0..spare.len()).max_by_key(|&i| spare[i].capacity());
                let buffer = largest.map(|i| spare.swap_remove(i)).unwrap_or_default();
                let pixels = corrupt_split(data, split, config, &settings, context, buffer)?;
                let done = Finished {
                    files,
                    shape: [data.len(), data.rows, data.cols, 1],
                    pixels,
                    labels: npy::labels_i64(&data.labels),
                };
                if send.send(done).is_err() {
                    // The writer stopped on an error, which it returns below.
                    break;
                }
            }
            Ok(())
        })();
        drop(send);
        let mut manifest = writer
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic))?;
        corrupted?;
        manifest.complete = true;
        save_manifest(out, &manifest)?;
        Ok(manifest)
    })
}

/// The two files of one config and split, relative to the output root.
struct SplitFiles {
    folder: PathBuf,
    images_rel: String,
    labels_rel: String,
}

impl SplitFiles {
    fn new(config: &Config<'_>, split: Split) -> Self {
        SplitFiles {
            folder: Path::new(config.folder).join(&config.name),
            images_rel: relative(
                config.folder,
                &config.name,
                &format!("{}_images.npy", split.name()),
            ),
            labels_rel: relative(
                config.folder,
                &config.name,
                &format!("{}_labels.npy", split.name()),
            ),
        }
    }
}

/// One corrupted split on its way to disk.
struct Finished {
    files: SplitFiles,
    shape: [usize; 4],
    pixels: Vec<u8>,
    labels: Vec<u8>,
}

impl Finished {
    /// Writes the images and labels files atomically and records them in `manifest`; gives
    /// the pixel buffer back.
    fn write(self, out: &Path, manifest: &mut Manifest) -> Result<Vec<u8>> {
        let dir = out.join(&self.files.folder);
        std::fs::create_dir_all(&dir).map_err(|e| Error::io(&dir, e))?;
        let mut images = npy::write(
            &out.join(&self.files.images_rel),
            npy::Dtype::U8,
            &self.shape,
            &self.pixels,
        )?;
        images.path = self.files.images_rel;
        record(manifest, images);
        let mut labels = npy::write(
            &out.join(&self.files.labels_rel),
            npy::Dtype::I64,
            &[self.shape[0]],
            &self.labels,
        )?;
        labels.path = self.files.labels_rel;
        record(manifest, labels);
        Ok(self.pixels)
    }
}

/// Options of `blight generate mnist-c`.
pub struct MnistCOptions<'a> {
    pub source: &'a Path,
    pub out: &'a Path,
    pub seed: u64,
    pub rng: RngKind,
    /// Also write the 16 leftover corruptions (`mnist_c_leftovers/`).
    pub leftovers: bool,
    /// Also pack each top-level folder into `<folder>.zip`, as released.
    pub zip: bool,
    pub context: &'a Context,
}

/// MNIST-C from the four MNIST files: `mnist_c/<config>/{train,test}_{images,labels}.npy` for
/// identity and the 15 benchmark corruptions at their released severities (and the leftovers in
/// `mnist_c_leftovers/` when asked), plus `manifest.json` and optionally the zips. Every config of
/// `suite` is written; a caller leaves some out with [`crate::suite::Suite::leave_out`].
pub fn generate_mnist_c(
    suite: &crate::suite::Suite,
    options: &MnistCOptions<'_>,
    progress: &(dyn Fn(&str) + Sync),
) -> Result<Manifest> {
    let mut configs = Vec::new();
    for c in &suite.corruptions {
        let folder: &'static str = match c.archive.as_deref() {
            Some("mnist_c") => "mnist_c",
            Some("mnist_c_leftovers") if options.leftovers => "mnist_c_leftovers",
            Some("mnist_c_leftovers") => continue,
            other => {
                return Err(Error::Invalid(format!(
                    "suite {}: {} has archive {other:?}, not mnist_c or mnist_c_leftovers",
                    suite.name, c.name
                )))
            }
        };
        // Corruptions without a severity give the published output at any severity.
        let severity = c.released.unwrap_or(1);
        configs.push(Config {
            folder,
            name: c.name.clone(),
            severity,
            corruption: c.at(severity)?,
        });
    }
    let mut assets = Vec::new();
    if configs.iter().any(|c| c.name == "frost") {
        assets.push(format!(
            "frost: {}",
            match crate::assets::frost::TextureSource::for_context(options.context) {
                crate::assets::frost::TextureSource::Reference =>
                    "reference textures (sha256-checked)",
                crate::assets::frost::TextureSource::Procedural =>
                    "built-in procedural texture (not the reference's)",
            }
        ));
    }
    let settings = RunSettings {
        tool: "blight".into(),
        tool_version: env!("CARGO_PKG_VERSION").into(),
        suite: suite.name.clone(),
        recipe_version: suite.version.clone(),
        seed: options.seed,
        rng: options.rng,
        seeding: match options.rng {
            RngKind::Numpy => {
                "image i of each split: np.random.seed(seed + i) before the call".into()
            }
            RngKind::Fast => {
                "fast stream keyed by (seed, suite, corruption, severity, split/index)".into()
            }
        },
        configs: configs
            .iter()
            .map(|c| format!("{}/{}", c.folder, c.name))
            .collect(),
        assets,
    };
    let mut manifest = generate_mnist(
        options.source,
        options.out,
        settings,
        &configs,
        options.context,
        progress,
    )?;
    if options.zip {
        let mut folders: Vec<&str> = configs.iter().map(|c| c.folder).collect();
        folders.sort_unstable();
        folders.dedup();
        for folder in folders {
            progress(&format!("packing {folder}.zip"));
            let record = zip_folder(options.out, folder)?;
            manifest.files.retain(|f| f.path != record.path);
            manifest.files.push(record);
        }
        manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
        save_manifest(options.out, &manifest)?;
    }
    Ok(manifest)
}

/// Runs every config once on the first image before anything is written, so a missing asset or
/// an image the corruption cannot take stops the run at once, with nothing half-made.
fn preflight(data: &MnistSplit, configs: &[Config<'_>], context: &Context) -> Result<()> {
    if data.is_empty() {
        return Ok(());
    }
    let image = Image::new(data.cols, data.rows, 1, data.image(0).to_vec())?;
    for config in configs {
        let mut source = rng::open(
            RngKind::Fast,
            &StreamKey {
                seed: 0,
                suite: "preflight",
                corruption: &config.name,
                severity: config.severity,
                sample: "0",
            },
        )?;
        config
            .corruption
            .apply(&image, source.as_mut(), context)
            .map_err(|e| Error::Invalid(format!("{} cannot run: {e}", config.name)))?;
    }
    Ok(())
}

/// Corrupts every image of one split, in parallel, into one C-order buffer: `pixels`, an
/// earlier split's, whose bytes are all overwritten.
fn corrupt_split(
    data: &MnistSplit,
    split: Split,
    config: &Config<'_>,
    settings: &RunSettings,
    context: &Context,
    mut pixels: Vec<u8>,
) -> Result<Vec<u8>> {
    let size = data.rows * data.cols;
    pixels.resize(data.len() * size, 0);
    pixels
        .par_chunks_mut(size)
        .enumerate()
        .try_for_each(|(i, slot)| -> Result<()> {
            let image = Image::new(data.cols, data.rows, 1, data.image(i).to_vec())?;
            let sample = format!("{}/{i}", split.name());
            let key = StreamKey {
                seed: match settings.rng {
                    RngKind::Numpy => settings.seed + i as u64,
                    RngKind::Fast => settings.seed,
                },
                suite: &settings.suite,
                corruption: &config.name,
                severity: config.severity,
                sample: &sample,
            };
            let mut source = rng::open(settings.rng, &key)?;
            let out = config.corruption.apply(&image, source.as_mut(), context)?;
            slot.copy_from_slice(&out.data);
            Ok(())
        })?;
    Ok(pixels)
}

fn relative(folder: &str, config: &str, file: &str) -> String {
    format!("{folder}/{config}/{file}")
}

/// Reads an existing manifest and checks it describes the same run, or starts a new one.
fn open_manifest(out: &Path, settings: &RunSettings) -> Result<Manifest> {
    let path = out.join(MANIFEST);
    if !path.exists() {
        let stray = std::fs::read_dir(out)
            .map_err(|e| Error::io(out, e))?
            .filter_map(|e| e.ok())
            .next();
        if let Some(entry) = stray {
            return Err(Error::file(
                out,
                format!(
                    "output folder is not empty ({} is there) and has no {MANIFEST}; choose an empty folder",
                    entry.file_name().to_string_lossy()
                ),
            ));
        }
        return Ok(Manifest {
            format: 1,
            settings: settings.clone(),
            complete: false,
            files: Vec::new(),
        });
    }
    let text = std::fs::read_to_string(&path).map_err(|e| Error::io(&path, e))?;
    let existing: Manifest = serde_json::from_str(&text)
        .map_err(|e| Error::file(&path, format!("unreadable manifest: {e}")))?;
    if existing.settings != *settings {
        return Err(Error::file(
            out,
            format!(
                "output folder already holds a different run ({} {} seed {} rng {}); use another folder",
                existing.settings.suite,
                existing.settings.recipe_version,
                existing.settings.seed,
                existing.settings.rng
            ),
        ));
    }
    Ok(existing)
}

/// True when the manifest lists `rel` and the file on disk still has that size and checksum.
fn is_done(out: &Path, manifest: &Manifest, rel: &str) -> Result<bool> {
    let Some(entry) = manifest.files.iter().find(|f| f.path == rel) else {
        return Ok(false);
    };
    let path = out.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(bytes.len() as u64 == entry.bytes && sha256_hex(&bytes) == entry.sha256),
        Err(_) => Ok(false),
    }
}

fn record(manifest: &mut Manifest, file: FileRecord) {
    manifest.files.retain(|f| f.path != file.path);
    manifest.files.push(file);
    manifest.files.sort_by(|a, b| a.path.cmp(&b.path));
}

fn save_manifest(out: &Path, manifest: &Manifest) -> Result<()> {
    let text = serde_json::to_string_pretty(manifest)
        .map_err(|e| Error::Invalid(format!("cannot serialise the manifest: {e}")))?;
    crate::io::write_atomic(&out.join(MANIFEST), text.as_bytes())
}

/// Packs `root/<folder>` into `root/<folder>.zip` with the folder as the top-level entry, as the
/// released archives are laid out. Streams file by file, so memory stays bounded.
pub fn zip_folder(root: &Path, folder: &str) -> Result<FileRecord> {
    let zip_path = root.join(format!("{folder}.zip"));
    let mut files: Vec<PathBuf> = Vec::new();
    collect_files(&root.join(folder), &mut files)?;
    files.sort();
    let entries = files
        .iter()
        .map(|file| {
            file.strip_prefix(root)
                .map(|rel| (file, rel.to_string_lossy().replace('\\', "/")))
                .map_err(|_| Error::file(file, "outside the output folder"))
        })
        .collect::<Result<Vec<_>>>()?;
    crate::io::write_atomic_with(&zip_path, |out| {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(out));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        for (file, rel) in &entries {
            zip.start_file(rel.as_str(), options)
                .map_err(std::io::Error::other)?;
            let mut input = std::fs::File::open(file)?;
            std::io::copy(&mut input, &mut zip)?;
        }
        zip.finish().map_err(std::io::Error::other)?;
        Ok(())
    })?;
    file_record(root, &zip_path)
}

/// The manifest record of a file on disk, its path relative to `root`.
pub fn file_record(root: &Path, path: &Path) -> Result<FileRecord> {
    use sha2::Digest;
    use std::io::Read;
    let mut hash = sha2::Sha256::new();
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            break;
        }
        hash.update(&buffer[..n]);
        bytes += n as u64;
    }
    let rel = path.strip_prefix(root).unwrap_or(path);
    Ok(FileRecord {
        path: rel.to_string_lossy().replace('\\', "/"),
        bytes,
        sha256: crate::sink::manifest::to_hex(&hash.finalize()),
    })
}

fn collect_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        if path.is_dir() {
            collect_files(&path, out)?;
        } else if !entry.file_name().to_string_lossy().starts_with('.') {
            out.push(path);
        }
    }
    Ok(())
}
