//! Name → implementation tables, one per engine (a suite recipe names its engine).

use super::imagecorruptions::AnySize;
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
    entry::<imagenet_c::GaussianNoise>("gaussian_noise"),
    entry::<imagenet_c::ShotNoise>("shot_noise"),
    entry::<imagenet_c::ImpulseNoise>("impulse_noise"),
    entry::<imagenet_c::DefocusBlur>("defocus_blur"),
    entry::<imagenet_c::GlassBlur>("glass_blur"),
    entry::<imagenet_c::MotionBlur>("motion_blur"),
    entry::<imagenet_c::ZoomBlur>("zoom_blur"),
    entry::<imagenet_c::Snow>("snow"),
    entry::<imagenet_c::Frost>("frost"),
    entry::<imagenet_c::Fog>("fog"),
    entry::<imagenet_c::Brightness>("brightness"),
    entry::<imagenet_c::Contrast>("contrast"),
    entry::<imagenet_c::ElasticTransform>("elastic_transform"),
    entry::<imagenet_c::Pixelate>("pixelate"),
    entry::<imagenet_c::JpegCompression>("jpeg_compression"),
    entry::<imagenet_c::SpeckleNoise>("speckle_noise"),
    entry::<imagenet_c::GaussianBlur>("gaussian_blur"),
    entry::<imagenet_c::Spatter>("spatter"),
    entry::<imagenet_c::Saturate>("saturate"),
];

/// The MNIST-C engine: the functions of google-research/mnist-c `corruptions.py`, in the order of
/// its ALL_CORRUPTIONS list. motion_blur, zoom_blur, pixelate and jpeg_compression compute exactly
/// what their ImageNet-C versions do, so they are shared.
static MNIST_C: &[Entry] = &[
    entry::<mnist_c::Identity>("identity"),
    entry::<mnist_c::GaussianNoise>("gaussian_noise"),
    entry::<mnist_c::ShotNoise>("shot_noise"),
    entry::<mnist_c::ImpulseNoise>("impulse_noise"),
    entry::<mnist_c::SpeckleNoise>("speckle_noise"),
    entry::<mnist_c::PessimalNoise>("pessimal_noise"),
    entry::<mnist_c::GaussianBlur>("gaussian_blur"),
    entry::<mnist_c::GlassBlur>("glass_blur"),
    entry::<mnist_c::DefocusBlur>("defocus_blur"),
    entry::<imagenet_c::MotionBlur>("motion_blur"),
    entry::<imagenet_c::ZoomBlur>("zoom_blur"),
    entry::<mnist_c::Fog>("fog"),
    entry::<mnist_c::Frost>("frost"),
    entry::<mnist_c::Snow>("snow"),
    entry::<mnist_c::Spatter>("spatter"),
    entry::<mnist_c::Contrast>("contrast"),
    entry::<mnist_c::Brightness>("brightness"),
    entry::<mnist_c::Saturate>("saturate"),
    entry::<imagenet_c::JpegCompression>("jpeg_compression"),
    entry::<imagenet_c::Pixelate>("pixelate"),
    entry::<mnist_c::ElasticTransform>("elastic_transform"),
    entry::<mnist_c::Quantize>("quantize"),
    entry::<mnist_c::Shear>("shear"),
    entry::<mnist_c::Rotate>("rotate"),
    entry::<mnist_c::Scale>("scale"),
    entry::<mnist_c::Translate>("translate"),
    entry::<mnist_c::Line>("line"),
    entry::<mnist_c::DottedLine>("dotted_line"),
    entry::<mnist_c::Zigzag>("zigzag"),
    entry::<mnist_c::Inverse>("inverse"),
    entry::<mnist_c::Stripe>("stripe"),
    entry::<mnist_c::CannyEdges>("canny_edges"),
];

/// The imagecorruptions engine: bethgelab imagecorruptions 1.1.2's functions, in its order (the
/// ImageNet-C one), each behind its `corrupt()` checks ([`imagecorruptions::AnySize`]).
static IMAGECORRUPTIONS: &[Entry] = &[
    entry::<AnySize<imagenet_c::GaussianNoise>>("gaussian_noise"),
    entry::<AnySize<imagenet_c::ShotNoise>>("shot_noise"),
    entry::<AnySize<imagenet_c::ImpulseNoise>>("impulse_noise"),
    entry::<AnySize<imagecorruptions::DefocusBlur>>("defocus_blur"),
    entry::<AnySize<imagenet_c::GlassBlur>>("glass_blur"),
    entry::<AnySize<imagecorruptions::MotionBlur>>("motion_blur"),
    entry::<AnySize<imagecorruptions::ZoomBlur>>("zoom_blur"),
    entry::<AnySize<imagecorruptions::Snow>>("snow"),
    entry::<AnySize<imagecorruptions::Frost>>("frost"),
    entry::<AnySize<imagecorruptions::Fog>>("fog"),
    entry::<AnySize<imagenet_c::Brightness>>("brightness"),
    entry::<AnySize<imagenet_c::Contrast>>("contrast"),
    entry::<AnySize<imagecorruptions::ElasticTransform>>("elastic_transform"),
    entry::<AnySize<imagecorruptions::Pixelate>>("pixelate"),
    entry::<AnySize<imagenet_c::JpegCompression>>("jpeg_compression"),
    entry::<AnySize<imagenet_c::SpeckleNoise>>("speckle_noise"),
    entry::<AnySize<imagenet_c::GaussianBlur>>("gaussian_blur"),
    entry::<AnySize<imagecorruptions::Spatter>>("spatter"),
    entry::<AnySize<imagenet_c::Saturate>>("saturate"),
];

/// The corruptions an engine provides, or `None` for an unknown engine.
pub fn engine(name: &str) -> Option<&'static [Entry]> {
    match name {
        "imagenet-c" => Some(IMAGENET_C),
        "mnist-c" => Some(MNIST_C),
        "imagecorruptions" => Some(IMAGECORRUPTIONS),
        _ => None,
    }
}
