//! `blight evaluate` on perturbation sequences (ImageNet-P, Tiny-ImageNet-P, CIFAR-10-P): the
//! model scores every frame, and [`super::stability`] turns the rankings into FP, T5D and the
//! Zipf distance per perturbation and difficulty.
//!
//! Where the sequences come from (`--dataset PATH`, recognised by what is there):
//! * `shard-*.tar` holding `<key>.frame-NN.png` members: `blight generate imagenet-p` /
//!   `tiny-imagenet-p` ([`crate::sink::sequence_tar`]), frames decoded from the PNGs;
//! * `<perturbation>[_<d>].npy` of shape (N, T, side, side, 3): `blight generate cifar10-p`
//!   ([`crate::sink::sequence_npy`]), read a sequence at a time;
//! * `<perturbation>[_<d>]/<class>/<name>.mp4`: the released format (`generate --video mp4`),
//!   decoded by the `ffmpeg` on PATH into RGB frames (`-f image2pipe -vcodec ppm`; the reference
//!   loader read them with OpenCV, whose colour conversion may differ by a level);
//! * or, with `--generate SUITE --source PATH`, made in memory by the very code `blight generate`
//!   writes with ([`crate::generate::Maker`] over [`crate::generate_p::Sequence`], the recipe's
//!   own sink encoding each sequence) and decoded as the files on disk are.
//!
//! The suite (its frame counts and which perturbations exist) is the one `manifest.json` names,
//! else the built-in suite whose frames have the size found (224: imagenet-p, 64:
//! tiny-imagenet-p; `.npy`: cifar10-p). Every sequence must have its perturbation's frame count.
//!
//! Difficulty d (1 to 3, default 1) selects the `_d` data for the noises, compared against
//! frame 0; for the others it is the frame stride of the pairs compared, all from one sequence.
//! A non-noise sequence is scored once, whatever the number of difficulties asked for.

use super::preprocess::Preprocess;
use super::runtime::Model;
use super::stability::{self, Ranking, Tally};
use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::generate::{Config, Maker};
use crate::generate_p::Sequence;
use crate::perturb::{Pairing, PerturbSuite};
use crate::prep::Prep;
use crate::raster::Image;
use crate::rng::RngKind;
use crate::sink::manifest::to_hex;
use crate::sink::sequence_npy::{stem, SequenceLayout, SequenceNpySink};
use crate::sink::sequence_tar::SequenceTarSink;
use crate::sink::{Plan, Sink};
use crate::source::{self, Source};
use rayon::prelude::*;
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The sequences of one stored perturbation at one difficulty, read or made one video at a time.
pub trait Videos: Send + Sync {
    fn len(&self) -> usize;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The video's sample key (its source image's key).
    fn key(&self, v: usize) -> &str;
    /// The class index stored with the video, where the layout has one.
    fn label(&self, v: usize) -> Option<usize>;
    /// The frames of video `v`, in order, as RGB images.
    fn frames(&self, v: usize) -> Result<Vec<Image>>;
    /// A content identity for the report.
    fn fingerprint(&self) -> String;
}

/// One perturbation's data at one generated difficulty, and the difficulties scored from it.
pub struct Part {
    pub perturbation: String,
    /// The difficulty the data was generated at: d for a noise's `_d` data, 1 for the others.
    pub data_difficulty: u32,
    /// The difficulties scored: the data's own for a noise, the strides asked for otherwise.
    pub difficulties: Vec<u32>,
    pub pairing: Pairing,
    /// Frames per sequence (the recipe's).
    pub frames: usize,
    pub videos: Box<dyn Videos>,
}

impl Part {
    /// `rotate` or `gaussian_noise_2`, as the data is named.
    pub fn name(&self) -> String {
        stem(&self.perturbation, self.data_difficulty)
    }
}

/// A sequence dataset ready to score.
pub struct SequenceDataset {
    pub root: PathBuf,
    /// `sequence-tar`, `sequence-npy`, `sequence-mp4` or `generated`.
    pub kind: &'static str,
    pub suite: Arc<PerturbSuite>,
    pub parts: Vec<Part>,
}

/// Which perturbations and difficulties to score.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Empty: every perturbation there is.
    pub perturbations: Vec<String>,
    /// Empty: difficulty 1.
    pub difficulties: Vec<u32>,
}

impl Selection {
    /// Refuses a perturbation `suite` does not have and a difficulty outside 1..3.
    fn check(&self, suite: &PerturbSuite) -> Result<()> {
        if let Some(unknown) = self
            .perturbations
            .iter()
            .find(|n| suite.names().all(|m| m != n.as_str()))
        {
            return Err(Error::Invalid(format!(
                "unknown perturbation '{unknown}' in suite {} (its perturbations: {})",
                suite.name,
                suite.names().collect::<Vec<_>>().join(", ")
            )));
        }
        if let Some(d) = self.difficulties.iter().find(|d| !(1..=3).contains(*d)) {
            return Err(Error::Invalid(format!(
                "difficulty {d} is outside 1..3 (a noise's difficulty selects its _2 or _3 \
                 sequences, the others' is the stride between the frames compared)"
            )));
        }
        Ok(())
    }

    fn difficulties(&self) -> Vec<u32> {
        let mut d = if self.difficulties.is_empty() {
            vec![1]
        } else {
            self.difficulties.clone()
        };
        d.sort_unstable();
        d.dedup();
        d
    }

