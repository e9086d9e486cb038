//! Linear (order 1) zoom with the semantics of `scipy.ndimage.zoom(x, (z, z, 1), order=1)` in
//! scipy 1.0 (`NI_ZoomShift`), and the `clipped_zoom` of the hendrycks ImageNet-C scripts built on
//! it (spec §1.2).
//!
//! scipy 1.0 maps output index o of an axis to the input coordinate o·((n_in − 1)/(n_out − 1))
//! (corner-aligned, the ratio rounded once), with n_out = round(n_in·z). Order 1 needs no
//! prefilter. The weights of the two neighbours are 1 − |start + h − c| for h = 0, 1, and the value
//! is summed in float64 over the 2×2 neighbourhood, row neighbour outer, as ((v·w_row)·w_col), then
//! stored in the array's own float type. The default mode is 'constant' with 0: a coordinate that
//! the rounded ratio pushes past n_in − 1 by an ulp makes its whole output line 0, as scipy 1.0 did.
//!
//! The interpolation coefficients depend only on the geometry, so they are computed once per axis
//! and reused for every line.

use crate::error::{Error, Result};
use crate::ops::gaussian::Sample;

/// Where one output sample along an axis reads: two neighbouring input samples and their weights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Tap {
    pub lo: usize,
    pub hi: usize,
    pub w_lo: f64,
    pub w_hi: f64,
}

/// scipy's output length for zooming `n` samples by `factor`: Python's round (half to even) of n·z.
pub fn zoomed_len(n: usize, factor: f64) -> usize {
    (n as f64 * factor).round_ties_even() as usize
}

/// The taps of scipy 1.0's order-1 zoom from `n_in` to `n_out` samples along one axis, for the
/// output indices in `range`. `None` marks an output that scipy's constant mode fills with 0.
pub fn axis_taps(n_in: usize, n_out: usize, range: std::ops::Range<usize>) -> Vec<Option<Tap>> {
    // numpy divides (n_in − 1) by (n_out − 1) and uses 1 where the divisor is 0.
    let ratio = if n_out > 1 {
        (n_in as f64 - 1.0) / (n_out as f64 - 1.0)
    } else {
        1.0
    };
    let last = n_in as f64 - 1.0;
    range
        .map(|o| {
            let c = o as f64 * ratio;
            if c > last || c < 0.0 || n_in == 0 {
                return None;
            }
            let start = c.floor();
            let weight = |h: f64| {
                let y = ((start - c) + h).abs();
                if y > 1.0 {
                    0.0
                } else {
                    1.0 - y
                }
            };
            let lo = start as usize;
            // At the last sample the upper neighbour has weight exactly 0 (scipy reads a mirrored
            // sample there); any sample in range gives the same sum.
            Some(Tap {
                lo,
                hi: (lo + 1).min(n_in - 1),
                w_lo: weight(0.0),
                w_hi: weight(1.0),
            })
        })
        .collect()
}

/// A precomputed order-1 resampling of the two spatial axes of an H×W×C array (C interleaved,
/// channel axis untouched).
#[derive(Clone, Debug)]
pub struct LinearZoom {
    in_width: usize,
    in_height: usize,
    rows: Vec<Option<Tap>>,
    cols: Vec<Option<Tap>>,
}

impl LinearZoom {
    /// `scipy.ndimage.zoom(x, (z_rows, z_cols, 1), order=1)` for an `height`×`width` array.
    pub fn zoom(height: usize, width: usize, z_rows: f64, z_cols: f64) -> LinearZoom {
        let out_h = zoomed_len(height, z_rows);
        let out_w = zoomed_len(width, z_cols);
        LinearZoom {
            in_width: width,
            in_height: height,
            rows: axis_taps(height, out_h, 0..out_h),
            cols: axis_taps(width, out_w, 0..out_w),
        }
    }

    /// hendrycks' `clipped_zoom(x, z)`: the centre crop of side ceil(n / z) (top offset
    /// (n − crop) // 2), zoomed by z, and the centre n of the result (trim (out − n) // 2), so the
    /// output has the input's shape. The reference computes the crop from the row count for both
    /// axes of its square images; here each axis uses its own length, the same thing when square.
    pub fn clipped_zoom(height: usize, width: usize, factor: f64) -> Result<LinearZoom> {
        if !(factor >= 1.0 && factor.is_finite()) {
            return Err(Error::Invalid(format!(
                "clipped zoom needs a finite factor of at least 1, got {factor}"
            )));
        }
        Ok(LinearZoom {
            in_width: width,
            in_height: height,
            rows: clipped_axis(height, factor)?,
            cols: clipped_axis(width, factor)?,
        })
    }

    pub fn out_height(&self) -> usize {
        self.rows.len()
    }

    pub fn out_width(&self) -> usize {
        self.cols.len()
    }

