//! The MNIST IDX files (spec mnist-c.md §7.1): big-endian headers, magic 2051 for images
//! (count × rows × cols bytes) and 2049 for labels (count bytes, 0..9). Files may be raw or `.gz`
//! and may use either naming (`train-images-idx3-ubyte` or `train-images.idx3-ubyte`).
//!
//! [`Mnist`] is the dataset as a [`Source`]: the train split, then the test split, keyed
//! `train/<i>` and `test/<i>`. MNIST-C's reference seeds image i of *each split* with
//! `np.random.seed(seed + i)`, so the source's seed index is the position within the split.

use super::{Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::raster::Image;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

const IMAGES_MAGIC: u32 = 2051;
const LABELS_MAGIC: u32 = 2049;

/// The two MNIST splits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Split {
    Train,
    Test,
}

impl Split {
    /// The split's name in output files (`train`, `test`).
    pub fn name(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "test",
        }
    }

    /// The stem of the split's files in the canonical distribution.
    fn stem(self) -> &'static str {
        match self {
            Split::Train => "train",
            Split::Test => "t10k",
        }
    }
}

/// One split held in memory: images row-major, one byte per pixel, and their labels.
#[derive(Debug, Clone)]
pub struct MnistSplit {
    /// The images file it was read from.
    pub images_path: PathBuf,
    pub rows: usize,
    pub cols: usize,
    pub images: Vec<u8>,
    pub labels: Vec<u8>,
}

impl MnistSplit {
    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.len()
    }

    /// True when the split holds no image.
    pub fn is_empty(&self) -> bool {
        self.labels.is_empty()
    }

    /// The pixels of image `i`.
    pub fn image(&self, i: usize) -> &[u8] {
        let size = self.rows * self.cols;
        &self.images[i * size..(i + 1) * size]
    }
}

/// Reads one split from `dir`, checking magic numbers, dimensions, sizes, that image and label
/// counts agree and that every label is a digit.
pub fn read_split(dir: &Path, split: Split) -> Result<MnistSplit> {
    let images_path = find(dir, split, "images-idx3-ubyte")?;
    let labels_path = find(dir, split, "labels-idx1-ubyte")?;
    let images = read_maybe_gz(&images_path)?;
    let labels = read_maybe_gz(&labels_path)?;

    let (dims, image_bytes) = parse_idx(&images_path, &images, IMAGES_MAGIC, 3)?;
    let (label_dims, label_bytes) = parse_idx(&labels_path, &labels, LABELS_MAGIC, 1)?;
    let (count, rows, cols) = (dims[0], dims[1], dims[2]);
    if rows == 0 || cols == 0 {
        return Err(Error::file(
            &images_path,
            format!("image size {rows}×{cols} is empty"),
        ));
    }
    if label_dims[0] != count {
        return Err(Error::file(
            &labels_path,
            format!(
                "holds {} labels but {} holds {count} images",
                label_dims[0],
                images_path.display()
            ),
        ));
    }
    if let Some(i) = label_bytes.iter().position(|&l| l > 9) {
        return Err(Error::file(
            &labels_path,
            format!("label {i} is {}, not a digit 0..9", label_bytes[i]),
        ));
    }
    Ok(MnistSplit {
        images_path,
        rows,
        cols,
        images: image_bytes.to_vec(),
        labels: label_bytes.to_vec(),
    })
}

/// Both MNIST splits as one source: the train images, then the test images.
#[derive(Debug)]
pub struct Mnist {
    /// The train split, then the test split.
    splits: [(Split, MnistSplit); 2],
    /// `train/<i>`, then `test/<i>`.
    keys: Vec<String>,
    classes: Vec<String>,
    fingerprint: String,
}

impl Mnist {
    /// Reads both splits from `dir` (see [`read_split`]); their images must have the same size.
    pub fn open(dir: &Path) -> Result<Mnist> {
        let train = read_split(dir, Split::Train)?;
        let test = read_split(dir, Split::Test)?;
        if (train.rows, train.cols) != (test.rows, test.cols) {
            return Err(Error::file(
                &test.images_path,
                format!(
                    "images are {}×{}, but the train images ({}) are {}×{}",
                    test.rows,
                    test.cols,
                    train.images_path.display(),
                    train.rows,
                    train.cols
                ),
            ));
        }
        let splits = [(Split::Train, train), (Split::Test, test)];
        let keys = splits
            .iter()
            .flat_map(|(split, data)| (0..data.len()).map(move |i| format!("{}/{i}", split.name())))
            .collect();
        // The content itself, so that another dataset of the same shape is told apart.
        let mut hash = Sha256::new();
        for (split, data) in &splits {
            hash.update(format!(
                "{} {} {} {}\n",
                split.name(),
                data.len(),
                data.rows,
                data.cols
            ));
            hash.update(&data.images);
            hash.update(&data.labels);
        }
        Ok(Mnist {
            splits,
            keys,
            classes: (0..10).map(|d| d.to_string()).collect(),
            fingerprint: crate::sink::manifest::to_hex(&hash.finalize()),
        })
    }