    /// The parts to score, in the suite's order: `available(name, d)` gives the stored videos
    /// of `name` at generated difficulty `d`, or `None` where there are none.
    fn parts(
        &self,
        suite: &PerturbSuite,
        root: &Path,
        mut available: impl FnMut(&'static str, u32) -> Result<Option<Box<dyn Videos>>>,
    ) -> Result<Vec<Part>> {
        self.check(suite)?;
        let difficulties = self.difficulties();
        let mut parts = Vec::new();
        for name in suite.names() {
            let named = self.perturbations.iter().any(|p| p == name);
            if !self.perturbations.is_empty() && !named {
                continue;
            }
            let perturbation = suite.get(name)?;
            let pairing = perturbation.pairing();
            let frames = perturbation.frame_count();
            let wanted: Vec<(u32, Vec<u32>)> = match pairing {
                Pairing::AgainstFirst => difficulties.iter().map(|&d| (d, vec![d])).collect(),
                Pairing::Stride => vec![(1, difficulties.clone())],
            };
            for (data, scored) in wanted {
                match available(name, data)? {
                    Some(videos) if !videos.is_empty() => parts.push(Part {
                        perturbation: name.to_string(),
                        data_difficulty: data,
                        difficulties: scored,
                        pairing,
                        frames,
                        videos,
                    }),
                    _ if named => {
                        return Err(Error::file(
                            root,
                            format!(
                                "holds no {} sequences (perturbation {name} at difficulty \
                                 {data}): generate them, or leave {name} out",
                                stem(name, data)
                            ),
                        ))
                    }
                    _ => {}
                }
            }
        }
        if parts.is_empty() {
            return Err(Error::file(
                root,
                format!(
                    "no sequences to score at difficulties {difficulties:?} (noises need their \
                     _2/_3 data above difficulty 1)"
                ),
            ));
        }
        Ok(parts)
    }
}

/// The layout of a sequence dataset on disk.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Layout {
    Tar,
    Npy,
    Mp4,
}

/// Whether `root` holds perturbation sequences (rather than a -C dataset).
pub fn is_sequence_dataset(root: &Path) -> bool {
    detect(root).is_some()
}

fn detect(root: &Path) -> Option<Layout> {
    if let Some(suite) = manifest_suite(root) {
        if PerturbSuite::built_in_names().any(|n| n == suite) {
            return layout_on_disk(root).or(Some(Layout::Tar));
        }
        return None;
    }
    layout_on_disk(root)
}

fn layout_on_disk(root: &Path) -> Option<Layout> {
    let entries: Vec<PathBuf> = std::fs::read_dir(root)
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    let name = |p: &Path| p.file_name().and_then(|n| n.to_str()).map(String::from);
    let mut shards: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| name(p).is_some_and(|n| n.starts_with("shard-") && n.ends_with(".tar")))
        .collect();
    shards.sort();
    if let Some(first) = shards.first() {
        return first_member(first)
            .is_some_and(|m| m.contains(".frame-"))
            .then_some(Layout::Tar);
    }
    let npy: Vec<&PathBuf> = entries
        .iter()
        .filter(|p| p.extension().is_some_and(|e| e == "npy"))
        .collect();
    if !npy.is_empty() && !root.join("labels.npy").is_file() {
        return npy
            .iter()
            .any(|p| npy_header(p).is_ok_and(|h| h.shape.len() == 5))
            .then_some(Layout::Npy);
    }
    // <perturbation>/<class>/<name>.mp4
    let has_mp4 = entries.iter().filter(|p| p.is_dir()).any(|dir| {
        std::fs::read_dir(dir).ok().is_some_and(|classes| {
            classes.filter_map(|e| e.ok()).any(|class| {
                std::fs::read_dir(class.path()).ok().is_some_and(|files| {
                    files
                        .filter_map(|e| e.ok())
                        .any(|f| f.path().extension().is_some_and(|e| e == "mp4"))
                })
            })
        })
    });
    has_mp4.then_some(Layout::Mp4)
}

/// The first member's name in a tar file, if it can be read.
fn first_member(path: &Path) -> Option<String> {
    let file = std::fs::File::open(path).ok()?;
    let mut archive = tar::Archive::new(file);
    let mut entries = archive.entries().ok()?;
    let entry = entries.next()?.ok()?;
    // The .cls member comes first; the frames follow it.
    let first = entry.path().ok()?.to_string_lossy().into_owned();
    if first.contains(".frame-") {
        return Some(first);
    }
    let second = entries.next()?.ok()?;
    let name = second.path().ok()?.to_string_lossy().into_owned();
    Some(name)
}

/// The suite `manifest.json` names, if there is one.
fn manifest_suite(root: &Path) -> Option<String> {
    let text = std::fs::read_to_string(root.join("manifest.json")).ok()?;
    let value: serde_json::Value = serde_json::from_str(&text).ok()?;
    value["settings"]["suite"].as_str().map(String::from)
}

/// Opens the sequence dataset at `root` (see the module doc), the parts `selection` asks for.
pub fn open(root: &Path, selection: &Selection) -> Result<SequenceDataset> {
    let layout = detect(root).ok_or_else(|| {
        Error::file(
            root,
            "no perturbation sequences found: expected shard-*.tar with .frame-NN.png members, \
             <perturbation>.npy of shape (N, T, side, side, 3), or \
             <perturbation>/<class>/<name>.mp4",
        )
    })?;
    let named =
        manifest_suite(root).filter(|s| PerturbSuite::built_in_names().any(|n| n == s.as_str()));
    match layout {
        Layout::Tar => open_tar(root, named, selection),
        Layout::Npy => open_npy(root, named, selection),
        Layout::Mp4 => open_mp4(root, named, selection),
    }
}

/// The built-in suite of a tar or mp4 dataset whose frames are `side` pixels wide.
fn suite_by_side(root: &Path, side: usize) -> Result<PerturbSuite> {
    for name in PerturbSuite::built_in_names() {
        let suite = PerturbSuite::built_in(name)?;
        let tar = matches!(suite.output, Some(SequenceLayout::SequenceTar { .. }));
        if tar && suite.crop == Some(side) {
            return Ok(suite);
        }
    }
    Err(Error::file(
        root,
        format!(
            "frames of {side} pixels match no built-in suite (224: imagenet-p, 64: \
             tiny-imagenet-p), and there is no manifest.json naming one"
        ),
    ))
}

fn suite_named(
    root: &Path,
    name: Option<String>,
    side: impl FnOnce() -> Result<usize>,
) -> Result<PerturbSuite> {
    match name {
        Some(name) => PerturbSuite::built_in(&name),
        None => suite_by_side(root, side()?),
    }
}

