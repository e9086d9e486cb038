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
use crate::simd::{self, Isa};

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

    /// imagecorruptions' `clipped_zoom(x, z)`: per axis the centre crop of side ceil(n / z) (top
    /// offset (n − crop) // 2), zoomed by z, untrimmed; only the first `keep_rows` × `keep_cols`
    /// of the zoomed array are produced (its top-left corner, which the callers keep). At most
    /// the zoomed size is kept, which is at least the input's.
    pub fn clipped_zoom_corner(
        height: usize,
        width: usize,
        factor: f64,
        keep_rows: usize,
        keep_cols: usize,
    ) -> Result<LinearZoom> {
        if !(factor >= 1.0 && factor.is_finite()) {
            return Err(Error::Invalid(format!(
                "clipped zoom needs a finite factor of at least 1, got {factor}"
            )));
        }
        Ok(LinearZoom {
            in_width: width,
            in_height: height,
            rows: corner_axis(height, factor, keep_rows)?,
            cols: corner_axis(width, factor, keep_cols)?,
        })
    }

    pub fn out_height(&self) -> usize {
        self.rows.len()
    }

    pub fn out_width(&self) -> usize {
        self.cols.len()
    }

    /// Whether every output sample reads the input sample at its own index with weight 1 (and its
    /// neighbour with weight 0): then each output value is the input value plus signed zeros,
    /// which is the input value itself wherever that is not zero.
    pub fn is_identity(&self) -> bool {
        let axis_is_identity = |taps: &[Option<Tap>], n: usize| {
            taps.len() == n
                && taps.iter().enumerate().all(
                    |(i, t)| matches!(t, Some(t) if t.lo == i && t.w_lo == 1.0 && t.w_hi == 0.0),
                )
        };
        axis_is_identity(&self.rows, self.in_height) && axis_is_identity(&self.cols, self.in_width)
    }

    /// Resamples `src` (in_height × in_width × `channels`) and hands each output row, in the
    /// array's float type, to `emit(row_index, row)`.
    pub fn for_each_row<T: Sample>(
        &self,
        src: &[T],
        channels: usize,
        mut emit: impl FnMut(usize, &[T]),
    ) -> Result<()> {
        let plan = self.plan(src.len(), channels)?;
        let n = plan.row_len;
        let mut scratch = Scratch::new(&plan);
        simd::dispatch(
            #[inline(always)]
            |isa| {
                for y in 0..self.rows.len() {
                    self.row(&plan, isa, src, y, &mut scratch);
                    emit(y, &scratch.row[..n]);
                }
            },
        );
        Ok(())
    }

    /// Adds the resampled `src` to `sum` (out_height × out_width × `channels`), each value rounded
    /// to the sum's float type first: `sum += zoom(src)` of numpy. `src` may hold its values in a
    /// wider type than the sum (float32 values as float64, say) without changing the result.
    pub fn add_to<S: Sample, T: Sample + std::ops::Add<Output = T>>(
        &self,
        src: &[S],
        channels: usize,
        sum: &mut [T],
    ) -> Result<()> {
        let plan = self.plan(src.len(), channels)?;
        let n = plan.row_len;
        if sum.len() != self.rows.len() * n {
            return Err(Error::Invalid(format!(
                "zoom sum holds {} values, expected {}",
                sum.len(),
                self.rows.len() * n
            )));
        }
        let mut scratch = Scratch::new(&plan);
        simd::dispatch(
            #[inline(always)]
            |isa| {
                for (y, sum_row) in sum.chunks_exact_mut(n).enumerate() {
                    self.row(&plan, isa, src, y, &mut scratch);
                    for (s, &v) in sum_row.iter_mut().zip(&scratch.row) {
                        *s = *s + v;
                    }
                }
            },
        );
        Ok(())
    }

    /// The whole resampled array (out_height × out_width × `channels`).
    pub fn apply<T: Sample>(&self, src: &[T], channels: usize) -> Result<Vec<T>> {
        let mut out = Vec::with_capacity(self.out_height() * self.out_width() * channels);
        self.for_each_row(src, channels, |_, row| out.extend_from_slice(row))?;
        Ok(out)
    }

    /// The column plan for an input of `len` values in `channels` channels, after checking it.
    fn plan(&self, len: usize, channels: usize) -> Result<ColumnPlan> {
        if len != self.in_height * self.in_width * channels || channels == 0 {
            return Err(Error::Invalid(format!(
                "zoom input holds {len} values, expected {}×{}×{channels}",
                self.in_height, self.in_width
            )));
        }
        Ok(ColumnPlan::new(&self.cols, channels))
    }

    /// Output row `y` into `scratch.row`, on the instruction set `isa` the caller runs on.
    #[inline(always)]
    fn row<S: Sample, T: Sample>(
        &self,
        plan: &ColumnPlan,
        isa: Isa,
        src: &[S],
        y: usize,
        scratch: &mut Scratch<T>,
    ) {
        let row = &mut scratch.row;
        let Some(r) = self.rows[y] else {
            row.fill(T::from_f64(0.0));
            return;
        };
        let line = self.in_width * plan.channels;
        if plan.gathers {
            let (upper, lower) = scratch.cache.pair(r.lo, r.hi, |i, gathered| {
                plan.gather(&src[i * line..][..line], gathered)
            });
            interpolate_gathered([upper, lower], [r.w_lo, r.w_hi], plan, row);
        } else {
            let lines = LinePair {
                upper: &src[r.lo * line..],
                lower: &src[r.hi * line..],
                w_upper: r.w_lo,
                w_lower: r.w_hi,
            };
            match isa {
                Isa::Avx512 => interpolate::<S, T, true>(plan, lines, row),
                _ => interpolate::<S, T, false>(plan, lines, row),
            }
        }
    }
}

