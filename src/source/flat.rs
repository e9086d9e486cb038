//! ImageNet's validation images as distributed: one flat folder (`ILSVRC2012_val_00000001.JPEG`,
//! ...) and a label file in the `LOC_val_solution.csv` format (`ImageId,PredictionString`, the
//! first token of the prediction string being the image's wnid). The samples come out as
//! [`super::folder::ImageFolder`] would list the equivalent class tree: classes are the sorted
//! distinct wnids, images are ordered by class and then by file name, and keys are
//! `<wnid>/<file>`, so outputs land exactly where the class-folder source puts them and the
//! fingerprint (keys and sizes) is the same.
//!
//! The label file may instead be Tiny-ImageNet's `val_annotations.txt` (tab-separated
//! `<file>\t<wnid>\t<box>` rows, no header), so `tiny-imagenet-200/val/images` reads as its 200
//! class folders of 50 images each.
//!
//! The label-file reading and the ordering are shared with [`super::imagenet_tar`], which reads
//! the same images from `ILSVRC2012_img_val.tar`.

use super::listing::{is_image, Entry, Listed, Listing, Store};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

impl<L> Listing<L> {
    /// Labels `files` (file name, size, location; found in `store`) from the label file at
    /// `labels`, and orders them as ImageFolder orders the class tree. A label row without its
    /// file, a file without a label row, or two rows for one image are errors.
    pub fn arrange(store: &Path, labels: &Path, files: Vec<(String, u64, L)>) -> Result<Self> {
        let rows = read_labels(labels)?;
        let mut by_id: HashMap<&str, (usize, &str)> = HashMap::with_capacity(rows.len());
        for (line, id, wnid) in &rows {
            if let Some((first, _)) = by_id.insert(id, (*line, wnid)) {
                return Err(Error::file(
                    labels,
                    format!("line {line}: {id} is labelled again (first on line {first})"),
                ));
            }
        }
        let classes: Vec<String> = rows
            .iter()
            .map(|(_, _, wnid)| wnid.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let label_of: HashMap<&str, usize> = classes
            .iter()
            .enumerate()
            .map(|(label, class)| (class.as_str(), label))
            .collect();
        let mut entries = Vec::with_capacity(files.len());
        for (name, bytes, at) in files {
            let stem = name
                .rsplit_once('.')
                .map_or(name.as_str(), |(stem, _)| stem);
            let Some((_, wnid)) = by_id.remove(stem) else {
                return Err(Error::file(
                    store,
                    format!("{name} has no row in {}", labels.display()),
                ));
            };
            entries.push(Entry {
                key: format!("{wnid}/{name}"),
                label: label_of[wnid],
                bytes,
                at,
            });
        }
        if let Some((line, id)) = by_id.iter().map(|(id, (line, _))| (*line, *id)).min() {
            return Err(Error::file(
                labels,
                format!(
                    "line {line}: {id} has no image in {} ({} labelled images missing)",
                    store.display(),
                    by_id.len()
                ),
            ));
        }
        entries.sort_by(|a, b| (a.label, &a.key).cmp(&(b.label, &b.key)));
        if entries.is_empty() {
            return Err(Error::file(store, "no images found"));
        }
        Ok(Listing { classes, entries })
    }
}

/// The rows of a `LOC_val_solution.csv`-style file, or of a Tiny-ImageNet `val_annotations.txt`:
/// (line number, image id, wnid).
fn read_labels(path: &Path) -> Result<Vec<(usize, String, String)>> {
    let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
    if text
        .lines()
        .next()
        .is_some_and(|first| first.contains('\t'))
    {
        return read_annotations(path, &text);
    }
    let mut lines = text.lines().enumerate().map(|(i, l)| (i + 1, l.trim()));
    match lines.next() {
        Some((_, header)) if header.replace(' ', "") == "ImageId,PredictionString" => {}
        _ => {
            return Err(Error::file(
                path,
                "line 1: expected the header ImageId,PredictionString (the LOC_val_solution.csv \
                 format), or tab-separated <file> and <wnid> (Tiny-ImageNet's \
                 val_annotations.txt)",
            ))
        }
    }
    let mut rows = Vec::new();
    for (line, row) in lines.filter(|(_, l)| !l.is_empty()) {
        let (id, prediction) = row.split_once(',').ok_or_else(|| {
            Error::file(
                path,
                format!("line {line}: expected ImageId,PredictionString"),
            )
        })?;
        let wnid = prediction.split_whitespace().next().ok_or_else(|| {
            Error::file(
                path,
                format!("line {line}: {id} has an empty PredictionString"),
            )
        })?;
        rows.push((line, id.trim().to_string(), wnid.to_string()));
    }
    Ok(rows)
}

/// The rows of Tiny-ImageNet's `val_annotations.txt`: `<file>\t<wnid>` and the bounding box, one
/// image per line; the image id is the file name without its extension.
fn read_annotations(path: &Path, text: &str) -> Result<Vec<(usize, String, String)>> {
    let mut rows = Vec::new();
    for (line, row) in (1..)
        .zip(text.lines())
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let mut fields = row.split('\t').map(str::trim);
        let (Some(file), Some(wnid)) = (fields.next(), fields.next()) else {
            return Err(Error::file(
                path,
                format!("line {line}: expected tab-separated <file> and <wnid>"),
            ));
        };
        if file.is_empty() || wnid.is_empty() {
            return Err(Error::file(
                path,
                format!("line {line}: expected tab-separated <file> and <wnid>"),
            ));
        }
        let id = file.rsplit_once('.').map_or(file, |(stem, _)| stem);
        rows.push((line, id.to_string(), wnid.to_string()));
    }
    Ok(rows)
}