// ----- tar shards -----

/// One frame member inside a shard.
#[derive(Clone, Copy, Debug)]
struct Member {
    offset: u64,
    size: u64,
}

#[derive(Debug)]
struct TarVideo {
    key: String,
    label: usize,
    /// The member key (`rotate/n01440764/ILSVRC2012_val_00000293`), for errors.
    member: String,
    shard: usize,
    frames: Vec<Member>,
}

struct TarVideos {
    shards: Arc<Vec<PathBuf>>,
    videos: Vec<TarVideo>,
}

#[derive(serde::Deserialize)]
struct TarMeta {
    perturbation: String,
    difficulty: u32,
    key: String,
    label: usize,
    frames: usize,
}

/// The frame number of a `.frame-NN.png` member name, and the member key before it.
fn frame_member(name: &str) -> Option<(&str, usize)> {
    let (stem, rest) = name.rsplit_once(".frame-")?;
    let number = rest.strip_suffix(".png")?.parse().ok()?;
    Some((stem, number))
}

fn open_tar(root: &Path, named: Option<String>, selection: &Selection) -> Result<SequenceDataset> {
    let mut shards: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("shard-") && n.ends_with(".tar"))
        })
        .collect();
    shards.sort();
    let mut groups: BTreeMap<(String, u32), Vec<TarVideo>> = BTreeMap::new();
    for (n, path) in shards.iter().enumerate() {
        let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        let mut archive = tar::Archive::new(file);
        let mut frames: Vec<(String, usize, Member)> = Vec::new();
        for entry in archive.entries().map_err(|e| Error::io(path, e))? {
            let mut entry = entry.map_err(|e| Error::io(path, e))?;
            let name = entry
                .path()
                .map_err(|e| Error::io(path, e))?
                .to_string_lossy()
                .into_owned();
            if let Some((stem, number)) = frame_member(&name) {
                let member = Member {
                    offset: entry.raw_file_position(),
                    size: entry.size(),
                };
                frames.push((stem.to_string(), number, member));
                continue;
            }
            let Some(stem) = name.strip_suffix(".json") else {
                continue;
            };
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .map_err(|e| Error::io(path, e))?;
            let meta: TarMeta = serde_json::from_str(&text)
                .map_err(|e| Error::file(path, format!("{name}: {e}")))?;
            let mine: Vec<(usize, Member)> = std::mem::take(&mut frames)
                .into_iter()
                .filter(|(s, _, _)| s == stem)
                .map(|(_, k, m)| (k, m))
                .collect();
            if mine.len() != meta.frames || mine.iter().enumerate().any(|(i, (k, _))| i != *k) {
                return Err(Error::file(
                    path,
                    format!(
                        "{stem}: frames {:?} are not frame-00.. in order, {} of them as its \
                         .json says",
                        mine.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
                        meta.frames
                    ),
                ));
            }
            groups
                .entry((meta.perturbation, meta.difficulty))
                .or_default()
                .push(TarVideo {
                    key: meta.key,
                    label: meta.label,
                    member: stem.to_string(),
                    shard: n,
                    frames: mine.into_iter().map(|(_, m)| m).collect(),
                });
        }
    }
    let shards = Arc::new(shards);
    let first_side = || -> Result<usize> {
        let video = groups
            .values()
            .flat_map(|v| v.first())
            .next()
            .ok_or_else(|| Error::file(root, "the shards hold no sequence"))?;
        let frame = read_tar_frame(&shards, video, 0)?;
        Ok(frame.width)
    };
    let suite = Arc::new(suite_named(root, named, first_side)?);
    // Every sequence has its perturbation's frame count.
    for ((name, _), videos) in &groups {
        let expected = suite.get(name).map_err(|_| {
            Error::file(
                root,
                format!(
                    "holds sequences of '{name}', which suite {} does not have",
                    suite.name
                ),
            )
        })?;
        for video in videos {
            if video.frames.len() != expected.frame_count() {
                return Err(Error::file(
                    &shards[video.shard],
                    format!(
                        "{}: {} frames, but {name} has {} in suite {}",
                        video.member,
                        video.frames.len(),
                        expected.frame_count(),
                        suite.name
                    ),
                ));
            }
        }
    }
    let parts = selection.parts(&suite, root, |name, d| {
        Ok(groups.remove(&(name.to_string(), d)).map(|videos| {
            Box::new(TarVideos {
                shards: shards.clone(),
                videos,
            }) as Box<dyn Videos>
        }))
    })?;
    Ok(SequenceDataset {
        root: root.to_path_buf(),
        kind: "sequence-tar",
        suite,
        parts,
    })
}

fn read_tar_frame(shards: &[PathBuf], video: &TarVideo, k: usize) -> Result<Image> {
    let path = &shards[video.shard];
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    read_member(path, &mut file, video, k)
}

fn read_member(path: &Path, file: &mut std::fs::File, video: &TarVideo, k: usize) -> Result<Image> {
    let m = video.frames[k];
    file.seek(SeekFrom::Start(m.offset))
        .map_err(|e| Error::io(path, e))?;
    let mut bytes = vec![0u8; m.size as usize];
    file.read_exact(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    let name = path.join(format!("{}.frame-{k:02}.png", video.member));
    source::decode::decode_rgb(&name, &bytes, super::dataset::DECODER)
}

impl Videos for TarVideos {
    fn len(&self) -> usize {
        self.videos.len()
    }

    fn key(&self, v: usize) -> &str {
        &self.videos[v].key
    }

    fn label(&self, v: usize) -> Option<usize> {
        Some(self.videos[v].label)
    }

    fn frames(&self, v: usize) -> Result<Vec<Image>> {
        let video = &self.videos[v];
        let path = &self.shards[video.shard];
        let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
        (0..video.frames.len())
            .map(|k| read_member(path, &mut file, video, k))
            .collect()
    }

    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for v in &self.videos {
            hash.update(v.key.as_bytes());
            for m in &v.frames {
                hash.update(m.size.to_le_bytes());
            }
        }
        to_hex(&hash.finalize())
    }
}

