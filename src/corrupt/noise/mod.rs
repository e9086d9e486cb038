//! Noise corruptions: per-value random perturbations of the pixel intensities.

mod gaussian_noise;
mod impulse_noise;
mod shot_noise;
mod speckle_noise;

pub use gaussian_noise::GaussianNoise;
pub use impulse_noise::ImpulseNoise;
pub use shot_noise::ShotNoise;
pub use speckle_noise::SpeckleNoise;
