//! Gaussian filtering with `scipy.ndimage.gaussian_filter` semantics (as scikit-image's
//! `filters.gaussian` calls it): a separable correlation, one axis after the other, with the kernel
//! radius int(truncate·σ + 0.5), the boundary modes of scipy, and scipy's symmetric-kernel
//! accumulation order so results agree to the last bit.

use super::exp::exp;
use super::numeric::pairwise_sum;
use crate::simd::{self, Isa};

/// How values outside the image are made up (scipy's `mode`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Boundary {
    /// `nearest`: the edge value repeated (a a a | a b c).
    Nearest,
    /// `reflect`: half-sample symmetric (c b a | a b c).
    Reflect,
    /// `mirror`: whole-sample symmetric (c b | a b c).
    Mirror,
    /// `wrap`: periodic.
    Wrap,
    /// `constant`: a fixed value.
    Constant(f64),
}

impl Boundary {
    /// The index inside 0..n that position `i` (possibly far outside) reads, or `None` for a constant.
    pub fn index(self, i: isize, n: usize) -> Option<usize> {
        let n_i = n as isize;
        if (0..n_i).contains(&i) {
            return Some(i as usize);
        }
        Some(match self {
            Boundary::Nearest => i.clamp(0, n_i - 1) as usize,
            Boundary::Reflect => {
                let m = i.rem_euclid(2 * n_i);
                (if m >= n_i { 2 * n_i - 1 - m } else { m }) as usize
            }
            Boundary::Mirror => {
                if n == 1 {
                    0
                } else {
                    let period = 2 * n_i - 2;
                    let m = i.rem_euclid(period);
                    (if m >= n_i { period - m } else { m }) as usize
                }
            }
            Boundary::Wrap => i.rem_euclid(n_i) as usize,
            Boundary::Constant(_) => return None,
        })
    }
}

/// The normalised 1-D kernel of scipy 1.0's `_gaussian_kernel1d` for order 0: exp((c·x)·x) with
/// c = −0.5/σ² (numpy's polynomial evaluation order), divided by its numpy (pairwise) sum.
pub fn gaussian_kernel(sigma: f64, truncate: f64) -> Vec<f64> {
    let radius = (truncate * sigma + 0.5) as isize;
    let c = -0.5 / (sigma * sigma);
    let mut weights: Vec<f64> = (-radius..=radius)
        .map(|x| {
            let x = x as f64;
            exp((c * x) * x)
        })
        .collect();
    let sum = pairwise_sum(&weights);
    for w in &mut weights {
        *w /= sum;
    }
    weights
}

/// The normalised 1-D kernel of scipy ≥ 1.3's `_gaussian_kernel1d` for order 0: exp(c·x²) with
/// c = −0.5/σ² and x² exact, divided by its numpy (pairwise) sum. It differs from
/// [`gaussian_kernel`] in the last bits where c·x·x rounds twice (|x| ≥ 3, σ² not a power of 2).
pub fn scipy13_gaussian_kernel(sigma: f64, truncate: f64) -> Vec<f64> {
    let radius = (truncate * sigma + 0.5) as isize;
    let c = -0.5 / (sigma * sigma);
    let mut weights: Vec<f64> = (-radius..=radius)
        .map(|x| exp(c * (x * x) as f64))
        .collect();
    let sum = pairwise_sum(&weights);
    for w in &mut weights {
        *w /= sum;
    }
    weights
}

/// A float layout that filtering can write back into: float64 keeps every intermediate, float32
/// rounds after each axis as scipy does when the array is float32.
pub trait Sample: Copy + Send + Sync {
    fn to_f64(self) -> f64;
    fn from_f64(v: f64) -> Self;
}

impl Sample for f64 {
    #[inline]
    fn to_f64(self) -> f64 {
        self
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v
    }
}

impl Sample for f32 {
    #[inline]
    fn to_f64(self) -> f64 {
        self as f64
    }
    #[inline]
    fn from_f64(v: f64) -> Self {
        v as f32
    }
}

