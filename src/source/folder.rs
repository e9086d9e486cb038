//! A class-folder tree (`val/<wnid>/*.JPEG`), in torchvision `ImageFolder` order: classes are the
//! sub-folders, sorted by name, and give the labels 0, 1, ...; the image files of a class are
//! sorted by path. Files whose extension is not one of ImageFolder's image extensions are left
//! out, as ImageFolder leaves them out.

use super::listing::{list_images, Entry, Listed, Listing, Store};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use std::collections::HashSet;
use std::path::{Path, PathBuf};

/// A class-folder tree, listed once when opened.
pub type ImageFolder = Listed<ClassTree>;

impl Listed<ClassTree> {
    /// Lists the tree at `root`; JPEGs will be decoded with `profile`'s libjpeg. A root without
    /// class folders, or class folders without images, is an error.
    pub fn open(root: &Path, profile: jpeg::Profile) -> Result<Self> {
        let mut classes: Vec<String> = read_dir_sorted(root)?
            .into_iter()
            .filter(|(_, is_dir)| *is_dir)
            .map(|(name, _)| name)
            .collect();
        classes.sort();
        let mut entries = Vec::new();
        for (label, class) in classes.iter().enumerate() {
            let mut files = Vec::new();
            // A fresh record per class: a link back up the tree still meets its class folder.
            list_images(
                &root.join(class),
                &format!("{class}/"),
                &mut files,
                &mut HashSet::new(),
            )?;
            files.sort();
            for key in files {
                let path = root.join(&key);
                let bytes = std::fs::metadata(&path)
                    .map_err(|e| Error::io(&path, e))?
                    .len();
                entries.push(Entry {
                    key,
                    label,
                    bytes,
                    at: (),
                });
            }
        }
        if entries.is_empty() {
            return Err(Error::file(
                root,
                "no images found: expected class folders (e.g. val/<wnid>/*.JPEG) holding \
                 .jpg, .jpeg, .png, .ppm, .bmp, .pgm, .tif, .tiff or .webp files",
            ));
        }
        Ok(Listed {
            listing: Listing { classes, entries },
            store: ClassTree {
                root: root.to_path_buf(),
            },
            profile,
            file_modes: false,
        })
    }
}

/// The names in `dir` with whether each is a folder (links followed), sorted.
fn read_dir_sorted(dir: &Path) -> Result<Vec<(String, bool)>> {
    let mut names = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        let path = entry.path();
        let name = entry
            .file_name()
            .into_string()
            .map_err(|name| Error::file(&path, format!("file name {name:?} is not valid UTF-8")))?;
        names.push((name, path.is_dir()));
    }
    names.sort();
    Ok(names)
}

/// The class-folder tree's files.
#[derive(Debug)]
pub struct ClassTree {
    root: PathBuf,
}

impl Store for ClassTree {
    type At = ();
    const KIND: &'static str = "image-folder";

    fn read(&self, entry: &Entry<()>) -> Result<(PathBuf, Vec<u8>)> {
        let path = self.root.join(&entry.key);
        let bytes = std::fs::read(&path).map_err(|e| Error::io(&path, e))?;
        Ok((path, bytes))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raster::Image;
    use crate::source::Source;

    fn tree(name: &str) -> PathBuf {
        let root =
            std::env::temp_dir().join(format!("blight-folder-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        root
    }

    fn put(root: &Path, rel: &str, bytes: &[u8]) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    #[test]
    fn classes_and_files_sort_as_image_folder_does() {
        let root = tree("order");
        let jpeg = jpeg::encode(&Image::zeros(8, 8, 3), 85, jpeg::Profile::Ijg9, false).unwrap();
        for rel in [
            "n02/b.JPEG",
            "n02/a.jpeg",
            "n01/z.png.JPEG",
            "n01/notes.txt",
            "n01/sub/c.JPEG",
            "n10/x.JPEG",
        ] {
            put(&root, rel, &jpeg);
        }
        let source = ImageFolder::open(&root, jpeg::Profile::Ijg9).unwrap();
        assert_eq!(source.classes(), ["n01", "n02", "n10"]);
        let keys: Vec<&str> = (0..source.len()).map(|i| source.key(i)).collect();
        assert_eq!(
            keys,
            [
                "n01/sub/c.JPEG",
                "n01/z.png.JPEG",
                "n02/a.jpeg",
                "n02/b.JPEG",
                "n10/x.JPEG"
            ]
        );
        let sample = source.sample(3).unwrap();
        assert_eq!((sample.index, sample.label), (3, 1));
        assert_eq!((sample.image.width, sample.image.channels), (8, 3));
        // The fingerprint follows names and sizes.
        let before = source.info().fingerprint;
        put(&root, "n10/x.JPEG", b"changed");
        let after = ImageFolder::open(&root, jpeg::Profile::Ijg9)
            .unwrap()
            .info()
            .fingerprint;
        assert_ne!(before, after);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[cfg(unix)]
    #[test]
    fn a_link_back_up_the_tree_is_refused_not_walked_for_ever() {
        let root = tree("loop");
        let jpeg = jpeg::encode(&Image::zeros(8, 8, 3), 85, jpeg::Profile::Ijg9, false).unwrap();
        put(&root, "n01/sub/a.JPEG", &jpeg);
        std::os::unix::fs::symlink(&root, root.join("n01/sub/up")).unwrap();
        let message = ImageFolder::open(&root, jpeg::Profile::Ijg9)
            .err()
            .unwrap()
            .to_string();
        assert!(
            message.contains("n01/sub/up/n01: a link to a folder"),
            "{message}"
        );
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_folder_without_images_is_an_error() {
        let root = tree("empty");
        put(&root, "n01/readme.txt", b"no images");
        let message = ImageFolder::open(&root, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("no images found"), "{message}");
        std::fs::remove_dir_all(&root).unwrap();
    }
}
