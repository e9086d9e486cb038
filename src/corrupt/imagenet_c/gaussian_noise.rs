//! `gaussian_noise`: additive N(0, σ) on every value of x = img/255, clipped to [0, 1]
//! (spec §2.1). One normal draw of shape H×W×C.

use crate::corrupt::{check_normal_scale, Context, Corruption};
use crate::error::Result;
use crate::ops::unit_byte::combine_with_noise;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Values per noise draw: the noise is made and used a cache-sized piece at a time.
const CHUNK: usize = 4096;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianNoise {
    /// Standard deviation on the [0, 1] scale.
    pub sigma: f64,
}

impl Corruption for GaussianNoise {
    fn check(&self) -> std::result::Result<(), String> {
        check_normal_scale(self.sigma)
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let mut data = vec![0u8; image.len()];
        // The draw is one array in C order; drawing it a chunk at a time continues the same stream.
        let mut noise = vec![0.0; CHUNK.min(image.len())];
        for (out, values) in data.chunks_mut(CHUNK).zip(image.data.chunks(CHUNK)) {
            let noise = &mut noise[..values.len()];
            rng.fill_normal(0.0, self.sigma, noise);
            combine_with_noise(values, noise, out, |x, n| x + n);
        }
        Ok(Image { data, ..*image })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_sigma_is_refused_as_numpy_refuses_it() {
        for sigma in [-0.1, -1e-300] {
            let err = GaussianNoise { sigma }.check().unwrap_err();
            assert!(err.starts_with(&format!("sigma = {sigma} is ")), "{err}");
        }
        for sigma in [0.0, 0.5] {
            assert_eq!(GaussianNoise { sigma }.check(), Ok(()));
        }
    }
}
