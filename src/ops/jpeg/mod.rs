//! JPEG encoding and decoding, bit-exact with the libjpeg builds the references ran on.
//!
//! * [`round_trip`]: what Pillow's `save(format='JPEG', quality=q)` followed by a decode does to
//!   the pixels, computed without entropy coding (the ImageNet-C `jpeg_compression` step).
//! * [`encode`]: a baseline JFIF file with the same pixels (standard or optimised Huffman tables).
//! * [`decode`]: baseline and progressive Huffman-coded files (gray, YCbCr/RGB, CMYK/YCCK),
//!   decoded as Pillow decodes them;
//!   [`decode_luma`]: their luma alone, as OpenCV reads a JPEG as grayscale.
//!
//! Module map: `tables` (quantisation and Huffman tables), `color` (RGB ↔ YCbCr), `dct`
//! (islow DCTs and quantisation), `sample` (planes, down/upsampling), `frame` (pixels ↔
//! coefficients), `huffman` (entropy coding), `encoder` / `decoder` (file syntax).

mod color;
mod dct;
mod decoder;
mod encoder;
mod frame;
mod huffman;
mod sample;
mod tables;

pub use decoder::{decode, decode_luma};
pub use encoder::encode;

use crate::raster::Image;

/// Which libjpeg a JPEG step must match, pixel for pixel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// IJG libjpeg 9b, bundled by Pillow 5.0.0: the ImageNet-C reference environment.
    #[default]
    Ijg9,
    /// libjpeg-turbo, as current Pillow and OpenCV use it.
    Turbo,
}

/// Why a JPEG could not be encoded or decoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum JpegError {
    /// The data does not start with a JPEG start-of-image marker.
    #[error("not a JPEG file (no start-of-image marker)")]
    NotJpeg,
    /// The data ends before the image is complete.
    #[error("JPEG data ends early: {0}")]
    Truncated(&'static str),
    /// The data breaks the JPEG syntax.
    #[error("corrupt JPEG data: {0}")]
    Corrupt(String),
    /// Valid JPEG that this codec does not handle (arithmetic coding, 12-bit, ...).
    #[error("unsupported JPEG: {0}")]
    Unsupported(String),
}

/// The pixels Pillow gets back after saving `image` (gray or RGB) as JPEG at `quality` and
/// reopening it, with `profile`'s libjpeg on both sides.
pub fn round_trip(image: &Image, quality: u8, profile: Profile) -> Result<Image, JpegError> {
    frame::round_trip(image, quality, profile)
}
