//! WebDataset tar shards (`shard-000000.tar`, …), the layout the `webdataset` and `wids` loaders
//! stream: each output is a group of adjacent members sharing one key,
//! `<corruption>/<severity>/<sample key without extension>`, namely `<key>.cls` (the label in
//! decimal), the image (`<key>.jpg` or `<key>.png`) and `<key>.json`
//! (`{"corruption","severity","key","label","class"}`), in that sorted order.
//!
//! Shards hold a fixed number of outputs and are numbered by the output's global position
//! ([`global_position`]: sample index × configs per sample + config index), so which outputs share
//! a shard depends on the run's plan only, never on how the driver splits or resumes the work.
//! The driver must guarantee that (1) outputs are written in increasing global position (its
//! canonical order; skipped samples leave gaps), and (2) each driver shard's sample range starts
//! and ends on a tar-shard boundary ([`boundary_samples`]) unless it ends the run, so no tar shard
//! is written by two driver shards. [`WebDatasetSink::new`] refuses a plan that breaks (2).
//!
//! The tar bytes are reproducible: members in fixed order, ustar headers with mtime 0, uid and
//! gid 0, mode 0644 and empty user and group names; each output's member group is built on the
//! worker that encodes it, and the writer only appends groups and closes shards.

use super::journal::Target;
use super::manifest::{to_hex, FileRecord};
use super::tree::{ImageFormat, TreeSink};
use super::{OutputId, Plan, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::sync::Mutex;

/// The position of an output in the whole run's canonical order.
pub fn global_position(sample: usize, config: usize, configs_per_sample: usize) -> usize {
    sample * configs_per_sample + config
}

/// The smallest number of samples whose outputs fill whole tar shards: driver shard boundaries
/// must fall on multiples of it.
pub fn boundary_samples(configs_per_sample: usize, shard_size: usize) -> usize {
    let (mut a, mut b) = (configs_per_sample, shard_size);
    while b != 0 {
        (a, b) = (b, a % b);
    }
    shard_size / a.max(1)
}

/// The file name of tar shard `n`.
pub fn shard_name(n: usize) -> String {
    format!("shard-{n:06}.tar")
}

/// The group key of an output, made safe for tar and for WebDataset's key splitting (which cuts
/// a member name at the first dot of its last part): the sample key loses its extension, and
/// every remaining `.` becomes `_` (so no part is `.` or `..` and the last part has no dot).
pub fn group_key(corruption: &str, severity: u32, sample_key: &str) -> String {
    let stem = match sample_key.rsplit_once('.') {
        Some((stem, ext)) if !ext.contains('/') => stem,
        _ => sample_key,
    };
    let parts: Vec<String> = [corruption, &severity.to_string(), stem]
        .iter()
        .flat_map(|p| p.split(['/', '\\']))
        .filter(|p| !p.is_empty())
        .map(|p| p.replace('.', "_"))
        .collect();
    parts.join("/")
}

/// A ustar header as every member gets it: regular file, mode 0644, owner 0:0 without names,
/// mtime 0.
pub fn deterministic_header(size: u64) -> tar::Header {
    let mut header = tar::Header::new_ustar();
    header.set_entry_type(tar::EntryType::Regular);
    header.set_size(size);
    header.set_mode(0o644);
    header.set_uid(0);
    header.set_gid(0);
    header.set_mtime(0);
    header
}

/// The metadata member.
#[derive(serde::Serialize)]
struct Meta<'a> {
    corruption: &'a str,
    severity: u32,
    key: &'a str,
    label: usize,
    class: &'a str,
}

/// The tar shard being written.
struct Open {
    index: usize,
    file: BufWriter<File>,
    tmp: PathBuf,
    hash: Sha256,
    bytes: u64,
}

#[derive(Default)]
struct State {
    open: Option<Open>,
    /// Shards below this one are closed.
    next: usize,
}

/// Writes WebDataset tar shards.
pub struct WebDatasetSink {
    image: TreeSink,
    shard_size: usize,
    /// Each config's index in the plan.
    configs: HashMap<(String, u32), usize>,
    per_sample: usize,
    /// Outputs in the whole run.
    total: usize,
    state: Mutex<State>,
}