/// Correlates every line along one axis of an H×W×C array (axis 0 = rows, 1 = columns) with a
/// symmetric odd-length kernel, in place, in scipy's order: centre first, then the pairs from the
/// outermost inwards.
///
/// Lines are processed side by side: for axis 0 a strip of output row from the same strip of the
/// input rows, for axis 1 a whole output row from one padded input row shifted by multiples of C,
/// so the inner loop runs over contiguous values with the same operation order per value.
pub fn correlate_symmetric<T: Sample>(
    data: &mut [T],
    shape: (usize, usize, usize),
    axis: usize,
    weights: &[f64],
    boundary: Boundary,
) {
    let (h, w, c) = shape;
    assert_eq!(data.len(), h * w * c);
    assert!(axis < 2 && weights.len() % 2 == 1);
    let radius = weights.len() / 2;
    let centre = weights[radius];
    let fill = match boundary {
        Boundary::Constant(v) => v,
        _ => 0.0,
    };
    let row = w * c;
    if row == 0 || h == 0 {
        return;
    }
    let mut out = vec![0.0f64; row];
    if axis == 0 {
        // Vertical strips of STRIP values: each strip is copied with its border rows into a small
        // buffer, so no copy of the whole image is needed.
        const STRIP: usize = 32;
        let padded_rows = h + 2 * radius;
        let mut strip = vec![0.0f64; padded_rows * STRIP];
        let pairs: Vec<(usize, usize, f64)> = (1..=radius)
            .rev()
            .map(|j| {
                (
                    (radius - j) * STRIP,
                    (radius + j) * STRIP,
                    weights[radius - j],
                )
            })
            .collect();
        let sources: Vec<Option<usize>> = (0..padded_rows)
            .map(|k| boundary.index(k as isize - radius as isize, h))
            .collect();
        for x0 in (0..row).step_by(STRIP) {
            let width = STRIP.min(row - x0);
            for (line, source) in strip.chunks_exact_mut(STRIP).zip(&sources) {
                match source {
                    Some(y) => {
                        let src = &data[y * row + x0..y * row + x0 + width];
                        for (l, v) in line.iter_mut().zip(src) {
                            *l = v.to_f64();
                        }
                    }
                    None => line.fill(fill),
                }
            }
            for y in 0..h {
                let out = &mut out[..width];
                symmetric_sum(out, &strip[y * STRIP..], (radius * STRIP, centre), &pairs);
                for (d, &v) in data[y * row + x0..].iter_mut().zip(out.iter()) {
                    *d = T::from_f64(v);
                }
            }
        }
    } else {
        // One padded row of (W + 2·radius)·C values; output value t reads t + (radius ± j)·C.
        let mut padded = vec![0.0f64; (w + 2 * radius) * c];
        let pairs: Vec<(usize, usize, f64)> = (1..=radius)
            .rev()
            .map(|j| ((radius - j) * c, (radius + j) * c, weights[radius - j]))
            .collect();
        let sources: Vec<Option<usize>> = (0..w + 2 * radius)
            .map(|k| boundary.index(k as isize - radius as isize, w))
            .collect();
        for y in 0..h {
            let src = &data[y * row..(y + 1) * row];
            for (pixel, source) in padded.chunks_exact_mut(c).zip(&sources) {
                match source {
                    Some(x) => {
                        for (p, v) in pixel.iter_mut().zip(&src[x * c..(x + 1) * c]) {
                            *p = v.to_f64();
                        }
                    }
                    None => pixel.fill(fill),
                }
            }
            symmetric_sum(&mut out, &padded, (radius * c, centre), &pairs);
            for (d, &v) in data[y * row..(y + 1) * row].iter_mut().zip(&out) {
                *d = T::from_f64(v);
            }
        }
    }
}

/// out[t] = source[c0 + t]·k0, then += (source[a + t] + source[b + t])·k for each pair in order.
/// Blocks of outputs stay in registers across the pairs; every value sees the same operations, so
/// every vector width gives the same bits.
fn symmetric_sum(
    out: &mut [f64],
    source: &[f64],
    centre: (usize, f64),
    pairs: &[(usize, usize, f64)],
) {
    simd::dispatch(
        #[inline(always)]
        |isa| match isa {
            Isa::Baseline => symmetric_blocks::<8>(out, source, centre, pairs),
            Isa::Avx2 => symmetric_blocks::<16>(out, source, centre, pairs),
            Isa::Avx512 => symmetric_blocks::<32>(out, source, centre, pairs),
        },
    )
}

/// [`symmetric_sum`] over blocks of B outputs (separate multiply and add, no fusion), then blocks
/// of 8 and single values for the rest.
#[inline(always)]
fn symmetric_blocks<const B: usize>(
    out: &mut [f64],
    source: &[f64],
    (c0, k0): (usize, f64),
    pairs: &[(usize, usize, f64)],
) {
    let n = out.len();
    let mut x = 0;
    while x + B <= n {
        symmetric_block::<B>(&mut out[x..x + B], &source[x..], (c0, k0), pairs);
        x += B;
    }
    while x + 8 <= n {
        symmetric_block::<8>(&mut out[x..x + 8], &source[x..], (c0, k0), pairs);
        x += 8;
    }
    for (t, o) in out.iter_mut().enumerate().skip(x) {
        let mut a = source[c0 + t] * k0;
        for &(lo, hi, k) in pairs {
            a += (source[lo + t] + source[hi + t]) * k;
        }
        *o = a;
    }
}

#[inline(always)]
fn symmetric_block<const B: usize>(
    out: &mut [f64],
    source: &[f64],
    (c0, k0): (usize, f64),
    pairs: &[(usize, usize, f64)],
) {
    let block = |start: usize| -> &[f64; B] {
        source[start..start + B]
            .try_into()
            .expect("block of B values")
    };
    let mut acc = [0.0f64; B];
    for (a, &v) in acc.iter_mut().zip(block(c0)) {
        *a = v * k0;
    }
    for &(lo, hi, k) in pairs {
        let (lo, hi) = (block(lo), block(hi));
        for ((a, &l), &r) in acc.iter_mut().zip(lo).zip(hi) {
            *a += (l + r) * k;
        }
    }
    out.copy_from_slice(&acc);
}

/// `gaussian_filter` over the two spatial axes of an H×W×C array (the channel axis untouched, as
/// scikit-image's `multichannel=True`), rows first. σ = 0 leaves the data as it is.
pub fn gaussian_filter<T: Sample>(
    data: &mut [T],
    shape: (usize, usize, usize),
    sigma: f64,
    boundary: Boundary,
    truncate: f64,
) {
    if sigma <= 1e-15 {
        return;
    }
    let weights = gaussian_kernel(sigma, truncate);
    correlate_symmetric(data, shape, 0, &weights, boundary);
    correlate_symmetric(data, shape, 1, &weights, boundary);
}

/// out[t] = Σ over a window of 2r + 1 runs (run i starting at `offsets[i]` in `source`) in
/// scipy's order: the centre run times its weight, then (run i + run 2r − i) · weights[i] for
/// i = 0..r, outermost first. Every block width performs the same operations per output value,
/// so every instruction set gives identical bits.
fn window_sum(out: &mut [f64], source: &[f64], offsets: &[usize], weights: &[f64]) {
    simd::dispatch(
        #[inline(always)]
        |isa| match isa {
            Isa::Baseline => window_blocks::<8>(out, source, offsets, weights),
            Isa::Avx2 => window_blocks::<16>(out, source, offsets, weights),
            Isa::Avx512 => window_blocks::<32>(out, source, offsets, weights),
        },
    )
}

