//! ImageMagick's motion blur, `MagickMotionBlurImage(wand, radius, sigma, angle)` of ImageMagick 6
//! Q16 (`MotionBlurImage` in effect.c), as the ImageNet-C motion_blur and snow corruptions call it
//! through Wand, together with the 8-bit PNG round trip around it (spec §1.5).
//!
//! The streak is a one-sided Gaussian: tap i = 0..2r reads the pixel at
//! (x + ceil(i·cosθ − 0.5), y + ceil(i·sinθ − 0.5)), y pointing down, with edge-replicated reads
//! outside the image, and weighs it exp(−i²/2σ²), normalised. The 8-bit input enters ImageMagick
//! as 16-bit quanta (257·v); the blurred value is clamped and rounded to 16 bits, then written as
//! an 8-bit PNG, which gives out8 = floor(round(257·b) / 257) for the blurred 8-bit value b.

use crate::error::{Error, Result};
use crate::ops::exp::exp;
use crate::ops::hypot::hypot;
use crate::ops::portable::Portable;
use crate::raster::Image;
use crate::simd;

/// ImageMagick's `MagickSQ2PI`, √(2π), by which each raw weight is divided before normalising.
const SQRT_2PI: f64 = 2.506_628_274_631_000_2;

/// The largest 16-bit quantum.
const QUANTUM_RANGE: f64 = 65535.0;

/// One streak of taps: where each tap reads relative to the output pixel, and its weight.
#[derive(Clone, Debug, PartialEq)]
pub struct MotionKernel {
    /// (dx, dy) per tap, dx to the right, dy down.
    pub offsets: Vec<(isize, isize)>,
    /// Normalised weights, tap 0 (the pixel itself) first.
    pub weights: Vec<f64>,
}

impl MotionKernel {
    /// The kernel `MotionBlurImage` builds for `radius` ≥ 1, `sigma` > 0 and `angle` in degrees.
    /// (ImageMagick chooses its own width for radius 0; the reference never asks for that.)
    pub fn new(radius: usize, sigma: f64, angle: f64) -> Result<MotionKernel> {
        if radius == 0 {
            return Err(Error::Invalid(
                "motion blur radius must be at least 1".into(),
            ));
        }
        let usable = sigma.is_finite() && sigma > 0.0 && angle.is_finite();
        if !usable {
            return Err(Error::Invalid(format!(
                "motion blur needs a positive sigma and a finite angle (sigma {sigma}, angle {angle})"
            )));
        }
        let width = 2 * radius + 1;
        // Raw weights exp(−i²/(2σ²))/(√(2π)·σ), then each divided by their running sum.
        let mut weights: Vec<f64> = (0..width)
            .map(|i| {
                let i = i as f64;
                exp(-(i * i) / (2.0 * sigma * sigma)) / (SQRT_2PI * sigma)
            })
            .collect();
        let sum = weights.iter().fold(0.0, |acc, w| acc + w);
        for w in &mut weights {
            *w /= sum;
        }
        // The direction vector is scaled by the width and divided by its length again, as
        // ImageMagick does; the rounding of that detour decides offsets that sit near a half.
        let radians = std::f64::consts::PI * angle / 180.0;
        let along_y = width as f64 * radians.portable_sin();
        let along_x = width as f64 * radians.portable_cos();
        let length = hypot(along_y, along_x);
        let offsets = (0..width)
            .map(|i| {
                let i = i as f64;
                (
                    ((i * along_x) / length - 0.5).ceil() as isize,
                    ((i * along_y) / length - 0.5).ceil() as isize,
                )
            })
            .collect();
        Ok(MotionKernel { offsets, weights })
    }
}

/// Blurs every channel of an 8-bit image along the streak and returns what the PNG round trip
/// through ImageMagick Q16 returns. A gray PNG that ImageMagick may write for an image whose
/// channels are all equal decodes to the same values, so every channel count is handled alike.
pub fn motion_blur(image: &Image, kernel: &MotionKernel) -> Image {
    let mut out = Image::zeros(image.width, image.height, image.channels);
    if !image.is_empty() {
        blur(image, kernel, &mut out.data);
    }
    out
}

/// The image as ImageMagick's quanta, 257·v, in float64, with rows padded left and right by edge
/// replication so that each tap reads one contiguous run of a row; rows above and below are
/// clamped by index.
struct Padded {
    values: Vec<f64>,
    row_stride: usize,
    /// Values in one output row (width · channels).
    row_len: usize,
    height: usize,
    /// Where column 0 of the image starts within a padded row.
    left_shift: usize,
    channels: usize,
}

