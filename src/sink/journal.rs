//! A run's record on disk: the settings, one append-only journal per shard while it works, and
//! the manifest, `SHA256SUMS` and `errors.json` once every shard is done.
//!
//! ```text
//! <out>/.blight/run.json                   the run's settings; every shard must agree with them
//! <out>/.blight/shard-K-of-N.jsonl         one line per completed file or skipped input, appended
//! <out>/.blight/shard-K-of-N.done          written when shard K has finished
//! <out>/.blight/tmp-K-of-N/                files shard K is writing (renamed into place when whole)
//! <out>/manifest.json, SHA256SUMS, errors.json   written by the last step (or `blight merge`)
//! ```
//!
//! Appending a line per file keeps the cost linear in the number of files (3.75 million for
//! ImageNet-C). A line is flushed as soon as its file is in place and the journal is synced every
//! [`SYNC_EVERY`] lines; an interruption can lose the last lines, whose files are then made again
//! (the output is deterministic), and a torn last line is ignored.

use super::manifest::{to_hex, FileRecord};
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

/// The folder of the run's working state inside the output folder.
pub const STATE_DIR: &str = ".blight";
/// The final manifest.
pub const MANIFEST: &str = "manifest.json";
/// Checksums in the format `sha256sum -c` reads.
pub const SUMS: &str = "SHA256SUMS";
/// The inputs that could not be read.
pub const ERRORS: &str = "errors.json";
/// Journal lines between two syncs.
pub const SYNC_EVERY: usize = 256;

/// One shard of a run: K of N, K from 0.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// The whole job as one shard.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `K/N` (K from 0 to N − 1).
    pub fn parse(text: &str) -> Result<Shard> {
        let bad = || {
            Error::Invalid(format!(
                "--shard {text}: expected K/N with 0 ≤ K < N, e.g. 0/8 (K as JOB_COMPLETION_INDEX \
                 or SLURM_ARRAY_TASK_ID)"
            ))
        };
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    /// The range of `len` items this shard owns: contiguous, sizes differing by at most one.
    pub fn range(self, len: usize) -> std::ops::Range<usize> {
        (self.index * len / self.count)..((self.index + 1) * len / self.count)
    }

    /// [`Shard::range`] in whole units of `unit` samples (the last unit may be short), so that
    /// layouts packing several samples into one file never share a file between shards.
    pub fn aligned_range(self, len: usize, unit: usize) -> std::ops::Range<usize> {
        let unit = unit.max(1);
        let units = len.div_ceil(unit);
        let at = |k: usize| (k * units / self.count * unit).min(len);
        at(self.index)..at(self.index + 1)
    }

    fn stem(self) -> String {
        format!("shard-{}-of-{}", self.index, self.count)
    }

    /// This shard's journal.
    pub fn journal_path(self, root: &Path) -> PathBuf {
        root.join(STATE_DIR).join(format!("{}.jsonl", self.stem()))
    }

    /// Where this shard writes files before renaming them into place.
    pub fn staging_path(self, root: &Path) -> PathBuf {
        root.join(STATE_DIR)
            .join(format!("tmp-{}-of-{}", self.index, self.count))
    }

    /// The marker written when this shard has finished.
    pub fn done_path(self, root: &Path) -> PathBuf {
        root.join(STATE_DIR).join(format!("{}.done", self.stem()))
    }
}

/// An input that could not be used, with the reason.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The sample's key (its path in the source).
    pub skipped: String,
    pub reason: String,
}

/// One journal line.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Entry {
    File(FileRecord),
    Skipped(Skipped),
}

/// A shard's journal, open for appending.
pub struct Journal {
    file: BufWriter<File>,
    path: PathBuf,
    unsynced: usize,
}

impl Journal {
    /// Opens (creating) `shard`'s journal for appending. A last line cut short by an
    /// interruption is cut off the file, so the next line starts clean; read what is there
    /// with [`for_each_entry`].
    pub fn open(root: &Path, shard: Shard) -> Result<Journal> {
        use std::io::{Read, Seek, SeekFrom};
        let path = shard.journal_path(root);
        let io = |e| Error::io(&path, e);
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .read(true)
            .write(true)
            .open(&path)
            .map_err(io)?;
        // Lines are short: the last newline is within the last few kilobytes.
        let len = file.metadata().map_err(io)?.len();
        let tail = len.min(1 << 16);
        file.seek(SeekFrom::Start(len - tail)).map_err(io)?;
        let mut end = vec![0u8; tail as usize];
        file.read_exact(&mut end).map_err(io)?;
        let whole = end
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(len - tail, |i| len - tail + i as u64 + 1);
        if whole != len {
            file.set_len(whole).map_err(io)?;
        }
        file.seek(SeekFrom::End(0)).map_err(io)?;
        Ok(Journal {
            file: BufWriter::new(file),
            path,
            unsynced: 0,
        })
    }

