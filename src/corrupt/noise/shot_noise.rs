//! `shot_noise`: Poisson photon noise (spec §2.2). Each value of x = img/255 becomes
//! Poisson(x·photons)/photons, clipped to [0, 1]: one Poisson draw per value, in C order, with
//! numpy's legacy sampler (a value of 0 draws nothing).

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShotNoise {
    /// Photons per unit intensity; smaller is noisier.
    pub photons: f64,
}

impl Corruption for ShotNoise {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let rates: Vec<f64> = (0..=255u8)
            .map(|v| v as f64 / 255.0 * self.photons)
            .collect();
        let mut counts = vec![0i64; image.len()];
        rng.fill_poisson_levels(&rates, &image.data, &mut counts);
        let values: Vec<f64> = counts
            .iter()
            .map(|&k| (k as f64 / self.photons).clamp(0.0, 1.0) * 255.0)
            .collect();
        Ok(image.with_values_f64(&values))
    }
}
