//! imagecorruptions' `defocus_blur`: ImageNet-C's computation (x = img/255 correlated per channel
//! with the anti-aliased `disk` by `cv2.filter2D`, clipped to [0, 1], scaled by 255), run with the
//! OpenCV 4.5.5 that the package installs, which changes two roundings:
//!
//! - `filter2D` correlates kernels of 50 taps or more (every disk: at least 17×17) through DFTs,
//!   whose rounding moves about one value in a million across an integer after the 8-bit
//!   truncation; [`filter2d_dft_unit_u8`] reproduces that path.
//! - The disk's `GaussianBlur` computes its taps bit-exactly in float64 (OpenCV 3.4 summed float32
//!   taps) and filters with fused multiply-adds in OpenCV 4's own orders, so some disk weights
//!   differ from [`crate::ops::disk`]'s OpenCV 3.4 ones in the last bit; [`disk`] reproduces it.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::border::reflect_101;
use crate::ops::cross_correlation::{filter2d_dft_unit_u8, Kernel};
use crate::ops::exp::exp;
use crate::ops::fma::fma_f32;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefocusBlur {
    /// Disk radius in pixels.
    pub radius: f64,
    /// σ of the Gaussian that anti-aliases the disk.
    pub alias_blur: f64,
}

impl Corruption for DefocusBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        // Radii up to 1000 keep the DFT lengths within OpenCV's tabulated roots.
        if !(self.radius >= 0.0 && self.radius <= 1000.0) {
            return Err(Error::Invalid(format!(
                "defocus_blur radius must be in [0, 1000], got {}",
                self.radius
            )));
        }
        let (side, disk) = disk(self.radius, self.alias_blur);
        if side % 2 == 0 {
            return Err(Error::Invalid(format!(
                "defocus_blur radius {} gives an even {side}-pixel disk grid",
                self.radius
            )));
        }
        let weights: Vec<f64> = disk.iter().map(|&w| w as f64).collect();
        let kernel = Kernel {
            rows: side,
            cols: side,
            weights: &weights,
        };
        let shape = (image.height, image.width, image.channels);
        let data = filter2d_dft_unit_u8(&image.data, shape, kernel);
        Ok(Image { data, ..*image })
    }
}

/// imagecorruptions' `disk(radius, alias_blur)` under OpenCV 4.5.5: the float32 disk mask over
/// offsets −8..8 (radius ≤ 8) or −radius, −radius + 1, … (⌈2·radius + 1⌉ of them), normalised
/// to sum 1, then `cv2.GaussianBlur` with a 3×3 (radius ≤ 8) or 5×5 kernel of σ = `alias_blur`.
/// Returns the side and the weights, row-major.
fn disk(radius: f64, alias_blur: f64) -> (usize, Vec<f32>) {
    let (offsets, taps): (Vec<f64>, usize) = if radius <= 8.0 {
        ((-8..=8).map(f64::from).collect(), 3)
    } else {
        let count = (2.0 * radius + 1.0).ceil() as usize;
        ((0..count).map(|k| -radius + k as f64).collect(), 5)
    };
    let side = offsets.len();
    let inside: Vec<bool> = offsets
        .iter()
        .flat_map(|&y| {
            offsets
                .iter()
                .map(move |&x| x * x + y * y <= radius * radius)
        })
        .collect();
    let weight = 1.0f32 / inside.iter().filter(|&&v| v).count() as f32;
    let mask: Vec<f32> = inside
        .iter()
        .map(|&v| if v { weight } else { 0.0 })
        .collect();
    (
        side,
        gaussian_blur(&mask, side, &gaussian_taps(taps, alias_blur)),
    )
}

/// OpenCV 4's `getGaussianKernel(n, σ, CV_32F)` for n = 3 or 5: exp(−x²/(2σ²)) for the outer
/// taps in float64, normalised in float64 by 1 / (2·Σ outer + 1) (the centre tap is exp(0) = 1),
/// then rounded to float32; σ ≤ 0 takes the binomial taps.
fn gaussian_taps(n: usize, sigma: f64) -> Vec<f32> {
    assert!(n == 3 || n == 5, "Gaussian of {n} taps");
    if sigma <= 0.0 {
        let binomial: &[f32] = if n == 3 {
            &[0.25, 0.5, 0.25]
        } else {
            &[0.0625, 0.25, 0.375, 0.25, 0.0625]
        };
        return binomial.to_vec();
    }
    // x runs over doubled offsets (1 − n, 3 − n, …), hence −1/8 instead of −1/2.
    let scale = -0.125 / (sigma * sigma);
    let outer: Vec<f64> = (0..n / 2)
        .map(|i| {
            let x = (2 * i) as f64 + 1.0 - n as f64;
            exp(x * x * scale)
        })
        .collect();
    let sum = outer.iter().fold(0.0, |s, &t| s + t) * 2.0 + 1.0;
    let inverse = 1.0 / sum;
    let mut taps = vec![inverse as f32; n];
    for (i, &t) in outer.iter().enumerate() {
        taps[i] = (t * inverse) as f32;
        taps[n - 1 - i] = taps[i];
    }
    taps
}

