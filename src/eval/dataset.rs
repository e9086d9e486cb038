//! The datasets the evaluator reads, each as a list of parts (clean, or one corruption at one
//! severity) over blight's own sources.
//!
//! What `PATH` holds decides the layout:
//! * `mnist_c/<corruption>/test_images.npy` + `test_labels.npy` (MNIST-C; `identity` is the
//!   clean part);
//! * `<corruption>.npy` + `labels.npy` (CIFAR-10/100-C: severities 1..5 stacked);
//! * `shard-*.tar` (WebDataset shards, `generate --format wds`);
//! * `<corruption>/<severity>/<class>/<image>` (ImageNet-C style trees), with the clean images
//!   from `--clean DIR` (a class-folder tree).
//!
//! Class indices come from the sorted class-folder names of all parts together (ImageFolder's
//! rule; `.npy` datasets keep their stored label numbers), or from a label-map file: one class
//! name per line, line i naming class i.

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::source::{self, npy_stack::NpyStack, webdataset, Source};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One evaluated set: the clean images, or one corruption at one severity.
pub struct Part {
    /// `None` for the clean images.
    pub corruption: Option<String>,
    /// `None` where the suite has one severity (MNIST-C) or for clean images.
    pub severity: Option<u32>,
    pub source: Box<dyn Source>,
    /// The class index of each sample in the dataset's class list.
    pub labels: Vec<usize>,
}

impl Part {
    pub fn is_clean(&self) -> bool {
        self.corruption.is_none()
    }

    /// `clean`, `fog/3` or `fog`.
    pub fn name(&self) -> String {
        match (&self.corruption, self.severity) {
            (None, _) => "clean".into(),
            (Some(c), Some(s)) => format!("{c}/{s}"),
            (Some(c), None) => c.clone(),
        }
    }
}

/// A dataset ready to evaluate.
pub struct Dataset {
    pub root: PathBuf,
    /// `imagenet-c-tree`, `mnist-c-npy`, `cifar-c-npy`, `webdataset`, or `generated` (made in
    /// memory from a source, [`super::generated`]).
    pub kind: &'static str,
    pub parts: Vec<Part>,
    pub classes: Vec<String>,
}

/// JPEGs are decoded as current Pillow decodes them when torchvision loads the test images.
pub(super) const DECODER: jpeg::Profile = jpeg::Profile::Turbo;

/// Opens the dataset at `root` (see the module doc), with clean images from `clean` and class
/// names from `label_map`.
pub fn open(root: &Path, clean: Option<&Path>, label_map: Option<&Path>) -> Result<Dataset> {
    if !root.is_dir() {
        return Err(Error::file(root, "no such dataset folder"));
    }
    let mnist = root.join("mnist_c");
    let (kind, mut parts) = if mnist.is_dir() || root.join("identity/test_images.npy").is_file() {
        let dir = if mnist.is_dir() {
            mnist
        } else {
            root.to_path_buf()
        };
        ("mnist-c-npy", mnist_c(&dir)?)
    } else if root.join("labels.npy").is_file() {
        ("cifar-c-npy", cifar_c(root)?)
    } else if webdataset::is_shards(root) {
        ("webdataset", shards(root)?)
    } else {
        ("imagenet-c-tree", tree(root)?)
    };
    if let Some(clean) = clean {
        let source = source::open(clean, None, DECODER)?;
        parts.insert(
            0,
            Part {
                corruption: None,
                severity: None,
                labels: Vec::new(),
                source,
            },
        );
    }
    if parts.is_empty() {
        return Err(Error::file(
            root,
            "no images found: expected <corruption>/<severity>/<class>/<image> folders, \
             mnist_c/<corruption>/test_images.npy, or <corruption>.npy with labels.npy",
        ));
    }
    assemble(root, kind, parts, label_map, false)
}

