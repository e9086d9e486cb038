//! The layout of COCO-C, Cityscapes-C and Pascal-C style sets: `<corruption>/<severity>/<key>`,
//! the key being the input's path relative to the source folder, each output stored in its
//! input's format so that annotations keep pointing at the same file names. A `.jpg`/`.jpeg`
//! input is written as JPEG (Pillow's `save(quality=q)` with the layout's libjpeg); a `.png` one
//! as lossless PNG. Other formats are not written back: [`written_as`] says which.

use super::journal::Target;
use super::manifest::FileRecord;
use super::tree::{ImageFormat, TreeSink};
use super::{OutputId, Sink};
use crate::error::{Error, Result};
use crate::raster::Image;

/// The format an input named `key` is written back in, by its extension (any case); `None` for
/// a format this layout does not write.
pub fn written_as(key: &str) -> Option<WrittenAs> {
    let extension = std::path::Path::new(key)
        .extension()?
        .to_str()?
        .to_ascii_lowercase();
    match extension.as_str() {
        "jpg" | "jpeg" => Some(WrittenAs::Jpeg),
        "png" => Some(WrittenAs::Png),
        _ => None,
    }
}

/// The two formats written back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WrittenAs {
    Jpeg,
    Png,
}

/// `<corruption>/<severity>/<key>` files, JPEG or PNG as the key's extension says.
#[derive(Debug)]
pub struct InputFormatTree {
    jpeg: TreeSink,
    png: TreeSink,
}

impl InputFormatTree {
    /// JPEG inputs written as `jpeg`, which must be a JPEG format.
    pub fn new(jpeg: ImageFormat) -> Result<Self> {
        if !matches!(jpeg, ImageFormat::Jpeg { .. }) {
            return Err(Error::Invalid(format!(
                "[output] follow_input = true writes JPEG inputs as JPEG: image must be a JPEG \
                 format, not {jpeg}"
            )));
        }
        Ok(InputFormatTree {
            jpeg: TreeSink { format: jpeg },
            png: TreeSink {
                format: ImageFormat::Png,
            },
        })
    }

    /// The layout in words, for the manifest.
    pub fn describe(&self) -> String {
        format!(
            "<corruption>/<severity>/<key> files in the input's format: .jpg/.jpeg as {}, \
             .png as PNG",
            self.jpeg.format
        )
    }
}

impl Sink for InputFormatTree {
    fn file_of(&self, id: &OutputId<'_>) -> String {
        self.png.file_of(id)
    }

    fn encode(&self, id: &OutputId<'_>, image: &Image) -> Result<Vec<u8>> {
        match written_as(id.key) {
            Some(WrittenAs::Jpeg) => self.jpeg.encode(id, image),
            Some(WrittenAs::Png) => self.png.encode(id, image),
            None => Err(Error::Invalid(format!(
                "{}: only .jpg, .jpeg and .png inputs are written back (convert it to PNG)",
                id.key
            ))),
        }
    }

    fn write(&self, target: &Target, id: &OutputId<'_>, bytes: Vec<u8>) -> Result<Vec<FileRecord>> {
        self.png.write(target, id, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::jpeg;

    fn id(key: &str) -> OutputId<'_> {
        OutputId {
            key,
            index: 0,
            label: 0,
            class: "",
            corruption: "fog",
            severity: 2,
        }
    }

    #[test]
    fn each_output_keeps_its_inputs_name_and_format() {
        let sink = InputFormatTree::new(ImageFormat::Jpeg {
            quality: 95,
            optimize: false,
            profile: jpeg::Profile::Turbo,
        })
        .unwrap();
        let image = Image::new(8, 4, 3, (0..96).map(|v| (v * 7 % 256) as u8).collect()).unwrap();
        for key in ["val2017/000000000139.jpg", "a/b/photo.JPEG"] {
            assert_eq!(sink.file_of(&id(key)), format!("fog/2/{key}"));
            assert_eq!(
                sink.encode(&id(key), &image).unwrap(),
                jpeg::encode(&image, 95, jpeg::Profile::Turbo, false).unwrap()
            );
        }
        let png = sink
            .encode(&id("aachen/x_leftImg8bit.PNG"), &image)
            .unwrap();
        assert_eq!(png, crate::io::encode_png(&image).unwrap());
        let message = sink
            .encode(&id("scan.bmp"), &image)
            .unwrap_err()
            .to_string();
        assert!(message.contains("scan.bmp: only .jpg"), "{message}");
        assert_eq!(written_as("noextension"), None);
        assert!(InputFormatTree::new(ImageFormat::Png).is_err());
    }
}
