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

use super::gaussian::{correlate_symmetric, gaussian_filter, Boundary};

/// Edge map (row-major, `true` = edge) of a `height`×`width` image.
pub fn canny(
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

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn derivative_is_next_minus_previous_with_reflection() {
        let mut row = vec![1.0, 4.0, 9.0];
        derivative(&mut row, 1, 3, 1);
        // Reflect: index −1 reads 0, index 3 reads 2.
        assert_eq!(row, vec![3.0, 8.0, 5.0]);
    }
}