    /// Rows and columns of every image.
    pub fn image_size(&self) -> (usize, usize) {
        (self.splits[0].1.rows, self.splits[0].1.cols)
    }

    /// The images file of each split, to name in errors about the images.
    pub fn images_paths(&self) -> [&Path; 2] {
        [
            self.splits[0].1.images_path.as_path(),
            self.splits[1].1.images_path.as_path(),
        ]
    }

    /// Each split with its samples' canonical indices.
    pub fn splits(&self) -> [(Split, std::ops::Range<usize>); 2] {
        let train = self.splits[0].1.len();
        [
            (Split::Train, 0..train),
            (Split::Test, train..train + self.splits[1].1.len()),
        ]
    }

    /// The split holding sample `i` and the position within it.
    fn locate(&self, i: usize) -> (&MnistSplit, usize) {
        let train = &self.splits[0].1;
        if i < train.len() {
            (train, i)
        } else {
            (&self.splits[1].1, i - train.len())
        }
    }
}

impl Source for Mnist {
    fn len(&self) -> usize {
        self.keys.len()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    fn label(&self, i: usize) -> usize {
        let (split, at) = self.locate(i);
        split.labels[at] as usize
    }

    fn seed_index(&self, i: usize) -> usize {
        self.locate(i).1
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        let (split, at) = self.locate(i);
        Ok(Sample {
            index: i,
            key: self.keys[i].clone(),
            label: split.labels[at] as usize,
            image: Image::new(split.cols, split.rows, 1, split.image(at).to_vec())?,
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: "mnist-idx".into(),
            samples: self.keys.len(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}

/// Finds `<stem>-<kind>` or `<stem>-<kind with '.' before idx>`, raw or gzipped.
fn find(dir: &Path, split: Split, kind: &str) -> Result<PathBuf> {
    let dotted = kind.replacen("-idx", ".idx", 1);
    let mut tried = Vec::new();
    for name in [
        format!("{}-{kind}", split.stem()),
        format!("{}-{dotted}", split.stem()),
    ] {
        for candidate in [name.clone(), format!("{name}.gz")] {
            let path = dir.join(&candidate);
            if path.is_file() {
                return Ok(path);
            }
            tried.push(candidate);
        }
    }
    Err(Error::file(
        dir,
        format!(
            "no MNIST {} file (looked for {})",
            split.name(),
            tried.join(", ")
        ),
    ))
}

fn read_maybe_gz(path: &Path) -> Result<Vec<u8>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    if bytes.starts_with(&[0x1f, 0x8b]) {
        let mut out = Vec::new();
        flate2::read::GzDecoder::new(&bytes[..])
            .read_to_end(&mut out)
            .map_err(|e| Error::file(path, format!("corrupt gzip data: {e}")))?;
        Ok(out)
    } else {
        Ok(bytes)
    }
}

/// Checks an IDX header (unsigned-byte data, `ndims` dimensions, the expected magic) and returns
/// the dimensions and the data, which must be exactly as long as they say.
fn parse_idx<'a>(
    path: &Path,
    bytes: &'a [u8],
    magic: u32,
    ndims: usize,
) -> Result<(Vec<usize>, &'a [u8])> {
    let header = 4 + 4 * ndims;
    if bytes.len() < header {
        return Err(Error::file(
            path,
            format!(
                "truncated: {} bytes, shorter than the {header}-byte IDX header",
                bytes.len()
            ),
        ));
    }
    let word = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    let found = word(0);
    if found != magic {
        return Err(Error::file(
            path,
            format!(
                "wrong magic number {found} (expected {magic}); not an MNIST IDX file of this kind"
            ),
        ));
    }
    let dims: Vec<usize> = (0..ndims).map(|d| word(4 + 4 * d) as usize).collect();
    let expected = dims.iter().product::<usize>();
    let data = &bytes[header..];
    if data.len() != expected {
        let shape = dims
            .iter()
            .map(|d| d.to_string())
            .collect::<Vec<_>>()
            .join("×");
        return Err(Error::file(
            path,
            format!(
                "{} data bytes, but the header's shape {shape} needs {expected}{}",
                data.len(),
                if data.len() < expected {
                    " (truncated)"
                } else {
                    ""
                }
            ),
        ));
    }
    Ok((dims, data))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn idx(magic: u32, dims: &[u32], data: &[u8]) -> Vec<u8> {
        let mut out = magic.to_be_bytes().to_vec();
        for d in dims {
            out.extend_from_slice(&d.to_be_bytes());
        }
        out.extend_from_slice(data);
        out
    }

    fn gz(bytes: &[u8]) -> Vec<u8> {
        let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        e.write_all(bytes).unwrap();
        e.finish().unwrap()
    }

    fn folder(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("blight-idx-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    fn error_of(dir: &Path) -> String {
        read_split(dir, Split::Test).unwrap_err().to_string()
    }

    #[test]
    fn reads_raw_and_gz_in_either_naming() {
        let pixels: Vec<u8> = (0..2 * 4 * 3).map(|v| v as u8).collect();
        let dir = folder("ok");
        std::fs::write(
            dir.join("t10k-images.idx3-ubyte"),
            idx(2051, &[2, 4, 3], &pixels),
        )
        .unwrap();
        std::fs::write(
            dir.join("t10k-labels-idx1-ubyte.gz"),
            gz(&idx(2049, &[2], &[7, 2])),
        )
        .unwrap();
        let split = read_split(&dir, Split::Test).unwrap();
        assert_eq!((split.len(), split.rows, split.cols), (2, 4, 3));
        assert_eq!(split.image(1), &pixels[12..24]);
        assert_eq!(split.labels, vec![7, 2]);
    }

    #[test]
    fn the_source_holds_train_then_test_seeded_within_each_split() {
        let dir = folder("source");
        for (stem, n) in [("train", 3u32), ("t10k", 2)] {
            let pixels: Vec<u8> = (0..n as usize * 4)
                .map(|v| (v + 50 * n as usize) as u8)
                .collect();
            std::fs::write(
                dir.join(format!("{stem}-images-idx3-ubyte")),
                idx(2051, &[n, 2, 2], &pixels),
            )
            .unwrap();
            let labels: Vec<u8> = (0..n as u8).collect();
            std::fs::write(
                dir.join(format!("{stem}-labels-idx1-ubyte")),
                idx(2049, &[n], &labels),
            )
            .unwrap();
        }
        let mnist = Mnist::open(&dir).unwrap();
        assert_eq!(mnist.len(), 5);
        assert_eq!(
            (0..5).map(|i| mnist.key(i)).collect::<Vec<_>>(),
            ["train/0", "train/1", "train/2", "test/0", "test/1"]
        );
        assert_eq!(
            (0..5).map(|i| mnist.seed_index(i)).collect::<Vec<_>>(),
            [0, 1, 2, 0, 1]
        );
        assert_eq!(mnist.label(4), 1);
        let sample = mnist.sample(3).unwrap();
        assert_eq!((sample.image.width, sample.image.height), (2, 2));
        assert_eq!(sample.image.data, [100, 101, 102, 103]);
        assert_eq!(mnist.splits()[1].1, 3..5);
        let before = mnist.info().fingerprint;
        // The same shape with one pixel changed is another dataset.
        let path = dir.join("t10k-images-idx3-ubyte");
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[16] ^= 1;
        std::fs::write(&path, bytes).unwrap();
        assert_ne!(Mnist::open(&dir).unwrap().info().fingerprint, before);
        // Splits of different image sizes are refused, naming the file.
        std::fs::write(&path, idx(2051, &[2, 4, 1], &[0; 8])).unwrap();
        let e = Mnist::open(&dir).unwrap_err().to_string();
        assert!(
            e.contains("t10k-images-idx3-ubyte: images are 4×1, but the train images"),
            "{e}"
        );
    }

    #[test]
    fn bad_files_name_the_file_and_the_fault() {
        let dir = folder("bad");
        let images = dir.join("t10k-images-idx3-ubyte");
        let labels = dir.join("t10k-labels-idx1-ubyte");
        assert!(error_of(&dir).contains("no MNIST test file"));

        std::fs::write(&images, idx(2049, &[1, 2, 2], &[0; 4])).unwrap();
        std::fs::write(&labels, idx(2049, &[1], &[3])).unwrap();
        let e = error_of(&dir);
        assert!(
            e.contains("t10k-images-idx3-ubyte") && e.contains("wrong magic"),
            "{e}"
        );

        std::fs::write(&images, idx(2051, &[1, 2, 2], &[0; 3])).unwrap();
        assert!(error_of(&dir).contains("truncated"));

        std::fs::write(&images, idx(2051, &[2, 2, 2], &[0; 8])).unwrap();
        let e = error_of(&dir);
        assert!(
            e.contains("holds 1 labels but") && e.contains("2 images"),
            "{e}"
        );

        std::fs::write(&images, idx(2051, &[1, 2, 2], &[0; 4])).unwrap();
        std::fs::write(&labels, idx(2049, &[1], &[10])).unwrap();
        assert!(error_of(&dir).contains("not a digit"));

        std::fs::write(&labels, [0, 0, 8]).unwrap();
        assert!(error_of(&dir).contains("shorter than the 8-byte IDX header"));

        std::fs::write(&labels, [0x1f, 0x8b, 1, 2, 3]).unwrap();
        assert!(error_of(&dir).contains("corrupt gzip"));
    }
}