/// What computing rows needs besides the plan: the row itself (with BLOCK values of room after
/// it) and, where the plan gathers, the gathered input lines.
struct Scratch<T> {
    row: Vec<T>,
    cache: LineCache,
}

impl<T: Sample> Scratch<T> {
    fn new(plan: &ColumnPlan) -> Scratch<T> {
        Scratch {
            row: vec![T::from_f64(0.0); plan.row_len + BLOCK],
            cache: LineCache::new(if plan.gathers { plan.row_len } else { 0 }),
        }
    }
}

/// One input line gathered into the order of an output row: the lower and upper column
/// neighbour of every output value (0 for outside columns).
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

/// Output values computed together in the interpolation loop.
const BLOCK: usize = 8;

/// The two input lines that make one output row (each slice runs on to the end of the input),
/// and their weights.
#[derive(Clone, Copy)]
struct LinePair<'a, S> {
    upper: &'a [S],
    lower: &'a [S],
    w_upper: f64,
    w_lower: f64,
}

/// A stretch of an output row whose column taps are uniform enough to compute alike.
#[derive(Clone, Copy, Debug)]
enum Segment {
    /// `len` output values from `dst` whose lower column neighbours are the `len` consecutive
    /// input values from `src`, and whose upper neighbours are one pixel further on.
    Run { dst: usize, src: usize, len: usize },
    /// One output pixel whose two column neighbours are not adjacent pixels.
    Pixel { dst: usize, lo: usize, hi: usize },
    /// One output pixel that scipy's constant mode fills with 0.
    Outside { dst: usize },
}

/// The column taps of every value of an output row (channels interleaved), as segments in output
/// order, and the weights per output value (with BLOCK zeros of room after them).
struct ColumnPlan {
    channels: usize,
    row_len: usize,
    segments: Vec<Segment>,
    /// Whether the runs are so short (a large zoom) that gathering each input line into output
    /// order once beats reading runs of it for every output row.
    gathers: bool,
    /// The lower and upper column neighbour of every output value, in an input line (0 for
    /// outside columns), for gathering.
    lo: Vec<usize>,
    hi: Vec<usize>,
    w_lo: Vec<f64>,
    w_hi: Vec<f64>,
}