/// out (R×n) = coef (R×m) · source (m×n): every output summed over j = 0..m in order, starting
/// from 0, as `+= source · coef`.
fn product(out: &mut [f64], coef: &[f64], source: &[f64], size: (usize, usize)) {
    simd::dispatch(
        #[inline(always)]
        |isa| match isa {
            Isa::Baseline => product_blocks::<4, 4>(out, coef, source, size),
            Isa::Avx2 => product_blocks::<8, 4>(out, coef, source, size),
            Isa::Avx512 => product_blocks::<32, 4>(out, coef, source, size),
        },
    )
}

/// The window sum with blocks of B outputs in registers (the same operations per value for
/// every B).
#[inline(always)]
fn window_blocks<const B: usize>(
    out: &mut [f64],
    source: &[f64],
    offsets: &[usize],
    weights: &[f64],
) {
    let r = offsets.len() / 2;
    let (c0, k0) = (offsets[r], weights[r]);
    let pairs = offsets[..r]
        .iter()
        .zip(offsets[r + 1..].iter().rev())
        .zip(&weights[..r]);
    let n = out.len();
    let mut x = 0;
    while x + B <= n {
        let block = |start: usize| -> &[f64; B] {
            source[start + x..start + x + B]
                .try_into()
                .expect("block of B values")
        };
        let mut acc = [0.0f64; B];
        for (a, &v) in acc.iter_mut().zip(block(c0)) {
            *a = v * k0;
        }
        for ((&lo, &hi), &k) in pairs.clone() {
            let (lo, hi) = (block(lo), block(hi));
            for ((a, &l), &r) in acc.iter_mut().zip(lo).zip(hi) {
                *a += (l + r) * k;
            }
        }
        out[x..x + B].copy_from_slice(&acc);
        x += B;
    }
    for (t, o) in out.iter_mut().enumerate().skip(x) {
        let mut a = source[c0 + t] * k0;
        for ((&lo, &hi), &k) in pairs.clone() {
            a += (source[lo + t] + source[hi + t]) * k;
        }
        *o = a;
    }
}

/// The matrix product in groups of R output rows × B columns held in registers, so each loaded
/// source block serves R rows (the same operations per value for every B and R).
#[inline(always)]
fn product_blocks<const B: usize, const R: usize>(
    out: &mut [f64],
    coef: &[f64],
    source: &[f64],
    (m, n): (usize, usize),
) {
    let rows = out.len() / n;
    let grouped = rows - rows % R;
    let (head, tail) = out.split_at_mut(grouped * n);
    for (out, coef) in head.chunks_exact_mut(R * n).zip(coef.chunks_exact(R * m)) {
        product_rows::<B, R>(out, coef, source, (m, n));
    }
    for (out, coef) in tail
        .chunks_exact_mut(n)
        .zip(coef[grouped * m..].chunks_exact(m))
    {
        product_rows::<B, 1>(out, coef, source, (m, n));
    }
}

#[inline(always)]
fn product_rows<const B: usize, const R: usize>(
    out: &mut [f64],
    coef: &[f64],
    source: &[f64],
    (m, n): (usize, usize),
) {
    let mut x = 0;
    while x + B <= n {
        product_columns::<B, R>(out, coef, source, (m, n), x);
        x += B;
    }
    // The rest in narrower blocks, so a remainder of the widest block stays on vectors.
    if B > 16 && x + 16 <= n {
        product_columns::<16, R>(out, coef, source, (m, n), x);
        x += 16;
    }
    while x + 8 <= n {
        product_columns::<8, R>(out, coef, source, (m, n), x);
        x += 8;
    }
    while x < n {
        product_columns::<1, R>(out, coef, source, (m, n), x);
        x += 1;
    }
}

/// Columns x..x + B of R output rows.
#[inline(always)]
fn product_columns<const B: usize, const R: usize>(
    out: &mut [f64],
    coef: &[f64],
    source: &[f64],
    (m, n): (usize, usize),
    x: usize,
) {
    let mut acc = [[0.0f64; B]; R];
    for j in 0..m {
        let src: &[f64; B] = source[j * n + x..j * n + x + B]
            .try_into()
            .expect("block of B values");
        for (r, acc) in acc.iter_mut().enumerate() {
            let k = coef[r * m + j];
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += v * k;
            }
        }
    }
    for (r, acc) in acc.iter().enumerate() {
        out[r * n + x..r * n + x + B].copy_from_slice(acc);
    }
}

