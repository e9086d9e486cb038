//! The Canny edge detector of scikit-image 0.14/0.15 (`feature.canny` with no mask and absolute
//! thresholds) on a 2-D float64 image, step for step (MNIST-C spec §2.9):
//!
//! 1. Gaussian smoothing with zeros outside, divided by the same filter applied to an all-ones
//!    image (plus machine epsilon) to undo the darkening at the border.
//! 2. Unnormalised Sobel gradients with scipy's `reflect` border; magnitude = hypot.
//! 3. Non-maximum suppression over four direction sectors, interpolating the magnitude between
//!    the two neighbours the gradient points at; a pixel in several sectors keeps the verdict of
//!    the last one, as the reference overwrites its result sector by sector.
//! 4. Hysteresis: 8-connected groups of pixels above `low` that hold a pixel above `high`.
//!
//! A [`Canny`] detector holds what depends only on the size and σ (the kernel, the smoothed
//! all-ones image). The filters run row by row over zero- or reflect-padded copies, with scipy's
//! operation order per value (`ops::gaussian` documents it), in per-thread buffers. The magnitude
//! is glibc's `hypot` algorithm written out (`ops::hypot`), so it does not depend on the
//! platform's libm.

use super::gaussian::{gaussian_filter, gaussian_kernel, Boundary};
use super::hypot::{hypot, hypot_kernel, HYPOT_EPS, HYPOT_LARGE, HYPOT_TINY};
use std::cell::RefCell;

/// scipy's Gaussian truncation: the kernel radius is int(4σ + 0.5).
const TRUNCATE: f64 = 4.0;

/// A Canny detector for one image size and σ, with absolute hysteresis thresholds.
#[derive(Debug)]
pub struct Canny {
    height: usize,
    width: usize,
    low: f64,
    high: f64,
    /// scipy's normalised Gaussian kernel ([1] for σ ≈ 0, which scipy leaves unfiltered).
    kernel: Vec<f64>,
    /// The smoothed all-ones image plus machine epsilon, which the smoothed image is divided by.
    bleed: Vec<f64>,
}

impl Canny {
    /// The detector for `height`×`width` images: Gaussian σ and the hysteresis thresholds on the
    /// gradient magnitude.
    pub fn new(height: usize, width: usize, sigma: f64, low: f64, high: f64) -> Canny {
        let mut bleed = vec![1.0f64; height * width];
        gaussian_filter(
            &mut bleed,
            (height, width, 1),
            sigma,
            Boundary::Constant(0.0),
            TRUNCATE,
        );
        for b in &mut bleed {
            *b += f64::EPSILON;
        }
        // `gaussian_filter` skips σ ≤ 1e-15; the one-tap kernel [1] changes no value either.
        let kernel = if sigma <= 1e-15 {
            vec![1.0]
        } else {
            gaussian_kernel(sigma, TRUNCATE)
        };
        Canny {
            height,
            width,
            low,
            high,
            kernel,
            bleed,
        }
    }

    /// Edge map (row-major, `true` = edge) of a `height`×`width` image, written into `edges`.
    pub fn edges(&self, image: &[f64], edges: &mut [bool]) {
        let (h, w) = (self.height, self.width);
        assert_eq!(image.len(), h * w, "image size");
        assert_eq!(edges.len(), h * w, "edge map size");
        edges.fill(false);
        if h * w == 0 {
            return;
        }
        SCRATCH.with(|cell| {
            let mut slot = cell.borrow_mut();
            let key = (h, w, self.kernel.len());
            let scratch = match &mut *slot {
                Some(s) if s.key == key => s,
                other => other.insert(Scratch::new(key)),
            };
            self.smooth(image, scratch);
            sobel(scratch, h, w);
            magnitudes(&scratch.isobel, &scratch.jsobel, &mut scratch.magnitude);
            self.suppress(scratch);
            hysteresis(scratch, edges, h, w);
        });
    }

