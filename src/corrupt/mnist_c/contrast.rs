//! MNIST-C `contrast` (spec §5.9, a leftover): pull the digit towards its mean. x = img/255,
//! μ = mean of x, out = clip((x − μ)·factor + μ, 0, 1).
//!
//! The reference's `np.mean(x, axis=(0, 1))` reduces every axis of a contiguous 28×28 float64
//! array, which numpy does as one pass of its pairwise summation over the 784 values (unlike
//! ImageNet-C's per-channel mean of an H×W×3 array, a plain sequential sum), then divides by 784.

use super::{check_digit, finish};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::numeric::pairwise_sum;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's contrast parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Contrast(pub imagenet_c::Contrast);

impl Corruption for Contrast {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "contrast")?;
        let x = image.to_unit_f64();
        let mean = pairwise_sum(&x) / x.len() as f64;
        let values: Vec<f64> = x
            .iter()
            .map(|&v| (v - mean) * self.0.factor + mean)
            .collect();
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn flattens_towards_the_mean() {
        let digit = Image::new(
            28,
            28,
            1,
            (0..784).map(|i| if i % 4 == 0 { 255 } else { 0 }).collect(),
        )
        .unwrap();
        let out = Contrast(imagenet_c::Contrast { factor: 0.1 })
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        // μ = 0.25: ink becomes (0.75·0.1 + 0.25)·255 = 82.875, background (0.25·0.9)·255 = 57.375.
        for (o, &v) in out.data.iter().zip(&digit.data) {
            assert_eq!(*o, if v == 255 { 82 } else { 57 });
        }
    }
}