impl WebDatasetSink {
    /// The sink for `plan`, with `shard_size` outputs per tar shard.
    pub fn new(image: ImageFormat, shard_size: usize, plan: &Plan) -> Result<Self> {
        let per_sample = plan.configs.len();
        if shard_size == 0 || per_sample == 0 {
            return Err(Error::Invalid(
                "the webdataset layout needs a shard_size of at least 1 and one corruption".into(),
            ));
        }
        let step = boundary_samples(per_sample, shard_size);
        let aligned = |sample: usize| sample.is_multiple_of(step) || sample == plan.samples;
        if !aligned(plan.range.start) || !aligned(plan.range.end) {
            return Err(Error::Invalid(format!(
                "webdataset shards of {shard_size} outputs ({per_sample} per sample): this \
                 shard's samples {}..{} start or end inside a tar shard; split the run at \
                 multiples of {step} samples",
                plan.range.start, plan.range.end
            )));
        }
        Ok(WebDatasetSink {
            image: TreeSink { format: image },
            shard_size,
            configs: plan
                .configs
                .iter()
                .enumerate()
                .map(|(i, (c, s))| ((c.clone(), *s), i))
                .collect(),
            per_sample,
            total: plan.samples * per_sample,
            state: Mutex::new(State::default()),
        })
    }

    fn position(&self, id: &OutputId<'_>) -> Option<usize> {
        let config = *self
            .configs
            .get(&(id.corruption.to_string(), id.severity))?;
        Some(global_position(id.index, config, self.per_sample))
    }

    fn extension(&self) -> &'static str {
        match self.image.format {
            ImageFormat::Jpeg { .. } => "jpg",
            ImageFormat::Png => "png",
        }
    }

    /// Renames the open shard into place, ended by the two zero blocks of a tar's end.
    fn close(&self, target: &Target, open: Open) -> Result<FileRecord> {
        let Open {
            index,
            mut file,
            tmp,
            mut hash,
            bytes,
        } = open;
        let end = [0u8; 1024];
        hash.update(end);
        let io = |e| Error::io(&tmp, e);
        file.write_all(&end).map_err(io)?;
        let file = file.into_inner().map_err(|e| io(e.into_error()))?;
        file.sync_all().map_err(io)?;
        let rel = shard_name(index);
        let path = target.root.join(&rel);
        std::fs::rename(&tmp, &path).map_err(|e| Error::io(&path, e))?;
        Ok(FileRecord {
            path: rel,
            bytes: bytes + end.len() as u64,
            sha256: to_hex(&hash.finalize()),
        })
    }
}