    /// Step 1, Gaussian smoothing with zeros outside (axis 0, then axis 1), divided by `bleed`,
    /// into the interior of `scratch.padded`.
    fn smooth(&self, image: &[f64], scratch: &mut Scratch) {
        let (h, w) = (self.height, self.width);
        let radius = self.kernel.len() / 2;
        let centre = self.kernel[radius];
        // The taps in scipy's order: centre first, then the pairs from the outermost inwards.
        let pairs = (1..=radius).rev().map(|j| (j, self.kernel[radius - j]));

        // Along axis 0: `rows` holds the image between `radius` zero rows above and below.
        let rows = &mut scratch.rows;
        rows[radius * w..(radius + h) * w].copy_from_slice(image);
        // Along axis 1: each row of `cols` has `radius` zeros on both sides.
        let padded_w = w + 2 * radius;
        for y in 0..h {
            let out = &mut scratch.cols[y * padded_w + radius..y * padded_w + radius + w];
            let mid = (y + radius) * w;
            for (o, &v) in out.iter_mut().zip(&rows[mid..mid + w]) {
                *o = v * centre;
            }
            for (j, k) in pairs.clone() {
                let (above, below) = (&rows[mid - j * w..], &rows[mid + j * w..]);
                for ((o, &a), &b) in out.iter_mut().zip(above).zip(below) {
                    *o += (a + b) * k;
                }
            }
        }
        let pw = w + 2;
        for y in 0..h {
            let out = &mut scratch.padded[(y + 1) * pw + 1..(y + 1) * pw + 1 + w];
            let line = &scratch.cols[y * padded_w..(y + 1) * padded_w];
            for (o, &v) in out.iter_mut().zip(&line[radius..]) {
                *o = v * centre;
            }
            for (j, k) in pairs.clone() {
                let (left, right) = (&line[radius - j..], &line[radius + j..]);
                for ((o, &a), &b) in out.iter_mut().zip(left).zip(right) {
                    *o += (a + b) * k;
                }
            }
            for (o, &b) in out.iter_mut().zip(&self.bleed[y * w..(y + 1) * w]) {
                *o /= b;
            }
        }
    }

    /// Step 3, non-maximum suppression where its verdict counts (interior pixels with magnitude
    /// ≥ low and > 0): survivors become `WEAK` in `scratch.state`, strong ones `EDGE`.
    ///
    /// The interpolation weight is the same in every sector (the smaller of |i|, |j| over the
    /// larger), so all four sectors' tests are evaluated for whole rows and each pixel keeps its
    /// sector's: straight-line code over contiguous values instead of unpredictable branches.
    fn suppress(&self, scratch: &mut Scratch) {
        let (h, w) = (self.height, self.width);
        let pw = w + 2;
        let Scratch {
            isobel,
            jsobel,
            magnitude,
            state,
            ..
        } = scratch;
        if h < 3 || w < 3 {
            return;
        }
        let inner = w - 2;
        for r in 1..h - 1 {
            // The `inner` values of `data` from row r + dr − 1, column dc on.
            let start = |dr: usize, dc: usize| (r + dr - 1) * w + dc;
            let m = |dr: usize, dc: usize| &magnitude[start(dr, dc)..start(dr, dc) + inner];
            // Rows above, at and below; columns left, centre and right of each interior pixel.
            let (ul, uc, ur) = (m(0, 0), m(0, 1), m(0, 2));
            let (ml, mc, mr) = (m(1, 0), m(1, 1), m(1, 2));
            let (dl, dc, dr) = (m(2, 0), m(2, 1), m(2, 2));
            let ir = &isobel[start(1, 1)..start(1, 1) + inner];
            let jr = &jsobel[start(1, 1)..start(1, 1) + inner];
            let out = &mut state[(r + 1) * pw + 2..(r + 1) * pw + 2 + inner];
            for x in 0..inner {
                let m = mc[x];
                let (i, j) = (ir[x], jr[x]);
                let (ai, aj) = (i.abs(), j.abs());
                let weight = ai.min(aj) / ai.max(aj);
                let rest = 1.0 - weight;
                // w·M(a) + (1 − w)·M(b) ≤ m, the reference's test for a neighbour pair.
                let below = |a: f64, b: f64| a * weight + b * rest <= m;
                // The reference tests four sectors in turn and the last that applies decides:
                // 0. same signs, |i| ≥ |j|; 1. same signs, |i| ≤ |j|; 2. opposite signs,
                // |i| ≤ |j|; 3. opposite signs, |i| ≥ |j| (a zero component counts as both).
                let s0 = below(dr[x], dc[x]) & below(ul[x], uc[x]);
                let s1 = below(dr[x], mr[x]) & below(ul[x], ml[x]);
                let s2 = below(ur[x], mr[x]) & below(dl[x], ml[x]);
                let s3 = below(ur[x], uc[x]) & below(dl[x], dc[x]);
                let opposite = ((i <= 0.0) & (j >= 0.0)) | ((i >= 0.0) & (j <= 0.0));
                let (wide, tall) = (ai >= aj, ai <= aj);
                let kept = (opposite & wide & s3)
                    | (opposite & !wide & s2)
                    | (!opposite & tall & s1)
                    | (!opposite & !tall & s0);
                let weak = kept & (m > 0.0) & (m >= self.low);
                let strong = weak & (m >= self.high);
                out[x] = weak as u8 * WEAK + strong as u8 * (EDGE - WEAK);
            }
        }
    }
}

