//! Noise corruptions: per-value random perturbations of the pixel intensities.

mod gaussian_noise;

pub use gaussian_noise::GaussianNoise;
