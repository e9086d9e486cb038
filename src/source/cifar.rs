//! The CIFAR-10 and CIFAR-100 test sets, read straight from the archives Toronto (and torchvision)
//! distribute, without extracting them: the binary tarballs (`cifar-10-binary.tar.gz`,
//! `cifar-100-binary.tar.gz`: fixed-size records of label byte(s) then 3072 pixel bytes) and the
//! Python tarballs (`cifar-10-python.tar.gz`, `cifar-100-python.tar.gz`: pickled dicts holding a
//! numpy uint8 array of shape (N, 3072) and a label list). Either way a row is the R plane, then G,
//! then B, each 32×32 row-major; samples come out HWC RGB in dataset order, keyed `test/<i>`, as
//! `make_cifar_c.py` walks `datasets.CIFAR10(train=False)`. CIFAR-100 uses the fine labels.
//!
//! The pickles are read with `serde-pickle`. It folds every `BUILD` into the object's state, so a
//! numpy array arrives as numpy's `__reduce__` state tuple `(version, shape, dtype, fortran, raw
//! bytes)` while the dtype's own name (`'u1'`) is lost with its constructor arguments; the reader
//! therefore checks what remains: a one-byte dtype (byte order `'|'`), C order, shape (N, 3072) and
//! exactly N·3072 raw bytes.

use super::{Sample, Source, SourceInfo};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::sink::manifest::to_hex;
use serde_pickle::{HashableValue, Value};
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::Path;

/// Bytes of one image: three 32×32 planes.
const IMAGE_BYTES: usize = 3 * 32 * 32;

/// The four archive formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Cifar10Binary,
    Cifar100Binary,
    Cifar10Python,
    Cifar100Python,
}

impl Format {
    const ALL: [Format; 4] = [
        Format::Cifar10Binary,
        Format::Cifar100Binary,
        Format::Cifar10Python,
        Format::Cifar100Python,
    ];

    /// The archive member holding the test set.
    fn data_member(self) -> &'static str {
        match self {
            Format::Cifar10Binary => "cifar-10-batches-bin/test_batch.bin",
            Format::Cifar100Binary => "cifar-100-binary/test.bin",
            Format::Cifar10Python => "cifar-10-batches-py/test_batch",
            Format::Cifar100Python => "cifar-100-python/test",
        }
    }

    /// The archive member holding the class names.
    fn names_member(self) -> &'static str {
        match self {
            Format::Cifar10Binary => "cifar-10-batches-bin/batches.meta.txt",
            Format::Cifar100Binary => "cifar-100-binary/fine_label_names.txt",
            Format::Cifar10Python => "cifar-10-batches-py/batches.meta",
            Format::Cifar100Python => "cifar-100-python/meta",
        }
    }

    /// The source kind recorded in the manifest.
    pub fn kind(self) -> &'static str {
        match self {
            Format::Cifar10Binary => "cifar-10-binary",
            Format::Cifar100Binary => "cifar-100-binary",
            Format::Cifar10Python => "cifar-10-python",
            Format::Cifar100Python => "cifar-100-python",
        }
    }
}

/// A CIFAR test set held in memory (30 MB): pixels as stored (planar), labels, keys.
#[derive(Debug)]
pub struct Cifar {
    format: Format,
    classes: Vec<String>,
    /// N rows of [`IMAGE_BYTES`] planar pixels.
    planes: Vec<u8>,
    labels: Vec<usize>,
    keys: Vec<String>,
    fingerprint: String,
}