// ----- .npy stacks -----

/// An `.npy` header: shape and where the data starts.
struct NpyHeader {
    shape: Vec<usize>,
    data: u64,
}

/// Reads the header of the `.npy` file at `path` (uint8, C order).
fn npy_header(path: &Path) -> Result<NpyHeader> {
    let bad = |why: &str| {
        Error::file(
            path,
            format!("not a uint8 .npy array blight can read: {why}"),
        )
    };
    let mut file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut head = [0u8; 12];
    file.read_exact(&mut head).map_err(|_| bad("too short"))?;
    if &head[..6] != b"\x93NUMPY" {
        return Err(bad("no NUMPY magic"));
    }
    let (len, start) = match head[6] {
        1 => (u16::from_le_bytes([head[8], head[9]]) as usize, 10),
        2 | 3 => (
            u32::from_le_bytes([head[8], head[9], head[10], head[11]]) as usize,
            12,
        ),
        _ => return Err(bad("unknown format version")),
    };
    if len > 1 << 20 {
        return Err(bad("header too long"));
    }
    let mut text = vec![0u8; len];
    file.seek(SeekFrom::Start(start as u64))
        .and_then(|_| file.read_exact(&mut text))
        .map_err(|_| bad("truncated header"))?;
    let text = String::from_utf8(text).map_err(|_| bad("header is not text"))?;
    let field = |key: &str| -> Option<&str> {
        let at = text.find(&format!("'{key}':"))? + key.len() + 3;
        Some(text[at..].trim_start())
    };
    let descr = field("descr")
        .and_then(|s| s.strip_prefix('\''))
        .and_then(|s| s.split('\'').next())
        .ok_or_else(|| bad("no descr"))?;
    if !matches!(descr, "|u1" | "<u1" | ">u1" | "u1") {
        return Err(bad(&format!("dtype {descr}, not uint8")));
    }
    if field("fortran_order").is_some_and(|s| s.starts_with("True")) {
        return Err(bad("Fortran order"));
    }
    let shape = field("shape")
        .and_then(|s| s.strip_prefix('('))
        .and_then(|s| s.split(')').next())
        .ok_or_else(|| bad("no shape"))?
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<usize>().map_err(|_| bad("bad shape")))
        .collect::<Result<Vec<_>>>()?;
    let data = (start + len) as u64;
    let size = file.metadata().map_err(|e| Error::io(path, e))?.len();
    let want = data + shape.iter().product::<usize>() as u64;
    if size < want {
        return Err(bad(&format!(
            "{size} bytes, its shape {shape:?} needs {want}"
        )));
    }
    Ok(NpyHeader { shape, data })
}

struct NpyVideos {
    path: PathBuf,
    data: u64,
    videos: usize,
    frames: usize,
    side: usize,
    keys: Vec<String>,
    fingerprint: String,
}

impl Videos for NpyVideos {
    fn len(&self) -> usize {
        self.videos
    }

    fn key(&self, v: usize) -> &str {
        &self.keys[v]
    }

    fn label(&self, _v: usize) -> Option<usize> {
        None
    }

    fn frames(&self, v: usize) -> Result<Vec<Image>> {
        let frame = self.side * self.side * 3;
        let mut bytes = vec![0u8; self.frames * frame];
        let mut file = std::fs::File::open(&self.path).map_err(|e| Error::io(&self.path, e))?;
        file.seek(SeekFrom::Start(self.data + (v * bytes.len()) as u64))
            .and_then(|_| file.read_exact(&mut bytes))
            .map_err(|e| Error::io(&self.path, e))?;
        bytes
            .chunks_exact(frame)
            .map(|f| Image::new(self.side, self.side, 3, f.to_vec()))
            .collect()
    }

    fn fingerprint(&self) -> String {
        self.fingerprint.clone()
    }
}

fn open_npy(root: &Path, named: Option<String>, selection: &Selection) -> Result<SequenceDataset> {
    let suite = Arc::new(PerturbSuite::built_in(
        named.as_deref().unwrap_or("cifar10-p"),
    )?);
    let side = match suite.output {
        Some(SequenceLayout::SequenceNpy { side }) => side,
        _ => {
            return Err(Error::file(
                root,
                format!(
                    "holds .npy sequences, but suite {} writes tar shards",
                    suite.name
                ),
            ))
        }
    };
    let mut files: BTreeMap<(String, u32), PathBuf> = BTreeMap::new();
    for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
        let path = entry.map_err(|e| Error::io(root, e))?.path();
        let Some(stem) = path
            .extension()
            .filter(|e| *e == "npy")
            .and(path.file_stem())
            .and_then(|s| s.to_str())
        else {
            continue;
        };
        let split = stem
            .rsplit_once('_')
            .and_then(|(n, d)| Some((n, d.parse::<u32>().ok().filter(|d| (2..=3).contains(d))?)));
        let (name, d) = match split {
            Some((n, d)) if suite.get(n).is_ok() => (n.to_string(), d),
            _ => (stem.to_string(), 1),
        };
        if suite.get(&name).is_ok() {
            files.insert((name, d), path);
        }
    }
    let parts = selection.parts(&suite, root, |name, d| {
        let Some(path) = files.get(&(name.to_string(), d)) else {
            return Ok(None);
        };
        let header = npy_header(path)?;
        let frames = suite.get(name)?.frame_count();
        match header.shape[..] {
            [n, t, h, w, 3] if t == frames && h == side && w == side => {
                let mut hash = Sha256::new();
                hash.update(format!("{:?}", header.shape).as_bytes());
                hash.update(
                    std::fs::metadata(path)
                        .map_err(|e| Error::io(path, e))?
                        .len()
                        .to_le_bytes(),
                );
                Ok(Some(Box::new(NpyVideos {
                    path: path.clone(),
                    data: header.data,
                    videos: n,
                    frames,
                    side,
                    keys: (0..n).map(|i| i.to_string()).collect(),
                    fingerprint: to_hex(&hash.finalize()),
                }) as Box<dyn Videos>))
            }
            _ => Err(Error::file(
                path,
                format!(
                    "shape {:?}: {name} in suite {} is (N, {frames}, {side}, {side}, 3), \
                     {frames} frames to a sequence",
                    header.shape, suite.name
                ),
            )),
        }
    })?;
    Ok(SequenceDataset {
        root: root.to_path_buf(),
        kind: "sequence-npy",
        suite,
        parts,
    })
}