/// `gaussian_filter` of one float64 H×W plane, bit for bit the same as [`gaussian_filter`] with
/// shape (H, W, 1), its tap loops on the widest vector unit present.
pub fn gaussian_filter_plane(
    plane: &mut [f64],
    (h, w): (usize, usize),
    sigma: f64,
    boundary: Boundary,
    truncate: f64,
) {
    assert_eq!(plane.len(), h * w);
    if sigma <= 1e-15 || plane.is_empty() {
        return;
    }
    let weights = gaussian_kernel(sigma, truncate);
    let radius = weights.len() / 2;
    let fill = match boundary {
        Boundary::Constant(v) => v,
        _ => 0.0,
    };

    // Rows: the plane followed by one row of the fill value; output row y adds whole input rows
    // y − radius ..= y + radius (their starts in `row_starts[y..]`). Strips of columns, so the
    // rows of one strip stay in the first-level cache from one output row to the next.
    const STRIP: usize = 32;
    let mut source = Vec::with_capacity((h + 1) * w);
    source.extend_from_slice(plane);
    source.resize((h + 1) * w, fill);
    let row_starts: Vec<usize> = (0..h + 2 * radius)
        .map(|k| {
            boundary
                .index(k as isize - radius as isize, h)
                .map_or(h * w, |y| y * w)
        })
        .collect();
    for x0 in (0..w).step_by(STRIP) {
        let width = STRIP.min(w - x0);
        for (y, out) in plane.chunks_exact_mut(w).enumerate() {
            let window = &row_starts[y..=y + 2 * radius];
            window_sum(&mut out[x0..x0 + width], &source[x0..], window, &weights);
        }
    }

    // Columns: one padded row of W + 2·radius values; output x reads x ..= x + 2·radius.
    let mut padded = vec![fill; w + 2 * radius];
    let sources: Vec<Option<usize>> = (0..w + 2 * radius)
        .map(|k| boundary.index(k as isize - radius as isize, w))
        .collect();
    let window: Vec<usize> = (0..=2 * radius).collect();
    for row in plane.chunks_exact_mut(w) {
        for (p, source) in padded.iter_mut().zip(&sources) {
            if let Some(x) = source {
                *p = row[*x];
            }
        }
        window_sum(row, &padded, &window, &weights);
    }
}

/// A Gaussian kernel folded onto the samples of one line: with a non-constant boundary every
/// output is a weighted sum of the line's own n values, whatever the kernel length, so kernels far
/// longer than the line (σ of hundreds of pixels on a 224-pixel image) become an n×n matrix M.
///
/// Every boundary but the constant one commutes with reversing the line, and the kernel is
/// symmetric, so M is centrosymmetric: M[n−1−i][n−1−j] = M[i][j]. Applied to the sums
/// s_j = x_j + x_{n−1−j} and differences d_j = x_j − x_{n−1−j} of mirrored samples, it splits
/// into two half-size products, y_i = P·s + Q·d and y_{n−1−i} = P·s − Q·d, which halves the
/// multiplications.
#[derive(Clone, Debug)]
pub struct FoldedGaussian {
    len: usize,
    /// Row-major ⌈n/2⌉×⌈n/2⌉: P[i][j] = (M[i][j] + M[i][n−1−j]) / 2, and M[i][c] for the middle
    /// sample c of an odd line.
    even: Vec<f64>,
    /// Row-major ⌊n/2⌋×⌊n/2⌋: Q[i][j] = (M[i][j] − M[i][n−1−j]) / 2.
    odd: Vec<f64>,
    /// P and Q transposed, for lines that run along memory rows.
    even_t: Vec<f64>,
    odd_t: Vec<f64>,
}

/// The transpose of a row-major n×n matrix.
fn transpose(matrix: &[f64], n: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * n];
    for (i, row) in matrix.chunks_exact(n.max(1)).enumerate() {
        for (j, &k) in row.iter().enumerate() {
            out[j * n + i] = k;
        }
    }
    out
}

impl FoldedGaussian {
    /// The folded `gaussian_kernel(sigma, truncate)` for lines of `len` samples; `None` for the
    /// constant boundary, whose outside values are not samples of the line.
    pub fn new(len: usize, sigma: f64, boundary: Boundary, truncate: f64) -> Option<Self> {
        if matches!(boundary, Boundary::Constant(_)) {
            return None;
        }
        let weights = gaussian_kernel(sigma, truncate);
        let radius = weights.len() / 2;
        let mut matrix = vec![0.0; len * len];
        if len > 0 {
            let sources = (0..len + 2 * radius)
                .map(|k| boundary.index(k as isize - radius as isize, len))
                .collect::<Option<Vec<usize>>>()?;
            for (i, row) in matrix.chunks_exact_mut(len).enumerate() {
                for (&j, &k) in sources[i..].iter().zip(&weights) {
                    row[j] += k;
                }
            }
        }
        let (half, whole) = (len / 2, len.div_ceil(2));
        let mut even = vec![0.0; whole * whole];
        let mut odd = vec![0.0; half * half];
        for i in 0..whole {
            let row = &matrix[i * len..(i + 1) * len];
            for j in 0..half {
                let (near, far) = (row[j], row[len - 1 - j]);
                even[i * whole + j] = (near + far) / 2.0;
                if i < half {
                    odd[i * half + j] = (near - far) / 2.0;
                }
            }
            if whole > half {
                even[i * whole + half] = row[half];
            }
        }
        Some(FoldedGaussian {
            len,
            even_t: transpose(&even, whole),
            odd_t: transpose(&odd, half),
            even,
            odd,
        })
    }
}

/// Sums and differences of mirrored runs: for j < ⌊n/2⌋ run j of `sums` = run j + run n−1−j and
/// run j of `differences` = run j − run n−1−j of `line` (n runs of `run` values); an odd line's
/// middle run is copied to the last run of `sums`.
fn mirror_pairs(line: &[f64], run: usize, sums: &mut [f64], differences: &mut [f64]) {
    let n = line.len() / run;
    for j in 0..n / 2 {
        let near = &line[j * run..(j + 1) * run];
        let far = &line[(n - 1 - j) * run..(n - j) * run];
        let sum = &mut sums[j * run..(j + 1) * run];
        let difference = &mut differences[j * run..(j + 1) * run];
        for (((s, d), &a), &b) in sum.iter_mut().zip(difference).zip(near).zip(far) {
            *s = a + b;
            *d = a - b;
        }
    }
    if n % 2 == 1 {
        let c = n / 2;
        sums[c * run..(c + 1) * run].copy_from_slice(&line[c * run..(c + 1) * run]);
    }
}