/// Pixel states of the hysteresis map.
const NONE: u8 = 0;
const WEAK: u8 = 1;
const EDGE: u8 = 2;

/// Step 4, hysteresis: grows the edges from the strong pixels through 8-connected weak ones, then
/// writes the edge map. The state map has a one-pixel border of `NONE`, so neighbours need no
/// bounds checks; a pixel enters the stack once, when it becomes an edge, so the stack never
/// holds more than the pixel count.
fn hysteresis(scratch: &mut Scratch, edges: &mut [bool], h: usize, w: usize) {
    let pw = w + 2;
    let Scratch { state, stack, .. } = scratch;
    let neighbours = [pw + 1, pw, pw - 1, 1];
    let mut top = 0;
    for (p, &s) in state.iter().enumerate() {
        stack[top] = p;
        top += (s == EDGE) as usize;
    }
    while top > 0 {
        top -= 1;
        let p = stack[top];
        for q in neighbours.iter().flat_map(|&d| [p - d, p + d]) {
            if state[q] == WEAK {
                state[q] = EDGE;
                stack[top] = q;
                top += 1;
            }
        }
    }
    for (line, states) in edges.chunks_exact_mut(w).zip(state[pw..].chunks_exact(pw)) {
        for (e, &s) in line.iter_mut().zip(&states[1..]) {
            *e = s == EDGE;
        }
    }
    debug_assert_eq!(edges.len(), h * w);
}

/// Working buffers for one size and kernel length, kept per thread so that a detection
/// allocates nothing. Padding that must read as zero is never written after creation.
struct Scratch {
    /// (height, width, kernel length).
    key: (usize, usize, usize),
    /// The image between `radius` zero rows above and below.
    rows: Vec<f64>,
    /// The vertically smoothed image with `radius` zero columns on each side.
    cols: Vec<f64>,
    /// The smoothed image with a one-pixel `reflect` border.
    padded: Vec<f64>,
    /// Derivative along axis 0 of one padded row.
    down: Vec<f64>,
    /// Derivative along axis 1 of every padded row.
    across: Vec<f64>,
    isobel: Vec<f64>,
    jsobel: Vec<f64>,
    magnitude: Vec<f64>,
    /// Hysteresis states with a one-pixel `NONE` border.
    state: Vec<u8>,
    /// Room for one entry per pixel of `state`.
    stack: Vec<usize>,
}

impl Scratch {
    fn new((h, w, taps): (usize, usize, usize)) -> Scratch {
        let radius = taps / 2;
        Scratch {
            key: (h, w, taps),
            rows: vec![0.0; (h + 2 * radius) * w],
            cols: vec![0.0; h * (w + 2 * radius)],
            padded: vec![0.0; (h + 2) * (w + 2)],
            down: vec![0.0; w + 2],
            across: vec![0.0; (h + 2) * w],
            isobel: vec![0.0; h * w],
            jsobel: vec![0.0; h * w],
            magnitude: vec![0.0; h * w],
            state: vec![NONE; (h + 2) * (w + 2)],
            stack: vec![0; (h + 2) * (w + 2)],
        }
    }
}

thread_local! {
    static SCRATCH: RefCell<Option<Scratch>> = const { RefCell::new(None) };
}

