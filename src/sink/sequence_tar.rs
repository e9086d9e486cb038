//! ImageNet-P and Tiny-ImageNet-P, stored losslessly: WebDataset-style tar shards
//! (`shard-000000.tar`, …) with one sample per sequence. A sequence's members share the key
//! `<perturbation>/<class>/<name>` (`<perturbation>_2/…` and `<perturbation>_3/…` for the
//! noises' difficulties 2 and 3, the folders of the released videos), the sample key losing its
//! extension and every other `.` becoming `_`:
//!
//! * `<key>.cls`: the label in decimal;
//! * `<key>.frame-00.png` … one PNG per frame, in order (two digits, three above 100 frames);
//! * `<key>.json`: `{"perturbation","difficulty","key","label","class","frames"}`.
//!
//! Which sequences share a tar shard, the member order and the ustar headers are those of
//! [`WebDatasetSink`], which this sink writes through: the bytes depend on the run's plan only,
//! never on threads, driver shards or resumes.

use super::journal::Target;
use super::manifest::FileRecord;
use super::sequence_npy::stem;
use super::webdataset::{deterministic_header, WebDatasetSink};
use super::{tree::ImageFormat, OutputId, Plan, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use std::collections::HashMap;

/// The metadata member of a sequence.
#[derive(serde::Serialize)]
struct Meta<'a> {
    perturbation: &'a str,
    difficulty: u32,
    key: &'a str,
    label: usize,
    class: &'a str,
    frames: usize,
}

/// The member key of the sequence of `perturbation` at `difficulty` on sample `sample_key`.
pub fn sequence_key(perturbation: &str, difficulty: u32, sample_key: &str) -> String {
    let base = match sample_key.rsplit_once('.') {
        Some((base, ext)) if !ext.contains('/') => base,
        _ => sample_key,
    };
    let folder = stem(perturbation, difficulty);
    std::iter::once(folder.as_str())
        .chain(base.split(['/', '\\']))
        .filter(|p| !p.is_empty())
        .map(|p| p.replace('.', "_"))
        .collect::<Vec<_>>()
        .join("/")
}

/// Writes sequences into WebDataset tar shards of `shard_size` sequences.
pub struct SequenceTarSink {
    shards: WebDatasetSink,
    /// Frames per sequence of each perturbation.
    frames: HashMap<String, usize>,
}

impl SequenceTarSink {
    /// The sink for `plan` (a config per perturbation and difficulty), with `frames`
    /// (perturbation, frame count).
    pub fn new(shard_size: usize, plan: &Plan, frames: &[(String, usize)]) -> Result<Self> {
        Ok(SequenceTarSink {
            shards: WebDatasetSink::new(ImageFormat::Png, shard_size, plan)?,
            frames: frames.iter().cloned().collect(),
        })
    }
}

impl Sink for SequenceTarSink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        self.shards.file_of(id)
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        let key = sequence_key(id.corruption, id.severity, id.key);
        let frames = self.frames.get(id.corruption).copied().unwrap_or(0);
        if frames == 0 || !image.height.is_multiple_of(frames) {
            return Err(Error::Invalid(format!(
                "{key}: a sequence of {} rows is not {frames} frames of equal height",
                image.height
            )));
        }
        let height = image.height / frames;
        let frame_bytes = height * image.width * image.channels;
        let digits = if frames > 100 { 3 } else { 2 };
        let mut members = vec![("cls".to_string(), id.label.to_string().into_bytes())];
        for (n, data) in image.data.chunks_exact(frame_bytes).enumerate() {
            let frame = Image::new(image.width, height, image.channels, data.to_vec())?;
            members.push((
                format!("frame-{n:0digits$}.png"),
                crate::io::encode_png(&frame)?,
            ));
        }
        let meta = serde_json::to_vec(&Meta {
            perturbation: id.corruption,
            difficulty: id.severity,
            key: id.key,
            label: id.label,
            class: id.class,
            frames,
        })
        .map_err(|e| Error::Invalid(format!("{key}.json: {e}")))?;
        members.push(("json".to_string(), meta));
        let mut tar = tar::Builder::new(Vec::new());
        for (ext, bytes) in &members {
            let name = format!("{key}.{ext}");
            let mut header = deterministic_header(bytes.len() as u64);
            tar.append_data(&mut header, &name, bytes.as_slice())
                .map_err(|e| Error::Invalid(format!("{name}: cannot make a tar member: {e}")))?;
        }
        // The group without the archive's end, which only the shard's close writes.
        let length = tar.get_ref().len();
        let mut group = tar
            .into_inner()
            .map_err(|e| Error::Invalid(format!("{key}: cannot make a tar member: {e}")))?;
        group.truncate(length);
        Ok(group)
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        self.shards.write(target, id, bytes)
    }

    fn finish(&self, target: &Target) -> Result<Vec<FileRecord>> {
        self.shards.finish(target)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_name_the_difficulty_folder_and_drop_the_extension() {
        assert_eq!(
            sequence_key("rotate", 1, "n01440764/ILSVRC2012_val_00000293.JPEG"),
            "rotate/n01440764/ILSVRC2012_val_00000293"
        );
        assert_eq!(
            sequence_key("shot_noise", 3, "n01/a.b.png"),
            "shot_noise_3/n01/a_b"
        );
    }
}
