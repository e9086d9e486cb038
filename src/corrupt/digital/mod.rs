//! Digital corruptions: artefacts of image processing and storage.

mod jpeg_compression;

pub use jpeg_compression::JpegCompression;
