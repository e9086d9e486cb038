//! The CIFAR-10-C / CIFAR-100-C layout (spec §4.2): one `<corruption>.npy`, uint8 of shape
//! (N·S, 32, 32, 3) holding the N severity-1 images, then severity 2, … (S = the severities run,
//! in increasing order), and `labels.npy`, uint8 of shape (N·S,): the labels repeated once per
//! severity, as `make_cifar_c.py` saves them.
//!
//! Outputs arrive sample-major (sample 0 with every config, then sample 1, …) while the file is
//! severity-major, so each corruption gets a staging file preallocated to its full size; every
//! output is written at its own offset, and the file is renamed into place, and reported, when
//! its last output is in. Memory holds one flag per output and one label per sample, never a
//! whole file. A corruption's file needs every sample, so the layout refuses a run split into
//! shards, and a run that skipped an input fails at the end instead of leaving a hole.

use super::journal::{self, Target};
use super::manifest::{to_hex, FileRecord};
use super::npy::{self, Dtype};
use super::{OutputId, Plan, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// The CIFAR image shape.
const SHAPE: [usize; 3] = [32, 32, 3];
const IMAGE_BYTES: usize = 32 * 32 * 3;
/// The labels file.
pub const LABELS: &str = "labels.npy";

/// A corruption's `.npy` being filled.
pub(super) struct Staged {
    pub(super) file: File,
    pub(super) tmp: PathBuf,
    /// Which outputs (severity position × N + sample) are in.
    pub(super) written: Vec<bool>,
    pub(super) count: usize,
}

#[derive(Default)]
struct State {
    open: HashMap<String, Staged>,
    /// Each sample's label, as its outputs arrive.
    labels: Vec<Option<u8>>,
    /// Whether this run has written `labels.npy`.
    labels_written: bool,
}

/// Writes `<corruption>.npy` stacks and `labels.npy`.
pub struct CifarNpySink {
    samples: usize,
    /// Each corruption's severities, increasing: an output's block in the file.
    severities: HashMap<String, Vec<u32>>,
    /// The severities of the run (the same for every corruption in a run from one recipe).
    label_copies: usize,
    /// The `.npy` preamble of every corruption file.
    head: Vec<u8>,
    state: Mutex<State>,
}

impl CifarNpySink {
    /// The sink for `plan`, which must cover all its samples in one shard.
    pub fn new(plan: &Plan) -> Result<Self> {
        if plan.samples == 0 || plan.configs.is_empty() {
            return Err(Error::Invalid(
                "the cifar-npy layout needs at least one sample and one corruption".into(),
            ));
        }
        if plan.range != (0..plan.samples) {
            return Err(Error::Invalid(format!(
                "the cifar-npy layout writes each <corruption>.npy whole, from every sample, so \
                 it cannot be split into shards (this shard has samples {}..{} of {}); run it \
                 as one shard",
                plan.range.start, plan.range.end, plan.samples
            )));
        }
        let mut severities: HashMap<String, Vec<u32>> = HashMap::new();
        for (corruption, severity) in &plan.configs {
            severities
                .entry(corruption.clone())
                .or_default()
                .push(*severity);
        }
        for list in severities.values_mut() {
            list.sort_unstable();
            list.dedup();
        }
        let label_copies = severities.values().map(Vec::len).max().unwrap_or(0);
        if severities.values().any(|s| s.len() != label_copies) {
            return Err(Error::Invalid(
                "the cifar-npy layout needs the same severities for every corruption (labels.npy \
                 is shared)"
                    .into(),
            ));
        }
        let rows = plan.samples * label_copies;
        Ok(CifarNpySink {
            samples: plan.samples,
            severities,
            label_copies,
            head: npy::preamble(Dtype::U8, &[rows, SHAPE[0], SHAPE[1], SHAPE[2]]),
            state: Mutex::new(State {
                labels: vec![None; plan.samples],
                ..State::default()
            }),
        })
    }

    /// Rows in each file: N samples × the severities.
    fn rows(&self) -> usize {
        self.samples * self.label_copies
    }

    /// Opens the staging file of `corruption`, preallocated, with the `.npy` header in place.
    fn stage(&self, target: &Target, corruption: &str) -> Result<Staged> {
        let staging = &target.staging;
        std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
        let tmp = staging.join(format!("{corruption}.npy"));
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        let size = (self.head.len() + self.rows() * IMAGE_BYTES) as u64;
        file.set_len(size)
            .and_then(|()| file.write_all(&self.head))
            .map_err(|e| Error::io(&tmp, e))?;
        Ok(Staged {
            file,
            tmp,
            written: vec![false; self.rows()],
            count: 0,
        })
    }

    /// `labels.npy` from the labels gathered, every sample's known.
    fn write_labels(&self, target: &Target, labels: &[Option<u8>]) -> Result<FileRecord> {
        let one: Vec<u8> = labels.iter().map(|l| l.unwrap_or_default()).collect();
        let mut bytes = npy::preamble(Dtype::U8, &[self.rows()]);
        for _ in 0..self.label_copies {
            bytes.extend_from_slice(&one);
        }
        journal::write_file(target, LABELS, &bytes)
    }
}

/// Syncs a complete staging file, hashes it back from disk and renames it into place.
pub(super) fn complete(staged: Staged, target: &Target, rel: &str) -> Result<FileRecord> {
    let Staged { mut file, tmp, .. } = staged;
    let io = |e| Error::io(&tmp, e);
    file.sync_all().map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let mut hash = Sha256::new();
    let mut bytes = 0u64;
    let mut buf = vec![0; 1 << 16];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hash.update(&buf[..n]);
        bytes += n as u64;
    }
    drop(file);
    let path = target.root.join(rel);
    std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
    Ok(FileRecord {
        path: rel.to_string(),
        bytes,
        sha256: to_hex(&hash.finalize()),
    })
}

