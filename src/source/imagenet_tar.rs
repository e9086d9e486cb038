//! `ILSVRC2012_img_val.tar` read in place: 50,000 flat members (`ILSVRC2012_val_00000001.JPEG`)
//! labelled by a `LOC_val_solution.csv`-style file, in the order and with the keys of the
//! equivalent class tree (see [`super::flat`]), so a 6.4 GB archive need not be unpacked first.
//!
//! The archive is indexed once when opened: each header is read and the member's data skipped
//! with a seek, keeping its offset and size. Samples are then read by offset with positioned
//! reads on one shared file handle, so the driver's workers read concurrently without seeking
//! each other's cursor.

use super::listing::{is_image, Entry, Listed, Listing, Store};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use std::fs::File;
use std::path::{Component, Path, PathBuf};

/// The validation tar with its labels.
pub type ImagenetTar = Listed<TarMembers>;

/// The tar's members, located by the offset of their data and read with positioned reads (so
/// workers read concurrently).
#[derive(Debug)]
pub struct TarMembers {
    path: PathBuf,
    file: File,
}

impl Store for TarMembers {
    type At = u64;
    const KIND: &'static str = "imagenet-val-tar";

    fn read(&self, entry: &Entry<u64>) -> Result<(PathBuf, Vec<u8>)> {
        // Errors name the member inside the archive.
        let member = self.path.join(
            entry
                .key
                .split_once('/')
                .map_or(entry.key.as_str(), |(_, f)| f),
        );
        let mut bytes = vec![0; entry.bytes as usize];
        read_at(&self.file, &mut bytes, entry.at).map_err(|e| Error::io(&member, e))?;
        Ok((member, bytes))
    }
}

impl Listed<TarMembers> {
    /// Indexes the tar at `path` and labels its members from `labels`; JPEGs will be decoded
    /// with `profile`'s libjpeg. Members named to escape the archive (absolute, `..`), members
    /// inside folders, links and members cut short are errors naming the member.
    pub fn open(path: &Path, labels: &Path, profile: jpeg::Profile) -> Result<Self> {
        let file = File::open(path).map_err(|e| Error::io(path, e))?;
        let length = file.metadata().map_err(|e| Error::io(path, e))?.len();
        let bad = |e: std::io::Error| Error::file(path, format!("unreadable tar archive: {e}"));
        let mut files = Vec::new();
        let mut archive = tar::Archive::new(std::io::BufReader::new(&file));
        let entries = archive.entries_with_seek().map_err(bad)?;
        for entry in entries {
            let entry = entry.map_err(bad)?;
            let name = entry.path().map_err(bad)?.into_owned();
            let shown = name.display().to_string();
            let mut parts = Vec::new();
            for part in name.components() {
                match part {
                    Component::Normal(p) => parts.push(p),
                    Component::CurDir => {}
                    _ => {
                        return Err(Error::file(
                            path,
                            format!(
                                "member {shown} is named to escape the archive (absolute or ..)"
                            ),
                        ))
                    }
                }
            }
            let kind = entry.header().entry_type();
            if kind.is_dir() {
                continue;
            }
            let [file_name] = parts.as_slice() else {
                return Err(Error::file(
                    path,
                    format!("member {shown} is inside a folder; expected the flat validation tar"),
                ));
            };
            let Some(file_name) = file_name.to_str().map(String::from) else {
                return Err(Error::file(
                    path,
                    format!("member name {shown} is not valid UTF-8"),
                ));
            };
            if !is_image(&file_name) {
                continue;
            }
            if !kind.is_file() {
                return Err(Error::file(
                    path,
                    format!("member {shown} is not a regular file (a link or a sparse file)"),
                ));
            }
            let (offset, size) = (entry.raw_file_position(), entry.size());
            if offset + size > length {
                return Err(Error::file(
                    path,
                    format!("member {shown} is cut short: the archive ends inside it"),
                ));
            }
            files.push((file_name, size, offset));
        }
        Ok(Listed {
            listing: Listing::arrange(path, labels, files)?,
            store: TarMembers {
                path: path.to_path_buf(),
                file,
            },
            profile,
            file_modes: false,
        })
    }
}

/// Fills `buf` from `file` at `offset` without moving a shared cursor.
#[cfg(unix)]
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buf, offset)
}