    /// Appends one entry and flushes it; syncs every [`SYNC_EVERY`] entries.
    pub fn record(&mut self, entry: &Entry) -> Result<()> {
        let line = line_of(entry)?;
        let io = |e| Error::io(&self.path, e);
        self.file.write_all(&line).map_err(io)?;
        self.file.flush().map_err(io)?;
        self.unsynced += 1;
        if self.unsynced >= SYNC_EVERY {
            self.file.get_ref().sync_data().map_err(io)?;
            self.unsynced = 0;
        }
        Ok(())
    }

    /// Flushes and syncs everything recorded.
    pub fn sync(&mut self) -> Result<()> {
        let io = |e| Error::io(&self.path, e);
        self.file.flush().map_err(io)?;
        self.file.get_ref().sync_data().map_err(io)?;
        self.unsynced = 0;
        Ok(())
    }
}

/// Where a shard puts its files: the output root and its staging folder.
#[derive(Clone, Debug)]
pub struct Target {
    pub root: PathBuf,
    pub staging: PathBuf,
}

impl Target {
    /// The target of `shard` in the output folder `root`.
    pub fn new(root: &Path, shard: Shard) -> Target {
        Target {
            root: root.to_path_buf(),
            staging: shard.staging_path(root),
        }
    }
}

/// Stores `bytes` as the file `rel` under the target's root: written in the staging folder, then
/// renamed into place, so the file is either absent or whole. Returns its record.
///
/// Files are not synced one by one: that costs several times more than making them (about 4 ms
/// per file here). A killed process loses nothing written; after a power cut, the resumed run
/// checks every journaled file's sha256 and makes a lost one again, and [`sync_filesystem`]
/// runs before a shard is marked done.
pub fn write_file(target: &Target, rel: &str, bytes: &[u8]) -> Result<FileRecord> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let path = target.root.join(rel);
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    let staging = &target.staging;
    std::fs::create_dir_all(staging).map_err(|e| Error::io(staging, e))?;
    let tmp = staging.join(NEXT.fetch_add(1, Ordering::Relaxed).to_string());
    let result = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        std::fs::rename(&tmp, &path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(&path, e));
    }
    Ok(FileRecord {
        path: rel.to_string(),
        bytes: bytes.len() as u64,
        sha256: super::manifest::sha256_hex(bytes),
    })
}

/// Flushes everything written to the file system holding `root` to disk (Linux `syncfs`; a
/// no-op elsewhere, where the resumed run's checksums still catch a lost file).
pub fn sync_filesystem(root: &Path) -> Result<()> {
    #[cfg(target_os = "linux")]
    {
        use std::os::fd::AsRawFd;
        let dir = File::open(root).map_err(|e| Error::io(root, e))?;
        // SAFETY: `dir` is an open descriptor for the duration of the call.
        if unsafe { libc::syncfs(dir.as_raw_fd()) } != 0 {
            return Err(Error::io(root, std::io::Error::last_os_error()));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = root;
    Ok(())
}

/// Removes what an interrupted run left in the target's staging folder.
pub fn clear_staging(target: &Target) -> Result<()> {
    match std::fs::remove_dir_all(&target.staging) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(Error::io(&target.staging, e)),
        _ => Ok(()),
    }
}

fn line_of(entry: &Entry) -> Result<Vec<u8>> {
    let mut line = serde_json::to_vec(entry)
        .map_err(|e| Error::Invalid(format!("cannot serialise a journal entry: {e}")))?;
    line.push(b'\n');
    Ok(line)
}

/// Calls `each` with every entry of a journal file, in order, without holding them (none when
/// the file does not exist); an unparsable line (a torn tail) is passed over.
pub fn for_each_entry(path: &Path, mut each: impl FnMut(Entry) -> Result<()>) -> Result<()> {
    let file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io(path, e)),
    };
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(|e| Error::io(path, e))?;
        if let Ok(entry) = serde_json::from_slice::<Entry>(&line) {
            each(entry)?;
        }
    }
    Ok(())
}

