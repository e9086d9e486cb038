//! Gaussian filtering with `scipy.ndimage.gaussian_filter` semantics (as scikit-image's
//! `filters.gaussian` calls it): a separable correlation, one axis after the other, with the kernel
//! radius int(truncate·σ + 0.5), the boundary modes of scipy, and scipy's symmetric-kernel
//! accumulation order so results agree to the last bit.

use super::numeric::pairwise_sum;

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
            ((c * x) * x).exp()
        })
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
/// Blocks of outputs stay in registers across the pairs; every value sees the same operations.
fn symmetric_sum(
    out: &mut [f64],
    source: &[f64],
    (c0, k0): (usize, f64),
    pairs: &[(usize, usize, f64)],
) {
    const B: usize = 8;
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
        for &(lo, hi, k) in pairs {
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
        for &(lo, hi, k) in pairs {
            a += (source[lo + t] + source[hi + t]) * k;
        }
        *o = a;
    }
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
}
