//! Name → implementation tables, one per engine (a suite recipe names its engine).

use super::*;
use serde::de::DeserializeOwned;

/// One registered corruption: its reference name and how to build it from a severity's parameters.
pub struct Entry {
    pub name: &'static str,
    build: fn(toml::Value) -> Result<Box<dyn Corruption>, String>,
}

impl Entry {
    /// Builds the corruption from one severity's parameter table; unknown or missing keys and
    /// values the reference rejects ([`Corruption::check`]) are errors.
    pub fn build(&self, params: toml::Value) -> Result<Box<dyn Corruption>, String> {
        (self.build)(params)
    }
}

fn build<T: Corruption + DeserializeOwned + 'static>(
    params: toml::Value,
) -> Result<Box<dyn Corruption>, String> {
    let corruption = T::deserialize(params).map_err(|e| crate::error::one_line(&e.to_string()))?;
    corruption.check()?;
    Ok(Box::new(corruption))
}

const fn entry<T: Corruption + DeserializeOwned + 'static>(name: &'static str) -> Entry {
    Entry {
        name,
        build: build::<T>,
    }
}

/// The ImageNet-C engine: the functions of hendrycks/robustness `make_imagenet_c.py`, in its order
/// (15 common corruptions, then the 4 extra ones).
static IMAGENET_C: &[Entry] = &[
    entry::<noise::GaussianNoise>("gaussian_noise"),
    entry::<noise::ShotNoise>("shot_noise"),
    entry::<noise::ImpulseNoise>("impulse_noise"),
    entry::<blur::DefocusBlur>("defocus_blur"),
    entry::<blur::GlassBlur>("glass_blur"),
    entry::<blur::MotionBlur>("motion_blur"),
    entry::<blur::ZoomBlur>("zoom_blur"),
    entry::<weather::Snow>("snow"),
    entry::<weather::Frost>("frost"),
    entry::<weather::Fog>("fog"),
    entry::<weather::Brightness>("brightness"),
    entry::<digital::Contrast>("contrast"),
    entry::<digital::ElasticTransform>("elastic_transform"),
    entry::<digital::Pixelate>("pixelate"),
    entry::<digital::JpegCompression>("jpeg_compression"),
    entry::<noise::SpeckleNoise>("speckle_noise"),
    entry::<extra::GaussianBlur>("gaussian_blur"),
    entry::<extra::Spatter>("spatter"),
    entry::<extra::Saturate>("saturate"),
];

/// The MNIST-C engine: the functions of google-research/mnist-c `corruptions.py`, in the order of
/// its ALL_CORRUPTIONS list. motion_blur, zoom_blur, pixelate and jpeg_compression compute exactly
/// what their ImageNet-C versions do, so they are shared.
static MNIST_C: &[Entry] = &[
    entry::<mnist::Identity>("identity"),
    entry::<mnist_noise::GaussianNoise>("gaussian_noise"),
    entry::<mnist_noise::ShotNoise>("shot_noise"),
    entry::<mnist_noise::ImpulseNoise>("impulse_noise"),
    entry::<mnist_noise::SpeckleNoise>("speckle_noise"),
    entry::<mnist_noise::PessimalNoise>("pessimal_noise"),
    entry::<mnist_noise::GaussianBlur>("gaussian_blur"),
    entry::<mnist_noise::GlassBlur>("glass_blur"),
    entry::<mnist_noise::DefocusBlur>("defocus_blur"),
    entry::<blur::MotionBlur>("motion_blur"),
    entry::<blur::ZoomBlur>("zoom_blur"),
    entry::<mnist_noise::Fog>("fog"),
    entry::<mnist_noise::Frost>("frost"),
    entry::<mnist_noise::Snow>("snow"),
    entry::<mnist_noise::Spatter>("spatter"),
    entry::<mnist_noise::Contrast>("contrast"),
    entry::<mnist::Brightness>("brightness"),
    entry::<mnist::Saturate>("saturate"),
    entry::<digital::JpegCompression>("jpeg_compression"),
    entry::<digital::Pixelate>("pixelate"),
    entry::<mnist_noise::ElasticTransform>("elastic_transform"),
    entry::<mnist::Quantize>("quantize"),
    entry::<mnist::Shear>("shear"),
    entry::<mnist::Rotate>("rotate"),
    entry::<mnist::Scale>("scale"),
    entry::<mnist::Translate>("translate"),
    entry::<mnist::Line>("line"),
    entry::<mnist::DottedLine>("dotted_line"),
    entry::<mnist::Zigzag>("zigzag"),
    entry::<mnist::Inverse>("inverse"),
    entry::<mnist::Stripe>("stripe"),
    entry::<mnist::CannyEdges>("canny_edges"),
];

/// The corruptions an engine provides, or `None` for an unknown engine.
pub fn engine(name: &str) -> Option<&'static [Entry]> {
    match name {
        "imagenet-c" => Some(IMAGENET_C),
        "mnist-c" => Some(MNIST_C),
        _ => None,
    }
}