/// What a reader of `manifest.json` needs before its file list: `files` comes last in the file,
/// so this reads the head and skips the list without holding it.
#[derive(Debug, Deserialize)]
pub struct ManifestHead {
    pub format: u32,
    pub settings: serde_json::Value,
    pub complete: bool,
    pub file_count: usize,
    /// Inputs that were skipped, sorted by key.
    pub skipped: Vec<Skipped>,
}

impl ManifestHead {
    /// The head of the manifest at `path`, streamed.
    pub fn read(path: &Path) -> Result<ManifestHead> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        serde_json::from_reader(BufReader::new(file))
            .map_err(|e| Error::file(path, format!("unreadable manifest: {e}")))
    }
}

/// What [`finalize`] wrote.
#[derive(Debug)]
pub struct Finalized {
    pub files: usize,
    pub skipped: Vec<Skipped>,
}

/// Writes `manifest.json`, `SHA256SUMS` and `errors.json` into `root` from the journals of
/// `shards` shards, each of which must be done. Later lines win over earlier ones for the same
/// path (a file made again on resume). Files are listed sorted by path.
///
/// Memory: one compact record per file (path, size, digest: about 120 bytes, so about 0.6 GB for
/// ImageNet-C's 4.75 million files); the manifest and sums are streamed out, never built whole.
pub fn finalize<S: Serialize>(root: &Path, settings: &S, shards: usize) -> Result<Finalized> {
    let mut files: Vec<(Box<str>, u64, [u8; 32])> = Vec::new();
    let mut skipped = std::collections::BTreeMap::new();
    for index in 0..shards {
        let shard = Shard {
            index,
            count: shards,
        };
        if !shard.done_path(root).exists() {
            return Err(Error::file(
                root,
                format!(
                    "shard {index}/{shards} has not finished (no {}); run it (again) with \
                     --shard {index}/{shards}",
                    shard.done_path(root).display()
                ),
            ));
        }
        let journal = shard.journal_path(root);
        for_each_entry(&journal, |entry| {
            match entry {
                Entry::File(record) => files.push((
                    record.path.into_boxed_str(),
                    record.bytes,
                    digest_bytes(&record.sha256)
                        .ok_or_else(|| Error::file(&journal, "a record's sha256 is not hex"))?,
                )),
                Entry::Skipped(s) => {
                    skipped.insert(s.skipped.clone(), s);
                }
            }
            Ok(())
        })?;
    }
    // Sorted by path, the later of two records for one path kept (the sort is stable).
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut kept: Vec<(Box<str>, u64, [u8; 32])> = Vec::with_capacity(files.len());
    for file in files {
        match kept.last_mut() {
            Some(last) if last.0 == file.0 => *last = file,
            _ => kept.push(file),
        }
    }
    let skipped: Vec<Skipped> = skipped.into_values().collect();
    let json_error = |e: serde_json::Error| std::io::Error::other(e.to_string());

    let errors = serde_json::to_vec_pretty(&skipped)
        .map_err(|e| Error::Invalid(format!("cannot serialise the errors: {e}")))?;
    crate::io::write_atomic(&root.join(ERRORS), &errors)?;
    crate::io::write_atomic_with(&root.join(SUMS), |f| {
        let mut out = BufWriter::new(f);
        for (path, _, digest) in &kept {
            writeln!(out, "{}  {path}", to_hex(digest))?;
        }
        out.flush()
    })?;
    crate::io::write_atomic_with(&root.join(MANIFEST), |f| {
        let mut out = BufWriter::new(f);
        out.write_all(b"{\n  \"format\": 2,\n  \"settings\": ")?;
        serde_json::to_writer(&mut out, settings).map_err(json_error)?;
        write!(
            out,
            ",\n  \"complete\": true,\n  \"file_count\": {},\n  \"skipped\": ",
            kept.len()
        )?;
        serde_json::to_writer(&mut out, &skipped).map_err(json_error)?;
        out.write_all(b",\n  \"files\": [")?;
        for (i, (path, bytes, digest)) in kept.iter().enumerate() {
            out.write_all(if i == 0 { b"\n    " } else { b",\n    " })?;
            let record = FileRecord {
                path: path.to_string(),
                bytes: *bytes,
                sha256: to_hex(digest),
            };
            serde_json::to_writer(&mut out, &record).map_err(json_error)?;
        }
        out.write_all(b"\n  ]\n}\n")?;
        out.flush()
    })?;
    Ok(Finalized {
        files: kept.len(),
        skipped,
    })
}