/// Fills `buf` from `file` at `offset` (Windows moves the cursor, which nothing here relies on).
#[cfg(windows)]
fn read_at(file: &File, mut buf: &mut [u8], mut offset: u64) -> std::io::Result<()> {
    use std::os::windows::fs::FileExt;
    while !buf.is_empty() {
        match file.seek_read(buf, offset)? {
            0 => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            n => {
                buf = &mut buf[n..];
                offset += n as u64;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::flat::tests::{image_name, jpeg, scratch, LABELS, ORDER};
    use crate::source::flat::FlatFolder;
    use crate::source::Source;
    use rayon::prelude::*;

    fn header(size: usize) -> tar::Header {
        let mut header = tar::Header::new_ustar();
        header.set_size(size as u64);
        header.set_mode(0o644);
        header
    }

    /// A tar of `members`, names written raw (the tar crate's builder refuses `..`).
    fn tar_of(path: &Path, members: &[(&str, Vec<u8>)]) {
        let mut tar = tar::Builder::new(File::create(path).unwrap());
        for (name, bytes) in members {
            let mut header = header(bytes.len());
            header.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            header.set_cksum();
            tar.append(&header, bytes.as_slice()).unwrap();
        }
        tar.finish().unwrap();
    }

    #[test]
    fn the_tar_reads_as_the_flat_folder_does_and_in_parallel() {
        let dir = scratch("tar");
        let labels = dir.join("LOC_val_solution.csv");
        std::fs::write(&labels, LABELS).unwrap();
        let flat = dir.join("val");
        std::fs::create_dir_all(&flat).unwrap();
        let mut members = Vec::new();
        for n in [4u8, 1, 5, 2, 3] {
            std::fs::write(flat.join(image_name(n)), jpeg(n)).unwrap();
            let name = if n == 2 {
                format!("./{}", image_name(n))
            } else {
                image_name(n)
            };
            members.push((name, jpeg(n)));
        }
        let path = dir.join("ILSVRC2012_img_val.tar");
        let named: Vec<(&str, Vec<u8>)> = members
            .iter()
            .map(|(n, b)| (n.as_str(), b.clone()))
            .collect();
        tar_of(&path, &named);
        let source = ImagenetTar::open(&path, &labels, jpeg::Profile::Ijg9).unwrap();
        let keys: Vec<&str> = (0..source.len()).map(|i| source.key(i)).collect();
        assert_eq!(keys, ORDER);
        let folder = FlatFolder::open(&flat, &labels, jpeg::Profile::Ijg9).unwrap();
        assert_eq!(source.classes(), folder.classes());
        assert_eq!(source.info().fingerprint, folder.info().fingerprint);
        let images: Vec<Vec<u8>> = (0..source.len())
            .into_par_iter()
            .map(|i| source.sample(i).unwrap().image.data)
            .collect();
        for (i, image) in images.iter().enumerate() {
            assert_eq!(image, &folder.sample(i).unwrap().image.data, "{}", ORDER[i]);
        }
        // Windows removes no file a reader still holds open.
        drop(source);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn escaping_nested_cut_and_unlabelled_members_are_refused() {
        let dir = scratch("tarbad");
        let labels = dir.join("labels.csv");
        std::fs::write(&labels, LABELS).unwrap();
        let open = |members: &[(&str, Vec<u8>)]| {
            let path = dir.join("val.tar");
            tar_of(&path, members);
            ImagenetTar::open(&path, &labels, jpeg::Profile::Ijg9)
                .unwrap_err()
                .to_string()
        };
        let message = open(&[("../ILSVRC2012_val_00000001.JPEG", jpeg(1))]);
        assert!(
            message.contains("val.tar: member ../ILSVRC2012_val_00000001.JPEG is named to escape"),
            "{message}"
        );
        let message = open(&[("/ILSVRC2012_val_00000001.JPEG", jpeg(1))]);
        assert!(message.contains("named to escape"), "{message}");
        let message = open(&[("val/ILSVRC2012_val_00000001.JPEG", jpeg(1))]);
        assert!(message.contains("is inside a folder"), "{message}");
        let message = open(&[(&image_name(1), jpeg(1))]);
        assert!(
            message.contains("labels.csv: line 2: ILSVRC2012_val_00000003 has no image in"),
            "{message}"
        );
        assert!(
            message.contains("val.tar (4 labelled images missing)"),
            "{message}"
        );

        // A member whose data runs past the end of the file.
        let path = dir.join("val.tar");
        tar_of(&path, &[(&image_name(1), vec![7; 3000])]);
        let bytes = std::fs::read(&path).unwrap();
        std::fs::write(&path, &bytes[..512 + 1000]).unwrap();
        let message = ImagenetTar::open(&path, &labels, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("is cut short"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
