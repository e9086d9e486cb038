//! The MNIST-C layout (spec mnist-c.md §6): `<archive>/<corruption>/{train,test}_images.npy`,
//! uint8 of shape (N, rows, cols, 1), and `{train,test}_labels.npy`, int64 of shape (N,), as the
//! reference's `np.save` writes them. `archive` is the published folder the corruption belongs to
//! (`mnist_c` for identity and the 15 benchmark corruptions, `mnist_c_leftovers` for the rest);
//! when asked, each archive folder is packed at the end into `<archive>.zip` as released.
//!
//! Outputs arrive sample-major in canonical order, so every (corruption, split) images file is
//! filled front to back: it is streamed into a staging file through a buffer and hashed on the
//! way. When its split's last image is in, its labels file is written and the images file is
//! renamed into place, and both are reported (labels first, so a journaled images file always
//! has its labels journaled too). Memory holds a buffer per open file and the labels of a split,
//! never a whole file. A file needs every sample of its split, so a run split into shards is
//! split by corruption (see [`crate::generate::ShardUnit::Configs`]), and a run that skipped an
//! input fails at the end instead of leaving a hole.

use super::journal::{self, Target};
use super::manifest::{to_hex, FileRecord};
use super::npy::{self, Dtype};
use super::{OutputId, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// Bytes buffered per open images file before they go to disk.
const BUFFER: usize = 256 << 10;

/// An images file being filled.
struct Staged {
    file: BufWriter<File>,
    tmp: PathBuf,
    hash: Sha256,
    bytes: u64,
    /// Images written so far.
    rows: usize,
}

struct State {
    /// The open images file of corruption c and split s at `c * splits + s`.
    open: Vec<Option<Staged>>,
    /// Each split's labels, as its outputs arrive.
    labels: Vec<Vec<u8>>,
}

/// Writes MNIST-C's `.npy` folders (and zips).
pub struct MnistNpySink {
    /// Each corruption's position in `configs`.
    position: HashMap<String, usize>,
    /// Each corruption and its archive folder, in the run's config order.
    configs: Vec<(String, String)>,
    /// Each split's name (`train`, `test`) and its samples' canonical indices.
    splits: Vec<(&'static str, Range<usize>)>,
    /// Rows and columns of every image.
    size: (usize, usize),
    /// The archive folders to pack into `<archive>.zip` once every file is in.
    zip: Vec<String>,
    state: Mutex<State>,
}

impl MnistNpySink {
    /// A sink for `configs` (corruption and its archive folder) over `splits`, images of
    /// `size` (rows, cols); `zip` packs every archive folder at the end (a run split into
    /// shards must not ask for it: no shard has every file).
    pub fn new(
        configs: &[(String, String)],
        splits: Vec<(&'static str, Range<usize>)>,
        size: (usize, usize),
        zip: bool,
    ) -> Self {
        let mut zip_folders: Vec<String> = Vec::new();
        if zip {
            zip_folders = configs.iter().map(|(_, a)| a.clone()).collect();
            zip_folders.sort();
            zip_folders.dedup();
        }
        let open = (0..configs.len() * splits.len()).map(|_| None).collect();
        let labels = splits.iter().map(|(_, r)| vec![0; r.len()]).collect();
        MnistNpySink {
            position: configs
                .iter()
                .enumerate()
                .map(|(i, (c, _))| (c.clone(), i))
                .collect(),
            configs: configs.to_vec(),
            splits,
            size,
            zip: zip_folders,
            state: Mutex::new(State { open, labels }),
        }
    }

    /// The split holding sample `index`, by position.
    fn split_of(&self, index: usize) -> Option<usize> {
        self.splits.iter().position(|(_, r)| r.contains(&index))
    }

    /// `<archive>/<corruption>/<split>_<what>.npy`, or `None` for an output outside the run.
    fn path(&self, id: &OutputId<'_>, what: &str) -> Option<String> {
        let archive = &self.configs[*self.position.get(id.corruption)?].1;
        let split = self.splits[self.split_of(id.index)?].0;
        Some(format!("{archive}/{}/{split}_{what}.npy", id.corruption))
    }

    fn image_bytes(&self) -> usize {
        self.size.0 * self.size.1
    }

    /// Opens the staging file of an images file of `rows` images, its header in place.
    fn stage(&self, target: &Target, rel: &str, rows: usize) -> Result<Staged> {
        let staging = &target.staging;
        std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
        let tmp = staging.join(rel.replace('/', "-"));
        let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
        let head = npy::preamble(Dtype::U8, &[rows, self.size.0, self.size.1, 1]);
        let mut staged = Staged {
            file: BufWriter::with_capacity(BUFFER, file),
            tmp,
            hash: Sha256::new(),
            bytes: 0,
            rows: 0,
        };
        staged.append(&head)?;
        Ok(staged)
    }
}

impl Staged {
    fn append(&mut self, bytes: &[u8]) -> Result<()> {
        self.file
            .write_all(bytes)
            .map_err(|e| Error::io(&self.tmp, e))?;
        self.hash.update(bytes);
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Writes out what is buffered; returns the staging file and the record it will have as
    /// `rel`.
    fn flush(self, rel: &str) -> Result<(PathBuf, FileRecord)> {
        let Staged {
            file,
            tmp,
            hash,
            bytes,
            ..
        } = self;
        if let Err(e) = file.into_inner() {
            let _ = std::fs::remove_file(&tmp);
            return Err(Error::io(&tmp, e.into_error()));
        }
        let record = FileRecord {
            path: rel.to_string(),
            bytes,
            sha256: to_hex(&hash.finalize()),
        };
        Ok((tmp, record))
    }
}

impl Sink for MnistNpySink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        self.path(id, "images")
            .unwrap_or_else(|| format!("{}/{}", id.corruption, id.key))
    }

    fn files_of(&self, id: &OutputId<'_>) -> Vec<String> {
        vec![
            self.file_of(id),
            self.path(id, "labels")
                .unwrap_or_else(|| format!("{}/{}", id.corruption, id.key)),
        ]
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        if (image.height, image.width, image.channels) != (self.size.0, self.size.1, 1) {
            return Err(Error::Invalid(format!(
                "{}: the MNIST-C layout stores {}×{} gray images, not {}×{}×{}",
                self.file_of(id),
                self.size.0,
                self.size.1,
                image.height,
                image.width,
                image.channels
            )));
        }
        Ok(image.data.clone())
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        let place = self
            .position
            .get(id.corruption)
            .zip(self.split_of(id.index));
        let (Some((&config, split)), true) = (place, bytes.len() == self.image_bytes()) else {
            return Err(Error::Invalid(format!(
                "output of {} at {} severity {} is not part of this run's plan",
                id.key, id.corruption, id.severity
            )));
        };
        // File names are made only where needed: this runs once per output.
        let label = u8::try_from(id.label).map_err(|_| {
            Error::Invalid(format!(
                "{}: label {} of {} does not fit the digits' uint8",
                self.file_of(id),
                id.label,
                id.key
            ))
        })?;
        let range = &self.splits[split].1;
        let row = id.index - range.start;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.labels[split][row] = label;
        let slot = config * self.splits.len() + split;
        if state.open[slot].is_none() {
            state.open[slot] = Some(self.stage(target, &self.file_of(id), range.len())?);
        }
        let staged = state.open[slot]
            .as_mut()
            .ok_or_else(|| Error::Invalid(format!("{}: not staged", self.file_of(id))))?;
        if staged.rows != row {
            return Err(Error::Invalid(format!(
                "{}: image {row} arrived after {} images (outputs must come in order)",
                self.file_of(id),
                staged.rows
            )));
        }
        staged.append(&bytes)?;
        staged.rows += 1;
        if staged.rows < range.len() {
            return Ok(Vec::new());
        }
        // The split is complete, so every one of its labels is known.
        let images = self.file_of(id);
        let mut labels = npy::preamble(Dtype::I64, &[range.len()]);
        labels.extend_from_slice(&npy::labels_i64(&state.labels[split]));
        let labels_rel = self.path(id, "labels").unwrap_or_default();
        let staged = state.open[slot]
            .take()
            .ok_or_else(|| Error::Invalid(format!("{images}: not staged")))?;
        // The images are on disk before the labels go into place, so a failure (a full disk)
        // leaves neither file in place.
        let (tmp, record) = staged.flush(&images)?;
        let labels = journal::write_file(target, &labels_rel, &labels)?;
        let path = target.root.join(&images);
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(vec![labels, record])
    }

    fn finish(&self, target: &Target) -> Result<Vec<FileRecord>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut unfinished: Vec<String> = state
            .open
            .iter()
            .enumerate()
            .filter_map(|(slot, staged)| {
                let staged = staged.as_ref()?;
                let (split, range) = &self.splits[slot % self.splits.len()];
                let (corruption, archive) = &self.configs[slot / self.splits.len()];
                Some(format!(
                    "{archive}/{corruption}/{split}_images.npy ({} of {})",
                    staged.rows,
                    range.len()
                ))
            })
            .collect();
        if !unfinished.is_empty() {
            unfinished.sort();
            return Err(Error::Invalid(format!(
                "the MNIST-C layout needs every sample of a split, but {} missed images (an \
                 input was skipped, see errors.json); the files were not written",
                unfinished.join(", ")
            )));
        }
        self.zip
            .iter()
            .map(|folder| zip_folder(target, folder))
            .collect()
    }
}

/// Packs `<root>/<folder>` into `<root>/<folder>.zip` with the folder as the top-level entry, as
/// the released archives are laid out: files sorted by path, deflated at level 1, the zip
/// format's fixed default times (so the bytes are reproducible). Streams file by file through
/// the staging folder, so memory stays bounded and the zip is either absent or whole.
fn zip_folder(target: &Target, folder: &str) -> Result<FileRecord> {
    let root = &target.root;
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
    let staging = &target.staging;
    std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let rel = format!("{folder}.zip");
    let tmp = staging.join(&rel);
    let packed = (|| -> std::io::Result<()> {
        let mut zip = zip::ZipWriter::new(std::io::BufWriter::new(File::create(&tmp)?));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated)
            .compression_level(Some(1))
            .large_file(true);
        for (file, name) in &entries {
            zip.start_file(name.as_str(), options)
                .map_err(std::io::Error::other)?;
            let mut input = File::open(file)?;
            std::io::copy(&mut input, &mut zip)?;
        }
        zip.finish().map_err(std::io::Error::other)?.flush()
    })();
    let path = root.join(&rel);
    packed.map_err(|e| Error::io(&path, e))?;
    let (bytes, sha256) = hash_file(&tmp)?;
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(FileRecord {
        path: rel,
        bytes,
        sha256,
    })
}

