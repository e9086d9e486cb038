//! CIFAR-10-P's layout (spec §6.6): one `<perturbation>.npy` per perturbation, uint8 of shape
//! (N, T, 32, 32, 3), sample-major in the test set's order, T the perturbation's frame count
//! (31; motion_blur 21, translate 16). Noise difficulties 2 and 3 go to `<perturbation>_2.npy`
//! and `<perturbation>_3.npy`, as ImageNet-P's videos go to `<perturbation>_2/`. No labels file:
//! `make_cifar_p.py` saves none, and the metrics need none.
//!
//! An output is one whole sequence, its frames stacked top to bottom into one image of T·32 rows
//! (the bytes of a (T, 32, 32, 3) block). Each file is staged at its full size and every sequence
//! written at its own offset, so memory holds one flag per sequence, never a file; the file is
//! renamed into place, and reported, when its last sequence is in. A file needs every sample, so
//! the driver shards this layout by perturbation, and a run that skipped an input fails at the
//! end instead of leaving a hole.

use super::cifar_npy::{complete, Staged};
use super::journal::Target;
use super::manifest::FileRecord;
use super::npy::{self, Dtype};
use super::{OutputId, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use std::collections::HashMap;
use std::fs::File;
use std::io::{Seek, SeekFrom, Write};
use std::sync::Mutex;

/// A perturbation recipe's `[output]` section: how its sequences are stored.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "layout", rename_all = "kebab-case", deny_unknown_fields)]
pub enum SequenceLayout {
    /// `<perturbation>.npy` stacks of (N, T, side, side, 3) ([`SequenceNpySink`]).
    SequenceNpy {
        /// The side of every (square) frame.
        side: usize,
    },
    /// WebDataset tar shards of `shard_size` sequences, frames as PNG
    /// ([`super::sequence_tar::SequenceTarSink`]).
    SequenceTar { shard_size: usize },
}

impl SequenceLayout {
    /// The layout in words, for the manifest.
    pub fn describe(&self) -> String {
        match self {
            SequenceLayout::SequenceNpy { side } => format!(
                "<perturbation>.npy (<perturbation>_<difficulty>.npy above difficulty 1) uint8 \
                 (N, frames, {side}, {side}, 3)"
            ),
            SequenceLayout::SequenceTar { shard_size } => format!(
                "WebDataset shards shard-NNNNNN.tar of {shard_size} sequences (<perturbation>[_\
                 <difficulty>]/<key>.cls, .frame-NN.png per frame, .json)"
            ),
        }
    }
}

/// The file of `perturbation` at `difficulty`, without its extension.
pub fn stem(perturbation: &str, difficulty: u32) -> String {
    match difficulty {
        1 => perturbation.to_string(),
        d => format!("{perturbation}_{d}"),
    }
}

/// A file being filled.
/// Writes `<perturbation>.npy` sequence stacks.
pub struct SequenceNpySink {
    samples: usize,
    side: usize,
    /// Frames per sequence of each perturbation.
    frames: HashMap<String, usize>,
    open: Mutex<HashMap<String, Staged>>,
}

impl SequenceNpySink {
    /// The sink for `samples` sequences of each perturbation in `frames` (name, frame count), of
    /// `side`×`side` RGB frames.
    pub fn new(samples: usize, side: usize, frames: &[(String, usize)]) -> Result<Self> {
        if samples == 0 {
            return Err(Error::Invalid(
                "the sequence-npy layout needs at least one sample".into(),
            ));
        }
        Ok(SequenceNpySink {
            samples,
            side,
            frames: frames.iter().cloned().collect(),
            open: Mutex::new(HashMap::new()),
        })
    }

    /// The bytes of one sequence of `perturbation`.
    fn sequence_bytes(&self, perturbation: &str) -> Option<usize> {
        self.frames
            .get(perturbation)
            .map(|t| t * self.side * self.side * 3)
    }

    fn head(&self, frames: usize) -> Vec<u8> {
        npy::preamble(Dtype::U8, &[self.samples, frames, self.side, self.side, 3])
    }

    /// Opens the staging file `rel`, preallocated, with the `.npy` header in place.
    fn stage(&self, target: &Target, rel: &str, frames: usize) -> Result<Staged> {
        let staging = &target.staging;
        std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
        let tmp = staging.join(rel);
        let mut file = File::options()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .open(&tmp)
            .map_err(|e| Error::io(&tmp, e))?;
        let head = self.head(frames);
        let size = (head.len() + self.samples * frames * self.side * self.side * 3) as u64;
        file.set_len(size)
            .and_then(|()| file.write_all(&head))
            .map_err(|e| Error::io(&tmp, e))?;
        Ok(Staged {
            file,
            tmp,
            written: vec![false; self.samples],
            count: 0,
        })
    }
}

impl Sink for SequenceNpySink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        format!("{}.npy", stem(id.corruption, id.severity))
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        let expected = self.sequence_bytes(id.corruption);
        if image.width != self.side || image.channels != 3 || Some(image.data.len()) != expected {
            return Err(Error::Invalid(format!(
                "{}: the sequence-npy layout stores {}×{} RGB frames, {} to a sequence; this \
                 sequence is {}×{}×{}",
                self.file_of(id),
                self.side,
                self.side,
                self.frames.get(id.corruption).copied().unwrap_or(0),
                image.width,
                image.height,
                image.channels
            )));
        }
        Ok(image.data.clone())
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        let rel = self.file_of(id);
        let (Some(size), Some(&frames), true) = (
            self.sequence_bytes(id.corruption),
            self.frames.get(id.corruption),
            id.index < self.samples,
        ) else {
            return Err(Error::Invalid(format!(
                "{rel}: sequence of sample {} is not part of this run",
                id.index
            )));
        };
        if bytes.len() != size {
            return Err(Error::Invalid(format!(
                "{rel}: sequence of sample {} holds {} bytes, not {size}",
                id.index,
                bytes.len()
            )));
        }
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if !open.contains_key(&rel) {
            let staged = self.stage(target, &rel, frames)?;
            open.insert(rel.clone(), staged);
        }
        let head = self.head(frames).len();
        let staged = open
            .get_mut(&rel)
            .ok_or_else(|| Error::Invalid(format!("{rel}: not staged")))?;
        if std::mem::replace(&mut staged.written[id.index], true) {
            return Err(Error::Invalid(format!(
                "{rel}: the sequence of sample {} was written twice",
                id.index
            )));
        }
        let offset = (head + id.index * size) as u64;
        staged
            .file
            .seek(SeekFrom::Start(offset))
            .and_then(|_| staged.file.write_all(&bytes))
            .map_err(|e| Error::io(&staged.tmp, e))?;
        staged.count += 1;
        if staged.count < self.samples {
            return Ok(Vec::new());
        }
        match open.remove(&rel) {
            Some(staged) => Ok(vec![complete(staged, target, &rel)?]),
            None => Ok(Vec::new()),
        }
    }

    fn finish(&self, _target: &Target) -> Result<Vec<FileRecord>> {
        let open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut unfinished: Vec<String> = open
            .iter()
            .map(|(rel, staged)| format!("{rel} ({} of {})", staged.count, self.samples))
            .collect();
        if unfinished.is_empty() {
            return Ok(Vec::new());
        }
        unfinished.sort();
        Err(Error::Invalid(format!(
            "the sequence-npy layout needs every sample, but {} missed sequences (an input was \
             skipped, see errors.json); the files were not written",
            unfinished.join(", ")
        )))
    }
}
