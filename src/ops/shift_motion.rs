//! imagecorruptions' numpy motion blur (`_motion_blur`, spec §5.2): ImageMagick's one-sided
//! Gaussian streak (spec §1.5) re-implemented as a sum of edge-replicating shifts, in float64
//! with no 8-bit round trip. It differs from [`crate::ops::motion`] in its arithmetic, so each step
//! follows numpy's:
//!
//! * weights k_i = exp(−i²/(2·σ²)) / (√(2π)·σ) for i = 0..2r, divided by their numpy `sum`
//!   (pairwise summation);
//! * the direction (W·sin θ, W·cos θ) with W = 2r + 1 and θ = deg2rad(angle) = angle·(π/180),
//!   divided by its `math.hypot`; tap i reads (x + ceil(i·W·cos θ/h − 0.5), y + ceil(i·W·sin θ/h
//!   − 0.5)), coordinates clamped to the image (y down);
//! * taps are added in order, out = ((k₀·v₀ + k₁·v₁) + k₂·v₂) + …, each product rounded;
//! * the loop stops at the first tap whose offset reaches the image's height or width (its own
//!   `break`), leaving the remaining weight out.

use crate::error::{Error, Result};
use crate::ops::exp::exp;
use crate::ops::hypot::hypot;
use crate::ops::numeric::pairwise_sum;
use crate::ops::portable::Portable;
use crate::simd;

/// The taps of one streak: (dx, dy) per tap, dx to the right and dy down, and the weights.
#[derive(Clone, Debug, PartialEq)]
pub struct ShiftMotionKernel {
    pub offsets: Vec<(isize, isize)>,
    pub weights: Vec<f64>,
}

impl ShiftMotionKernel {
    /// The kernel for `radius` ≥ 1, `sigma` > 0 and `angle` in degrees.
    pub fn new(radius: usize, sigma: f64, angle: f64) -> Result<ShiftMotionKernel> {
        if radius == 0 || !(sigma.is_finite() && sigma > 0.0) || !angle.is_finite() {
            return Err(Error::Invalid(format!(
                "motion blur needs a radius ≥ 1, a positive sigma and a finite angle \
                 (radius {radius}, sigma {sigma}, angle {angle})"
            )));
        }
        let width = 2 * radius + 1;
        let norm = (2.0 * std::f64::consts::PI).sqrt() * sigma;
        let raw: Vec<f64> = (0..width)
            .map(|i| {
                let square = (i * i) as f64;
                exp(-square / (2.0 * (sigma * sigma))) / norm
            })
            .collect();
        let total = pairwise_sum(&raw);
        let weights = raw.iter().map(|w| w / total).collect();
        let radians = angle * (std::f64::consts::PI / 180.0);
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
        Ok(ShiftMotionKernel { offsets, weights })
    }

    /// How many leading taps run on an image of this size: up to the first one whose offset
    /// reaches the height (dy) or the width (dx).
    fn taps(&self, height: usize, width: usize) -> usize {
        self.offsets
            .iter()
            .position(|&(dx, dy)| dy.unsigned_abs() >= height || dx.unsigned_abs() >= width)
            .unwrap_or(self.offsets.len())
    }
}

/// Blurs an H×W×C array (C interleaved) along the streak, in float64.
pub fn shift_motion_blur<T: Copy + Into<f64>>(
    data: &[T],
    (height, width, channels): (usize, usize, usize),
    kernel: &ShiftMotionKernel,
) -> Result<Vec<f64>> {
    if data.len() != height * width * channels || channels == 0 {
        return Err(Error::Invalid(format!(
            "motion blur input holds {} values, expected {height}×{width}×{channels}",
            data.len()
        )));
    }
    let taps = kernel.taps(height, width);
    let mut out = vec![0.0f64; data.len()];
    let shape = (height, width, channels);
    let streak = (&kernel.offsets[..taps], &kernel.weights[..taps]);
    simd::dispatch(
        #[inline(always)]
        |_| blur_rows(&mut out, data, shape, streak),
    );
    Ok(out)
}

/// Every output row, tap by tap: the columns whose shifted read stays inside the row are one
/// contiguous slice (vectorised), those left or right of it read the clamped edge pixel. Each
/// value still gets its taps' products added in tap order.
#[inline(always)]
fn blur_rows<T: Copy + Into<f64>>(
    out: &mut [f64],
    data: &[T],
    (height, width, channels): (usize, usize, usize),
    (offsets, weights): (&[(isize, isize)], &[f64]),
) {
    let row_len = width * channels;
    for (y, out_row) in out.chunks_exact_mut(row_len.max(1)).enumerate() {
        for (&(dx, dy), &k) in offsets.iter().zip(weights) {
            let source_y = (y as isize + dy).clamp(0, height as isize - 1) as usize;
            let row = &data[source_y * row_len..][..row_len];
            // Columns x with 0 ≤ x + dx < width are lo..hi (|dx| < width, see `taps`).
            let lo = (-dx).clamp(0, width as isize) as usize;
            let hi = (width as isize - dx).clamp(lo as isize, width as isize) as usize;
            let (left, rest) = out_row.split_at_mut(lo * channels);
            let (inside, right) = rest.split_at_mut((hi - lo) * channels);
            let start = (lo as isize + dx) as usize * channels;
            let source = &row[start..start + inside.len()];
            for (o, &v) in inside.iter_mut().zip(source) {
                *o += k * v.into();
            }
            for (edge, pixel) in [
                (left, &row[..channels]),
                (right, &row[row_len - channels..]),
            ] {
                for values in edge.chunks_exact_mut(channels) {
                    for (o, &v) in values.iter_mut().zip(pixel) {
                        *o += k * v.into();
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_walk_along_the_angle_and_reads_clamp() {
        let right = ShiftMotionKernel::new(2, 1.0, 0.0).unwrap();
        assert_eq!(right.offsets, [(0, 0), (1, 0), (2, 0), (3, 0), (4, 0)]);
        let down = ShiftMotionKernel::new(1, 1.0, 90.0).unwrap();
        assert_eq!(down.offsets, [(0, 0), (0, 1), (0, 2)]);
        // Down on a single row: the second tap already reaches the height, so only the first runs.
        let out = shift_motion_blur(&[0u8, 10, 20], (1, 3, 1), &down).unwrap();
        assert_eq!(out, [0.0, 10.0, 20.0].map(|v| v * down.weights[0]));
        // A 1×3 ramp blurred to the right: taps 0..3 run (offset 3 reaches the width, and the
        // weight of taps 3 and 4 is left out); the last pixel reads itself for each.
        let out = shift_motion_blur(&[0u8, 10, 20], (1, 3, 1), &right).unwrap();
        assert_eq!(
            out[2],
            right.weights[..3].iter().fold(0.0, |a, w| a + w * 20.0)
        );
    }

    #[test]
    fn taps_stop_where_an_offset_reaches_the_side() {
        let kernel = ShiftMotionKernel::new(20, 15.0, 0.0).unwrap();
        assert_eq!(kernel.taps(40, 33), 33);
        assert_eq!(kernel.taps(40, 100), 41);
    }
}