impl Cifar {
    /// Reads the test set from one of the four distributed `.tar.gz` archives, recognised by the
    /// members it holds.
    pub fn open(archive: &Path) -> Result<Self> {
        let file = std::fs::File::open(archive).map_err(|e| Error::io(archive, e))?;
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
        let not_tar = |e: std::io::Error| {
            Error::file(
                archive,
                format!("not a gzip-compressed tar archive ({e}); expected one of the CIFAR test archives"),
            )
        };
        let wanted: Vec<&str> = Format::ALL
            .iter()
            .flat_map(|f| [f.data_member(), f.names_member()])
            .collect();
        let mut found: Vec<(String, Vec<u8>)> = Vec::new();
        for entry in tar.entries().map_err(not_tar)? {
            let mut entry = entry.map_err(not_tar)?;
            let name = entry
                .path()
                .map_err(not_tar)?
                .to_string_lossy()
                .into_owned();
            let name = name.trim_start_matches("./");
            if wanted.contains(&name) {
                let name = name.to_string();
                let mut bytes = Vec::with_capacity(entry.size() as usize);
                entry
                    .read_to_end(&mut bytes)
                    .map_err(|e| Error::io(archive.join(&name), e))?;
                found.push((name, bytes));
            }
        }
        let take = |member: &str| {
            found
                .iter()
                .position(|(name, _)| name == member)
                .map(|i| found[i].1.as_slice())
        };
        let (format, data) = Format::ALL
            .into_iter()
            .find_map(|f| Some((f, take(f.data_member())?)))
            .ok_or_else(|| {
                Error::file(
                    archive,
                    format!(
                        "not a CIFAR test archive: it holds none of {}",
                        Format::ALL.map(Format::data_member).join(", ")
                    ),
                )
            })?;
        let data_path = archive.join(format.data_member());
        let names_path = archive.join(format.names_member());
        let names = take(format.names_member()).ok_or_else(|| {
            Error::file(
                archive,
                format!("missing member {} (the class names)", format.names_member()),
            )
        })?;
        let classes = match format {
            Format::Cifar10Binary | Format::Cifar100Binary => text_names(&names_path, names)?,
            Format::Cifar10Python => pickled_names(&names_path, names, "label_names")?,
            Format::Cifar100Python => pickled_names(&names_path, names, "fine_label_names")?,
        };
        let (planes, labels) = match format {
            Format::Cifar10Binary => records(&data_path, data, 1)?,
            Format::Cifar100Binary => records(&data_path, data, 2)?,
            Format::Cifar10Python => pickled_set(&data_path, data, "labels")?,
            Format::Cifar100Python => pickled_set(&data_path, data, "fine_labels")?,
        };
        if let Some((i, label)) = labels.iter().enumerate().find(|(_, &l)| l >= classes.len()) {
            return Err(Error::file(
                &data_path,
                format!(
                    "image {i} has label {label}, but {} names {} classes",
                    format.names_member(),
                    classes.len()
                ),
            ));
        }
        let mut hash = Sha256::new();
        hash.update(data);
        hash.update(names);
        Ok(Cifar {
            format,
            classes,
            planes,
            keys: (0..labels.len()).map(|i| format!("test/{i}")).collect(),
            labels,
            fingerprint: to_hex(&hash.finalize()),
        })
    }

    /// Which archive the set came from.
    pub fn format(&self) -> Format {
        self.format
    }
}

/// Binary records: `label_bytes` label bytes (the last is the one used: CIFAR-100's fine label
/// follows its coarse one), then the image.
fn records(path: &Path, data: &[u8], label_bytes: usize) -> Result<(Vec<u8>, Vec<usize>)> {
    let record = label_bytes + IMAGE_BYTES;
    if data.is_empty() || !data.len().is_multiple_of(record) {
        return Err(Error::file(
            path,
            format!(
                "truncated record: {} bytes is not a whole number of {record}-byte records",
                data.len()
            ),
        ));
    }
    let mut planes = Vec::with_capacity(data.len() / record * IMAGE_BYTES);
    let mut labels = Vec::with_capacity(data.len() / record);
    for row in data.chunks_exact(record) {
        labels.push(row[label_bytes - 1] as usize);
        planes.extend_from_slice(&row[label_bytes..]);
    }
    Ok((planes, labels))
}

/// One name per non-empty line (`batches.meta.txt` ends in blank lines).
fn text_names(path: &Path, bytes: &[u8]) -> Result<Vec<String>> {
    let text = std::str::from_utf8(bytes)
        .map_err(|e| Error::file(path, format!("class names are not UTF-8 text: {e}")))?;
    let names: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if names.is_empty() {
        return Err(Error::file(path, "no class names"));
    }
    Ok(names)
}

/// A pickled dict (Python 2 writes its keys as byte strings, Python 3 may write text).
fn unpickle_dict(path: &Path, bytes: &[u8]) -> Result<Vec<(String, Value)>> {
    let value = serde_pickle::value_from_slice(bytes, serde_pickle::DeOptions::new())
        .map_err(|e| Error::file(path, format!("unreadable pickle: {e}")))?;
    let Value::Dict(dict) = value else {
        return Err(Error::file(path, "the pickle does not hold a dict"));
    };
    Ok(dict
        .into_iter()
        .filter_map(|(k, v)| {
            let key = match k {
                HashableValue::Bytes(b) => String::from_utf8(b).ok()?,
                HashableValue::String(s) => s,
                _ => return None,
            };
            Some((key, v))
        })
        .collect())
}

