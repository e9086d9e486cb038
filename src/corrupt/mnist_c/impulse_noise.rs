//! MNIST-C `impulse_noise` (spec §3.2, released at amount 0.17): salt and pepper as scikit-image
//! 0.14/0.15 `random_noise(mode='s&p')` makes it. Two whole 28×28 uniform arrays are drawn, each
//! through numpy's `choice([True, False], p=[q, 1 − q])` (true when u < q): the first flips a
//! pixel with probability `amount`, the second makes a flipped pixel salt (1) with probability ½,
//! else pepper (0). Other pixels keep x = img/255.

use super::{check_digit, finish};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's impulse_noise parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ImpulseNoise(pub imagenet_c::ImpulseNoise);

/// scikit-image's default share of salt among the flipped pixels.
const SALT_VS_PEPPER: f64 = 0.5;

impl Corruption for ImpulseNoise {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "impulse_noise")?;
        let mut flips = vec![0.0; image.len()];
        let mut salts = vec![0.0; image.len()];
        rng.fill_uniform(0.0, 1.0, &mut flips);
        rng.fill_uniform(0.0, 1.0, &mut salts);
        let values: Vec<f64> = image
            .data
            .iter()
            .zip(flips.iter().zip(&salts))
            .map(
                |(&v, (&flip, &salt))| match (flip < self.0.amount, salt < SALT_VS_PEPPER) {
                    (true, true) => 1.0,
                    (true, false) => 0.0,
                    (false, _) => v as f64 / 255.0,
                },
            )
            .collect();
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn flips_where_the_first_draw_is_below_the_amount() {
        let digit = Image::new(28, 28, 1, vec![100; 784]).unwrap();
        let out = ImpulseNoise(imagenet_c::ImpulseNoise { amount: 0.17 })
            .apply(&digit, &mut NumpyRandom::new(9), &Context::default())
            .unwrap();
        let mut rng = NumpyRandom::new(9);
        let flips: Vec<f64> = (0..784).map(|_| rng.random_sample()).collect();
        let salts: Vec<f64> = (0..784).map(|_| rng.random_sample()).collect();
        for i in 0..784 {
            let want = match (flips[i] < 0.17, salts[i] < 0.5) {
                (true, true) => 255,
                (true, false) => 0,
                (false, _) => 100,
            };
            assert_eq!(out.data[i], want, "pixel {i}");
        }
        let flipped = out.data.iter().filter(|&&v| v != 100).count();
        assert!((90..180).contains(&flipped), "{flipped} of 784 flipped");
    }
}
