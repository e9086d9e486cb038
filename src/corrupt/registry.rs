//! Name → implementation tables, one per engine (a suite recipe names its engine).

use super::*;
use serde::de::DeserializeOwned;

/// One registered corruption: its reference name and how to build it from a severity's parameters.
pub struct Entry {
    pub name: &'static str,
    build: fn(toml::Value) -> Result<Box<dyn Corruption>, String>,
}

impl Entry {
    /// Builds the corruption from one severity's parameter table; unknown or missing keys are errors.
    pub fn build(&self, params: toml::Value) -> Result<Box<dyn Corruption>, String> {
        (self.build)(params)
    }
}

fn build<T: Corruption + DeserializeOwned + 'static>(
    params: toml::Value,
) -> Result<Box<dyn Corruption>, String> {
    T::deserialize(params)
        .map(|c| Box::new(c) as Box<dyn Corruption>)
        .map_err(|e| e.to_string())
}

const fn entry<T: Corruption + DeserializeOwned + 'static>(name: &'static str) -> Entry {
    Entry {
        name,
        build: build::<T>,
    }
}

/// The ImageNet-C engine: the functions of hendrycks/robustness `make_imagenet_c.py`.
static IMAGENET_C: &[Entry] = &[
    entry::<noise::GaussianNoise>("gaussian_noise"),
    entry::<noise::ShotNoise>("shot_noise"),
    entry::<noise::ImpulseNoise>("impulse_noise"),
    entry::<weather::Fog>("fog"),
    entry::<weather::Brightness>("brightness"),
    entry::<digital::Contrast>("contrast"),
    entry::<digital::Pixelate>("pixelate"),
    entry::<noise::SpeckleNoise>("speckle_noise"),
    entry::<extra::Saturate>("saturate"),
    entry::<blur::DefocusBlur>("defocus_blur"),
    entry::<blur::GlassBlur>("glass_blur"),
    entry::<extra::GaussianBlur>("gaussian_blur"),
    entry::<blur::MotionBlur>("motion_blur"),
    entry::<blur::ZoomBlur>("zoom_blur"),
    entry::<weather::Snow>("snow"),
    entry::<digital::ElasticTransform>("elastic_transform"),
    entry::<extra::Spatter>("spatter"),
];

/// The MNIST-C engine: the functions of google-research/mnist-c `corruptions.py`.
static MNIST_C: &[Entry] = &[
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
    entry::<mnist_noise::Snow>("snow"),
    entry::<mnist_noise::Spatter>("spatter"),
    entry::<mnist_noise::Contrast>("contrast"),
    entry::<digital::Pixelate>("pixelate"),
];

/// The corruptions an engine provides, or `None` for an unknown engine.
pub fn engine(name: &str) -> Option<&'static [Entry]> {
    match name {
        "imagenet-c" => Some(IMAGENET_C),
        "mnist-c" => Some(MNIST_C),
        _ => None,
    }
}