// ----- mp4 through ffmpeg -----

/// The `ffmpeg` on PATH, or an error saying the videos need it.
fn ffmpeg_for(root: &Path) -> Result<PathBuf> {
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join("ffmpeg"))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            Error::file(
                root,
                "holds .mp4 sequences, which blight decodes through ffmpeg, and there is no \
                 ffmpeg on PATH: install ffmpeg, or score the lossless tar shards `blight \
                 generate` writes without --video",
            )
        })
}

struct Mp4Videos {
    ffmpeg: PathBuf,
    /// (file, key, label)
    videos: Vec<(PathBuf, String, usize)>,
    frames: usize,
}

/// Decodes every frame of the video at `path` to RGB through `ffmpeg` (PPM frames on a pipe).
fn decode_mp4(ffmpeg: &Path, path: &Path) -> Result<Vec<Image>> {
    let output = std::process::Command::new(ffmpeg)
        .args(["-nostdin", "-loglevel", "error", "-i"])
        .arg(path)
        .args([
            "-vsync",
            "passthrough",
            "-f",
            "image2pipe",
            "-vcodec",
            "ppm",
            "-",
        ])
        .output()
        .map_err(|e| Error::file(ffmpeg, format!("cannot run ffmpeg: {e}")))?;
    if !output.status.success() {
        return Err(Error::file(
            path,
            format!(
                "ffmpeg cannot decode it ({}): {}",
                output.status,
                crate::error::one_line(&String::from_utf8_lossy(&output.stderr))
            ),
        ));
    }
    parse_ppms(&output.stdout).map_err(|why| Error::file(path, format!("ffmpeg's frames: {why}")))
}

/// Concatenated binary PPMs (P6, maxval 255) as RGB images.
fn parse_ppms(mut bytes: &[u8]) -> std::result::Result<Vec<Image>, String> {
    let mut frames = Vec::new();
    while !bytes.is_empty() {
        let mut fields = Vec::new();
        let mut at = 0;
        while fields.len() < 4 {
            while at < bytes.len() && bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            let start = at;
            while at < bytes.len() && !bytes[at].is_ascii_whitespace() {
                at += 1;
            }
            if start == at {
                return Err("truncated PPM header".into());
            }
            fields.push(String::from_utf8_lossy(&bytes[start..at]).into_owned());
        }
        at += 1; // the single whitespace after maxval
        let number = |s: &str| {
            s.parse::<usize>()
                .map_err(|_| format!("bad PPM field '{s}'"))
        };
        if fields[0] != "P6" || number(&fields[3])? != 255 {
            return Err(format!(
                "not an 8-bit P6 PPM ({} maxval {})",
                fields[0], fields[3]
            ));
        }
        let (w, h) = (number(&fields[1])?, number(&fields[2])?);
        let end = at + w * h * 3;
        if end > bytes.len() {
            return Err("truncated PPM data".into());
        }
        frames.push(Image::new(w, h, 3, bytes[at..end].to_vec()).map_err(|e| e.to_string())?);
        bytes = &bytes[end..];
    }
    Ok(frames)
}

impl Videos for Mp4Videos {
    fn len(&self) -> usize {
        self.videos.len()
    }

    fn key(&self, v: usize) -> &str {
        &self.videos[v].1
    }

    fn label(&self, v: usize) -> Option<usize> {
        Some(self.videos[v].2)
    }

    fn frames(&self, v: usize) -> Result<Vec<Image>> {
        let path = &self.videos[v].0;
        let frames = decode_mp4(&self.ffmpeg, path)?;
        if frames.len() != self.frames {
            return Err(Error::file(
                path,
                format!(
                    "{} frames, but this perturbation has {}",
                    frames.len(),
                    self.frames
                ),
            ));
        }
        Ok(frames)
    }

    fn fingerprint(&self) -> String {
        let mut hash = Sha256::new();
        for (path, key, _) in &self.videos {
            hash.update(key.as_bytes());
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            hash.update(size.to_le_bytes());
        }
        to_hex(&hash.finalize())
    }
}

fn sorted_entries(dir: &Path, dirs: bool) -> Result<Vec<PathBuf>> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir() == dirs)
        .collect();
    v.sort();
    Ok(v)
}

fn open_mp4(root: &Path, named: Option<String>, selection: &Selection) -> Result<SequenceDataset> {
    let ffmpeg = ffmpeg_for(root)?;
    // <stem>/<class>/<name>.mp4, classes sorted as DatasetFolder sorts them.
    let mut trees: BTreeMap<String, Vec<(PathBuf, String, usize)>> = BTreeMap::new();
    for dir in sorted_entries(root, true)? {
        let Some(stem) = dir.file_name().and_then(|n| n.to_str()).map(String::from) else {
            continue;
        };
        let mut videos = Vec::new();
        for (label, class) in sorted_entries(&dir, true)?.into_iter().enumerate() {
            let class_name = class.file_name().and_then(|n| n.to_str()).unwrap_or("");
            for file in sorted_entries(&class, false)? {
                if file.extension().is_some_and(|e| e == "mp4") {
                    let name = file.file_name().and_then(|n| n.to_str()).unwrap_or("");
                    let key = format!("{class_name}/{name}");
                    videos.push((file, key, label));
                }
            }
        }
        if !videos.is_empty() {
            trees.insert(stem, videos);
        }
    }
    let first_side = || -> Result<usize> {
        let (path, _, _) = trees
            .values()
            .flat_map(|v| v.first())
            .next()
            .ok_or_else(|| Error::file(root, "holds no .mp4"))?;
        let frames = decode_mp4(&ffmpeg, path)?;
        frames
            .first()
            .map(|f| f.width)
            .ok_or_else(|| Error::file(path, "ffmpeg decoded no frame"))
    };
    let suite = Arc::new(suite_named(root, named, first_side)?);
    let parts = selection.parts(&suite, root, |name, d| {
        let frames = suite.get(name)?.frame_count();
        Ok(trees.remove(&stem(name, d)).map(|videos| {
            Box::new(Mp4Videos {
                ffmpeg: ffmpeg.clone(),
                videos,
                frames,
            }) as Box<dyn Videos>
        }))
    })?;
    Ok(SequenceDataset {
        root: root.to_path_buf(),
        kind: "sequence-mp4",
        suite,
        parts,
    })
}