/// The inverse of [`mirror_pairs`] for the outputs: run i of `line` = run i of `even` + run i of
/// `odd`, run n−1−i = their difference, and an odd line's middle run = the last run of `even`.
fn unmirror_pairs(even: &[f64], odd: &[f64], run: usize, line: &mut [f64]) {
    let n = line.len() / run;
    let (head, tail) = line.split_at_mut(n.div_ceil(2) * run);
    for j in 0..n / 2 {
        let (a, b) = (&even[j * run..(j + 1) * run], &odd[j * run..(j + 1) * run]);
        for (o, (&a, &b)) in head[j * run..(j + 1) * run].iter_mut().zip(a.iter().zip(b)) {
            *o = a + b;
        }
        let far = tail.len() - (j + 1) * run;
        for (o, (&a, &b)) in tail[far..far + run].iter_mut().zip(a.iter().zip(b)) {
            *o = a - b;
        }
    }
    if n % 2 == 1 {
        let c = n / 2;
        head[c * run..].copy_from_slice(&even[c * run..(c + 1) * run]);
    }
}

/// A Gaussian filter of one float64 H×W plane through folded kernels (`rows` for lines of H,
/// `cols` for lines of W), rows first as [`gaussian_filter`]. The same sums in another order: the
/// results agree with [`gaussian_filter`] to a few units in the last place, not bit for bit.
pub fn gaussian_filter_folded(
    plane: &mut [f64],
    (h, w): (usize, usize),
    rows: &FoldedGaussian,
    cols: &FoldedGaussian,
) {
    assert_eq!(plane.len(), h * w);
    assert!(rows.len == h && cols.len == w);
    if plane.is_empty() {
        return;
    }
    FOLD_SCRATCH.with_borrow_mut(|[sums, differences, even, odd]| {
        // Sums and their products hold ⌈n/2⌉ lines, differences and theirs ⌊n/2⌋.
        let wholes = (h.div_ceil(2) * w).max(h * w.div_ceil(2));
        let halves = (h / 2 * w).max(h * (w / 2));
        sums.resize(wholes, 0.0);
        even.resize(wholes, 0.0);
        differences.resize(halves, 0.0);
        odd.resize(halves, 0.0);

        // Rows: whole image rows are the runs; P and Q multiply from the left.
        let (half, whole) = (h / 2, h.div_ceil(2));
        let (s, d) = (&mut sums[..whole * w], &mut differences[..half * w]);
        let (e, o) = (&mut even[..whole * w], &mut odd[..half * w]);
        mirror_pairs(plane, w, s, d);
        product(e, &rows.even, s, (whole, w));
        if half > 0 {
            product(o, &rows.odd, d, (half, w));
        }
        unmirror_pairs(e, o, w, plane);

        // Columns: each image row is a line of single samples; P and Q multiply from the right.
        let (half, whole) = (w / 2, w.div_ceil(2));
        let (s, d) = (&mut sums[..h * whole], &mut differences[..h * half]);
        let (e, o) = (&mut even[..h * whole], &mut odd[..h * half]);
        for (r, row) in plane.chunks_exact(w).enumerate() {
            let (near, far) = row.split_at(half);
            let pairs = near.iter().zip(far.iter().rev());
            let outs = s[r * whole..].iter_mut().zip(&mut d[r * half..]);
            for ((s, d), (&a, &b)) in outs.zip(pairs) {
                (*s, *d) = (a + b, a - b);
            }
            if whole > half {
                s[r * whole + half] = row[half];
            }
        }
        product(e, s, &cols.even_t, (whole, whole));
        if half > 0 {
            product(o, d, &cols.odd_t, (half, half));
        }
        for (r, row) in plane.chunks_exact_mut(w).enumerate() {
            let (e, o) = (&e[r * whole..(r + 1) * whole], &o[r * half..(r + 1) * half]);
            let (near, far) = row.split_at_mut(half);
            let outs = near.iter_mut().zip(far.iter_mut().rev());
            for ((n, f), (&a, &b)) in outs.zip(e.iter().zip(o)) {
                (*n, *f) = (a + b, a - b);
            }
            if whole > half {
                row[half] = e[half];
            }
        }
    });
}

thread_local! {
    /// Mirrored sums and differences and their products, reused by [`gaussian_filter_folded`].
    static FOLD_SCRATCH: std::cell::RefCell<[Vec<f64>; 4]> = const {
        std::cell::RefCell::new([Vec::new(), Vec::new(), Vec::new(), Vec::new()])
    };
}

/// scikit-image's `gaussian(img / 255., σ)` of an 8-bit H×W×C image in float64, clipped to [0, 1],
/// scaled by 255 and cast back to 8 bits (truncation), as ImageNet-C's blurs finish it. The
/// filtered values have the same bits as converting the image and calling [`gaussian_filter`], but
/// no image-sized float copy is made: bands of output rows are filtered down the columns from a
/// ring of converted input rows, then along the rows, and cast straight into the output.
pub fn gaussian_blur_u8(
    image: &[u8],
    shape: (usize, usize, usize),
    sigma: f64,
    boundary: Boundary,
    truncate: f64,
) -> Vec<u8> {
    let (h, w, c) = shape;
    assert_eq!(image.len(), h * w * c);
    let mut out = vec![0u8; image.len()];
    if image.is_empty() {
        return out;
    }
    let weights = (sigma > 1e-15).then(|| gaussian_kernel(sigma, truncate));
    let Some(weights) = weights.filter(|w| w.len() > 1) else {
        // No filtering (σ = 0), or a kernel of one tap (radius int(truncate·σ + 0.5) = 0) whose
        // weight is exactly 1: the round trip x/255·255 gives x back for every 8-bit x.
        out.copy_from_slice(image);
        return out;
    };
    let plan = BandPlan {
        image,
        shape,
        weights: &weights,
        boundary,
    };
    let row = w * c;
    plan.filter_rows(|y, values| {
        for (d, &v) in out[y * row..(y + 1) * row].iter_mut().zip(values) {
            *d = unit_to_u8(v);
        }
    });
    out
}

