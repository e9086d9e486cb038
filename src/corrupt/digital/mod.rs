//! Digital corruptions: contrast, resampling and encoding artefacts.

mod contrast;
mod pixelate;

pub use contrast::Contrast;
pub use pixelate::Pixelate;

mod elastic_transform;

pub use elastic_transform::ElasticTransform;

mod jpeg_compression;

pub use jpeg_compression::JpegCompression;