/// The dataset of `parts`, with the class list (from `label_map`, else the parts' classes:
/// sorted by name, or in label order with `by_index`) and every part's labels in it.
pub(super) fn assemble(
    root: &Path,
    kind: &'static str,
    mut parts: Vec<Part>,
    label_map: Option<&Path>,
    by_index: bool,
) -> Result<Dataset> {
    let classes = match label_map {
        Some(path) => read_label_map(path)?,
        // Array datasets store class indices (their classes are named by number): keep them
        // (sorting their names as text would put "10" before "2"); so does a source whose
        // suite writes arrays.
        None if kind.ends_with("-npy") || by_index => parts
            .iter()
            .map(|p| p.source.classes())
            .max_by_key(|c| c.len())
            .unwrap_or_default()
            .to_vec(),
        None => parts
            .iter()
            .flat_map(|p| p.source.classes().iter().cloned())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect(),
    };
    for part in &mut parts {
        part.labels = global_labels(part.source.as_ref(), &classes, label_map)?;
    }
    Ok(Dataset {
        root: root.to_path_buf(),
        kind,
        parts,
        classes,
    })
}

/// Class names, one per line (blank lines ignored).
fn read_label_map(path: &Path) -> Result<Vec<String>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    let classes: Vec<String> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect();
    if classes.is_empty() {
        return Err(Error::file(path, "the label map names no class"));
    }
    Ok(classes)
}

/// Each sample's index in `classes`, by its class name.
fn global_labels(
    source: &dyn Source,
    classes: &[String],
    label_map: Option<&Path>,
) -> Result<Vec<usize>> {
    let index: std::collections::HashMap<&str, usize> = classes
        .iter()
        .enumerate()
        .map(|(i, c)| (c.as_str(), i))
        .collect();
    (0..source.len())
        .map(|i| {
            let name = &source.classes()[source.label(i)];
            index.get(name.as_str()).copied().ok_or_else(|| {
                Error::file(
                    label_map.unwrap_or(Path::new("label map")),
                    format!(
                        "class '{name}' of {} is not in the label map",
                        source.key(i)
                    ),
                )
            })
        })
        .collect()
}

/// Sorted sub-folder names of `dir`.
fn subfolders(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| Error::io(dir, e))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .filter_map(|e| e.file_name().to_str().map(String::from))
        .collect();
    names.sort();
    Ok(names)
}

fn tree(root: &Path) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    for corruption in subfolders(root)? {
        for severity in subfolders(&root.join(&corruption))? {
            let Ok(s) = severity.parse::<u32>() else {
                continue;
            };
            let dir = root.join(&corruption).join(&severity);
            parts.push(Part {
                corruption: Some(corruption.clone()),
                severity: Some(s),
                source: Box::new(source::folder::ImageFolder::open(&dir, DECODER)?),
                labels: Vec::new(),
            });
        }
    }
    parts.sort_by_key(|p| (p.corruption.clone(), p.severity));
    Ok(parts)
}

fn shards(root: &Path) -> Result<Vec<Part>> {
    Ok(webdataset::open(root, DECODER)?
        .into_iter()
        .map(|part| Part {
            corruption: Some(part.corruption.clone()),
            severity: Some(part.severity),
            source: Box::new(part),
            labels: Vec::new(),
        })
        .collect())
}

fn mnist_c(dir: &Path) -> Result<Vec<Part>> {
    let mut parts = Vec::new();
    for name in subfolders(dir)? {
        let images = dir.join(&name).join("test_images.npy");
        if !images.is_file() {
            continue;
        }
        let labels = dir.join(&name).join("test_labels.npy");
        for stack in NpyStack::open(&name, &images, &labels, 1)? {
            parts.push(Part {
                corruption: (name != "identity").then(|| name.clone()),
                severity: None,
                source: Box::new(stack),
                labels: Vec::new(),
            });
        }
    }
    // The clean part first.
    parts.sort_by_key(|p| p.corruption.is_some());
    Ok(parts)
}

fn cifar_c(root: &Path) -> Result<Vec<Part>> {
    let labels = root.join("labels.npy");
    let mut files: Vec<PathBuf> = std::fs::read_dir(root)
        .map_err(|e| Error::io(root, e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "npy") && *p != labels)
        .collect();
    files.sort();
    let mut parts = Vec::new();
    for file in files {
        let name = file
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_string();
        for (s, stack) in NpyStack::open(&name, &file, &labels, 5)?
            .into_iter()
            .enumerate()
        {
            parts.push(Part {
                corruption: Some(name.clone()),
                severity: Some(s as u32 + 1),
                source: Box::new(stack),
                labels: Vec::new(),
            });
        }
    }
    Ok(parts)
}