/// numpy's uint8 cast of clip(v, 0, 1)·255, i.e. the truncation of a value in [0, 255]: adding 2⁵²
/// to the truncated value leaves the integer in the lowest mantissa bits, which vectorises where a
/// float-to-integer cast does not.
#[inline(always)]
fn unit_to_u8(v: f64) -> u8 {
    let whole = (v.clamp(0.0, 1.0) * 255.0).trunc();
    (whole + 4503599627370496.0).to_bits() as u8
}

/// The inputs of [`gaussian_blur_u8`] once the kernel is known.
struct BandPlan<'a> {
    image: &'a [u8],
    shape: (usize, usize, usize),
    weights: &'a [f64],
    boundary: Boundary,
}

impl BandPlan<'_> {
    /// Filters the image and hands each finished row to `emit(y, values)`, in order, on the widest
    /// vector unit present (all give the same bits).
    fn filter_rows(&self, mut emit: impl FnMut(usize, &[f64])) {
        simd::dispatch(
            #[inline(always)]
            |isa| match isa {
                Isa::Baseline => self.run::<8>(&mut emit),
                Isa::Avx2 => self.run::<16>(&mut emit),
                Isa::Avx512 => self.run::<32>(&mut emit),
            },
        )
    }

    /// Both passes with blocks of B values, rows first, in [`correlate_symmetric`]'s order.
    #[inline(always)]
    fn run<const B: usize>(&self, emit: &mut impl FnMut(usize, &[f64])) {
        // Rows per band and values per column strip: a strip's window of 2·radius + 1 input rows
        // stays in the first-level cache while the band's rows are filtered.
        const BAND: usize = 32;
        const STRIP: usize = 64;
        let (h, w, c) = self.shape;
        let (weights, boundary) = (self.weights, self.boundary);
        let row = w * c;
        let radius = weights.len() / 2;
        let centre = weights[radius];
        let fill = match boundary {
            Boundary::Constant(v) => v,
            _ => 0.0,
        };

        // Input rows by padded index p = y + radius, held in a ring of BAND + 2·radius slots.
        let slots = BAND + 2 * radius;
        let mut ring = vec![0.0f64; slots * row];
        // The band's column-filtered rows, each padded by radius pixels on both sides.
        let padded = (w + 2 * radius) * c;
        let mut band = vec![0.0f64; BAND * padded];
        let border_columns: Vec<(usize, Option<usize>)> = (0..radius)
            .chain(radius + w..w + 2 * radius)
            .map(|k| (k, boundary.index(k as isize - radius as isize, w)))
            .collect();
        let row_pairs: Vec<(usize, usize, f64)> = (1..=radius)
            .rev()
            .map(|j| ((radius - j) * c, (radius + j) * c, weights[radius - j]))
            .collect();
        let mut column_pairs = vec![(0, 0, 0.0); BAND * radius];
        let mut filtered = vec![0.0f64; row];
        let mut converted = 0;
        for y0 in (0..h).step_by(BAND) {
            let rows = BAND.min(h - y0);
            for p in converted..y0 + rows + 2 * radius {
                let slot = &mut ring[p % slots * row..][..row];
                match boundary.index(p as isize - radius as isize, h) {
                    Some(y) => {
                        for (d, &v) in slot.iter_mut().zip(&self.image[y * row..(y + 1) * row]) {
                            *d = v as f64 / 255.0;
                        }
                    }
                    None => slot.fill(fill),
                }
            }
            converted = y0 + rows + 2 * radius;
            // Output row y reads padded rows y + radius ± j.
            for (t, pairs) in column_pairs.chunks_exact_mut(radius).take(rows).enumerate() {
                let p = y0 + t + radius;
                for (pair, j) in pairs.iter_mut().zip((1..=radius).rev()) {
                    *pair = (
                        (p - j) % slots * row,
                        (p + j) % slots * row,
                        weights[radius - j],
                    );
                }
            }
            for x0 in (0..row).step_by(STRIP) {
                let width = STRIP.min(row - x0);
                for t in 0..rows {
                    let dst = &mut band[t * padded + radius * c + x0..][..width];
                    let pairs = &column_pairs[t * radius..(t + 1) * radius];
                    let c0 = (y0 + t + radius) % slots * row;
                    symmetric_blocks::<B>(dst, &ring[x0..], (c0, centre), pairs);
                }
            }
            for t in 0..rows {
                let line = &mut band[t * padded..(t + 1) * padded];
                for &(k, source) in &border_columns {
                    for ch in 0..c {
                        line[k * c + ch] = match source {
                            Some(x) => line[(radius + x) * c + ch],
                            None => fill,
                        };
                    }
                }
                symmetric_blocks::<B>(&mut filtered, line, (radius * c, centre), &row_pairs);
                emit(y0 + t, &filtered);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kernel_radius_and_normalisation() {
        let k = gaussian_kernel(1.0, 4.0);
        assert_eq!(k.len(), 9);
        assert!((k.iter().sum::<f64>() - 1.0).abs() < 1e-15);
        assert_eq!(k[0], k[8]);
        assert_eq!(gaussian_kernel(1.5, 3.0).len(), 2 * 5 + 1);
    }

    #[test]
    fn boundary_indices_match_scipy_modes() {
        // n = 3: indices -3..6
        let modes = [
            (Boundary::Nearest, [0, 0, 0, 0, 1, 2, 2, 2, 2]),
            (Boundary::Reflect, [2, 1, 0, 0, 1, 2, 2, 1, 0]),
            (Boundary::Mirror, [1, 2, 1, 0, 1, 2, 1, 0, 1]),
            (Boundary::Wrap, [0, 1, 2, 0, 1, 2, 0, 1, 2]),
        ];
        for (mode, want) in modes {
            let got: Vec<usize> = (-3..6).map(|i| mode.index(i, 3).unwrap()).collect();
            assert_eq!(got, want, "{mode:?}");
        }
    }

    /// One line at a time, scipy's loop written out.
    fn naive_line(line: &[f64], weights: &[f64], boundary: Boundary) -> Vec<f64> {
        let r = weights.len() / 2;
        let n = line.len();
        let at = |i: isize| match boundary.index(i, n) {
            Some(j) => line[j],
            None => match boundary {
                Boundary::Constant(v) => v,
                _ => unreachable!(),
            },
        };
        (0..n as isize)
            .map(|i| {
                let mut acc = at(i) * weights[r];
                for j in (1..=r as isize).rev() {
                    acc += (at(i - j) + at(i + j)) * weights[r - j as usize];
                }
                acc
            })
            .collect()
    }

    #[test]
    fn both_axes_match_scipy_line_loop_bit_for_bit() {
        let (h, w, c) = (7, 13, 3);
        let data: Vec<f64> = (0..h * w * c)
            .map(|i| ((i * 7919) % 251) as f64 / 251.0)
            .collect();
        let weights = gaussian_kernel(1.3, 4.0);
        let modes = [
            Boundary::Nearest,
            Boundary::Reflect,
            Boundary::Mirror,
            Boundary::Wrap,
            Boundary::Constant(0.25),
        ];
        for mode in modes {
            let mut rows = data.clone();
            correlate_symmetric(&mut rows, (h, w, c), 0, &weights, mode);
            let mut cols = data.clone();
            correlate_symmetric(&mut cols, (h, w, c), 1, &weights, mode);
            let mut cols32: Vec<f32> = data.iter().map(|&v| v as f32).collect();
            correlate_symmetric(&mut cols32, (h, w, c), 1, &weights, mode);
            for ch in 0..c {
                for x in 0..w {
                    let line: Vec<f64> = (0..h).map(|y| data[(y * w + x) * c + ch]).collect();
                    let want = naive_line(&line, &weights, mode);
                    for y in 0..h {
                        assert_eq!(rows[(y * w + x) * c + ch], want[y], "{mode:?}");
                    }
                }
                for y in 0..h {
                    let line: Vec<f64> = (0..w).map(|x| data[(y * w + x) * c + ch]).collect();
                    let want = naive_line(&line, &weights, mode);
                    let line32: Vec<f64> = (0..w)
                        .map(|x| data[(y * w + x) * c + ch] as f32 as f64)
                        .collect();
                    let want32 = naive_line(&line32, &weights, mode);
                    for x in 0..w {
                        assert_eq!(cols[(y * w + x) * c + ch], want[x], "{mode:?}");
                        assert_eq!(cols32[(y * w + x) * c + ch], want32[x] as f32);
                    }
                }
            }
        }
    }

    #[test]
    fn blur_u8_matches_filtering_the_converted_image() {
        let modes = [
            Boundary::Nearest,
            Boundary::Reflect,
            Boundary::Mirror,
            Boundary::Wrap,
            Boundary::Constant(0.25),
            Boundary::Constant(-0.5),
        ];
        // Heights below, around and above one band; σ = 6 has a radius larger than some sides.
        for (h, w, c) in [(5, 9, 3), (37, 70, 3), (70, 23, 1)] {
            let image: Vec<u8> = (0..h * w * c).map(|i| (i * 7919 % 256) as u8).collect();
            for sigma in [0.0, 0.7, 1.5, 6.0] {
                for mode in modes {
                    let mut want: Vec<f64> = image.iter().map(|&v| v as f64 / 255.0).collect();
                    gaussian_filter(&mut want, (h, w, c), sigma, mode, 4.0);
                    let want: Vec<u8> = want
                        .iter()
                        .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
                        .collect();
                    let got = gaussian_blur_u8(&image, (h, w, c), sigma, mode, 4.0);
                    assert_eq!(got, want, "{h}x{w}x{c} sigma {sigma} {mode:?}");
                }
            }
        }
    }

    #[test]
    fn unit_to_u8_truncates_like_a_cast() {
        for k in 0..=256 {
            let v = k as f64 / 255.0;
            for x in [
                v,
                v - 1e-12,
                v + 1e-12,
                -v,
                f64::from_bits(v.to_bits().saturating_sub(1)),
            ] {
                assert_eq!(unit_to_u8(x), (x.clamp(0.0, 1.0) * 255.0) as u8, "{x}");
            }
        }
    }

    #[test]
    fn band_rows_have_the_bits_of_gaussian_filter_for_every_vector_width() {
        for (h, w, c) in [(5, 9, 3), (37, 70, 3), (70, 23, 1)] {
            let image: Vec<u8> = (0..h * w * c).map(|i| (i * 7919 % 256) as u8).collect();
            for sigma in [0.7, 1.5, 6.0] {
                for mode in [
                    Boundary::Nearest,
                    Boundary::Mirror,
                    Boundary::Constant(0.25),
                ] {
                    let mut want: Vec<f64> = image.iter().map(|&v| v as f64 / 255.0).collect();
                    gaussian_filter(&mut want, (h, w, c), sigma, mode, 4.0);
                    let weights = gaussian_kernel(sigma, 4.0);
                    let plan = BandPlan {
                        image: &image,
                        shape: (h, w, c),
                        weights: &weights,
                        boundary: mode,
                    };
                    let row = w * c;
                    let collect = |widest: bool| {
                        let mut got = vec![f64::NAN; h * row];
                        let mut next = 0;
                        let mut emit = |y: usize, values: &[f64]| {
                            assert_eq!(y, next);
                            next += 1;
                            got[y * row..(y + 1) * row].copy_from_slice(values);
                        };
                        if widest {
                            plan.filter_rows(&mut emit);
                        } else {
                            plan.run::<8>(&mut emit);
                        }
                        assert_eq!(next, h);
                        got
                    };
                    assert!(collect(true) == want, "{h}x{w}x{c} σ {sigma} {mode:?}");
                    assert!(collect(false) == want, "{h}x{w}x{c} σ {sigma} {mode:?} B=8");
                }
            }
        }
    }

    #[test]
    fn constant_image_stays_constant_and_impulse_spreads_as_kernel() {
        let mut flat = vec![0.5f64; 10 * 12 * 3];
        gaussian_filter(&mut flat, (10, 12, 3), 2.0, Boundary::Nearest, 4.0);
        assert!(flat.iter().all(|v| (v - 0.5).abs() < 1e-12));

        let mut impulse = vec![0.0f64; 21 * 21];
        impulse[10 * 21 + 10] = 1.0;
        gaussian_filter(&mut impulse, (21, 21, 1), 1.0, Boundary::Constant(0.0), 4.0);
        let k = gaussian_kernel(1.0, 4.0);
        assert!((impulse[10 * 21 + 10] - k[4] * k[4]).abs() < 1e-15);
        assert!((impulse[6 * 21 + 10] - k[0] * k[4]).abs() < 1e-15);
    }
    #[test]
    fn plane_filter_is_gaussian_filter_bit_for_bit() {
        // 45 columns: full blocks and a tail for every vector width; σ = 3 reaches past the rows.
        let (h, w) = (9, 45);
        let data: Vec<f64> = (0..h * w)
            .map(|i| ((i * 7919) % 251) as f64 / 251.0 - 0.3)
            .collect();
        let modes = [
            Boundary::Nearest,
            Boundary::Reflect,
            Boundary::Mirror,
            Boundary::Wrap,
            Boundary::Constant(0.25),
        ];
        for mode in modes {
            for sigma in [0.7, 3.0] {
                let mut want = data.clone();
                gaussian_filter(&mut want, (h, w, 1), sigma, mode, 4.0);
                let mut got = data.clone();
                gaussian_filter_plane(&mut got, (h, w), sigma, mode, 4.0);
                assert_eq!(got, want, "{mode:?} σ {sigma}");
            }
        }
        let mut baseline = vec![0.0; 45];
        let (offsets, k) = ([0, 2, 4, 7, 9], [0.25, 0.5, 0.125, 0.5, 0.25]);
        window_blocks::<8>(&mut baseline, &data, &offsets, &k);
        let mut best = vec![0.0; 45];
        window_sum(&mut best, &data, &offsets, &k);
        assert_eq!(baseline, best);
        let pairs = [(0, 9, 0.25), (2, 7, 0.5)];
        let mut plain = vec![0.0; 45];
        symmetric_sum(&mut plain, &data, (4, 0.125), &pairs);
        assert_eq!(baseline, plain);
    }

    #[test]
    fn folded_kernel_gives_the_same_filter_to_rounding() {
        // Kernels longer than the lines (radius 3·40 on lines of 12 and 37), and a short one;
        // lines of even and odd length, and of one sample.
        for (h, w, sigma) in [(12, 37, 40.0), (12, 37, 1.5), (13, 8, 40.0), (1, 5, 2.0)] {
            let data: Vec<f64> = (0..h * w)
                .map(|i| ((i * 7919) % 251) as f64 / 125.5 - 1.0)
                .collect();
            for mode in [Boundary::Reflect, Boundary::Mirror, Boundary::Nearest] {
                let mut want = data.clone();
                gaussian_filter(&mut want, (h, w, 1), sigma, mode, 3.0);
                let rows = FoldedGaussian::new(h, sigma, mode, 3.0).unwrap();
                let cols = FoldedGaussian::new(w, sigma, mode, 3.0).unwrap();
                let mut got = data.clone();
                gaussian_filter_folded(&mut got, (h, w), &rows, &cols);
                for (a, b) in got.iter().zip(&want) {
                    assert!((a - b).abs() < 1e-14, "{mode:?} σ {sigma}: {a} vs {b}");
                }
            }
        }
        assert!(FoldedGaussian::new(5, 1.0, Boundary::Constant(0.0), 3.0).is_none());
        // The matrix product gives the same bits on every vector unit, rows in groups or alone.
        let data: Vec<f64> = (0..91)
            .map(|i| ((i * 7919) % 251) as f64 / 125.5 - 1.0)
            .collect();
        let (m, n, rows) = (13, 45, 7);
        let coef: Vec<f64> = data[..rows * m].to_vec();
        let source: Vec<f64> = (0..m * n)
            .map(|i| ((i * 37) % 101) as f64 / 50.5 - 1.0)
            .collect();
        let mut baseline = vec![0.0; rows * n];
        product_blocks::<4, 4>(&mut baseline, &coef, &source, (m, n));
        let mut best = vec![0.0; rows * n];
        product(&mut best, &coef, &source, (m, n));
        assert_eq!(baseline, best);
        let mut plain = vec![0.0; rows * n];
        product_blocks::<1, 1>(&mut plain, &coef, &source, (m, n));
        assert_eq!(baseline, plain);
        // A folded row sums to one: every tap lands on some sample, and P's row holds the
        // halves of each mirrored pair.
        let f = FoldedGaussian::new(6, 10.0, Boundary::Reflect, 3.0).unwrap();
        assert!((2.0 * f.even[..3].iter().sum::<f64>() - 1.0).abs() < 1e-14);
    }
}