impl Sink for WebDatasetSink {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        // An output outside the plan names no file, so it is never skipped; `write` refuses it.
        self.position(id)
            .map_or_else(String::new, |p| shard_name(p / self.shard_size))
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        let picture = self.image.encode(id, image)?;
        let key = group_key(id.corruption, id.severity, id.key);
        let meta = serde_json::to_vec(&Meta {
            corruption: id.corruption,
            severity: id.severity,
            key: id.key,
            label: id.label,
            class: id.class,
        })
        .map_err(|e| Error::Invalid(format!("{key}.json: {e}")))?;
        let mut members = [
            ("cls", id.label.to_string().into_bytes()),
            (self.extension(), picture),
            ("json", meta),
        ];
        members.sort_by_key(|(ext, _)| *ext);
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
        let position = self
            .position(id)
            .filter(|&p| p < self.total)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "webdataset: output of sample {} at {} severity {} is not part of this \
                     run's plan",
                    id.index, id.corruption, id.severity
                ))
            })?;
        let shard = position / self.shard_size;
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let floor = state.open.as_ref().map_or(state.next, |open| open.index);
        if shard < floor {
            return Err(Error::Invalid(format!(
                "{}: output {position} arrived after its shard was closed; outputs must come \
                 in canonical order",
                shard_name(shard)
            )));
        }
        let mut records = Vec::new();
        if let Some(open) = state.open.take_if(|open| open.index != shard) {
            records.push(self.close(target, open)?);
        }
        if state.open.is_none() {
            std::fs::create_dir_all(&target.staging).map_err(|e| Error::io(&target.staging, e))?;
            let tmp = target.staging.join(shard_name(shard));
            let file = File::create(&tmp).map_err(|e| Error::io(&tmp, e))?;
            state.next = shard + 1;
            state.open = Some(Open {
                index: shard,
                file: BufWriter::new(file),
                tmp,
                hash: Sha256::new(),
                bytes: 0,
            });
        }
        let Some(open) = state.open.as_mut() else {
            return Ok(records);
        };
        open.file
            .write_all(&bytes)
            .map_err(|e| Error::io(&open.tmp, e))?;
        open.hash.update(&bytes);
        open.bytes += bytes.len() as u64;
        let last = (shard + 1) * self.shard_size - 1;
        if position == last.min(self.total - 1) {
            if let Some(open) = state.open.take() {
                records.push(self.close(target, open)?);
            }
        }
        Ok(records)
    }

    fn finish(&self, target: &Target) -> Result<Vec<FileRecord>> {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        match state.open.take() {
            Some(open) => Ok(vec![self.close(target, open)?]),
            None => Ok(Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::jpeg;
    use crate::sink::journal::Shard;
    use std::io::Read;

    fn scratch(name: &str) -> PathBuf {
        let root = std::env::temp_dir().join(format!("blight-wds-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        root
    }

    const KEYS: [&str; 3] = ["n01/a.JPEG", "n01/b.x.JPEG", "n02/c.JPEG"];

    fn plan(range: std::ops::Range<usize>) -> Plan {
        Plan {
            samples: 3,
            range,
            configs: vec![("fog".into(), 1), ("fog".into(), 2), ("snow".into(), 1)],
        }
    }

    /// Pushes the outputs of `samples` as the driver does; returns the records.
    fn run(
        sink: &WebDatasetSink,
        target: &Target,
        plan: &Plan,
        samples: &[usize],
    ) -> Vec<FileRecord> {
        let mut records = Vec::new();
        for &i in samples {
            for (corruption, severity) in &plan.configs {
                let id = OutputId {
                    key: KEYS[i],
                    index: i,
                    label: i * 2,
                    class: ["n01", "n01", "n02"][i],
                    corruption,
                    severity: *severity,
                };
                let image =
                    Image::new(4, 4, 3, vec![(i * 40) as u8 + *severity as u8; 48]).unwrap();
                let bytes = sink.encode(&id, &image).unwrap();
                records.extend(sink.write(target, &id, bytes).unwrap());
            }
        }
        records.extend(sink.finish(target).unwrap());
        records
    }

    /// Every member of a tar: name, header, content.
    fn members(path: &std::path::Path) -> Vec<(String, tar::Header, Vec<u8>)> {
        let mut archive = tar::Archive::new(File::open(path).unwrap());
        archive
            .entries()
            .unwrap()
            .map(|e| {
                let mut e = e.unwrap();
                let mut bytes = Vec::new();
                e.read_to_end(&mut bytes).unwrap();
                (
                    e.path().unwrap().to_string_lossy().into_owned(),
                    e.header().clone(),
                    bytes,
                )
            })
            .collect()
    }

    #[test]
    fn groups_are_keyed_ordered_and_split_by_global_position() {
        let root = scratch("groups");
        let target = Target::new(&root, Shard::WHOLE);
        let plan = plan(0..3);
        let sink = WebDatasetSink::new(ImageFormat::Png, 4, &plan).unwrap();
        let records = run(&sink, &target, &plan, &[0, 1, 2]);
        let paths: Vec<&str> = records.iter().map(|r| r.path.as_str()).collect();
        // 9 outputs, 4 per shard.
        assert_eq!(
            paths,
            ["shard-000000.tar", "shard-000001.tar", "shard-000002.tar"]
        );
        for record in &records {
            let bytes = std::fs::read(root.join(&record.path)).unwrap();
            assert_eq!(record.sha256, crate::sink::manifest::sha256_hex(&bytes));
            assert_eq!(record.bytes, bytes.len() as u64);
        }
        let first = members(&root.join("shard-000000.tar"));
        let names: Vec<&str> = first.iter().map(|(n, _, _)| n.as_str()).collect();
        assert_eq!(
            names[..6],
            [
                "fog/1/n01/a.cls",
                "fog/1/n01/a.json",
                "fog/1/n01/a.png",
                "fog/2/n01/a.cls",
                "fog/2/n01/a.json",
                "fog/2/n01/a.png",
            ]
        );
        // Output 3 is sample 1's first config; its key loses the inner dot.
        assert_eq!(names[9], "fog/1/n01/b_x.cls");
        assert_eq!(first[9].2, b"2");
        let json: serde_json::Value = serde_json::from_slice(&first[10].2).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"corruption": "fog", "severity": 1, "key": "n01/b.x.JPEG",
                               "label": 2, "class": "n01"})
        );
        assert!(std::str::from_utf8(&first[10].2)
            .unwrap()
            .starts_with("{\"corruption\":\"fog\",\"severity\":1,\"key\""));
        let png = crate::io::decode_rgb(std::path::Path::new("x.png"), &first[2].2).unwrap();
        assert_eq!(png.data[0], 1);
        for (_, header, _) in &first {
            assert_eq!(header.mtime().unwrap(), 0);
            assert_eq!(header.mode().unwrap(), 0o644);
            assert_eq!((header.uid().unwrap(), header.gid().unwrap()), (0, 0));
            assert_eq!(header.username().unwrap(), Some(""));
            assert_eq!(header.groupname().unwrap(), Some(""));
        }
        // The last shard holds the one remaining output.
        assert_eq!(members(&root.join("shard-000002.tar")).len(), 3);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn shard_bytes_do_not_depend_on_how_the_run_is_split() {
        let whole = scratch("whole");
        let plan_whole = plan(0..3);
        let sink = WebDatasetSink::new(ImageFormat::Png, 3, &plan_whole).unwrap();
        let one = run(
            &sink,
            &Target::new(&whole, Shard::WHOLE),
            &plan_whole,
            &[0, 1, 2],
        );
        // Three configs per sample and shards of three: every sample boundary is a shard's.
        let split = scratch("split");
        let mut two = Vec::new();
        for (k, range) in [0..2, 2..3].into_iter().enumerate() {
            let plan = plan(range.clone());
            let sink = WebDatasetSink::new(ImageFormat::Png, 3, &plan).unwrap();
            let target = Target::new(&split, Shard { index: k, count: 2 });
            two.extend(run(&sink, &target, &plan, &range.collect::<Vec<_>>()));
        }
        assert_eq!(one, two);
        // Resuming after shard 0 was journaled: the driver sends only what file_of says is left.
        let resumed = scratch("resumed");
        let sink = WebDatasetSink::new(ImageFormat::Png, 3, &plan_whole).unwrap();
        let rest = run(
            &sink,
            &Target::new(&resumed, Shard::WHOLE),
            &plan_whole,
            &[1, 2],
        );
        assert_eq!(rest, one[1..]);
        for root in [whole, split, resumed] {
            std::fs::remove_dir_all(root).unwrap();
        }
    }

    #[test]
    fn misaligned_shards_and_stray_outputs_are_refused() {
        let message = WebDatasetSink::new(ImageFormat::Png, 4, &plan(0..2))
            .err()
            .unwrap()
            .to_string();
        assert!(
            message.contains("split the run at multiples of 4 samples"),
            "{message}"
        );
        assert_eq!(boundary_samples(95, 1000), 200);
        assert_eq!(global_position(2, 1, 3), 7);
        assert_eq!(group_key("fog", 3, "n01/x.y.JPEG"), "fog/3/n01/x_y");
        assert_eq!(group_key("fog", 3, "test/17"), "fog/3/test/17");
        assert_eq!(group_key("fog", 3, "a/../b.png"), "fog/3/a/__/b");

        let root = scratch("stray");
        let target = Target::new(&root, Shard::WHOLE);
        let plan = plan(0..3);
        let sink = WebDatasetSink::new(
            ImageFormat::Jpeg {
                quality: 85,
                optimize: true,
                profile: jpeg::Profile::Ijg9,
            },
            2,
            &plan,
        )
        .unwrap();
        let id = OutputId {
            key: "n01/a.JPEG",
            index: 1,
            label: 0,
            class: "n01",
            corruption: "fog",
            severity: 1,
        };
        let bytes = sink.encode(&id, &Image::zeros(8, 8, 3)).unwrap();
        assert_eq!(sink.file_of(&id), "shard-000001.tar");
        sink.write(&target, &id, bytes.clone()).unwrap();
        let message = sink
            .write(&target, &OutputId { index: 0, ..id }, bytes.clone())
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("shard-000000.tar: output 0 arrived after"),
            "{message}"
        );
        let message = sink
            .write(&target, &OutputId { severity: 5, ..id }, bytes)
            .unwrap_err()
            .to_string();
        assert!(message.contains("not part of this run's plan"), "{message}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
