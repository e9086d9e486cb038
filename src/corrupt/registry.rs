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
    entry::<digital::JpegCompression>("jpeg_compression"),
];

/// The corruptions an engine provides, or `None` for an unknown engine.
pub fn engine(name: &str) -> Option<&'static [Entry]> {
    match name {
        "imagenet-c" => Some(IMAGENET_C),
        _ => None,
    }
}