    /// Resamples `src` (in_height × in_width × `channels`) and hands each output row, in the
    /// array's float type, to `emit(row_index, row)`.
    pub fn for_each_row<T: Sample>(
        &self,
        src: &[T],
        channels: usize,
        emit: impl FnMut(usize, &[T]),
    ) -> Result<()> {
        if src.len() != self.in_height * self.in_width * channels || channels == 0 {
            return Err(Error::Invalid(format!(
                "zoom input holds {} values, expected {}×{}×{channels}",
                src.len(),
                self.in_height,
                self.in_width
            )));
        }
        match channels {
            1 => self.rows_with::<T, 1>(src, emit),
            3 => self.rows_with::<T, 3>(src, emit),
            _ => self.rows_dyn(src, channels, emit),
        }
        Ok(())
    }

    /// The whole resampled array (out_height × out_width × `channels`).
    pub fn apply<T: Sample>(&self, src: &[T], channels: usize) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(self.out_height() * self.out_width() * channels);
        self.for_each_row(src, channels, |_, row| out.extend_from_slice(row))?;
        Ok(out)
    }

    /// The rows for a channel count known at compile time (the common 1 and 3).
    fn rows_with<T: Sample, const C: usize>(&self, src: &[T], mut emit: impl FnMut(usize, &[T])) {
        let line = self.in_width * C;
        let mut upper = vec![0.0f64; line];
        let mut lower = vec![0.0f64; line];
        let mut row = vec![T::from_f64(0.0); self.cols.len() * C];
        for (y, row_tap) in self.rows.iter().enumerate() {
            match row_tap {
                None => row.fill(T::from_f64(0.0)),
                Some(r) => {
                    weigh_line(&src[r.lo * line..][..line], r.w_lo, &mut upper);
                    weigh_line(&src[r.hi * line..][..line], r.w_hi, &mut lower);
                    for (out, col_tap) in row.chunks_exact_mut(C).zip(&self.cols) {
                        match col_tap {
                            None => out.fill(T::from_f64(0.0)),
                            Some(c) => {
                                let (a, b) = (&upper[c.lo * C..][..C], &upper[c.hi * C..][..C]);
                                let (d, e) = (&lower[c.lo * C..][..C], &lower[c.hi * C..][..C]);
                                for k in 0..C {
                                    let t = ((a[k] * c.w_lo + b[k] * c.w_hi) + d[k] * c.w_lo)
                                        + e[k] * c.w_hi;
                                    out[k] = T::from_f64(t);
                                }
                            }
                        }
                    }
                }
            }
            emit(y, &row);
        }
    }

    /// The same for any other channel count.
    fn rows_dyn<T: Sample>(&self, src: &[T], channels: usize, mut emit: impl FnMut(usize, &[T])) {
        let line = self.in_width * channels;
        let mut upper = vec![0.0f64; line];
        let mut lower = vec![0.0f64; line];
        let mut row = vec![T::from_f64(0.0); self.cols.len() * channels];
        for (y, row_tap) in self.rows.iter().enumerate() {
            match row_tap {
                None => row.fill(T::from_f64(0.0)),
                Some(r) => {
                    weigh_line(&src[r.lo * line..][..line], r.w_lo, &mut upper);
                    weigh_line(&src[r.hi * line..][..line], r.w_hi, &mut lower);
                    for (out, col_tap) in row.chunks_exact_mut(channels).zip(&self.cols) {
                        match col_tap {
                            None => out.fill(T::from_f64(0.0)),
                            Some(c) => {
                                for (k, o) in out.iter_mut().enumerate() {
                                    let (lo, hi) = (c.lo * channels + k, c.hi * channels + k);
                                    let t = ((upper[lo] * c.w_lo + upper[hi] * c.w_hi)
                                        + lower[lo] * c.w_lo)
                                        + lower[hi] * c.w_hi;
                                    *o = T::from_f64(t);
                                }
                            }
                        }
                    }
                }
            }
            emit(y, &row);
        }
    }
}

/// One input line times its row weight, in float64 (the first product of scipy's sum terms).
#[inline]
fn weigh_line<T: Sample>(src: &[T], weight: f64, dst: &mut [f64]) {
    for (d, &v) in dst.iter_mut().zip(src) {
        *d = v.to_f64() * weight;
    }
}

