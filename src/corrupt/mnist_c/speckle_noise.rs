//! MNIST-C `speckle_noise` (spec §5.2, a leftover): multiplicative noise x + x·N(0, σ) on
//! x = img/255, clipped to [0, 1]. One normal draw of shape 28×28.

use super::{check_digit, finish};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's speckle_noise parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct SpeckleNoise(pub imagenet_c::SpeckleNoise);

impl Corruption for SpeckleNoise {
    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "speckle_noise")?;
        let mut values = vec![0.0; image.len()];
        rng.fill_normal(0.0, self.0.sigma, &mut values);
        for (v, &x) in values.iter_mut().zip(&image.data) {
            let x = x as f64 / 255.0;
            *v = x + x * *v;
        }
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn background_stays_black_and_ink_follows_the_draws() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i * 3 % 256) as u8).collect()).unwrap();
        let out = SpeckleNoise(imagenet_c::SpeckleNoise { sigma: 0.6 })
            .apply(&digit, &mut NumpyRandom::new(11), &Context::default())
            .unwrap();
        let mut rng = NumpyRandom::new(11);
        for (i, &x) in digit.data.iter().enumerate() {
            let n = rng.normal(0.0, 0.6);
            let x = x as f64 / 255.0;
            let want = ((x + x * n).clamp(0.0, 1.0) * 255.0) as f32 as u8;
            assert_eq!(out.data[i], want, "pixel {i}");
            if x == 0.0 {
                assert_eq!(out.data[i], 0);
            }
        }
    }

    #[test]
    fn negative_sigma_is_refused_as_numpy_refuses_it() {
        for sigma in [-0.1, -1e-300] {
            let err = SpeckleNoise(imagenet_c::SpeckleNoise { sigma })
                .check()
                .unwrap_err();
            assert!(err.starts_with(&format!("sigma = {sigma} is ")), "{err}");
        }
        for sigma in [0.0, 0.5] {
            assert_eq!(
                SpeckleNoise(imagenet_c::SpeckleNoise { sigma }).check(),
                Ok(())
            );
        }
    }
}
