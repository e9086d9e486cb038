//! The soft line mask MNIST-C draws its strokes with (`line_from_points` in google-research/mnist-c
//! `corruptions.py`; spec mnist-c.md §2.4), float64.
//!
//! The intensity at a pixel depends on its *vertical* distance δ to the infinite line through the
//! two points: v = ln(1 − δ/2.3) + 1 clipped to [0, 1], so the line is 1 on its course and fades to
//! 0 at δ = 2.3·(1 − e⁻¹) ≈ 1.454. Columns left of ⌊c0⌋ and from ⌈c1⌉ on are cleared, with Python
//! slice semantics (a negative bound counts from the right).
//!
//! The mask is kept sparse: in each column only the rows within 1.5 of the course can be
//! non-zero, and those lie among the four rows ⌊course⌋ − 1 ..= ⌊course⌋ + 2 (a row further away is
//! at least 2 from the course). Every other value of the reference's mask is exactly 0.

use crate::ops::portable::Portable;

/// Decay length of the stroke profile, in pixels.
const REACH: f64 = 2.3;
/// Upper clip of the distance, which keeps the logarithm finite.
const MAX_DISTANCE: f64 = REACH - 1e-10;
/// A distance from which the profile is negative, so clipped to 0: ln(1 − 1.5/2.3) + 1 ≈ −0.056,
/// and the profile falls with the distance.
const FADED: f64 = 1.5;
/// Rows per column that can be non-zero.
pub const ROWS: usize = 4;

/// The non-zero part of a line mask: for each column `first + i` the values of rows
/// `top..top + ROWS` in `columns[i]`. Every other value of the mask is 0.
#[derive(Clone, Debug, PartialEq)]
pub struct LineMask {
    pub first: usize,
    pub columns: Vec<MaskColumn>,
}

/// One column of a [`LineMask`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MaskColumn {
    pub top: usize,
    pub values: [f64; ROWS],
}

impl LineMask {
    /// (row, column, value) of every value that can be non-zero, column by column.
    pub fn entries(&self) -> impl Iterator<Item = (usize, usize, f64)> + '_ {
        self.columns
            .iter()
            .enumerate()
            .flat_map(move |(i, column)| {
                let col = self.first + i;
                (0..ROWS).map(move |k| (column.top + k, col, column.values[k]))
            })
    }
}

/// The mask of the line from (c0, r0) to (c1, r1) on a `height`×`width` grid (height ≥ 4), for
/// finite points. A vertical line (c1 = c0) gives an all-zero mask, as in the reference.
pub fn line_from_points(
    (c0, r0): (f64, f64),
    (c1, r1): (f64, f64),
    height: usize,
    width: usize,
) -> LineMask {
    assert!(height >= ROWS, "mask height");
    let mut mask = LineMask {
        first: 0,
        columns: Vec::new(),
    };
    if c1 == c0 {
        return mask;
    }
    let slope = (r1 - r0) / (c1 - c0);
    let first = slice_bound(c0.floor(), width);
    let end = slice_bound(c1.ceil(), width).max(first);
    mask.first = first;
    let last_top = (height - ROWS) as f64;
    for c in first..end {
        let course = slope * (c as f64 - c0) + r0;
        let top = (course.floor() - 1.0).clamp(0.0, last_top) as usize;
        let values = std::array::from_fn(|k| profile((top + k) as f64 - course));
        mask.columns.push(MaskColumn { top, values });
    }
    mask
}

/// The stroke intensity at vertical offset `offset` from the course.
fn profile(offset: f64) -> f64 {
    let distance = offset.abs().clamp(0.0, MAX_DISTANCE);
    if distance >= FADED {
        return 0.0;
    }
    ((1.0 - distance / REACH).portable_ln() + 1.0).clamp(0.0, 1.0)
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

    /// The reference's dense mask, every value computed.
    fn dense_reference(p0: (f64, f64), p1: (f64, f64), h: usize, w: usize) -> Vec<f64> {
        let ((c0, r0), (c1, r1)) = (p0, p1);
        let mut out = vec![0.0; h * w];
        if c1 == c0 {
            return out;
        }
        let slope = (r1 - r0) / (c1 - c0);
        let first = slice_bound(c0.floor(), w);
        let end = slice_bound(c1.ceil(), w).max(first);
        for c in first..end {
            let course = slope * (c as f64 - c0) + r0;
            for r in 0..h {
                let distance = (r as f64 - course).abs().clamp(0.0, MAX_DISTANCE);
                out[r * w + c] = ((1.0 - distance / REACH).portable_ln() + 1.0).clamp(0.0, 1.0);
            }
        }
        out
    }

    fn mask(p0: (f64, f64), p1: (f64, f64)) -> Vec<f64> {
        let mut out = vec![0.0; 28 * 28];
        for (r, c, v) in line_from_points(p0, p1, 28, 28).entries() {
            out[r * 28 + c] = v;
        }
        out
    }

    #[test]
    fn sparse_mask_equals_the_dense_reference() {
        let mut cases = Vec::new();
        for r0 in 0..27 {
            for r1 in 0..27 {
                cases.push(((0.0, r0 as f64), (27.0, r1 as f64)));
            }
        }
        for k in 0..400 {
            let f = |i: u32| ((k * 7919 + i * 104729) % 4001) as f64 / 100.0 - 6.0;
            cases.push(((f(1), f(2)), (f(3), f(4))));
        }
        cases.push(((3.0, 1.0), (3.0, 20.0)));
        cases.push(((-3.5, 30.0), (40.0, -10.0)));
        for (p0, p1) in cases {
            let want = dense_reference(p0, p1, 28, 28);
            let got = mask(p0, p1);
            for (k, (a, b)) in got.iter().zip(&want).enumerate() {
                assert_eq!(a.to_bits(), b.to_bits(), "{p0:?} {p1:?} at {k}");
            }
        }
    }

    #[test]
    fn horizontal_line_profile() {
        let m = mask((0.0, 10.0), (27.0, 10.0));
        for c in 0..27 {
            assert_eq!(m[10 * 28 + c], 1.0);
            // One row away: ln(1 − 1/2.3) + 1.
            let one = (1.0 - 1.0 / 2.3f64).portable_ln() + 1.0;
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
        assert_eq!(m[3 * 28 + 4], (1.0 - 0.5 / 2.3f64).portable_ln() + 1.0);
    }

    #[test]
    fn vertical_line_is_empty() {
        assert!(mask((5.0, 0.0), (5.0, 27.0)).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn profile_vanishes_from_the_faded_distance_on() {
        assert!((1.0 - FADED / REACH).portable_ln() + 1.0 < 0.0);
        assert!((1.0 - 1.45 / REACH).portable_ln() + 1.0 > 0.0);
    }

    #[test]
    fn python_slice_bounds() {
        assert_eq!(slice_bound(3.0, 28), 3);
        assert_eq!(slice_bound(-2.0, 28), 26);
        assert_eq!(slice_bound(-40.0, 28), 0);
        assert_eq!(slice_bound(30.0, 28), 28);
    }
}