/// A flat folder of validation images with a label file.
pub type FlatFolder = Listed<FlatFiles>;

/// A flat folder's files: the key's file name in the folder.
#[derive(Debug)]
pub struct FlatFiles {
    root: PathBuf,
}

impl Store for FlatFiles {
    type At = ();
    const KIND: &'static str = "imagenet-val-flat";

    fn read(&self, entry: &Entry<()>) -> Result<(PathBuf, Vec<u8>)> {
        let key = &entry.key;
        let path = self
            .root
            .join(key.split_once('/').map_or(key.as_str(), |(_, file)| file));
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        Ok((path, bytes))
    }
}

impl Listed<FlatFiles> {
    /// Lists the images in `root` and labels them from `labels`; JPEGs will be decoded with
    /// `profile`'s libjpeg.
    pub fn open(root: &Path, labels: &Path, profile: jpeg::Profile) -> Result<Self> {
        let mut files = Vec::new();
        for entry in std::fs::read_dir(root).map_err(|e| Error::io(root, e))? {
            let entry = entry.map_err(|e| Error::io(root, e))?;
            let path = entry.path();
            let name = entry.file_name().into_string().map_err(|name| {
                Error::file(&path, format!("file name {name:?} is not valid UTF-8"))
            })?;
            if is_image(&name) && !path.is_dir() {
                let bytes = std::fs::metadata(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .len();
                files.push((name, bytes, ()));
            }
        }
        Ok(Listed {
            listing: Listing::arrange(root, labels, files)?,
            store: FlatFiles {
                root: root.to_path_buf(),
            },
            profile,
            file_modes: false,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::raster::Image;
    use crate::source::folder::ImageFolder;
    use crate::source::Source;

    pub(crate) fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("blight-flat-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// A tiny JPEG whose pixels say which image it is.
    pub(crate) fn jpeg(n: u8) -> Vec<u8> {
        jpeg::encode(
            &Image::new(8, 8, 3, vec![n * 20; 192]).unwrap(),
            90,
            jpeg::Profile::Ijg9,
            false,
        )
        .unwrap()
    }

    /// Five images over three classes, labelled out of order, as LOC_val_solution.csv does.
    pub(crate) const LABELS: &str = "ImageId,PredictionString\n\
        ILSVRC2012_val_00000003,n02 10 10 20 20 n02 1 1 5 5\n\
        ILSVRC2012_val_00000001,n09 0 0 7 7\n\
        ILSVRC2012_val_00000005,n02 3 3 4 4\n\
        ILSVRC2012_val_00000002,n01 0 0 8 8\n\
        ILSVRC2012_val_00000004,n09 0 0 8 8\n";

    pub(crate) const ORDER: [&str; 5] = [
        "n01/ILSVRC2012_val_00000002.JPEG",
        "n02/ILSVRC2012_val_00000003.JPEG",
        "n02/ILSVRC2012_val_00000005.JPEG",
        "n09/ILSVRC2012_val_00000001.JPEG",
        "n09/ILSVRC2012_val_00000004.JPEG",
    ];

    pub(crate) fn image_name(n: u8) -> String {
        format!("ILSVRC2012_val_0000000{n}.JPEG")
    }

    #[test]
    fn a_flat_folder_orders_and_keys_as_the_class_tree_does() {
        let dir = scratch("order");
        let (flat, tree) = (dir.join("val"), dir.join("tree"));
        std::fs::create_dir_all(&flat).unwrap();
        for n in 1..=5u8 {
            std::fs::write(flat.join(image_name(n)), jpeg(n)).unwrap();
        }
        std::fs::write(flat.join("README.txt"), b"not an image").unwrap();
        std::fs::write(dir.join("labels.csv"), LABELS).unwrap();
        let source = FlatFolder::open(&flat, &dir.join("labels.csv"), jpeg::Profile::Ijg9).unwrap();
        assert_eq!(source.classes(), ["n01", "n02", "n09"]);
        let keys: Vec<&str> = (0..source.len()).map(|i| source.key(i)).collect();
        assert_eq!(keys, ORDER);
        assert_eq!(
            (0..5).map(|i| source.label(i)).collect::<Vec<_>>(),
            [0, 1, 1, 2, 2]
        );
        let sample = source.sample(3).unwrap();
        assert_eq!(sample.key, ORDER[3]);
        assert_eq!(
            sample.image.data[0],
            jpeg::decode(&jpeg(1), jpeg::Profile::Ijg9).unwrap().data[0]
        );

        // The same images as a class tree: same keys, order, labels and fingerprint.
        for key in ORDER {
            let (class, file) = key.split_once('/').unwrap();
            std::fs::create_dir_all(tree.join(class)).unwrap();
            std::fs::copy(flat.join(file), tree.join(key)).unwrap();
        }
        let folder = ImageFolder::open(&tree, jpeg::Profile::Ijg9).unwrap();
        assert_eq!(folder.classes(), source.classes());
        assert_eq!(folder.info().fingerprint, source.info().fingerprint);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn tiny_imagenet_val_annotations_label_a_flat_folder() {
        let dir = scratch("tiny");
        let images = dir.join("val/images");
        std::fs::create_dir_all(&images).unwrap();
        for n in 0..4u8 {
            std::fs::write(images.join(format!("val_{n}.JPEG")), jpeg(n + 1)).unwrap();
        }
        let labels = dir.join("val/val_annotations.txt");
        std::fs::write(
            &labels,
            "val_0.JPEG\tn03444034\t0\t32\t44\t62\n\
             val_1.JPEG\tn04067472\t52\t55\t57\t59\n\
             val_2.JPEG\tn03444034\t4\t0\t60\t55\n\
             val_3.JPEG\tn01443537\t3\t3\t63\t63\n",
        )
        .unwrap();
        let source = FlatFolder::open(&images, &labels, jpeg::Profile::Ijg9).unwrap();
        assert_eq!(source.classes(), ["n01443537", "n03444034", "n04067472"]);
        let keys: Vec<&str> = (0..source.len()).map(|i| source.key(i)).collect();
        assert_eq!(
            keys,
            [
                "n01443537/val_3.JPEG",
                "n03444034/val_0.JPEG",
                "n03444034/val_2.JPEG",
                "n04067472/val_1.JPEG"
            ]
        );
        std::fs::write(&labels, "val_0.JPEG\tn03444034\nval_1.JPEG\n").unwrap();
        let message = FlatFolder::open(&images, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("val_annotations.txt: line 2: expected tab-separated"),
            "{message}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn label_rows_without_images_and_images_without_rows_are_named() {
        let dir = scratch("missing");
        let flat = dir.join("val");
        std::fs::create_dir_all(&flat).unwrap();
        for n in 1..=4u8 {
            std::fs::write(flat.join(image_name(n)), jpeg(n)).unwrap();
        }
        let labels = dir.join("labels.csv");
        std::fs::write(&labels, LABELS).unwrap();
        let message = FlatFolder::open(&flat, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("labels.csv: line 4: ILSVRC2012_val_00000005 has no image"),
            "{message}"
        );

        std::fs::write(flat.join(image_name(5)), jpeg(5)).unwrap();
        std::fs::write(flat.join(image_name(6)), jpeg(6)).unwrap();
        let message = FlatFolder::open(&flat, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("ILSVRC2012_val_00000006.JPEG has no row in"),
            "{message}"
        );

        std::fs::write(
            &labels,
            "ImageId,PredictionString\nILSVRC2012_val_00000001\n",
        )
        .unwrap();
        let message = FlatFolder::open(&flat, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("labels.csv: line 2: expected"),
            "{message}"
        );
        std::fs::write(&labels, "id,label\n").unwrap();
        let message = FlatFolder::open(&flat, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("line 1: expected the header"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
