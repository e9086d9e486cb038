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
        mut emit: impl FnMut(usize, &[T]),
    ) -> Result<()> {
        if src.len() != self.in_height * self.in_width * channels || channels == 0 {
            return Err(Error::Invalid(format!(
                "zoom input holds {} values, expected {}×{}×{channels}",
                src.len(),
                self.in_height,
                self.in_width
            )));
        }
        let plan = ColumnPlan::new(&self.cols, channels);
        let line = self.in_width * channels;
        let mut cache = LineCache::new(plan.w_lo.len());
        let mut row = vec![T::from_f64(0.0); plan.w_lo.len()];
        let vector = Vector::detect();
        for (y, row_tap) in self.rows.iter().enumerate() {
            match row_tap {
                None => row.fill(T::from_f64(0.0)),
                Some(r) => {
                    let (upper, lower) = cache.pair(r.lo, r.hi, |i, gathered| {
                        plan.gather(&src[i * line..][..line], gathered)
                    });
                    vector.interpolate(upper, lower, r.w_lo, r.w_hi, &plan, &mut row);
                    for &e in &plan.outside {
                        row[e] = T::from_f64(0.0);
                    }
                }
            }
            emit(y, &row);
        }
        Ok(())
    }

    /// The whole resampled array (out_height × out_width × `channels`).
    pub fn apply<T: Sample>(&self, src: &[T], channels: usize) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(self.out_height() * self.out_width() * channels);
        self.for_each_row(src, channels, |_, row| out.extend_from_slice(row))?;
        Ok(out)
    }
}

/// The column taps spread over every value of an output row (channels interleaved): where each
/// output pixel's two neighbours start in an input line, and the weights per output value.
struct ColumnPlan {
    channels: usize,
    lo: Vec<usize>,
    hi: Vec<usize>,
    w_lo: Vec<f64>,
    w_hi: Vec<f64>,
    /// Output values of columns that scipy's constant mode fills with 0.
    outside: Vec<usize>,
}

impl ColumnPlan {
    fn new(cols: &[Option<Tap>], channels: usize) -> ColumnPlan {
        let n = cols.len() * channels;
        let mut plan = ColumnPlan {
            channels,
            lo: Vec::with_capacity(cols.len()),
            hi: Vec::with_capacity(cols.len()),
            w_lo: Vec::with_capacity(n),
            w_hi: Vec::with_capacity(n),
            outside: Vec::new(),
        };
        for (j, tap) in cols.iter().enumerate() {
            // An outside column reads pixel 0 with weight 0 and is overwritten afterwards.
            let t = tap.unwrap_or(Tap {
                lo: 0,
                hi: 0,
                w_lo: 0.0,
                w_hi: 0.0,
            });
            if tap.is_none() {
                plan.outside.extend(j * channels..(j + 1) * channels);
            }
            plan.lo.push(t.lo * channels);
            plan.hi.push(t.hi * channels);
            plan.w_lo.extend(std::iter::repeat_n(t.w_lo, channels));
            plan.w_hi.extend(std::iter::repeat_n(t.w_hi, channels));
        }
        plan
    }

    /// The two neighbours of every output value, read from one input line, in float64.
    fn gather<T: Sample>(&self, line: &[T], gathered: &mut Gathered) {
        match self.channels {
            1 => self.gather_pixels::<T, 1>(line, gathered),
            3 => self.gather_pixels::<T, 3>(line, gathered),
            c => {
                for (j, (&lo, &hi)) in self.lo.iter().zip(&self.hi).enumerate() {
                    for k in 0..c {
                        gathered.lo[j * c + k] = line[lo + k].to_f64();
                        gathered.hi[j * c + k] = line[hi + k].to_f64();
                    }
                }
            }
        }
    }

    /// [`ColumnPlan::gather`] a whole pixel at a time, for a channel count known when compiling.
    fn gather_pixels<T: Sample, const C: usize>(&self, line: &[T], gathered: &mut Gathered) {
        let pixels = gathered
            .lo
            .chunks_exact_mut(C)
            .zip(gathered.hi.chunks_exact_mut(C));
        for ((lo_out, hi_out), (&lo, &hi)) in pixels.zip(self.lo.iter().zip(&self.hi)) {
            let (a, b) = (&line[lo..lo + C], &line[hi..hi + C]);
            for k in 0..C {
                lo_out[k] = a[k].to_f64();
                hi_out[k] = b[k].to_f64();
            }
        }
    }
}

/// One input line gathered into the order of an output row: its lower and upper column neighbour
/// for every output value.
struct Gathered {
    lo: Vec<f64>,
    hi: Vec<f64>,
}

/// The last two gathered input lines. Output rows walk the input rows in order, so each input
/// line is gathered about once.
struct LineCache {
    rows: [Option<usize>; 2],
    lines: [Gathered; 2],
}

impl LineCache {
    fn new(len: usize) -> LineCache {
        let empty = || Gathered {
            lo: vec![0.0; len],
            hi: vec![0.0; len],
        };
        LineCache {
            rows: [None, None],
            lines: [empty(), empty()],
        }
    }