impl Padded {
    /// Pads a non-empty `image` for the horizontal reach of `kernel`.
    #[inline(always)]
    fn new(image: &Image, kernel: &MotionKernel) -> Padded {
        let (width, height, channels) = (image.width, image.height, image.channels);
        let reach = |sign: isize| {
            let most = kernel.offsets.iter().map(|o| sign * o.0).max();
            most.unwrap_or(0).max(0) as usize
        };
        let (left, right) = (reach(-1), reach(1));
        let row_len = width * channels;
        let row_stride = (width + left + right) * channels;
        let mut values = Vec::with_capacity(height * row_stride);
        for row in image.data.chunks_exact(row_len) {
            let begin = values.len();
            values.resize(begin + row_stride, 0.0);
            let padded_row = &mut values[begin..];
            let body = left * channels;
            for (d, &v) in padded_row[body..][..row_len].iter_mut().zip(row) {
                *d = 257.0 * v as f64;
            }
            for px in 0..left {
                padded_row.copy_within(body..body + channels, px * channels);
            }
            let last = body + row_len - channels;
            for px in 0..right {
                padded_row.copy_within(last..last + channels, body + row_len + px * channels);
            }
        }
        Padded {
            values,
            row_stride,
            row_len,
            height,
            left_shift: left * channels,
            channels,
        }
    }

    /// Where each tap's run of `row_len` values for output row `y` starts in `values`.
    #[cfg(target_arch = "x86_64")]
    fn tap_starts(&self, y: usize, kernel: &MotionKernel, starts: &mut [usize]) {
        for (start, &(dx, dy)) in starts.iter_mut().zip(&kernel.offsets) {
            let sy = (y as isize + dy).clamp(0, self.height as isize - 1) as usize;
            let shift = self.left_shift as isize + dx * self.channels as isize;
            *start = sy * self.row_stride + shift as usize;
            assert!(
                *start + self.row_len <= self.values.len(),
                "tap run outside"
            );
        }
    }
}

/// The tap loop on the active instruction set. Every path adds the same products in the same
/// order for each output value (separate multiply and add, never fused), so all give identical
/// bits.
fn blur(image: &Image, kernel: &MotionKernel, out: &mut [u8]) {
    simd::dispatch(
        #[inline(always)]
        |isa| match isa {
            // SAFETY: the dispatch hands over Avx512 only where the CPU has it.
            #[cfg(target_arch = "x86_64")]
            simd::Isa::Avx512 => unsafe { blur_avx512(image, kernel, out) },
            _ => blur_rows(&Padded::new(image, kernel), kernel, out),
        },
    )
}

/// The tap loop with AVX-512: blocks of 64 values held in eight registers while every tap adds its
/// products, then blocks of 8, then single values.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
fn blur_avx512(image: &Image, kernel: &MotionKernel, out: &mut [u8]) {
    let padded = &Padded::new(image, kernel);
    let row_len = padded.row_len;
    let mut starts = vec![0usize; kernel.offsets.len()];
    let mut sums = vec![0.0f64; row_len];
    for (y, out_row) in out.chunks_exact_mut(row_len).enumerate() {
        padded.tap_starts(y, kernel, &mut starts);
        let (values, weights) = (&padded.values[..], &kernel.weights[..]);
        // SAFETY: `tap_starts` checked that every tap's run of row_len values lies in `values`.
        let x = unsafe {
            let x = blocks::<8>(values, &starts, weights, 0, &mut sums);
            let x = blocks::<4>(values, &starts, weights, x, &mut sums);
            blocks::<1>(values, &starts, weights, x, &mut sums)
        };
        for (i, s) in sums.iter_mut().enumerate().skip(x) {
            *s = 0.0;
            for (&start, &weight) in starts.iter().zip(weights) {
                *s += weight * values[start + i];
            }
        }
        for (o, &s) in out_row.iter_mut().zip(&sums) {
            *o = to_png8(s);
        }
    }
}