fn field(path: &Path, dict: &mut Vec<(String, Value)>, name: &str) -> Result<Value> {
    let at = dict
        .iter()
        .position(|(k, _)| k == name)
        .ok_or_else(|| Error::file(path, format!("the pickled dict has no '{name}'")))?;
    Ok(dict.swap_remove(at).1)
}

/// A Python string (bytes from Python 2, text from Python 3).
fn text(value: Value) -> Option<String> {
    match value {
        Value::Bytes(b) => String::from_utf8(b).ok(),
        Value::String(s) => Some(s),
        _ => None,
    }
}

fn pickled_names(path: &Path, bytes: &[u8], name: &str) -> Result<Vec<String>> {
    let mut dict = unpickle_dict(path, bytes)?;
    let bad = || Error::file(path, format!("'{name}' is not a list of strings"));
    let Value::List(items) = field(path, &mut dict, name)? else {
        return Err(bad());
    };
    let names = items
        .into_iter()
        .map(|v| text(v).ok_or_else(bad))
        .collect::<Result<Vec<_>>>()?;
    if names.is_empty() {
        return Err(Error::file(path, format!("'{name}' is empty")));
    }
    Ok(names)
}

/// The `data` array and the labels list `labels_name` of a pickled batch.
fn pickled_set(path: &Path, bytes: &[u8], labels_name: &str) -> Result<(Vec<u8>, Vec<usize>)> {
    let mut dict = unpickle_dict(path, bytes)?;
    let planes = u8_rows(path, field(path, &mut dict, "data")?)?;
    let bad = || {
        Error::file(
            path,
            format!("'{labels_name}' is not a list of small non-negative integers"),
        )
    };
    let Value::List(items) = field(path, &mut dict, labels_name)? else {
        return Err(bad());
    };
    let labels = items
        .into_iter()
        .map(|v| match v {
            Value::I64(l) => usize::try_from(l).map_err(|_| bad()),
            _ => Err(bad()),
        })
        .collect::<Result<Vec<_>>>()?;
    if labels.len() * IMAGE_BYTES != planes.len() {
        return Err(Error::file(
            path,
            format!(
                "{} labels for {} images",
                labels.len(),
                planes.len() / IMAGE_BYTES
            ),
        ));
    }
    Ok((planes, labels))
}

/// The raw bytes of a pickled C-order one-byte numpy array of shape (N, 3072): numpy's state
/// tuple `(version, shape, dtype state, fortran, raw)` (see the module doc).
fn u8_rows(path: &Path, value: Value) -> Result<Vec<u8>> {
    let bad = |what: &str| {
        Error::file(
            path,
            format!("'data' is not a uint8 numpy array of shape (N, 3072): {what}"),
        )
    };
    let Value::Tuple(mut state) = value else {
        return Err(bad("not a pickled numpy array"));
    };
    if state.len() != 5 {
        return Err(bad("not a pickled numpy array"));
    }
    let raw = state.pop();
    let fortran = state.pop();
    let dtype = state.pop();
    let shape = state.pop();
    let shape = match shape {
        Some(Value::Tuple(dims)) => dims
            .into_iter()
            .map(|d| match d {
                Value::I64(n) => usize::try_from(n).ok(),
                _ => None,
            })
            .collect::<Option<Vec<usize>>>(),
        _ => None,
    };
    let rows = match shape.as_deref() {
        Some(&[rows, IMAGE_BYTES]) => rows,
        Some(other) => return Err(bad(&format!("shape {other:?}"))),
        None => return Err(bad("no shape")),
    };
    match dtype {
        Some(Value::Tuple(d))
            if matches!(d.get(1), Some(Value::Bytes(b)) if b == b"|")
                || matches!(d.get(1), Some(Value::String(s)) if s == "|") => {}
        _ => return Err(bad("the elements are not single bytes")),
    }
    if !matches!(fortran, Some(Value::Bool(false))) {
        return Err(bad("Fortran order"));
    }
    let raw = match raw {
        Some(Value::Bytes(raw)) => raw,
        _ => return Err(bad("no raw data")),
    };
    if raw.len() != rows * IMAGE_BYTES {
        return Err(bad(&format!("{} bytes of data for {rows} rows", raw.len())));
    }
    Ok(raw)
}