/// Step 2, scipy's `sobel(s, axis=0)` and `sobel(s, axis=1)` with the `reflect` border: the
/// derivative taps (−1, 0, 1) along the axis, then the smoothing taps (1, 2, 1) across it.
///
/// scipy evaluates the antisymmetric derivative as (previous − next)·(−1); rounding is symmetric
/// under negation, so that is next − previous to the bit (up to the sign of a zero, which nothing
/// downstream sees). The smoothing is centre·2 + (previous + next)·1. With reflection one value
/// deep, padding the smoothed image once serves both passes: the derivative of the padding is the
/// reflection of the derivative.
fn sobel(scratch: &mut Scratch, h: usize, w: usize) {
    let pw = w + 2;
    let Scratch {
        padded,
        down,
        across,
        isobel,
        jsobel,
        ..
    } = scratch;
    for line in padded[pw..(h + 1) * pw].chunks_exact_mut(pw) {
        line[0] = line[1];
        line[w + 1] = line[w];
    }
    padded.copy_within(pw..2 * pw, 0);
    padded.copy_within(h * pw..(h + 1) * pw, (h + 1) * pw);

    // Axis 0: derivative down the rows over padded columns, then smoothing along the row.
    for y in 0..h {
        let (prev, next) = (
            &padded[y * pw..(y + 1) * pw],
            &padded[(y + 2) * pw..(y + 3) * pw],
        );
        for ((d, &p), &q) in down.iter_mut().zip(prev).zip(next) {
            *d = q - p;
        }
        let out = &mut isobel[y * w..(y + 1) * w];
        for (((o, &l), &m), &r) in out
            .iter_mut()
            .zip(&down[..])
            .zip(&down[1..])
            .zip(&down[2..])
        {
            *o = m * 2.0 + (l + r);
        }
    }
    // Axis 1: derivative along every padded row, then smoothing down the rows.
    for (line, row) in across.chunks_exact_mut(w).zip(padded.chunks_exact(pw)) {
        for ((d, &a), &b) in line.iter_mut().zip(row).zip(&row[2..]) {
            *d = b - a;
        }
    }
    for y in 0..h {
        let out = &mut jsobel[y * w..(y + 1) * w];
        let (above, mid, below) = (
            &across[y * w..(y + 1) * w],
            &across[(y + 1) * w..(y + 2) * w],
            &across[(y + 2) * w..(y + 3) * w],
        );
        for (((o, &a), &m), &b) in out.iter_mut().zip(above).zip(mid).zip(below) {
            *o = m * 2.0 + (a + b);
        }
    }
}

