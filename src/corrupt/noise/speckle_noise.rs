//! `speckle_noise`: multiplicative Gaussian noise x + x·N(0, σ) on x = img/255, clipped to [0, 1]
//! (spec §2.16). One normal draw of shape H×W×C.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SpeckleNoise {
    /// Standard deviation of the multiplicative noise.
    pub sigma: f64,
}

impl Corruption for SpeckleNoise {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let mut noise = vec![0.0; image.len()];
        rng.fill_normal(0.0, self.sigma, &mut noise);
        let values: Vec<f64> = image
            .data
            .iter()
            .zip(&noise)
            .map(|(&v, n)| {
                let x = v as f64 / 255.0;
                (x + x * n).clamp(0.0, 1.0) * 255.0
            })
            .collect();
        Ok(image.with_values_f64(&values))
    }
}