impl Source for Cifar {
    fn len(&self) -> usize {
        self.labels.len()
    }

    fn classes(&self) -> &[String] {
        &self.classes
    }

    fn key(&self, i: usize) -> &str {
        &self.keys[i]
    }

    fn label(&self, i: usize) -> usize {
        self.labels[i]
    }

    fn sample(&self, i: usize) -> Result<Sample> {
        let planes = &self.planes[i * IMAGE_BYTES..(i + 1) * IMAGE_BYTES];
        let (r, rest) = planes.split_at(1024);
        let (g, b) = rest.split_at(1024);
        let data = (0..1024).flat_map(|p| [r[p], g[p], b[p]]).collect();
        Ok(Sample {
            index: i,
            key: self.keys[i].clone(),
            label: self.labels[i],
            image: Image::new(32, 32, 3, data)?,
        })
    }

    fn info(&self) -> SourceInfo {
        SourceInfo {
            kind: self.format.kind().into(),
            samples: self.labels.len(),
            fingerprint: self.fingerprint.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("blight-cifar-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A `.tar.gz` holding `members`.
    fn archive(path: &Path, members: &[(&str, &[u8])]) {
        let gz = flate2::write::GzEncoder::new(
            std::fs::File::create(path).unwrap(),
            flate2::Compression::fast(),
        );
        let mut tar = tar::Builder::new(gz);
        for (name, bytes) in members {
            let mut header = tar::Header::new_gnu();
            header.set_size(bytes.len() as u64);
            header.set_mode(0o644);
            tar.append_data(&mut header, name, *bytes).unwrap();
        }
        tar.into_inner().unwrap().finish().unwrap();
    }

    /// Three images whose planes are distinct ramps: pixel p of plane c of image i is
    /// `(i * 7 + c * 50 + p) % 256`.
    fn planes(count: usize) -> Vec<u8> {
        (0..count * IMAGE_BYTES)
            .map(|at| {
                let (i, c, p) = (at / IMAGE_BYTES, at % IMAGE_BYTES / 1024, at % 1024);
                ((i * 7 + c * 50 + p) % 256) as u8
            })
            .collect()
    }

    fn check_pixels(source: &Cifar) {
        let sample = source.sample(2).unwrap();
        assert_eq!((sample.image.width, sample.image.height), (32, 32));
        assert_eq!(sample.key, "test/2");
        // Pixel (row 1, column 3) = p 35: R, G, B from the three planes.
        let at = (32 + 3) * 3;
        assert_eq!(
            &sample.image.data[at..at + 3],
            [(14 + 35) as u8, (14 + 50 + 35) as u8, (14 + 100 + 35) as u8]
        );
    }

    #[test]
    fn cifar10_binary_records() {
        let dir = scratch("bin10");
        let mut data = Vec::new();
        for (i, image) in planes(3).chunks(IMAGE_BYTES).enumerate() {
            data.push([3, 0, 9][i]);
            data.extend_from_slice(image);
        }
        let names = b"airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n";
        let path = dir.join("cifar-10-binary.tar.gz");
        archive(
            &path,
            &[
                ("cifar-10-batches-bin/batches.meta.txt", names),
                ("cifar-10-batches-bin/data_batch_1.bin", b"ignored"),
                ("cifar-10-batches-bin/test_batch.bin", &data),
            ],
        );
        let source = Cifar::open(&path).unwrap();
        assert_eq!(source.format(), Format::Cifar10Binary);
        assert_eq!(source.len(), 3);
        assert_eq!(source.classes().len(), 10);
        assert_eq!(source.classes()[9], "truck");
        assert_eq!(
            (0..3).map(|i| source.label(i)).collect::<Vec<_>>(),
            [3, 0, 9]
        );
        assert_eq!(source.key(1), "test/1");
        check_pixels(&source);
        assert_eq!(source.info().kind, "cifar-10-binary");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cifar100_binary_uses_the_fine_label() {
        let dir = scratch("bin100");
        let mut data = Vec::new();
        for (i, image) in planes(3).chunks(IMAGE_BYTES).enumerate() {
            data.extend_from_slice(&[19, [49, 33, 72][i]]);
            data.extend_from_slice(image);
        }
        let names: String = (0..100).map(|i| format!("class{i}\n")).collect();
        let path = dir.join("cifar-100-binary.tar.gz");
        archive(
            &path,
            &[
                ("cifar-100-binary/test.bin", &data),
                ("cifar-100-binary/fine_label_names.txt", names.as_bytes()),
            ],
        );
        let source = Cifar::open(&path).unwrap();
        assert_eq!(source.format(), Format::Cifar100Binary);
        assert_eq!(
            (0..3).map(|i| source.label(i)).collect::<Vec<_>>(),
            [49, 33, 72]
        );
        assert_eq!(source.classes()[72], "class72");
        check_pixels(&source);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    /// What Python 2's `cPickle.dump(d, f, 2)` writes for a dict of byte-string keys: a numpy
    /// uint8 array under `data` and small-integer lists under the others (the CIFAR batches'
    /// shape; the released files also hold `batch_label` and `filenames`, which are left out).
    fn py2_pickle(data: &[u8], rows: usize, lists: &[(&str, &[u8])]) -> Vec<u8> {
        let mut p = b"\x80\x02}q\x01(".to_vec();
        let short = |p: &mut Vec<u8>, s: &[u8]| {
            p.push(b'U');
            p.push(s.len() as u8);
            p.extend_from_slice(s);
        };
        short(&mut p, b"data");
        p.extend_from_slice(
            b"q\x02cnumpy.core.multiarray\n_reconstruct\nq\x03cnumpy\nndarray\nq\x04K\x00\x85U\x01b\x87Rq\x05(K\x01",
        );
        p.push(b'M');
        p.extend_from_slice(&(rows as u16).to_le_bytes());
        p.extend_from_slice(b"M\x00\x0c\x86cnumpy\ndtype\nq\x06U\x02u1K\x00K\x01\x87Rq\x07(K\x03U\x01|NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00tb\x89T");
        p.extend_from_slice(&(data.len() as u32).to_le_bytes());
        p.extend_from_slice(data);
        p.extend_from_slice(b"q\x08tb");
        for (memo, (name, items)) in (9u8..).step_by(2).zip(lists) {
            short(&mut p, name.as_bytes());
            p.extend_from_slice(&[b'q', memo, b']', b'q', memo + 1, b'(']);
            for &v in *items {
                p.extend_from_slice(&[b'K', v]);
            }
            p.push(b'e');
        }
        p.extend_from_slice(b"u.");
        p
    }

    /// What Python 2's `cPickle.dump(d, f, 2)` writes for `{name: [names...]}`.
    fn py2_names(name: &str, names: &[String]) -> Vec<u8> {
        let mut p = b"\x80\x02}q\x01(U".to_vec();
        p.push(name.len() as u8);
        p.extend_from_slice(name.as_bytes());
        p.extend_from_slice(b"q\x02]q\x03(");
        for (memo, n) in (4u8..).zip(names) {
            p.push(b'U');
            p.push(n.len() as u8);
            p.extend_from_slice(n.as_bytes());
            p.extend_from_slice(&[b'q', memo]);
        }
        p.extend_from_slice(b"eu.");
        p
    }

    #[test]
    fn cifar10_python_pickle() {
        let dir = scratch("py10");
        let names: Vec<String> = (0..10).map(|i| format!("name{i}")).collect();
        let path = dir.join("cifar-10-python.tar.gz");
        archive(
            &path,
            &[
                (
                    "cifar-10-batches-py/test_batch",
                    &py2_pickle(&planes(3), 3, &[("labels", &[4, 8, 1])]),
                ),
                (
                    "cifar-10-batches-py/batches.meta",
                    &py2_names("label_names", &names),
                ),
            ],
        );
        let source = Cifar::open(&path).unwrap();
        assert_eq!(source.format(), Format::Cifar10Python);
        assert_eq!(source.classes(), names.as_slice());
        assert_eq!(
            (0..3).map(|i| source.label(i)).collect::<Vec<_>>(),
            [4, 8, 1]
        );
        check_pixels(&source);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn cifar100_python_pickle_uses_fine_labels() {
        let dir = scratch("py100");
        let names: Vec<String> = (0..100).map(|i| format!("fine{i}")).collect();
        let path = dir.join("cifar-100-python.tar.gz");
        archive(
            &path,
            &[
                (
                    "cifar-100-python/test",
                    &py2_pickle(
                        &planes(3),
                        3,
                        &[("coarse_labels", &[1, 2, 3]), ("fine_labels", &[99, 0, 50])],
                    ),
                ),
                (
                    "cifar-100-python/meta",
                    &py2_names("fine_label_names", &names),
                ),
            ],
        );
        let source = Cifar::open(&path).unwrap();
        assert_eq!(source.format(), Format::Cifar100Python);
        assert_eq!(
            (0..3).map(|i| source.label(i)).collect::<Vec<_>>(),
            [99, 0, 50]
        );
        assert_eq!(source.classes()[50], "fine50");
        check_pixels(&source);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_python3_protocol4_pickle_reads_the_same() {
        // Python 3's pickle.dumps({b'data': uint8 array [[1,2,3],[4,5,6]], b'labels': [7, 9]},
        // protocol=4): FRAME, MEMOIZE, SHORT_BINBYTES, SHORT_BINUNICODE, STACK_GLOBAL, BINGET.
        let p = b"\x80\x04\x95\xac\x00\x00\x00\x00\x00\x00\x00}\x94(C\x04data\x94\x8c\x15numpy.core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00\x85\x94C\x01b\x94\x87\x94R\x94(K\x01K\x02K\x03\x86\x94h\x05\x8c\x05dtype\x94\x93\x94\x8c\x02u1\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01|\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK\x00t\x94b\x89C\x06\x01\x02\x03\x04\x05\x06\x94t\x94bC\x06labels\x94]\x94(K\x07K\teu.";
        let mut dict = unpickle_dict(Path::new("p4"), p).unwrap();
        let state = field(Path::new("p4"), &mut dict, "data").unwrap();
        // The shape is (2, 3), not (N, 3072): the array is read, then refused by its shape.
        let message = u8_rows(Path::new("p4"), state).unwrap_err().to_string();
        assert!(message.contains("shape [2, 3]"), "{message}");
        assert_eq!(
            field(Path::new("p4"), &mut dict, "labels").unwrap(),
            Value::List(vec![Value::I64(7), Value::I64(9)])
        );
    }

    #[test]
    fn wrong_archives_truncated_records_and_missing_members_are_named() {
        let dir = scratch("errors");
        let other = dir.join("other.tar.gz");
        archive(&other, &[("readme.txt", b"hello")]);
        let message = Cifar::open(&other).unwrap_err().to_string();
        assert!(
            message.contains("other.tar.gz: not a CIFAR test archive"),
            "{message}"
        );

        let plain = dir.join("plain.tar.gz");
        std::fs::write(&plain, b"not gzip at all").unwrap();
        let message = Cifar::open(&plain).unwrap_err().to_string();
        assert!(
            message.contains("plain.tar.gz: not a gzip-compressed tar"),
            "{message}"
        );

        let cut = dir.join("cut.tar.gz");
        let data = vec![0u8; 3073 * 2 - 5];
        archive(
            &cut,
            &[
                ("cifar-10-batches-bin/test_batch.bin", &data),
                ("cifar-10-batches-bin/batches.meta.txt", b"a\nb\n"),
            ],
        );
        let message = Cifar::open(&cut).unwrap_err().to_string();
        let member = cut.join("cifar-10-batches-bin/test_batch.bin");
        assert!(
            message.starts_with(&format!("{}: truncated record", member.display())),
            "{message}"
        );

        let no_meta = dir.join("nometa.tar.gz");
        archive(
            &no_meta,
            &[("cifar-10-batches-bin/test_batch.bin", &[0u8; 3073])],
        );
        let message = Cifar::open(&no_meta).unwrap_err().to_string();
        assert!(
            message.contains("missing member cifar-10-batches-bin/batches.meta.txt"),
            "{message}"
        );

        let bad_label = dir.join("badlabel.tar.gz");
        let mut data = vec![0u8; 3073];
        data[0] = 2;
        archive(
            &bad_label,
            &[
                ("cifar-10-batches-bin/test_batch.bin", &data),
                ("cifar-10-batches-bin/batches.meta.txt", b"a\nb\n"),
            ],
        );
        let message = Cifar::open(&bad_label).unwrap_err().to_string();
        assert!(message.contains("image 0 has label 2"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
