//! The soft line mask MNIST-C draws its strokes with (`line_from_points` in google-research/mnist-c
//! `corruptions.py`; spec mnist-c.md §2.4), float64.
//!
//! The intensity at a pixel depends on its *vertical* distance δ to the infinite line through the
//! two points: v = ln(1 − δ/2.3) + 1 clipped to [0, 1], so the line is 1 on its course and fades to
//! 0 at δ = 2.3·(1 − e⁻¹). Columns left of ⌊c0⌋ and from ⌈c1⌉ on are cleared, with Python slice
//! semantics (a negative bound counts from the right).

/// Decay length of the stroke profile, in pixels.
const REACH: f64 = 2.3;
/// Upper clip of the distance, which keeps the logarithm finite.
const MAX_DISTANCE: f64 = REACH - 1e-10;

/// Writes the mask of the line from (c0, r0) to (c1, r1) on a `height`×`width` grid into `out`.
/// A vertical line (c1 = c0) gives an all-zero mask, as in the reference.
pub fn line_from_points(
    (c0, r0): (f64, f64),
    (c1, r1): (f64, f64),
    height: usize,
    width: usize,
    out: &mut [f64],
) {
    assert_eq!(out.len(), height * width, "mask size");
    out.fill(0.0);
    if c1 == c0 {
        return;
    }
    let slope = (r1 - r0) / (c1 - c0);
    let first = slice_bound(c0.floor(), width);
    let end = slice_bound(c1.ceil(), width).max(first);
    for c in first..end {
        let course = slope * (c as f64 - c0) + r0;
        for r in 0..height {
            let distance = (r as f64 - course).abs().clamp(0.0, MAX_DISTANCE);
            let v = (1.0 - distance / REACH).ln() + 1.0;
            out[r * width + c] = v.clamp(0.0, 1.0);
        }
    }
}

/// A Python slice bound `int(b)` on an axis of length `n`: negative values count from the end,
/// and the result is clamped to 0..=n.
fn slice_bound(b: f64, n: usize) -> usize {
    let n = n as i64;
    let b = b as i64;
    let b = if b < 0 { b + n } else { b };
    b.clamp(0, n) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mask(p0: (f64, f64), p1: (f64, f64)) -> Vec<f64> {
        let mut out = vec![0.0; 28 * 28];
        line_from_points(p0, p1, 28, 28, &mut out);
        out
    }

    #[test]
    fn horizontal_line_profile() {
        let m = mask((0.0, 10.0), (27.0, 10.0));
        for c in 0..27 {
            assert_eq!(m[10 * 28 + c], 1.0);
            // One row away: ln(1 − 1/2.3) + 1.
            let one = (1.0 - 1.0 / 2.3f64).ln() + 1.0;
            assert_eq!(m[9 * 28 + c], one);
            assert_eq!(m[11 * 28 + c], one);
            // Two rows away the profile is already below zero, so clipped.
            assert_eq!(m[8 * 28 + c], 0.0);
        }
        // The right end: columns from ceil(c1) = 27 on are cleared.
        assert!((0..28).all(|r| m[r * 28 + 27] == 0.0));
    }

    #[test]
    fn sloped_line_follows_vertical_distance() {
        let m = mask((2.0, 0.0), (22.0, 20.0));
        for c in 2..22 {
            // Slope 1: the course passes through (c, c − 2).
            assert_eq!(m[(c - 2) * 28 + c], 1.0);
        }
        assert!((0..28).all(|r| m[r * 28] == 0.0 && m[r * 28 + 1] == 0.0));
        assert!((0..28).all(|r| (22..28).all(|c| m[r * 28 + c] == 0.0)));
        // Half a row off the course: ln(1 − 0.5/2.3) + 1.
        let m = mask((0.0, 3.5), (10.0, 3.5));
        assert_eq!(m[3 * 28 + 4], (1.0 - 0.5 / 2.3f64).ln() + 1.0);
    }

    #[test]
    fn vertical_line_is_empty() {
        assert!(mask((5.0, 0.0), (5.0, 27.0)).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn python_slice_bounds() {
        assert_eq!(slice_bound(3.0, 28), 3);
        assert_eq!(slice_bound(-2.0, 28), 26);
        assert_eq!(slice_bound(-40.0, 28), 0);
        assert_eq!(slice_bound(30.0, 28), 28);
    }
}