impl Sink for CifarNpySink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        format!("{}.npy", id.corruption)
    }

    /// The corruption's stack and `labels.npy`, which every output's label goes into: a damaged
    /// labels file is made again on resume.
    fn files_of(&self, id: &OutputId<'_>) -> Vec<String> {
        vec![self.file_of(id), LABELS.to_string()]
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        if [image.height, image.width, image.channels] != SHAPE {
            return Err(Error::Invalid(format!(
                "{}: the CIFAR-C layout stores 32×32 RGB images, not {}×{}×{}",
                self.file_of(id),
                image.width,
                image.height,
                image.channels
            )));
        }
        Ok(image.data.clone())
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        let rel = self.file_of(id);
        let position = self
            .severities
            .get(id.corruption)
            .and_then(|s| s.iter().position(|&s| s == id.severity));
        let (Some(position), true, true) = (
            position,
            id.index < self.samples,
            bytes.len() == IMAGE_BYTES,
        ) else {
            return Err(Error::Invalid(format!(
                "{rel}: output of sample {} at {} severity {} is not part of this run's plan",
                id.index, id.corruption, id.severity
            )));
        };
        let label = u8::try_from(id.label).map_err(|_| {
            Error::Invalid(format!(
                "{LABELS}: label {} of {} does not fit uint8",
                id.label, id.key
            ))
        })?;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.labels[id.index] = Some(label);
        if !state.open.contains_key(id.corruption) {
            let staged = self.stage(target, id.corruption)?;
            state.open.insert(id.corruption.to_string(), staged);
        }
        let rows = self.rows();
        let row = position * self.samples + id.index;
        let staged = state
            .open
            .get_mut(id.corruption)
            .ok_or_else(|| Error::Invalid(format!("{rel}: not staged")))?;
        if std::mem::replace(&mut staged.written[row], true) {
            return Err(Error::Invalid(format!(
                "{rel}: sample {} severity {} was written twice",
                id.index, id.severity
            )));
        }
        let offset = (self.head.len() + row * IMAGE_BYTES) as u64;
        staged
            .file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| staged.file.write_all(&bytes))
            .map_err(|e| Error::io(&staged.tmp, e))?;
        staged.count += 1;
        if staged.count < rows {
            return Ok(Vec::new());
        }
        // The corruption is complete, so every sample's label is known: labels.npy first, so a
        // journaled corruption file always has its labels journaled too.
        let mut records = Vec::new();
        if !state.labels_written {
            records.push(self.write_labels(target, &state.labels)?);
            state.labels_written = true;
        }
        if let Some(staged) = state.open.remove(id.corruption) {
            records.push(complete(staged, target, &rel)?);
        }
        Ok(records)
    }

    fn finish(&self, _target: &Target) -> Result<Vec<FileRecord>> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let mut unfinished: Vec<String> = state
            .open
            .iter()
            .map(|(corruption, staged)| {
                format!("{corruption}.npy ({} of {})", staged.count, self.rows())
            })
            .collect();
        if unfinished.is_empty() {
            return Ok(Vec::new());
        }
        unfinished.sort();
        Err(Error::Invalid(format!(
            "the cifar-npy layout needs every sample, but {} missed outputs (an input was \
             skipped, see errors.json); the files were not written",
            unfinished.join(", ")
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sink::journal::Shard;

    fn scratch(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("blight-cifar-npy-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    fn plan(samples: usize, corruptions: &[&str], severities: &[u32]) -> Plan {
        Plan {
            samples,
            range: 0..samples,
            configs: corruptions
                .iter()
                .flat_map(|c| severities.iter().map(move |&s| (c.to_string(), s)))
                .collect(),
        }
    }

    /// Image of sample i at severity s: every byte i * 10 + s.
    fn image(i: usize, s: u32) -> Image {
        Image::new(32, 32, 3, vec![(i * 10) as u8 + s as u8; IMAGE_BYTES]).unwrap()
    }

    /// Pushes every output sample-major, as the driver does; returns every record.
    fn run(
        sink: &CifarNpySink,
        target: &Target,
        plan: &Plan,
        skip: Option<usize>,
    ) -> Vec<FileRecord> {
        let mut records = Vec::new();
        for i in (0..plan.samples).filter(|&i| Some(i) != skip) {
            for (corruption, severity) in &plan.configs {
                let id = OutputId {
                    key: "test/i",
                    index: i,
                    label: 7 - i,
                    class: "c",
                    corruption,
                    severity: *severity,
                };
                let bytes = sink.encode(&id, &image(i, *severity)).unwrap();
                records.extend(sink.write(target, &id, bytes).unwrap());
            }
        }
        records
    }

    #[test]
    fn stacks_are_severity_major_with_labels_repeated() {
        let root = scratch("stack");
        let target = Target::new(&root, Shard::WHOLE);
        let plan = plan(3, &["fog", "snow"], &[2, 3, 5]);
        let sink = CifarNpySink::new(&plan).unwrap();
        let records = run(&sink, &target, &plan, None);
        assert!(sink.finish(&target).unwrap().is_empty());
        let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
        assert_eq!(paths, ["labels.npy", "fog.npy", "snow.npy"]);
        let fog = std::fs::read(root.join("fog.npy")).unwrap();
        let head = npy::preamble(Dtype::U8, &[9, 32, 32, 3]);
        assert_eq!(&fog[..head.len()], head.as_slice());
        let rows: Vec<u8> = fog[head.len()..]
            .chunks(IMAGE_BYTES)
            .map(|r| r[0])
            .collect();
        // Severity 2 for samples 0, 1, 2, then severity 3, then 5.
        assert_eq!(rows, [2, 12, 22, 3, 13, 23, 5, 15, 25]);
        assert_eq!(records[1].sha256, crate::sink::manifest::sha256_hex(&fog));
        assert_eq!(records[1].bytes, fog.len() as u64);
        let labels = std::fs::read(root.join("labels.npy")).unwrap();
        let head = npy::preamble(Dtype::U8, &[9]);
        assert_eq!(&labels[head.len()..], [7, 6, 5, 7, 6, 5, 7, 6, 5]);
        assert_eq!(
            sink.file_of(&OutputId {
                key: "test/0",
                index: 0,
                label: 0,
                class: "",
                corruption: "fog",
                severity: 1,
            }),
            "fog.npy"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_skipped_input_fails_the_files_and_shards_are_refused() {
        let root = scratch("skip");
        let target = Target::new(&root, Shard::WHOLE);
        let plan = plan(3, &["fog"], &[1, 2]);
        let sink = CifarNpySink::new(&plan).unwrap();
        assert!(run(&sink, &target, &plan, Some(1)).is_empty());
        let message = sink.finish(&target).unwrap_err().to_string();
        assert!(message.contains("fog.npy (4 of 6)"), "{message}");
        assert!(!root.join("fog.npy").exists());

        let sharded = Plan {
            range: 0..2,
            ..plan.clone()
        };
        let message = CifarNpySink::new(&sharded).err().unwrap().to_string();
        assert!(message.contains("cannot be split into shards"), "{message}");
        let wrong = Image::zeros(28, 28, 3);
        let id = OutputId {
            key: "test/0",
            index: 0,
            label: 0,
            class: "",
            corruption: "fog",
            severity: 1,
        };
        let message = sink.encode(&id, &wrong).unwrap_err().to_string();
        assert!(
            message.contains("fog.npy: the CIFAR-C layout stores 32×32"),
            "{message}"
        );
        let message = sink
            .write(
                &target,
                &OutputId { severity: 4, ..id },
                vec![0; IMAGE_BYTES],
            )
            .unwrap_err()
            .to_string();
        assert!(message.contains("not part of this run's plan"), "{message}");
        // Windows removes no file a writer still holds open.
        drop(sink);
        std::fs::remove_dir_all(&root).unwrap();
    }
}
