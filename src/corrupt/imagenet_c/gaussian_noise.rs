//! `gaussian_noise`: additive N(0, σ) on every value of x = img/255, clipped to [0, 1]
//! (spec §2.1). One normal draw of shape H×W×C.

use crate::corrupt::{check_normal_scale, Context, Corruption};
use crate::error::Result;
use crate::ops::unit_byte::with_normal_noise;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

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
        Ok(with_normal_noise(image, self.sigma, rng, |x, n| x + n))
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