/// The sums of consecutive blocks of R vectors of 8 values from `x` on, while whole blocks fit
/// into `sums`, each block held in registers while every tap adds its products; returns where the
/// blocks end.
///
/// # Safety
/// Every `start + sums.len()` must be at most `values.len()`.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn blocks<const R: usize>(
    values: &[f64],
    starts: &[usize],
    weights: &[f64],
    mut x: usize,
    sums: &mut [f64],
) -> usize {
    use std::arch::x86_64::*;
    const LANES: usize = 8;
    let values = values.as_ptr();
    while x + LANES * R <= sums.len() {
        let mut acc = [_mm512_setzero_pd(); R];
        for (&start, &weight) in starts.iter().zip(weights) {
            let w = _mm512_set1_pd(weight);
            for (r, a) in acc.iter_mut().enumerate() {
                // SAFETY: the caller guarantees a whole run of sums.len() values from start.
                let v = unsafe { _mm512_loadu_pd(values.add(start + x + r * LANES)) };
                *a = _mm512_add_pd(*a, _mm512_mul_pd(w, v));
            }
        }
        for (r, a) in acc.iter().enumerate() {
            // SAFETY: x + 8·R ≤ sums.len().
            unsafe { _mm512_storeu_pd(sums.as_mut_ptr().add(x + r * LANES), *a) };
        }
        x += LANES * R;
    }
    x
}

/// Values per column strip: the rows one strip's taps read stay in the first-level cache while
/// the strip's output rows are summed.
const STRIP: usize = 256;

/// Every output row, one column strip at a time: a strip of sums, to which each tap in
/// ImageMagick's order adds weight · quantum from its run of the padded image, then the PNG round
/// trip of each sum.
#[inline(always)]
fn blur_rows(padded: &Padded, kernel: &MotionKernel, out: &mut [u8]) {
    let row_len = padded.row_len;
    let mut sums = [0.0f64; STRIP];
    let mut x0 = 0;
    while x0 < row_len {
        let len = STRIP.min(row_len - x0);
        let sums = &mut sums[..len];
        for (y, out_row) in out.chunks_exact_mut(row_len).enumerate() {
            sums.fill(0.0);
            for (&(dx, dy), &weight) in kernel.offsets.iter().zip(&kernel.weights) {
                let sy = (y as isize + dy).clamp(0, padded.height as isize - 1) as usize;
                let shift = padded.left_shift as isize + dx * padded.channels as isize;
                let start = sy * padded.row_stride + shift as usize + x0;
                let run = &padded.values[start..][..len];
                for (s, &v) in sums.iter_mut().zip(run) {
                    *s += weight * v;
                }
            }
            for (o, &s) in out_row[x0..][..len].iter_mut().zip(sums.iter()) {
                *o = to_png8(s);
            }
        }
        x0 += len;
    }
}

