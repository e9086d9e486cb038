//! MNIST-C `defocus_blur` (spec §5.5, a leftover): x = img/255 correlated with the anti-aliased
//! `disk` kernel (OpenCV `filter2D`, reflect-101 border, float64), clipped to [0, 1], scaled by 255.
//! The kernel is ImageNet-C's (spec §2.7); at the default radius 3 it is a 17×17 grid, wider than
//! half the digit, so the border reflection reaches deep into the image.
//!
//! OpenCV correlates kernels of 50 taps or more through DFTs, whose rounding the direct sum here
//! matches only to about 1e-16 relative ([`crate::ops::filter2d`]).

use super::{check_digit, finish, SIDE};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::filter2d::filter2d;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's defocus parameters: the disk radius and the σ that anti-aliases it.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct DefocusBlur(pub imagenet_c::DefocusBlur);

impl Corruption for DefocusBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "defocus_blur")?;
        let kernel = self.0.kernel()?;
        let blurred = filter2d(&image.to_unit_f64(), (SIDE, SIDE, 1), &kernel);
        Ok(finish(image, &blurred))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn default_disk_averages_29_pixels() {
        // One white pixel in the middle: every pixel within radius 3 sees 1/29 of it.
        let mut data = vec![0u8; 784];
        data[14 * 28 + 14] = 255;
        let digit = Image::new(28, 28, 1, data).unwrap();
        let blur = DefocusBlur(imagenet_c::DefocusBlur {
            radius: 3.0,
            alias_blur: 0.1,
        });
        let out = blur
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        let share = ((255.0 / 29.0f64) as f32) as u8;
        assert_eq!(share, 8);
        let mut inside = 0;
        for r in 0..28i32 {
            for c in 0..28i32 {
                let (dr, dc) = (r - 14, c - 14);
                let v = out.data[(r * 28 + c) as usize];
                if dr * dr + dc * dc <= 9 {
                    assert_eq!(v, share, "({r}, {c})");
                    inside += 1;
                } else {
                    assert_eq!(v, 0, "({r}, {c})");
                }
            }
        }
        assert_eq!(inside, 29);
    }

    #[test]
    fn a_flat_digit_stays_flat() {
        let digit = Image::new(28, 28, 1, vec![200; 784]).unwrap();
        let blur = DefocusBlur(imagenet_c::DefocusBlur {
            radius: 10.0,
            alias_blur: 0.5,
        });
        let out = blur
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        // Every pixel sums the same reflected values in the same order. The 5×5 anti-alias blur
        // is not renormalised, so the kernel sums to about 1, not exactly.
        assert!(out.data.iter().all(|&v| v == out.data[0]));
        assert!(out.data[0].abs_diff(200) <= 3, "{}", out.data[0]);
    }
}