/// `np.hypot(isobel, jsobel)` for every pixel: the common case in one branch-free pass, the rare
/// operands (huge, tiny but non-zero, non-finite) again through [`hypot`].
fn magnitudes(isobel: &[f64], jsobel: &[f64], out: &mut [f64]) {
    let mut rare = false;
    for ((m, &i), &j) in out.iter_mut().zip(isobel).zip(jsobel) {
        let (x, y) = (i.abs(), j.abs());
        let (ax, ay) = if x < y { (y, x) } else { (x, y) };
        // Zero (or negligible) ay gives ax + ay, as `hypot` does; NaN lanes are redone below.
        let kernel = hypot_kernel(ax, ay);
        *m = if ay > ax * HYPOT_EPS { kernel } else { ax + ay };
        rare |= (ax > HYPOT_LARGE) | ax.is_nan() | ((ay < HYPOT_TINY) & (ay != 0.0));
    }
    if rare {
        for ((m, &i), &j) in out.iter_mut().zip(isobel).zip(jsobel) {
            *m = hypot(i, j);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::gaussian::correlate_symmetric;

    /// The detector written out directly: whole-image filters from `ops::gaussian`, libm's hypot,
    /// suppression everywhere.
    fn direct(
        image: &[f64],
        height: usize,
        width: usize,
        sigma: f64,
        low: f64,
        high: f64,
    ) -> Vec<bool> {
        let n = height * width;
        assert_eq!(image.len(), n, "image size");
        let shape = (height, width, 1);

        // 1. Smoothing with border compensation.
        let mut bleed = vec![1.0f64; n];
        gaussian_filter(&mut bleed, shape, sigma, Boundary::Constant(0.0), 4.0);
        let mut smoothed = image.to_vec();
        gaussian_filter(&mut smoothed, shape, sigma, Boundary::Constant(0.0), 4.0);
        for (s, b) in smoothed.iter_mut().zip(&bleed) {
            *s /= b + f64::EPSILON;
        }

        // 2. Sobel: derivative taps (−1, 0, 1) along the axis, smoothing taps (1, 2, 1) across it.
        let mut isobel = smoothed.clone();
        derivative(&mut isobel, height, width, 0);
        correlate_symmetric(&mut isobel, shape, 1, &[1.0, 2.0, 1.0], Boundary::Reflect);
        let mut jsobel = smoothed;
        derivative(&mut jsobel, height, width, 1);
        correlate_symmetric(&mut jsobel, shape, 0, &[1.0, 2.0, 1.0], Boundary::Reflect);
        let magnitude: Vec<f64> = isobel
            .iter()
            .zip(&jsobel)
            .map(|(i, j)| i.hypot(*j))
            .collect();

        // 3. Non-maximum suppression on interior pixels with a non-zero gradient.
        let mut maxima = vec![false; n];
        let at = |r: usize, c: usize| magnitude[r * width + c];
        for r in 1..height.saturating_sub(1) {
            for c in 1..width.saturating_sub(1) {
                let k = r * width + c;
                let m = magnitude[k];
                if m <= 0.0 {
                    continue;
                }
                let (i, j) = (isobel[k], jsobel[k]);
                let (ai, aj) = (i.abs(), j.abs());
                let same = (i >= 0.0 && j >= 0.0) || (i <= 0.0 && j <= 0.0);
                let opposite = (i <= 0.0 && j >= 0.0) || (i >= 0.0 && j <= 0.0);
                // Survives iff w·M(a) + (1 − w)·M(b) ≤ m for both neighbour pairs of the sector.
                let keeps = |w: f64, pairs: [((usize, usize), (usize, usize)); 2]| {
                    pairs
                        .iter()
                        .all(|&(a, b)| at(a.0, a.1) * w + at(b.0, b.1) * (1.0 - w) <= m)
                };
                let (up, down, left, right) = (r - 1, r + 1, c - 1, c + 1);
                let mut verdict = None;
                if same && ai >= aj {
                    verdict = Some(keeps(
                        aj / ai,
                        [((down, right), (down, c)), ((up, left), (up, c))],
                    ));
                }
                if same && ai <= aj {
                    verdict = Some(keeps(
                        ai / aj,
                        [((down, right), (r, right)), ((up, left), (r, left))],
                    ));
                }
                if opposite && ai <= aj {
                    verdict = Some(keeps(
                        ai / aj,
                        [((up, right), (r, right)), ((down, left), (r, left))],
                    ));
                }
                if opposite && ai >= aj {
                    verdict = Some(keeps(
                        aj / ai,
                        [((up, right), (up, c)), ((down, left), (down, c))],
                    ));
                }
                maxima[k] = verdict.unwrap_or(false);
            }
        }

        // 4. Hysteresis: grow from strong pixels through 8-connected weak ones.
        let weak: Vec<bool> = (0..n).map(|k| maxima[k] && magnitude[k] >= low).collect();
        let mut edges = vec![false; n];
        let mut stack: Vec<usize> = (0..n)
            .filter(|&k| weak[k] && magnitude[k] >= high)
            .collect();
        for &k in &stack {
            edges[k] = true;
        }
        while let Some(k) = stack.pop() {
            let (r, c) = ((k / width) as i64, (k % width) as i64);
            for dr in -1..=1 {
                for dc in -1..=1 {
                    let (nr, nc) = (r + dr, c + dc);
                    if nr < 0 || nc < 0 || nr >= height as i64 || nc >= width as i64 {
                        continue;
                    }
                    let q = nr as usize * width + nc as usize;
                    if weak[q] && !edges[q] {
                        edges[q] = true;
                        stack.push(q);
                    }
                }
            }
        }
        edges
    }

    /// scipy `correlate1d(data, [-1, 0, 1], axis, mode='reflect')`: an antisymmetric kernel, which
    /// scipy evaluates as centre·0 + (previous − next)·(−1). Rounding is symmetric under negation, so
    /// that is next − previous to the bit (up to the sign of a zero, which nothing downstream sees).
    fn derivative(data: &mut [f64], height: usize, width: usize, axis: usize) {
        let src = data.to_vec();
        let reflect = |i: isize, n: usize| Boundary::Reflect.index(i, n).unwrap_or(0);
        for r in 0..height {
            for c in 0..width {
                let (prev, next) = if axis == 0 {
                    (
                        src[reflect(r as isize - 1, height) * width + c],
                        src[reflect(r as isize + 1, height) * width + c],
                    )
                } else {
                    (
                        src[r * width + reflect(c as isize - 1, width)],
                        src[r * width + reflect(c as isize + 1, width)],
                    )
                };
                data[r * width + c] = next - prev;
            }
        }
    }

    fn canny(image: &[f64], h: usize, w: usize, sigma: f64, low: f64, high: f64) -> Vec<bool> {
        let mut edges = vec![false; h * w];
        Canny::new(h, w, sigma, low, high).edges(image, &mut edges);
        edges
    }

    /// A digit-like test image: soft strokes of varying brightness on black.
    fn strokes(h: usize, w: usize, seed: u64) -> Vec<f64> {
        (0..h * w)
            .map(|k| {
                let (r, c) = ((k / w) as f64, (k % w) as f64);
                let s = seed as f64;
                let a = ((r * 0.37 + s).sin() * (c * 0.23 - s).cos() * 2.0).max(0.0);
                let b = (((r - 12.0).powi(2) + (c - 14.0 + s).powi(2)).sqrt() - 7.0).abs();
                (a.min(1.0) * (b < 2.5) as u8 as f64 * 255.0).floor() / 255.0
            })
            .collect()
    }

    #[test]
    fn detector_equals_the_direct_computation() {
        for (h, w) in [(28, 28), (20, 31), (5, 3)] {
            for seed in 0..6 {
                let img = strokes(h, w, seed);
                let found = direct(&img, h, w, 1.0, 0.1, 0.2)
                    .iter()
                    .filter(|&&e| e)
                    .count();
                assert!(h < 20 || found > 10, "{h}×{w} seed {seed}: {found} edges");
                for sigma in [1.0, 0.6, 2.0] {
                    for (low, high) in [(0.1, 0.2), (0.05, 0.5), (0.0, 0.0)] {
                        assert_eq!(
                            canny(&img, h, w, sigma, low, high),
                            direct(&img, h, w, sigma, low, high),
                            "{h}×{w} seed {seed} σ {sigma} thresholds {low} {high}"
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn magnitudes_take_the_rare_path_where_needed() {
        let i = [3.0, 1e300, 3e-320, 0.0, -5.0];
        let j = [4.0, 1e300, 4e-320, 0.0, 0.0];
        let mut m = [0.0; 5];
        magnitudes(&i, &j, &mut m);
        for k in 0..i.len() {
            assert_eq!(m[k], hypot(i[k], j[k]), "{k}");
        }
    }

    #[test]
    fn flat_image_has_no_edges() {
        let img = vec![0.6; 20 * 20];
        assert!(canny(&img, 20, 20, 1.0, 0.1, 0.2).iter().all(|&e| !e));
    }

    #[test]
    fn square_gives_a_closed_thin_outline() {
        let (h, w) = (24, 24);
        let mut img = vec![0.0; h * w];
        for r in 8..16 {
            for c in 8..16 {
                img[r * w + c] = 1.0;
            }
        }
        let edges = canny(&img, h, w, 1.0, 0.1, 0.2);
        // Edges lie on the boundary band of the square, never deep inside or far outside.
        for r in 0..h {
            for c in 0..w {
                let inside_core = (10..14).contains(&r) && (10..14).contains(&c);
                let far = !(6..18).contains(&r) || !(6..18).contains(&c);
                if inside_core || far {
                    assert!(!edges[r * w + c], "edge at ({r},{c})");
                }
            }
        }
        // Every row crossing the square has an edge on its left and its right side.
        for r in 9..15 {
            assert!((6..10).any(|c| edges[r * w + c]), "left side of row {r}");
            assert!((14..18).any(|c| edges[r * w + c]), "right side of row {r}");
        }
        // Mirror symmetry of the input carries over to the edge map.
        for r in 0..h {
            for c in 0..w {
                assert_eq!(edges[r * w + c], edges[r * w + (w - 1 - c)]);
            }
        }
    }

    #[test]
    fn weak_edges_need_a_strong_neighbour() {
        // A faint step (gradient between the thresholds) alone gives nothing.
        let (h, w) = (16, 16);
        let faint: Vec<f64> = (0..h * w)
            .map(|k| if k % w >= 8 { 0.05 } else { 0.0 })
            .collect();
        assert!(canny(&faint, h, w, 1.0, 0.1, 0.2).iter().all(|&e| !e));
        // The same step strong enough passes.
        let strong: Vec<f64> = faint.iter().map(|v| v * 10.0).collect();
        assert!(canny(&strong, h, w, 1.0, 0.1, 0.2).iter().any(|&e| e));
    }
}