/// OpenCV 4.5.5's separable float32 filter with a symmetric 3- or 5-tap kernel and a reflect-101
/// border, in the orders its AVX2 code runs (k0 the centre tap, p_d = x₋d + x₊d):
///
/// - rows: fma(c, k0, p1·k1), then fma(p2, k2, ·) for 5 taps, on the columns its 8-wide vectors
///   and the paired scalar tail cover; the last column of an odd tail takes the compiler's
///   contraction of the scalar sum, fma(p2, k2, fma(p1, k1, c·k0));
/// - columns: fma(p2, k2, fma(p1, k1, c·k0)) everywhere.
fn gaussian_blur(image: &[f32], side: usize, taps: &[f32]) -> Vec<f32> {
    let half = taps.len() / 2;
    let k0 = taps[half];
    let outer = &taps[half + 1..];
    let pair = |line: &dyn Fn(usize) -> f32, at: usize, d: usize| {
        line(reflect_101(at as isize - d as isize, side))
            + line(reflect_101(at as isize + d as isize, side))
    };
    let sequential = |line: &dyn Fn(usize) -> f32, at: usize| {
        outer.iter().enumerate().fold(line(at) * k0, |s, (k, &w)| {
            fma_f32(pair(line, at, k + 1), w, s)
        })
    };
    let vectors = side / 8 * 8;
    let paired = vectors + (side - vectors) / 2 * 2;
    let mut rows = vec![0.0f32; side * side];
    for (y, out) in rows.chunks_exact_mut(side).enumerate() {
        let line = |x: usize| image[y * side + x];
        for (x, value) in out.iter_mut().enumerate() {
            *value = if x < paired {
                let s = fma_f32(line(x), k0, pair(&line, x, 1) * outer[0]);
                match outer.get(1) {
                    Some(&k2) => fma_f32(pair(&line, x, 2), k2, s),
                    None => s,
                }
            } else {
                sequential(&line, x)
            };
        }
    }
    let mut out = vec![0.0f32; side * side];
    for x in 0..side {
        let column = |y: usize| rows[y * side + x];
        for y in 0..side {
            out[y * side + x] = sequential(&column, y);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// FNV-1a over the bits of each weight.
    fn bits_hash(weights: &[f32]) -> u64 {
        crate::ops::dft::fnv1a(weights.iter().flat_map(|v| v.to_le_bytes()))
    }

    #[test]
    fn disks_equal_the_package_under_opencv_4_5_5() {
        // imagecorruptions.corruptions.disk(r, a) with opencv-python-headless 4.5.5.64, hashed
        // the same way: the suite's five severities and sides of odd vector tails (19, 25).
        for (radius, alias_blur, side, want) in [
            (3.0, 0.1, 17, 0x9e40_6050_a37f_70e7u64),
            (4.0, 0.5, 17, 0x587f_b5dd_051d_5ff6),
            (8.0, 0.5, 17, 0xb83f_2c6f_9d28_27a5),
            (9.0, 0.3, 19, 0x4966_d3d6_314e_6d3b),
            (10.0, 0.5, 21, 0xcf60_c8e6_f8e0_34cb),
            (12.0, 0.7, 25, 0xc644_7e5f_9ff5_4994),
        ] {
            let (got_side, weights) = disk(radius, alias_blur);
            assert_eq!(got_side, side);
            assert_eq!(bits_hash(&weights), want, "disk({radius}, {alias_blur})");
        }
    }

    #[test]
    fn gaussian_taps_follow_opencv_4() {
        // cv2.getGaussianKernel(n, σ, cv2.CV_32F) in OpenCV 4.5.5; σ = 0.3 and 0.7 are where
        // OpenCV 3.4's float32 normalisation gave other last bits.
        assert_eq!(
            gaussian_taps(3, 0.3),
            [0.003_836_258_8, 0.992_327_5, 0.003_836_258_8]
        );
        assert_eq!(
            gaussian_taps(5, 0.7),
            [
                0.009_620_056_5,
                0.205_423_7,
                0.569_912_5,
                0.205_423_7,
                0.009_620_056_5
            ]
        );
        assert_eq!(gaussian_taps(3, 0.0), [0.25, 0.5, 0.25]);
    }
}