/// The 32 bytes of a lower-case hex sha256.
fn digest_bytes(hex: &str) -> Option<[u8; 32]> {
    let mut out = [0u8; 32];
    if hex.len() != 64 {
        return None;
    }
    for (byte, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        *byte = u8::from_str_radix(std::str::from_utf8(pair).ok()?, 16).ok()?;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("blight-journal-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(root.join(STATE_DIR)).unwrap();
        root
    }

    fn file(path: &str, sha: &str) -> Entry {
        Entry::File(FileRecord {
            path: path.into(),
            bytes: 3,
            sha256: sha.into(),
        })
    }

    #[test]
    fn shards_split_the_range_without_gaps() {
        for count in [1, 3, 7] {
            let mut next = 0;
            for index in 0..count {
                let r = Shard { index, count }.range(100);
                assert_eq!(r.start, next);
                next = r.end;
            }
            assert_eq!(next, 100);
        }
        assert_eq!(Shard::parse("2/7").unwrap(), Shard { index: 2, count: 7 });
        // Aligned to 40: 100 samples are 3 units (40, 40, 20) over 2 shards.
        let two = |index| Shard { index, count: 2 }.aligned_range(100, 40);
        assert_eq!((two(0), two(1)), (0..40, 40..100));
        assert_eq!(Shard::WHOLE.aligned_range(7, 40), 0..7);
        assert_eq!(
            Shard { index: 3, count: 7 }.aligned_range(100, 1),
            Shard { index: 3, count: 7 }.range(100)
        );
        for bad in ["7/7", "1/0", "a/2", "3"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_torn_last_line_is_dropped_and_appending_goes_on() {
        let root = scratch("torn");
        let shard = Shard::WHOLE;
        let mut journal = Journal::open(&root, shard).unwrap();
        journal.record(&file("a", "1")).unwrap();
        journal.record(&file("b", "2")).unwrap();
        drop(journal);
        let path = shard.journal_path(&root);
        let mut text = std::fs::read(&path).unwrap();
        text.extend_from_slice(b"{\"path\":\"c\",\"by");
        std::fs::write(&path, text).unwrap();
        let mut journal = Journal::open(&root, shard).unwrap();
        journal.record(&file("c", "3")).unwrap();
        drop(journal);
        let mut entries = Vec::new();
        for_each_entry(&path, |e| {
            entries.push(e);
            Ok(())
        })
        .unwrap();
        assert_eq!(entries, [file("a", "1"), file("b", "2"), file("c", "3")]);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn finalize_needs_every_shard_and_keeps_the_last_record() {
        let root = scratch("final");
        for index in 0..2 {
            let shard = Shard { index, count: 2 };
            let mut journal = Journal::open(&root, shard).unwrap();
            journal
                .record(&file(&format!("f{index}"), &"0".repeat(64)))
                .unwrap();
            journal
                .record(&file(&format!("f{index}"), &"a".repeat(64)))
                .unwrap();
            journal
                .record(&Entry::Skipped(Skipped {
                    skipped: format!("bad{index}.JPEG"),
                    reason: "truncated".into(),
                }))
                .unwrap();
        }
        let message = finalize(&root, &"settings", 2).unwrap_err().to_string();
        assert!(message.contains("shard 0/2 has not finished"), "{message}");
        for index in 0..2 {
            std::fs::write(Shard { index, count: 2 }.done_path(&root), b"").unwrap();
        }
        let done = finalize(&root, &"settings", 2).unwrap();
        assert_eq!((done.files, done.skipped.len()), (2, 2));
        let new = "a".repeat(64);
        let sums = std::fs::read_to_string(root.join(SUMS)).unwrap();
        assert_eq!(sums, format!("{new}  f0\n{new}  f1\n"));
        // The manifest is valid JSON with the later records, and its head reads on its own.
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(root.join(MANIFEST)).unwrap()).unwrap();
        assert_eq!(manifest["files"][1]["path"], "f1");
        assert_eq!(manifest["files"][1]["sha256"], new.as_str());
        let head = ManifestHead::read(&root.join(MANIFEST)).unwrap();
        assert_eq!(
            (head.file_count, head.skipped.len(), head.complete),
            (2, 2, true)
        );
        std::fs::remove_dir_all(&root).unwrap();
    }
}
