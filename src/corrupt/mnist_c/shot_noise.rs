//! MNIST-C `shot_noise` (spec §3.1, released at rate 3): each value of x = img/255 becomes
//! Poisson(x·rate)/rate, clipped to [0, 1]. One Poisson draw per pixel in raster order with
//! numpy's legacy sampler (a black pixel draws nothing).

use super::{check_digit, finish};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's shot_noise parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ShotNoise(pub imagenet_c::ShotNoise);

impl Corruption for ShotNoise {
    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "shot_noise")?;
        // One rate per 8-bit level, the same product per value as x/255·c.
        let rates: Vec<f64> = (0..=255u8)
            .map(|v| v as f64 / 255.0 * self.0.photons)
            .collect();
        let mut counts = vec![0i64; image.len()];
        rng.fill_poisson_levels(&rates, &image.data, &mut counts);
        let values: Vec<f64> = counts.iter().map(|&k| k as f64 / self.0.photons).collect();
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn rate_three_gives_four_levels() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i % 256) as u8).collect()).unwrap();
        let out = ShotNoise(imagenet_c::ShotNoise { photons: 3.0 })
            .apply(&digit, &mut NumpyRandom::new(2000), &Context::default())
            .unwrap();
        assert!(out.data.iter().all(|v| [0, 85, 170, 255].contains(v)));
        assert!(out.data.contains(&85));
        assert_eq!(out.data[0], 0, "a black pixel stays black");
    }

    #[test]
    fn negative_or_zero_photons_are_refused() {
        for photons in [-5.0, 0.0] {
            let err = ShotNoise(imagenet_c::ShotNoise { photons })
                .check()
                .unwrap_err();
            assert!(
                err.starts_with(&format!("photons = {photons} is ")),
                "{err}"
            );
        }
        for photons in [1e-9, 3.0] {
            assert_eq!(ShotNoise(imagenet_c::ShotNoise { photons }).check(), Ok(()));
        }
    }
}