/// A blurred quantum sum to the 8-bit PNG value: ImageMagick's ClampToQuantum (clamp, add ½,
/// truncate), then the 16 → 8 bit reduction of its PNG writer, which divides by 257 and floors.
#[inline]
#[allow(clippy::manual_clamp)] // `clamp` would keep NaN, which the unchecked cast must not see
fn to_png8(sum: f64) -> u8 {
    // Clamping first gives the same quanta, 0 and 65535, at both ends; NaN goes to 0.
    let clamped = if sum >= 0.0 {
        sum.min(QUANTUM_RANGE)
    } else {
        0.0
    } + 0.5;
    // SAFETY: `clamped` lies in [0.5, 65535.5], well inside i32.
    let quantum = unsafe { clamped.to_int_unchecked::<i32>() };
    (quantum / 257) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_are_one_sided_and_sum_to_one() {
        for (radius, sigma) in [
            (10, 3.0),
            (15, 5.0),
            (15, 8.0),
            (15, 12.0),
            (20, 15.0),
            (12, 4.0),
        ] {
            let k = MotionKernel::new(radius, sigma, 10.0).unwrap();
            assert_eq!(k.weights.len(), 2 * radius + 1);
            let total: f64 = k.weights.iter().sum();
            assert!((total - 1.0).abs() < 1e-12, "sum {total}");
            assert!(
                k.weights.windows(2).all(|w| w[0] > w[1]),
                "decays along the streak"
            );
            let ratio = k.weights[1] / k.weights[0];
            assert!((ratio - (-1.0 / (2.0 * sigma * sigma)).exp()).abs() < 1e-12);
        }
    }

    #[test]
    fn offsets_follow_the_angle_with_y_down() {
        let right = MotionKernel::new(3, 2.0, 0.0).unwrap();
        assert_eq!(right.offsets, (0..7).map(|i| (i, 0)).collect::<Vec<_>>());
        let down = MotionKernel::new(3, 2.0, 90.0).unwrap();
        assert_eq!(down.offsets, (0..7).map(|i| (0, i)).collect::<Vec<_>>());
        let left = MotionKernel::new(2, 2.0, 180.0).unwrap();
        assert_eq!(left.offsets, (0..5).map(|i| (-i, 0)).collect::<Vec<_>>());
        // 45°: i·cos45 = 0, .71, 1.41, 2.12, 2.83, 3.54, 4.24 rounds half down to 0, 1, 1, 2, 3, 4, 4.
        let diagonal = MotionKernel::new(3, 2.0, 45.0).unwrap();
        let steps = [0, 1, 1, 2, 3, 4, 4];
        assert_eq!(
            diagonal.offsets,
            steps.iter().map(|&s| (s, s)).collect::<Vec<_>>()
        );
        // −45° mirrors the rows upwards.
        let up = MotionKernel::new(3, 2.0, -45.0).unwrap();
        assert_eq!(
            up.offsets,
            steps.iter().map(|&s| (s, -s)).collect::<Vec<_>>()
        );
    }

    #[test]
    fn rejects_what_imagemagick_would_treat_differently() {
        assert!(MotionKernel::new(0, 3.0, 0.0).is_err());
        assert!(MotionKernel::new(5, 0.0, 0.0).is_err());
        assert!(MotionKernel::new(5, 3.0, f64::NAN).is_err());
    }

    #[test]
    fn png_round_trip_floors_except_just_below_an_integer() {
        assert_eq!(to_png8(257.0 * 100.0), 100);
        assert_eq!(to_png8(257.0 * 100.9), 100);
        // round(257·b) reaches the next multiple of 257 once frac(b) > 256.5/257.
        assert_eq!(to_png8(257.0 * 100.0 + 256.6), 101);
        assert_eq!(to_png8(257.0 * 100.0 + 256.4), 100);
        assert_eq!(to_png8(-3.0), 0);
        assert_eq!(to_png8(70000.0), 255);
    }

    #[test]
    fn flat_image_stays_flat_and_edges_replicate() {
        let flat = Image::new(9, 7, 3, vec![77; 9 * 7 * 3]).unwrap();
        let k = MotionKernel::new(5, 2.0, 30.0).unwrap();
        assert_eq!(motion_blur(&flat, &k), flat);

        // A horizontal streak to the right over a ramp: the last column only sees itself
        // (edge replication), the first column sees the ramp to its right.
        let ramp = Image::new(6, 1, 1, vec![0, 50, 100, 150, 200, 250]).unwrap();
        let k = MotionKernel::new(2, 1.0, 0.0).unwrap();
        let out = motion_blur(&ramp, &k);
        assert_eq!(out.data[5], 250);
        let first = k
            .weights
            .iter()
            .enumerate()
            .fold(0.0, |acc, (i, w)| acc + w * (257.0 * 50.0 * i as f64));
        assert_eq!(out.data[0], to_png8(first));
        assert_eq!(out.data[0], 26);
    }

    #[test]
    fn vector_widths_agree_with_a_plain_sum() {
        let (w, h) = (37, 11);
        let data: Vec<u8> = (0..w * h * 3).map(|i| ((i * 7919) % 256) as u8).collect();
        let image = Image::new(w, h, 3, data).unwrap();
        let k = MotionKernel::new(6, 4.0, 23.0).unwrap();
        let fast = motion_blur(&image, &k);
        // One value at a time, straight from the definition with clamped reads.
        for y in 0..h {
            for x in 0..w {
                for c in 0..3 {
                    let mut sum = 0.0;
                    for (&(dx, dy), &wgt) in k.offsets.iter().zip(&k.weights) {
                        let sx = (x as isize + dx).clamp(0, w as isize - 1) as usize;
                        let sy = (y as isize + dy).clamp(0, h as isize - 1) as usize;
                        sum += wgt * (257.0 * image.data[(sy * w + sx) * 3 + c] as f64);
                    }
                    assert_eq!(
                        fast.data[(y * w + x) * 3 + c],
                        to_png8(sum),
                        "({x}, {y}, {c})"
                    );
                }
            }
        }
    }

    #[test]
    fn gray_rgb_gives_equal_channels_like_the_gray_png_path() {
        let values: Vec<u8> = (0..8 * 8).map(|i| (i * 37 % 256) as u8).collect();
        let gray = Image::new(8, 8, 1, values.clone()).unwrap();
        let rgb = Image::new(8, 8, 3, values.iter().flat_map(|&v| [v, v, v]).collect()).unwrap();
        let k = MotionKernel::new(4, 3.0, -120.0).unwrap();
        let g = motion_blur(&gray, &k);
        let c = motion_blur(&rgb, &k);
        for (px, &v) in c.data.chunks_exact(3).zip(&g.data) {
            assert_eq!(px, [v, v, v]);
        }
    }
}
