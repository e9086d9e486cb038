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
/// outermost inwards. Whole rows are accumulated at once (the same order for every value), so
/// the inner loops run over contiguous memory and vectorise.
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
    if data.is_empty() {
        return;
    }
    if axis == 0 {
        correlate_rows(data, (h, w * c), weights, boundary);
    } else {
        correlate_columns(data, (h, w, c), weights, boundary);
    }
}

/// Along axis 0: each output row is a weighted sum of whole input rows.
fn correlate_rows<T: Sample>(
    data: &mut [T],
    (h, row_len): (usize, usize),
    weights: &[f64],
    boundary: Boundary,
) {
    let radius = weights.len() / 2;
    let source: Vec<f64> = data.iter().map(|v| v.to_f64()).collect();
    let fill = match boundary {
        Boundary::Constant(v) => vec![v; row_len],
        _ => Vec::new(),
    };
    let row = |i: isize| -> &[f64] {
        match boundary.index(i, h) {
            Some(j) => &source[j * row_len..(j + 1) * row_len],
            None => &fill,
        }
    };
    let centre = weights[radius];
    let mut acc = vec![0.0f64; row_len];
    for y in 0..h {
        for (a, &v) in acc.iter_mut().zip(row(y as isize)) {
            *a = v * centre;
        }
        for j in (1..=radius).rev() {
            let wj = weights[radius - j];
            let above = row(y as isize - j as isize);
            let below = row(y as isize + j as isize);
            for ((a, &u), &d) in acc.iter_mut().zip(above).zip(below) {
                *a += (u + d) * wj;
            }
        }
        for (out, &a) in data[y * row_len..(y + 1) * row_len].iter_mut().zip(&acc) {
            *out = T::from_f64(a);
        }
    }
}

/// Along axis 1: each row is padded per the boundary mode once, then every output value of the
/// row is accumulated with the same tap order, channels interleaved.
fn correlate_columns<T: Sample>(
    data: &mut [T],
    (h, w, c): (usize, usize, usize),
    weights: &[f64],
    boundary: Boundary,
) {
    let radius = weights.len() / 2;
    let centre = weights[radius];
    let row_len = w * c;
    let mut padded = vec![0.0f64; (w + 2 * radius) * c];
    let mut acc = vec![0.0f64; row_len];
    for y in 0..h {
        let row = &data[y * row_len..(y + 1) * row_len];
        for k in 0..w + 2 * radius {
            let slot = &mut padded[k * c..(k + 1) * c];
            match boundary.index(k as isize - radius as isize, w) {
                Some(x) => {
                    for (s, v) in slot.iter_mut().zip(&row[x * c..(x + 1) * c]) {
                        *s = v.to_f64();
                    }
                }
                None => {
                    if let Boundary::Constant(v) = boundary {
                        slot.fill(v);
                    }
                }
            }
        }
        for (a, &v) in acc.iter_mut().zip(&padded[radius * c..]) {
            *a = v * centre;
        }
        for j in (1..=radius).rev() {
            let wj = weights[radius - j];
            let left = &padded[(radius - j) * c..];
            let right = &padded[(radius + j) * c..];
            for ((a, &u), &d) in acc.iter_mut().zip(left).zip(right) {
                *a += (u + d) * wj;
            }
        }
        for (out, &a) in data[y * row_len..(y + 1) * row_len].iter_mut().zip(&acc) {
            *out = T::from_f64(a);
        }
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