/// Size and sha256 of a file, read in blocks.
fn hash_file(path: &Path) -> Result<(u64, String)> {
    let mut hash = Sha256::new();
    let mut file = File::open(path).map_err(|e| Error::io(path, e))?;
    let mut buffer = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = file.read(&mut buffer).map_err(|e| Error::io(path, e))?;
        if n == 0 {
            return Ok((bytes, to_hex(&hash.finalize())));
        }
        hash.update(&buffer[..n]);
        bytes += n as u64;
    }
}

/// Every file under `dir`, names starting with `.` left out.
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::journal::Shard;

    fn scratch(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("blight-mnist-npy-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn configs() -> Vec<(String, String)> {
        vec![
            ("identity".into(), "mnist_c".into()),
            ("snow".into(), "mnist_c_leftovers".into()),
        ]
    }

    /// Pushes every output of samples `0..5` (train 0..3, test 3..5) sample-major, image of
    /// sample i under config c filled with 10 i + c; returns every record.
    fn run(sink: &MnistNpySink, target: &Target, skip: Option<usize>) -> Vec<FileRecord> {
        let mut records = Vec::new();
        for i in (0..5).filter(|&i| Some(i) != skip) {
            for (c, (corruption, _)) in configs().iter().enumerate() {
                let key = format!("s/{i}");
                let id = OutputId {
                    key: &key,
                    index: i,
                    label: 9 - i,
                    class: "",
                    corruption,
                    severity: 1,
                };
                let image = Image::new(3, 2, 1, vec![(10 * i + c) as u8; 6]).unwrap();
                let bytes = sink.encode(&id, &image).unwrap();
                records.extend(sink.write(target, &id, bytes).unwrap());
            }
        }
        records
    }

    fn sink(zip: bool) -> MnistNpySink {
        MnistNpySink::new(
            &configs(),
            vec![("train", 0..3), ("test", 3..5)],
            (2, 3),
            zip,
        )
    }

    #[test]
    fn each_split_is_a_stack_with_its_labels_in_the_archive_folder() {
        let root = scratch("stack");
        let target = Target::new(&root, Shard::WHOLE);
        let sink = sink(true);
        let mut records = run(&sink, &target, None);
        records.extend(sink.finish(&target).unwrap());
        let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "mnist_c/identity/train_labels.npy",
                "mnist_c/identity/train_images.npy",
                "mnist_c_leftovers/snow/train_labels.npy",
                "mnist_c_leftovers/snow/train_images.npy",
                "mnist_c/identity/test_labels.npy",
                "mnist_c/identity/test_images.npy",
                "mnist_c_leftovers/snow/test_labels.npy",
                "mnist_c_leftovers/snow/test_images.npy",
                "mnist_c.zip",
                "mnist_c_leftovers.zip",
            ]
        );
        for record in &records {
            let bytes = std::fs::read(root.join(&record.path)).unwrap();
            assert_eq!(record.bytes, bytes.len() as u64, "{}", record.path);
            assert_eq!(
                record.sha256,
                crate::sink::manifest::sha256_hex(&bytes),
                "{}",
                record.path
            );
        }
        let snow = std::fs::read(root.join("mnist_c_leftovers/snow/test_images.npy")).unwrap();
        let head = npy::preamble(Dtype::U8, &[2, 2, 3, 1]);
        assert_eq!(&snow[..head.len()], head.as_slice());
        assert_eq!(
            &snow[head.len()..],
            [31, 31, 31, 31, 31, 31, 41, 41, 41, 41, 41, 41]
        );
        let labels = std::fs::read(root.join("mnist_c/identity/train_labels.npy")).unwrap();
        let head = npy::preamble(Dtype::I64, &[3]);
        assert_eq!(
            &labels[head.len()..],
            npy::labels_i64(&[9, 8, 7]).as_slice()
        );
        // The zip holds the folder's files under the folder's name.
        let zip = std::fs::File::open(root.join("mnist_c.zip")).unwrap();
        let archive = zip::ZipArchive::new(zip).unwrap();
        let mut names: Vec<&str> = archive.file_names().collect();
        names.sort();
        assert_eq!(
            names,
            [
                "mnist_c/identity/test_images.npy",
                "mnist_c/identity/test_labels.npy",
                "mnist_c/identity/train_images.npy",
                "mnist_c/identity/train_labels.npy",
            ]
        );
        let id = OutputId {
            key: "test/0",
            index: 3,
            label: 0,
            class: "",
            corruption: "snow",
            severity: 1,
        };
        assert_eq!(
            sink.files_of(&id),
            [
                "mnist_c_leftovers/snow/test_images.npy",
                "mnist_c_leftovers/snow/test_labels.npy"
            ]
        );
        // Windows removes no file that is still open.
        drop((sink, archive));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_missing_image_fails_the_split_and_wrong_outputs_are_refused() {
        let root = scratch("skip");
        let target = Target::new(&root, Shard::WHOLE);
        let sink = sink(false);
        let records = run(&sink, &target, Some(4));
        // The train split is whole; the test split misses sample 4.
        assert_eq!(records.len(), 4, "{records:?}");
        let message = sink.finish(&target).unwrap_err().to_string();
        assert!(
            message.contains("mnist_c/identity/test_images.npy (1 of 2)"),
            "{message}"
        );
        assert!(!root.join("mnist_c/identity/test_images.npy").exists());
        let id = OutputId {
            key: "train/0",
            index: 0,
            label: 0,
            class: "",
            corruption: "identity",
            severity: 1,
        };
        let message = sink
            .encode(&id, &Image::zeros(28, 28, 1))
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("train_images.npy: the MNIST-C layout stores 2×3 gray images"),
            "{message}"
        );
        let message = sink
            .write(
                &target,
                &OutputId {
                    corruption: "fog",
                    ..id
                },
                vec![0; 6],
            )
            .unwrap_err()
            .to_string();
        assert!(message.contains("not part of this run's plan"), "{message}");
        // Train sample 2 again, after its file was completed: a fresh file expects image 0.
        let message = sink
            .write(&target, &OutputId { index: 2, ..id }, vec![0; 6])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("image 2 arrived after 0 images"),
            "{message}"
        );
        drop(sink);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