impl ColumnPlan {
    fn new(cols: &[Option<Tap>], c: usize) -> ColumnPlan {
        let n = cols.len() * c;
        let mut plan = ColumnPlan {
            channels: c,
            row_len: n,
            segments: Vec::new(),
            gathers: false,
            lo: Vec::with_capacity(n),
            hi: Vec::with_capacity(n),
            w_lo: Vec::with_capacity(n + BLOCK),
            w_hi: Vec::with_capacity(n + BLOCK),
        };
        for (j, tap) in cols.iter().enumerate() {
            let dst = j * c;
            let (lo, hi) = tap.map_or((0, 0), |t| (t.lo * c, t.hi * c));
            plan.lo.extend(lo..lo + c);
            plan.hi.extend(hi..hi + c);
            let Some(t) = tap else {
                plan.segments.push(Segment::Outside { dst });
                plan.w_lo.extend(std::iter::repeat_n(0.0, c));
                plan.w_hi.extend(std::iter::repeat_n(0.0, c));
                continue;
            };
            plan.w_lo.extend(std::iter::repeat_n(t.w_lo, c));
            plan.w_hi.extend(std::iter::repeat_n(t.w_hi, c));
            if hi != lo + c {
                plan.segments.push(Segment::Pixel { dst, lo, hi });
                continue;
            }
            match plan.segments.last_mut() {
                Some(Segment::Run { dst: d, src, len })
                    if *d + *len == dst && *src + *len == lo =>
                {
                    *len += c;
                }
                _ => plan.segments.push(Segment::Run {
                    dst,
                    src: lo,
                    len: c,
                }),
            }
        }
        plan.w_lo.resize(n + BLOCK, 0.0);
        plan.w_hi.resize(n + BLOCK, 0.0);
        let blocks: usize = plan
            .segments
            .iter()
            .map(|s| match s {
                Segment::Run { len, .. } => len.div_ceil(BLOCK),
                _ => 1,
            })
            .sum();
        plan.gathers = 2 * blocks * BLOCK > 3 * n;
        plan
    }

    /// The two neighbours of every output value, read from one input line, in float64. Outside
    /// columns (both weights 0) get zeros, which the sum turns into the 0 of constant mode.
    fn gather<S: Sample>(&self, line: &[S], gathered: &mut Gathered) {
        let outputs = gathered.lo.iter_mut().zip(gathered.hi.iter_mut());
        let taps = self
            .lo
            .iter()
            .zip(&self.hi)
            .zip(self.w_lo.iter().zip(&self.w_hi));
        for ((lo, hi), ((&i, &j), (&w_lo, &w_hi))) in outputs.zip(taps) {
            (*lo, *hi) = if w_lo == 0.0 && w_hi == 0.0 {
                (0.0, 0.0)
            } else {
                (line[i].to_f64(), line[j].to_f64())
            };
        }
    }
}

/// [`interpolate`] from gathered lines: every value of the row in one pass.
#[inline(always)]
fn interpolate_gathered<T: Sample>(
    [upper, lower]: [&Gathered; 2],
    [w_upper, w_lower]: [f64; 2],
    plan: &ColumnPlan,
    row: &mut [T],
) {
    let n = plan.row_len;
    let (ul, uh, ll, lh) = (
        &upper.lo[..n],
        &upper.hi[..n],
        &lower.lo[..n],
        &lower.hi[..n],
    );
    let (wl, wh) = (&plan.w_lo[..n], &plan.w_hi[..n]);
    for (e, out) in row[..n].iter_mut().enumerate() {
        let v = [ul[e], uh[e], ll[e], lh[e]];
        *out = T::from_f64(neighbourhood(v, w_upper, w_lower, wl[e], wh[e]));
    }
}

