//! The corruptions. Each one is a plain struct holding one severity's parameters (deserialised
//! from a suite recipe) that implements [`Corruption`]; [`registry`] maps the reference's names to
//! them. Each reference (suite engine) is a folder, one file per corruption named as the reference names
//! it, so a reader finds a corruption from its suite and name in one step.

pub mod imagecorruptions;
pub mod imagenet_c;
pub mod mnist_c;
pub mod registry;

use crate::assets::AssetDirs;
use crate::error::Result;
use crate::ops::jpeg;
use crate::raster::Image;
use crate::rng::Random;

/// One corruption at one severity.
///
/// `apply` takes the clean 8-bit image and returns the corrupted one after the reference's
/// truncating `uint8` cast. It draws only through `rng`, in the reference's order and shapes, so a
/// numpy-seeded source replays the Python reference exactly.
pub trait Corruption: Send + Sync + std::fmt::Debug {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image>;

    /// Refuses parameters that the reference function itself rejects, naming the parameter. The
    /// registry runs it on every severity as a recipe loads, so such a recipe fails there instead
    /// of yielding images the reference could never make (all black for a negative rate).
    fn check(&self) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// A normal draw's scale σ: numpy's `normal(scale=σ)` raises for σ < 0.
fn check_normal_scale(sigma: f64) -> std::result::Result<(), String> {
    if sigma >= 0.0 {
        return Ok(());
    }
    Err(format!(
        "sigma = {sigma} is negative (numpy's normal refuses a negative scale)"
    ))
}

/// Shot noise's photons per unit intensity: numpy's `poisson(x·photons)` raises for a negative
/// rate, and the reference's `/ photons` divides by zero at 0.
fn check_photons(photons: f64) -> std::result::Result<(), String> {
    if photons > 0.0 {
        return Ok(());
    }
    Err(format!(
        "photons = {photons} is not positive (numpy's poisson refuses a negative rate; 0 divides by zero)"
    ))
}

/// A Gaussian blur's σ: scikit-image's `gaussian` raises "Sigma values less than zero are not
/// valid".
fn check_blur_sigma(sigma: f64) -> std::result::Result<(), String> {
    if sigma >= 0.0 {
        return Ok(());
    }
    Err(format!(
        "sigma = {sigma} is negative (scikit-image's gaussian refuses it)"
    ))
}

/// What a corruption needs besides the image and the random source.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// Where the run's reference assets are (frost textures, the pessimal matrix); a corruption
    /// whose asset has no folder uses its stand-in or refuses with a hint.
    pub assets: AssetDirs,
    /// The libjpeg whose pixels JPEG steps must reproduce.
    pub jpeg: jpeg::Profile,
}
