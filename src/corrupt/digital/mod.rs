//! Digital corruptions: contrast, elastic warping, pixelation and JPEG artefacts.

mod contrast;
mod elastic_transform;
mod jpeg_compression;
mod pixelate;

pub use contrast::Contrast;
pub use elastic_transform::{displace, ElasticParams, ElasticTransform};
pub use jpeg_compression::JpegCompression;
pub use pixelate::Pixelate;