    /// The gathered input lines `upper` and `lower`, filling whichever is missing.
    fn pair(
        &mut self,
        upper: usize,
        lower: usize,
        fill: impl Fn(usize, &mut Gathered),
    ) -> (&Gathered, &Gathered) {
        let a = self.load(upper, lower, &fill);
        let b = self.load(lower, upper, &fill);
        (&self.lines[a], &self.lines[b])
    }

    /// The slot holding input line `row`, gathering it into the slot that does not hold `keep`.
    fn load(&mut self, row: usize, keep: usize, fill: &impl Fn(usize, &mut Gathered)) -> usize {
        if let Some(slot) = self.rows.iter().position(|&r| r == Some(row)) {
            return slot;
        }
        let slot = if self.rows[0] == Some(keep) { 1 } else { 0 };
        fill(row, &mut self.lines[slot]);
        self.rows[slot] = Some(row);
        slot
    }
}

/// The widest vector unit the CPU offers for the interpolation loop. All variants compute every
/// output value with the same operations in the same order, so they give identical bits.
#[derive(Clone, Copy)]
enum Vector {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
}

impl Vector {
    fn detect() -> Vector {
        #[cfg(target_arch = "x86_64")]
        if std::arch::is_x86_feature_detected!("avx2") {
            return Vector::Avx2;
        }
        Vector::Baseline
    }

    fn interpolate<T: Sample>(
        self,
        upper: &Gathered,
        lower: &Gathered,
        w_upper: f64,
        w_lower: f64,
        plan: &ColumnPlan,
        row: &mut [T],
    ) {
        match self {
            Vector::Baseline => interpolate(upper, lower, w_upper, w_lower, plan, row),
            // SAFETY: chosen only after the CPU reported AVX2.
            #[cfg(target_arch = "x86_64")]
            Vector::Avx2 => unsafe { interpolate_avx2(upper, lower, w_upper, w_lower, plan, row) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn interpolate_avx2<T: Sample>(
    upper: &Gathered,
    lower: &Gathered,
    w_upper: f64,
    w_lower: f64,
    plan: &ColumnPlan,
    row: &mut [T],
) {
    interpolate(upper, lower, w_upper, w_lower, plan, row)
}

/// scipy's sum over the 2×2 neighbourhood for every value of an output row:
/// ((v₀₀·w_r₀)·w_c₀ + (v₀₁·w_r₀)·w_c₁) + (v₁₀·w_r₁)·w_c₀ + (v₁₁·w_r₁)·w_c₁, in that order.
#[inline(always)]
fn interpolate<T: Sample>(
    upper: &Gathered,
    lower: &Gathered,
    w_upper: f64,
    w_lower: f64,
    plan: &ColumnPlan,
    row: &mut [T],
) {
    let n = row.len();
    let (ul, uh) = (&upper.lo[..n], &upper.hi[..n]);
    let (ll, lh) = (&lower.lo[..n], &lower.hi[..n]);
    let (wl, wh) = (&plan.w_lo[..n], &plan.w_hi[..n]);
    for e in 0..n {
        let t = (((ul[e] * w_upper) * wl[e] + (uh[e] * w_upper) * wh[e])
            + (ll[e] * w_lower) * wl[e])
            + (lh[e] * w_lower) * wh[e];
        row[e] = T::from_f64(t);
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
    fn rows_equal_the_neighbourhood_sum_value_by_value() {
        for (h, w, c, factor) in [(23, 31, 3, 1.13), (40, 17, 2, 2.5), (30, 30, 1, 4.5)] {
            let src: Vec<f32> = (0..h * w * c)
                .map(|i| ((i * 7919) % 1000) as f32 / 999.0)
                .collect();
            let z = LinearZoom::clipped_zoom(h, w, factor).unwrap();
            let out = z.apply(&src, c).unwrap();
            assert_eq!(out.len(), h * w * c);
            for (y, r) in z.rows.iter().enumerate() {
                for (x, q) in z.cols.iter().enumerate() {
                    for k in 0..c {
                        let (r, q) = (r.unwrap(), q.unwrap());
                        let v = |row: usize, col: usize| src[(row * w + col) * c + k] as f64;
                        let t = (((v(r.lo, q.lo) * r.w_lo) * q.w_lo
                            + (v(r.lo, q.hi) * r.w_lo) * q.w_hi)
                            + (v(r.hi, q.lo) * r.w_hi) * q.w_lo)
                            + (v(r.hi, q.hi) * r.w_hi) * q.w_hi;
                        assert_eq!(
                            out[(y * w + x) * c + k],
                            t as f32,
                            "{factor} ({x}, {y}, {k})"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn rejects_a_wrong_buffer() {
        let z = LinearZoom::zoom(3, 3, 2.0, 2.0);
        assert!(z.apply(&[0.0f64; 8], 1).is_err());
    }
}