/// The taps of `clipped_zoom` along one axis of length `n`, indexing the uncropped input.
fn clipped_axis(n: usize, factor: f64) -> Result<Vec<Option<Tap>>> {
    let crop = (n as f64 / factor).ceil() as usize;
    let zoomed = zoomed_len(crop, factor);
    if crop == 0 || crop > n || zoomed < n {
        return Err(Error::Invalid(format!(
            "clipped zoom by {factor} does not fit a side of {n}"
        )));
    }
    let top = (n - crop) / 2;
    let trim = (zoomed - n) / 2;
    Ok(axis_taps(crop, zoomed, trim..trim + n)
        .into_iter()
        .map(|tap| {
            tap.map(|t| Tap {
                lo: t.lo + top,
                hi: t.hi + top,
                ..t
            })
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_sizes_round_half_to_even() {
        // The crops of zoom_blur and snow at 224 (spec §1.2, §2.7, §2.8).
        assert_eq!(zoomed_len(222, 1.01), 224);
        assert_eq!(zoomed_len(218, 1.03), 225);
        assert_eq!(zoomed_len(75, 3.0), 225);
        assert_eq!(zoomed_len(50, 4.5), 225);
        assert_eq!(zoomed_len(90, 2.5), 225);
        // Python's round: 2.5 → 2, 3.5 → 4.
        assert_eq!(zoomed_len(5, 0.5), 2);
        assert_eq!(zoomed_len(7, 0.5), 4);
        let z = LinearZoom::zoom(10, 20, 1.5, 1.26);
        assert_eq!((z.out_height(), z.out_width()), (15, 25));
    }

    #[test]
    fn corner_aligned_two_to_three() {
        // [[0, 10], [20, 30]] zoomed 1.5: the ends stay, the middles are averages.
        let z = LinearZoom::zoom(2, 2, 1.5, 1.5);
        let out = z.apply(&[0.0f64, 10.0, 20.0, 30.0], 1).unwrap();
        assert_eq!(
            out,
            vec![0.0, 5.0, 10.0, 10.0, 15.0, 20.0, 20.0, 25.0, 30.0]
        );
    }

    #[test]
    fn channels_are_not_mixed() {
        let src: Vec<f32> = (0..4 * 5 * 3).map(|i| (i % 3) as f32 * 100.0).collect();
        let z = LinearZoom::zoom(4, 5, 1.7, 1.3);
        let out = z.apply(&src, 3).unwrap();
        for px in out.chunks_exact(3) {
            assert_eq!(px, [0.0, 100.0, 200.0]);
        }
    }

    #[test]
    fn an_overshooting_last_coordinate_gives_a_zero_line() {
        // 15 → 26: 25·(14/25) rounds above 14, and scipy 1.0 fills that row and column with 0.
        assert_eq!(axis_taps(15, 26, 24..26)[1], None);
        let z = LinearZoom::zoom(15, 15, 26.0 / 15.0, 26.0 / 15.0);
        assert_eq!(z.out_height(), 26);
        let src: Vec<f64> = (1..=225).map(f64::from).collect();
        let out = z.apply(&src, 1).unwrap();
        assert!(out[25 * 26..].iter().all(|&v| v == 0.0));
        assert!((0..26).all(|y| out[y * 26 + 25] == 0.0));
        assert_eq!(out[0], 1.0);
        // Inside, bilinear on a linear ramp is the ramp: value = 1 + 15·row + col.
        let (ry, rx) = (24.0 * 14.0 / 25.0, 3.0 * 14.0 / 25.0);
        assert!((out[24 * 26 + 3] - (1.0 + 15.0 * ry + rx)).abs() < 1e-9);
    }

    #[test]
    fn weights_are_scipy_one_minus_distance() {
        let taps = axis_taps(4, 7, 0..7);
        let t = taps[1].unwrap();
        assert_eq!((t.lo, t.hi), (0, 1));
        assert_eq!(t.w_lo, 0.5);
        assert_eq!(t.w_hi, 0.5);
        let last = taps[6].unwrap();
        assert_eq!((last.lo, last.w_lo, last.w_hi), (3, 1.0, 0.0));
        for tap in taps.iter().flatten() {
            assert!(tap.w_lo >= 0.0 && tap.w_hi >= 0.0);
            assert!((tap.w_lo + tap.w_hi - 1.0).abs() < 1e-15);
        }
    }

    #[test]
    fn clipped_zoom_keeps_the_shape_and_factor_one_is_identity() {
        let src: Vec<f32> = (0..224 * 224).map(|i| (i % 251) as f32 / 250.0).collect();
        let one = LinearZoom::clipped_zoom(224, 224, 1.0).unwrap();
        assert_eq!(one.apply(&src, 1).unwrap(), src);
        for factor in [1.01, 1.03, 1.3, 2.0, 2.5, 3.0, 4.0, 4.5] {
            let z = LinearZoom::clipped_zoom(224, 224, factor).unwrap();
            assert_eq!((z.out_height(), z.out_width()), (224, 224), "{factor}");
        }
        // Zoom 2 on 224: crop 112 from row 56, zoomed to 224, no trim; the first output row reads
        // crop row 0 and the last crop row 111.
        let z = LinearZoom::clipped_zoom(224, 224, 2.0).unwrap();
        assert_eq!(z.rows[0].unwrap().lo, 56);
        assert_eq!(z.rows[223].unwrap().lo, 56 + 111);
        assert!(LinearZoom::clipped_zoom(224, 224, 0.5).is_err());
        assert!(LinearZoom::clipped_zoom(224, 224, f64::NAN).is_err());
    }

    #[test]
    fn rejects_a_wrong_buffer() {
        let z = LinearZoom::zoom(3, 3, 2.0, 2.0);
        assert!(z.apply(&[0.0f64; 8], 1).is_err());
    }
}