/// scipy's sum over the 2×2 neighbourhood of one output value, rows outer:
/// ((v₀₀·w_r₀)·w_c₀ + (v₀₁·w_r₀)·w_c₁) + (v₁₀·w_r₁)·w_c₀ + (v₁₁·w_r₁)·w_c₁, in that order.
#[inline(always)]
fn neighbourhood(v: [f64; 4], w_upper: f64, w_lower: f64, w_lo: f64, w_hi: f64) -> f64 {
    (((v[0] * w_upper) * w_lo + (v[1] * w_upper) * w_hi) + (v[2] * w_lower) * w_lo)
        + (v[3] * w_lower) * w_hi
}

/// Every value of an output row, segment by segment in output order. A run is computed in blocks
/// of BLOCK values; its last block may spill past the run's end, into values that the following
/// segments then overwrite (or into the room after the row). `WIDE` computes the blocks with
/// AVX-512 and may only be set inside a [`simd::dispatch`] that handed over `Isa::Avx512`.
#[inline(always)]
fn interpolate<S: Sample, T: Sample, const WIDE: bool>(
    plan: &ColumnPlan,
    lines: LinePair<S>,
    row: &mut [T],
) {
    let c = plan.channels;
    let LinePair {
        upper,
        lower,
        w_upper,
        w_lower,
    } = lines;
    let one = |dst: usize, lo: usize, hi: usize| {
        let v = [upper[lo], upper[hi], lower[lo], lower[hi]].map(S::to_f64);
        neighbourhood(v, w_upper, w_lower, plan.w_lo[dst], plan.w_hi[dst])
    };
    for &segment in &plan.segments {
        match segment {
            Segment::Run { dst, src, len } => {
                // Whole blocks while both lines hold them past the upper neighbours.
                let room = upper.len().min(lower.len()).saturating_sub(src + c);
                let span = len.div_ceil(BLOCK).min(room / BLOCK) * BLOCK;
                let [a, b, p, q] = [
                    &upper[src..],
                    &upper[src + c..],
                    &lower[src..],
                    &lower[src + c..],
                ]
                .map(|line| line[..span].as_chunks::<BLOCK>().0);
                let blocks = RunBlocks {
                    values: [a, b, p, q],
                    w_lo: plan.w_lo[dst..dst + span].as_chunks::<BLOCK>().0,
                    w_hi: plan.w_hi[dst..dst + span].as_chunks::<BLOCK>().0,
                    w_upper,
                    w_lower,
                };
                let out = row[dst..dst + span].as_chunks_mut::<BLOCK>().0;
                #[cfg(target_arch = "x86_64")]
                if WIDE {
                    // SAFETY: WIDE is set only where the dispatch chose AVX-512.
                    unsafe { blocks.run_avx512(out) };
                } else {
                    blocks.run(out);
                }
                #[cfg(not(target_arch = "x86_64"))]
                blocks.run(out);
                // Near the end of the input, one value at a time.
                for i in span..len {
                    row[dst + i] = T::from_f64(one(dst + i, src + i, src + i + c));
                }
            }
            Segment::Pixel { dst, lo, hi } => {
                for k in 0..c {
                    row[dst + k] = T::from_f64(one(dst + k, lo + k, hi + k));
                }
            }
            Segment::Outside { dst } => row[dst..dst + c].fill(T::from_f64(0.0)),
        }
    }
}

/// The whole blocks of a run: its four neighbour runs (upper line lower and upper column, then
/// the lower line's), the column weights and the row weights.
struct RunBlocks<'a, S> {
    values: [&'a [[S; BLOCK]]; 4],
    w_lo: &'a [[f64; BLOCK]],
    w_hi: &'a [[f64; BLOCK]],
    w_upper: f64,
    w_lower: f64,
}

