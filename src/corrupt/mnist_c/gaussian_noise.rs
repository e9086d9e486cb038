//! MNIST-C `gaussian_noise` (spec §5.1, a leftover): x = img/255 plus N(0, σ) per pixel, clipped
//! to [0, 1]. One normal draw of shape 28×28.

use super::{check_digit, finish};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's gaussian_noise parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GaussianNoise(pub imagenet_c::GaussianNoise);

impl Corruption for GaussianNoise {
    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "gaussian_noise")?;
        let mut values = vec![0.0; image.len()];
        rng.fill_normal(0.0, self.0.sigma, &mut values);
        for (v, &x) in values.iter_mut().zip(&image.data) {
            *v += x as f64 / 255.0;
        }
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn adds_the_normal_draws_in_raster_order() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i * 7 % 256) as u8).collect()).unwrap();
        let noise = GaussianNoise(imagenet_c::GaussianNoise { sigma: 0.38 });
        let out = noise
            .apply(&digit, &mut NumpyRandom::new(4), &Context::default())
            .unwrap();
        let mut rng = NumpyRandom::new(4);
        for (i, &x) in digit.data.iter().enumerate() {
            let n = rng.normal(0.0, 0.38);
            let want = ((x as f64 / 255.0 + n).clamp(0.0, 1.0) * 255.0) as f32 as u8;
            assert_eq!(out.data[i], want, "pixel {i}");
        }
        let saturated = out.data.iter().filter(|&&v| v == 0 || v == 255).count();
        assert!(saturated > 100, "σ 0.38 clips often: {saturated}");
    }

    #[test]
    fn zero_sigma_keeps_the_digit() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i % 256) as u8).collect()).unwrap();
        let out = GaussianNoise(imagenet_c::GaussianNoise { sigma: 0.0 })
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        assert_eq!(out, digit);
    }

    #[test]
    fn rejects_colour_input() {
        let rgb = Image::zeros(28, 28, 3);
        let noise = GaussianNoise(imagenet_c::GaussianNoise { sigma: 0.1 });
        assert!(noise
            .apply(&rgb, &mut NumpyRandom::new(0), &Context::default())
            .is_err());
    }

    #[test]
    fn negative_sigma_is_refused_as_numpy_refuses_it() {
        for sigma in [-0.1, -1e-300] {
            let err = GaussianNoise(imagenet_c::GaussianNoise { sigma })
                .check()
                .unwrap_err();
            assert!(err.starts_with(&format!("sigma = {sigma} is ")), "{err}");
        }
        for sigma in [0.0, 0.5] {
            assert_eq!(
                GaussianNoise(imagenet_c::GaussianNoise { sigma }).check(),
                Ok(())
            );
        }
    }
}