// ----- generated in memory -----

/// What `--generate imagenet-p --source PATH` makes: the options `blight generate` takes.
pub struct GenerateRequest {
    /// A built-in perturbation suite.
    pub suite: String,
    pub source: PathBuf,
    pub source_labels: Option<PathBuf>,
    pub limit: Option<usize>,
    pub seed: u64,
    pub rng: RngKind,
}

/// What every generated part shares.
struct GeneratedRun {
    suite: Arc<PerturbSuite>,
    source: Box<dyn Source>,
    sink: Box<dyn Sink>,
    layout: SequenceLayout,
    context: Context,
    seed: u64,
    rng: RngKind,
    samples: usize,
}

struct GeneratedVideos {
    run: Arc<GeneratedRun>,
    name: &'static str,
    difficulty: u32,
}

impl Videos for GeneratedVideos {
    fn len(&self) -> usize {
        self.run.samples
    }

    fn key(&self, v: usize) -> &str {
        self.run.source.key(v)
    }

    fn label(&self, v: usize) -> Option<usize> {
        Some(self.run.source.label(v))
    }

    /// The sequence as `blight generate` encodes it, decoded as the file on disk is.
    fn frames(&self, v: usize) -> Result<Vec<Image>> {
        let run = &*self.run;
        let sequence = Sequence {
            suite: &run.suite,
            name: self.name,
            difficulty: self.difficulty,
        };
        let configs = [Config {
            corruption_name: self.name,
            severity: self.difficulty,
            corruption: &sequence,
        }];
        // The sequences prepare their inputs themselves, as in generate_p.
        let identity = Prep::default();
        let maker = Maker {
            source: run.source.as_ref(),
            prep: &identity,
            configs: &configs,
            sink: run.sink.as_ref(),
            context: &run.context,
            suite: &run.suite.name,
            seed: run.seed,
            rng: run.rng,
        };
        let (_, bytes) = maker
            .outputs(v, &[0])?
            .pop()
            .ok_or_else(|| Error::Invalid(format!("{}: no sequence made", self.key(v))))?;
        match run.layout {
            SequenceLayout::SequenceNpy { side } => bytes
                .chunks_exact(side * side * 3)
                .map(|f| Image::new(side, side, 3, f.to_vec()))
                .collect(),
            SequenceLayout::SequenceTar { .. } => tar_group_frames(self.key(v), bytes),
        }
    }

    fn fingerprint(&self) -> String {
        let run = &*self.run;
        let mut hash = Sha256::new();
        hash.update(run.source.info().fingerprint.as_bytes());
        hash.update(run.suite.recipe_sha256.as_bytes());
        hash.update(format!("{}/{:?}/{}", run.seed, run.rng, run.samples).as_bytes());
        to_hex(&hash.finalize())
    }
}

/// The PNG frames of one sequence's tar members (a shard's group, without the archive's end).
fn tar_group_frames(key: &str, mut bytes: Vec<u8>) -> Result<Vec<Image>> {
    bytes.extend_from_slice(&[0u8; 1024]);
    let bad = |e: std::io::Error| Error::Invalid(format!("{key}: reading its tar members: {e}"));
    let mut archive = tar::Archive::new(std::io::Cursor::new(bytes));
    let mut frames = Vec::new();
    for entry in archive.entries().map_err(bad)? {
        let mut entry = entry.map_err(bad)?;
        let name = entry.path().map_err(bad)?.to_string_lossy().into_owned();
        let Some((_, number)) = frame_member(&name) else {
            continue;
        };
        if number != frames.len() {
            return Err(Error::Invalid(format!("{name}: frames out of order")));
        }
        let mut png = Vec::new();
        entry.read_to_end(&mut png).map_err(bad)?;
        frames.push(source::decode::decode_rgb(
            Path::new(&name),
            &png,
            super::dataset::DECODER,
        )?);
    }
    Ok(frames)
}

/// The sequences `request` describes, made on demand.
pub fn generate(request: GenerateRequest, selection: &Selection) -> Result<SequenceDataset> {
    let suite = Arc::new(PerturbSuite::built_in(&request.suite)?);
    selection.check(&suite)?;
    let layout = suite.output.clone().ok_or_else(|| {
        Error::Invalid(format!(
            "suite {} has no [output] section, so --generate cannot make its sequences",
            suite.name
        ))
    })?;
    let source = source::open_for_input(
        &request.source,
        request.source_labels.as_deref(),
        &suite.input,
    )?;
    suite
        .input
        .check_classes(&request.source, source.classes().len())?;
    let samples = request.limit.map_or(source.len(), |l| l.min(source.len()));
    if samples == 0 {
        return Err(Error::file(
            &request.source,
            "no images to make sequences from",
        ));
    }
    // Every sequence the selection asks for, to size the sink as `generate` sizes it.
    let difficulties = selection.difficulties();
    let mut configs = Vec::new();
    let mut frames = Vec::new();
    for name in suite.names() {
        if !selection.perturbations.is_empty() && !selection.perturbations.iter().any(|p| p == name)
        {
            continue;
        }
        let p = suite.get(name)?;
        frames.push((name.to_string(), p.frame_count()));
        match p.pairing() {
            Pairing::AgainstFirst => {
                configs.extend(difficulties.iter().map(|&d| (name.to_string(), d)))
            }
            Pairing::Stride => configs.push((name.to_string(), 1)),
        }
    }
    let sink: Box<dyn Sink> = match layout {
        SequenceLayout::SequenceNpy { side } => {
            Box::new(SequenceNpySink::new(samples, side, &frames)?)
        }
        SequenceLayout::SequenceTar { shard_size } => Box::new(SequenceTarSink::new(
            shard_size.max(1),
            &Plan {
                samples,
                range: 0..samples,
                configs,
            },
            &frames,
        )?),
    };
    let context = Context {
        assets: crate::assets::AssetDirs::locate(&[]),
        jpeg: suite.input.decoder,
    };
    let run = Arc::new(GeneratedRun {
        suite: suite.clone(),
        source,
        sink,
        layout,
        context,
        seed: request.seed,
        rng: request.rng,
        samples,
    });
    let parts = selection.parts(&suite, &request.source, |name, d| {
        Ok(Some(Box::new(GeneratedVideos {
            run: run.clone(),
            name,
            difficulty: d,
        }) as Box<dyn Videos>))
    })?;
    Ok(SequenceDataset {
        root: request.source,
        kind: "generated",
        suite,
        parts,
    })
}