impl<S: Sample> RunBlocks<'_, S> {
    #[inline(always)]
    fn run<T: Sample>(&self, out: &mut [[T; BLOCK]]) {
        let [a, b, p, q] = self.values;
        for (i, out) in out.iter_mut().enumerate() {
            for k in 0..BLOCK {
                let v = [a[i][k], b[i][k], p[i][k], q[i][k]].map(S::to_f64);
                let (w_lo, w_hi) = (self.w_lo[i][k], self.w_hi[i][k]);
                out[k] = T::from_f64(neighbourhood(v, self.w_upper, self.w_lower, w_lo, w_hi));
            }
        }
    }

    /// [`RunBlocks::run`] with AVX-512: the same products and sums, a block per register.
    #[cfg(target_arch = "x86_64")]
    #[target_feature(enable = "avx512f")]
    #[inline]
    fn run_avx512<T: Sample>(&self, out: &mut [[T; BLOCK]]) {
        use std::arch::x86_64::*;
        let [a, b, p, q] = self.values;
        // SAFETY (loads and stores): each pointer is that of a whole block of 8 values.
        let load = |v: &[f64; BLOCK]| unsafe { _mm512_loadu_pd(v.as_ptr()) };
        let widen = |v: &[S; BLOCK]| load(&v.map(S::to_f64));
        let (w_upper, w_lower) = (_mm512_set1_pd(self.w_upper), _mm512_set1_pd(self.w_lower));
        for (i, out) in out.iter_mut().enumerate() {
            let (w_lo, w_hi) = (load(&self.w_lo[i]), load(&self.w_hi[i]));
            let term =
                |v: &[S; BLOCK], w_row, w_col| _mm512_mul_pd(_mm512_mul_pd(widen(v), w_row), w_col);
            let t = _mm512_add_pd(term(&a[i], w_upper, w_lo), term(&b[i], w_upper, w_hi));
            let t = _mm512_add_pd(t, term(&p[i], w_lower, w_lo));
            let t = _mm512_add_pd(t, term(&q[i], w_lower, w_hi));
            let mut sums = [0.0f64; BLOCK];
            unsafe { _mm512_storeu_pd(sums.as_mut_ptr(), t) };
            *out = sums.map(T::from_f64);
        }
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

/// The taps of one axis of [`LinearZoom::clipped_zoom_corner`]: the first `keep` (at most the
/// zoomed length) samples of the crop of side ceil(n / z) zoomed by z.
fn corner_axis(n: usize, factor: f64, keep: usize) -> Result<Vec<Option<Tap>>> {
    let crop = (n as f64 / factor).ceil() as usize;
    let zoomed = zoomed_len(crop, factor);
    if crop == 0 || crop > n {
        return Err(Error::Invalid(format!(
            "clipped zoom by {factor} does not fit a side of {n}"
        )));
    }
    let top = (n - crop) / 2;
    Ok(axis_taps(crop, zoomed, 0..keep.min(zoomed))
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
        assert!(one.is_identity());
        assert_eq!(one.apply(&src, 1).unwrap(), src);
        assert!(!LinearZoom::clipped_zoom(224, 224, 1.01)
            .unwrap()
            .is_identity());
        assert!(!LinearZoom::zoom(4, 4, 1.0, 1.5).is_identity());
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
    fn add_to_sums_the_rounded_rows_from_a_wider_source() {
        let (h, w, c) = (37, 29, 3);
        let src: Vec<f32> = (0..h * w * c)
            .map(|i| ((i * 7919) % 1013) as f32 / 1012.0)
            .collect();
        let wide: Vec<f64> = src.iter().map(|&v| v as f64).collect();
        let mut sum = vec![0.25f32; h * w * c];
        let mut expected = sum.clone();
        for factor in [1.0, 1.07, 1.3, 2.2] {
            let z = LinearZoom::clipped_zoom(h, w, factor).unwrap();
            z.add_to(&wide, c, &mut sum).unwrap();
            for (e, v) in expected.iter_mut().zip(z.apply(&src, c).unwrap()) {
                *e += v;
            }
        }
        assert_eq!(sum, expected);
        let z = LinearZoom::clipped_zoom(h, w, 1.5).unwrap();
        assert!(z.add_to(&wide, c, &mut sum[1..]).is_err());
    }

    #[test]
    fn rejects_a_wrong_buffer() {
        let z = LinearZoom::zoom(3, 3, 2.0, 2.0);
        assert!(z.apply(&[0.0f64; 8], 1).is_err());
    }
}
