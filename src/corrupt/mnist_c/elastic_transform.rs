//! MNIST-C `elastic_transform` (spec §5.14, a leftover): ImageNet-C's elastic transform at 28×28
//! with zero borders. A random affine warp (OpenCV `warpAffine`, bilinear, constant 0), then a
//! smooth random displacement field resampled with scipy's `map_coordinates` (order 1, constant
//! 0). Works on x = img/255 in float32.
//!
//! Unlike ImageNet-C's, the field smoothing runs scipy's own accumulation even though its kernel
//! (σ = 19.6 at severity 1, 119 taps) is longer than the 28-pixel lines, with the kernel of the
//! reference stack's scipy 1.3, so the result is bit-exact.
//!
//! Draws: one uniform 3×2 (affine jitter), then uniform 28×28 for dx, then uniform 28×28 for dy.

use super::{blur_2d, check_digit, SIDE};
use crate::corrupt::imagenet_c::{displace, ElasticParams};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::affine::{warp_affine, WarpBorder};
use crate::ops::gaussian::Boundary;
use crate::ops::map_coordinates::map_coordinates_constant_order1;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// scikit-image's `truncate` of the field smoothing.
const TRUNCATE: f64 = 3.0;

/// One severity: ImageNet-C's parameters, written as `28 · factor` in the reference.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct ElasticTransform(pub ElasticParams);

impl Corruption for ElasticTransform {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "elastic_transform")?;
        let (alpha, sigma, _) = self.0.in_pixels();
        let x = image.to_unit_f32();
        // Control points (14 ± 9, 14 ± 9) as in the reference, jittered in float32.
        let m = self.0.random_affine(SIDE, SIDE, rng)?;
        let warped = warp_affine(&x, SIDE, SIDE, 1, &m, WarpBorder::Zero);

        // Displacement fields, dx drawn first; each float64, smoothed, then sample positions.
        let mut cols = vec![0f64; SIDE * SIDE];
        rng.fill_uniform(-1.0, 1.0, &mut cols);
        let mut rows = vec![0f64; SIDE * SIDE];
        rng.fill_uniform(-1.0, 1.0, &mut rows);
        for field in [&mut cols, &mut rows] {
            blur_2d(field.as_mut_slice(), sigma, Boundary::Reflect, TRUNCATE);
        }
        displace(&mut rows, &mut cols, SIDE, alpha);
        let mut out = vec![0f32; SIDE * SIDE];
        map_coordinates_constant_order1(&warped, (SIDE, SIDE), &rows, &cols, &mut out);
        let data = out
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
            .collect();
        Image::new(SIDE, SIDE, 1, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    fn severity_1() -> ElasticTransform {
        ElasticTransform(ElasticParams {
            scale: 28.0,
            alpha: 2.0,
            sigma: 0.7,
            affine: 0.1,
        })
    }

    #[test]
    fn draws_the_jitter_then_two_fields() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i % 251) as u8).collect()).unwrap();
        let mut ours = NumpyRandom::new(5);
        severity_1()
            .apply(&digit, &mut ours, &Context::default())
            .unwrap();
        let mut replay = NumpyRandom::new(5);
        let mut skip = vec![0f64; 6 + 2 * 784];
        replay.fill_uniform(-1.0, 1.0, &mut skip);
        assert_eq!(ours.next_u32(), replay.next_u32());
    }

    #[test]
    fn a_blank_digit_stays_blank_and_ink_stays_inside() {
        let blank = Image::zeros(28, 28, 1);
        let out = severity_1()
            .apply(&blank, &mut NumpyRandom::new(1), &Context::default())
            .unwrap();
        assert!(out.data.iter().all(|&v| v == 0));
        // A full white square: zero borders pull some edge pixels dark, none rise above 255.
        let white = Image::new(28, 28, 1, vec![255; 784]).unwrap();
        let out = severity_1()
            .apply(&white, &mut NumpyRandom::new(2), &Context::default())
            .unwrap();
        assert!(out.data.iter().any(|&v| v < 255));
        assert!(out.data[14 * 28 + 14] > 200);
    }
}