// ----- scoring -----

/// The most videos prepared at once.
const MAX_WINDOW: usize = 8;

/// How a sequence run is done.
pub struct Options {
    pub preprocess: Preprocess,
    /// Frames per inference batch.
    pub batch: usize,
    /// Model output index of each class scored, or `None` for every output.
    pub subset: Option<Vec<usize>>,
    /// One line per video: its frames' predictions (and scores, with `save_logits`).
    pub predictions: Option<PathBuf>,
    pub save_logits: bool,
    pub progress: bool,
}

/// A run's tallies and timings.
pub struct Run {
    /// (perturbation, difficulty) → the videos' sums.
    pub tallies: BTreeMap<(String, u32), Tally>,
    /// Frames scored.
    pub frames: usize,
    pub videos: usize,
    /// Classes ranked per frame.
    pub classes: usize,
    pub elapsed: Duration,
}

/// One video's frames, preprocessed.
struct Prepared {
    part: usize,
    video: usize,
    tensor: Vec<f32>,
    frames: usize,
}

/// A video whose frames are being scored.
struct Open {
    part: usize,
    video: usize,
    frames: usize,
    rankings: Vec<Ranking>,
    scores: Vec<Vec<f32>>,
}

/// Scores every part of `dataset` with `model`.
pub fn run(model: &mut Model, dataset: &SequenceDataset, options: &Options) -> Result<Run> {
    options.preprocess.check()?;
    let first = dataset
        .parts
        .first()
        .ok_or_else(|| Error::file(&dataset.root, "no sequences to score"))?;
    let probe = first.videos.frames(0)?;
    let probe = options.preprocess.geometry(
        probe
            .first()
            .ok_or_else(|| Error::file(&dataset.root, "a sequence without frames"))?,
        false,
    )?;
    let image_shape = [probe.channels, probe.height, probe.width];
    let image_len: usize = image_shape.iter().product();
    let batch = super::evaluate::fit_input(model, &options.preprocess, image_shape, options.batch)?;
    let fixed = model.input.shape.first().is_some_and(|&b| b > 0);
    if let (Some(outputs), Some(mask)) = (model.classes(), &options.subset) {
        if let Some(k) = mask.iter().find(|&&k| k >= outputs) {
            return Err(Error::Invalid(format!(
                "the class subset names output {k}, but the model has {outputs} outputs"
            )));
        }
    }
    let total_frames: usize = dataset
        .parts
        .iter()
        .map(|p| p.videos.len() * p.frames)
        .sum();
    let bar = if options.progress {
        indicatif::ProgressBar::new(total_frames as u64)
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut predictions = match &options.predictions {
        Some(path) => Some(std::io::BufWriter::new(
            std::fs::File::create(path).map_err(|e| Error::io(path, e))?,
        )),
        None => None,
    };
    let mut tallies: BTreeMap<(String, u32), Tally> = BTreeMap::new();
    let mut classes = 0;
    let mut videos = 0;
    let start = Instant::now();
    // Videos prepared in parallel, a window at a time, then queued in order. A 41-frame video
    // at 224 is 25 MB of floats: at most a window and half as many queued are held.
    let window = rayon::current_num_threads().clamp(1, MAX_WINDOW);
    std::thread::scope(|scope| -> Result<()> {
        let (send, receive) = std::sync::mpsc::sync_channel::<Result<Prepared>>(window / 2 + 1);
        let preprocess = &options.preprocess;
        scope.spawn(move || {
            for (p, part) in dataset.parts.iter().enumerate() {
                let n = part.videos.len();
                for begin in (0..n).step_by(window) {
                    let made: Vec<Result<Prepared>> = (begin..n.min(begin + window))
                        .into_par_iter()
                        .map(|v| prepare(part, p, v, preprocess, image_shape, image_len))
                        .collect();
                    for m in made {
                        let stop = m.is_err();
                        if send.send(m).is_err() || stop {
                            return;
                        }
                    }
                }
            }
        });
        // Frames waiting for a batch, and the videos they belong to (in order).
        let mut pending: Vec<f32> = Vec::with_capacity(batch * image_len);
        let mut open: VecDeque<Open> = VecDeque::new();
        let mut score = |model: &mut Model,
                         pending: &mut Vec<f32>,
                         open: &mut VecDeque<Open>,
                         n: usize|
         -> Result<()> {
            let mut tensor: Vec<f32> = pending.drain(..n * image_len).collect();
            let fed = if fixed && n < batch {
                tensor.resize(batch * image_len, 0.0);
                batch
            } else {
                n
            };
            let shape = super::evaluate::input_shape(model, &options.preprocess, fed, image_shape);
            let scores = model.run(&tensor, &shape)?;
            let width = scores.len() / fed.max(1);
            for row in scores.chunks_exact(width).take(n) {
                let row: Vec<f32> = match &options.subset {
                    Some(mask) => mask.iter().map(|&k| row[k]).collect(),
                    None => row.to_vec(),
                };
                classes = row.len();
                let video = open
                    .iter_mut()
                    .find(|o| o.rankings.len() < o.frames)
                    .ok_or_else(|| Error::Invalid("scores for no video".into()))?;
                video.rankings.push(Ranking::new(&row));
                if options.save_logits {
                    video.scores.push(row);
                }
            }
            while open.front().is_some_and(|o| o.rankings.len() == o.frames) {
                let Some(done) = open.pop_front() else { break };
                let part = &dataset.parts[done.part];
                for &d in &part.difficulties {
                    let v = stability::video(&done.rankings, part.pairing, d).map_err(|e| {
                        Error::Invalid(format!("{} difficulty {d}: {e}", part.perturbation))
                    })?;
                    tallies
                        .entry((part.perturbation.clone(), d))
                        .or_default()
                        .add(done.frames, &v);
                }
                if let Some(out) = predictions.as_mut() {
                    write_video(out, part, &done, options.save_logits).map_err(|e| {
                        Error::io(options.predictions.clone().unwrap_or_default(), e)
                    })?;
                }
                videos += 1;
                bar.inc(done.frames as u64);
            }
            Ok(())
        };
        for made in receive {
            let made = made?;
            pending.extend_from_slice(&made.tensor);
            open.push_back(Open {
                part: made.part,
                video: made.video,
                frames: made.frames,
                rankings: Vec::with_capacity(made.frames),
                scores: Vec::new(),
            });
            while pending.len() >= batch * image_len {
                score(model, &mut pending, &mut open, batch)?;
            }
        }
        let rest = pending.len() / image_len;
        if rest > 0 {
            score(model, &mut pending, &mut open, rest)?;
        }
        Ok(())
    })?;
    let elapsed = start.elapsed();
    bar.finish_and_clear();
    if let Some(mut out) = predictions {
        out.flush()
            .map_err(|e| Error::io(options.predictions.clone().unwrap_or_default(), e))?;
    }
    Ok(Run {
        tallies,
        frames: total_frames,
        videos,
        classes,
        elapsed,
    })
}

/// Reads (or makes) video `v` of `part` and preprocesses its frames into one tensor.
fn prepare(
    part: &Part,
    index: usize,
    v: usize,
    preprocess: &Preprocess,
    shape: [usize; 3],
    image_len: usize,
) -> Result<Prepared> {
    let frames = part.videos.frames(v)?;
    if frames.len() != part.frames {
        return Err(Error::Invalid(format!(
            "{} {}: {} frames, but {} has {}",
            part.name(),
            part.videos.key(v),
            frames.len(),
            part.perturbation,
            part.frames
        )));
    }
    let mut tensor = vec![0f32; frames.len() * image_len];
    tensor
        .par_chunks_mut(image_len)
        .zip(frames.par_iter())
        .enumerate()
        .try_for_each(|(k, (out, frame))| -> Result<()> {
            let image = preprocess.geometry(frame, false)?;
            if [image.channels, image.height, image.width] != shape {
                return Err(Error::Invalid(format!(
                    "{} {} frame {k} is {}×{}×{} (C×H×W) after preprocessing, the others \
                     {}×{}×{}: use a preset that crops to one size",
                    part.name(),
                    part.videos.key(v),
                    image.channels,
                    image.height,
                    image.width,
                    shape[0],
                    shape[1],
                    shape[2]
                )));
            }
            preprocess.normalise(&image, out);
            Ok(())
        })?;
    Ok(Prepared {
        part: index,
        video: v,
        tensor,
        frames: frames.len(),
    })
}

fn write_video(
    out: &mut impl Write,
    part: &Part,
    video: &Open,
    save_logits: bool,
) -> std::io::Result<()> {
    let mut record = serde_json::json!({
        "perturbation": part.perturbation,
        "difficulty": part.data_difficulty,
        "key": part.videos.key(video.video),
        "label": part.videos.label(video.video),
        "predictions": video.rankings.iter().map(Ranking::top1).collect::<Vec<_>>(),
    });
    if save_logits {
        record["scores"] = serde_json::json!(video.scores);
    }
    writeln!(out, "{record}")
}

/// The dataset's content identity: every part's name and fingerprint.
pub fn fingerprint(dataset: &SequenceDataset) -> String {
    let mut hash = Sha256::new();
    for part in &dataset.parts {
        hash.update(part.name().as_bytes());
        hash.update(part.videos.fingerprint().as_bytes());
    }
    to_hex(&hash.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ppm_frames_are_parsed_in_order() {
        let mut bytes = b"P6\n2 1\n255\n".to_vec();
        bytes.extend_from_slice(&[1, 2, 3, 4, 5, 6]);
        bytes.extend_from_slice(b"P6 1 1 255\n");
        bytes.extend_from_slice(&[7, 8, 9]);
        let frames = parse_ppms(&bytes).unwrap();
        assert_eq!(frames.len(), 2);
        assert_eq!((frames[0].width, frames[0].height), (2, 1));
        assert_eq!(frames[1].data, vec![7, 8, 9]);
        assert!(parse_ppms(b"P6\n2 2\n255\n\x01").is_err());
    }

    #[test]
    fn frame_members_name_their_sequence() {
        assert_eq!(
            frame_member("rotate/n01/a_b.frame-07.png"),
            Some(("rotate/n01/a_b", 7))
        );
        assert_eq!(frame_member("rotate/n01/a_b.json"), None);
    }

    #[test]
    fn selections_refuse_unknown_names_and_difficulties() {
        let suite = PerturbSuite::built_in("imagenet-p").unwrap();
        let bad = Selection {
            perturbations: vec!["fog".into()],
            difficulties: vec![],
        };
        let err = bad.check(&suite).unwrap_err().to_string();
        assert!(err.contains("unknown perturbation 'fog'"), "{err}");
        let bad = Selection {
            perturbations: vec![],
            difficulties: vec![4],
        };
        let err = bad.check(&suite).unwrap_err().to_string();
        assert!(err.contains("difficulty 4 is outside 1..3"), "{err}");
    }
}
