//! Digital corruptions: contrast, elastic warps, pixelation and JPEG artefacts.

mod elastic_transform;

pub use elastic_transform::ElasticTransform;
