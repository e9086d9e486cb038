//! `scipy.ndimage.map_coordinates(image, (rows, cols, channels), order=1, mode='reflect')` with
//! the semantics of scipy ≥ 1.6 (checked against scipy 1.10), for an H×W×C float32 image sampled at
//! per-pixel (row, col) positions with the channel coordinate the exact channel index.
//!
//! A coordinate outside [0, len − 1] is first folded with the reflect rule (a position in
//! (−1, 0) becomes −x − 1, still in (−1, 0)); the two taps floor(x) and floor(x) + 1 weigh
//! 1 − t and 1 − (1 − t) with t = x − floor(x), and a tap outside the line is folded with the
//! same half-sample *reflect* rule (−1 → 0, len → len − 1). scipy 1.0–1.5 folded taps with the
//! mirror rule instead ([`crate::ops::map_coordinates`]). Each value is Σ (v·w_row)·w_col over
//! the four taps in C order, in float64, rounded to float32 once.

/// The coordinate fold is the same as scipy 1.0's; only the tap folding changed in 1.6.
use crate::ops::map_coordinates::fold_reflect as fold_coordinate;

/// A tap index folded with the half-sample reflect rule (… b a | a b …).
fn fold_tap(i: i64, len: usize) -> usize {
    let n = len as i64;
    let period = 2 * n;
    let i = i.rem_euclid(period);
    (if i < n { i } else { period - 1 - i }) as usize
}

/// The two taps of a coordinate along a line of `len` samples, and their weights.
fn taps(x: f64, len: usize) -> ([usize; 2], [f64; 2]) {
    let x = fold_coordinate(x, len);
    let start = x.floor();
    let w0 = 1.0 - (x - start);
    let start = start as i64;
    (
        [fold_tap(start, len), fold_tap(start + 1, len)],
        [w0, 1.0 - w0],
    )
}

/// Samples `image` (H×W×C) at `rows[p]`, `cols[p]` for every position p, writing the C channel
/// values of position p to `out[p·C..(p+1)·C]`.
pub fn map_coordinates_reflect_order1(
    image: &[f32],
    (h, w, c): (usize, usize, usize),
    rows: &[f64],
    cols: &[f64],
    out: &mut [f32],
) {
    assert_eq!(image.len(), h * w * c);
    assert_eq!(rows.len(), cols.len());
    assert_eq!(out.len(), rows.len() * c);
    for ((&r, &q), values) in rows.iter().zip(cols).zip(out.chunks_exact_mut(c)) {
        let (ty, wy) = taps(r, h);
        let (tx, wx) = taps(q, w);
        for (ch, value) in values.iter_mut().enumerate() {
            let mut t = 0.0f64;
            for (y, a) in ty.iter().zip(wy) {
                for (x, b) in tx.iter().zip(wx) {
                    t += (image[(y * w + x) * c + ch] as f64 * a) * b;
                }
            }
            *value = t as f32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taps_past_the_edge_reflect_onto_the_edge_sample() {
        // −0.3 folds to −0.7: taps −1 (→ 0) and 0, so the edge value alone.
        let (t, w) = taps(-0.3, 5);
        assert_eq!(t, [0, 0]);
        assert!((w[0] + w[1] - 1.0).abs() < 1e-15);
        // 4.4 on a line of 5 folds to 10 − 4.4 − 1 = 4.6: taps 4 and 5 (→ 4).
        let (t, _) = taps(4.4, 5);
        assert_eq!(t, [4, 4]);
        assert_eq!(fold_tap(-1, 5), 0);
        assert_eq!(fold_tap(5, 5), 4);
        assert_eq!(fold_tap(-2, 5), 1);
    }

    #[test]
    fn interior_positions_interpolate_linearly() {
        let image: Vec<f32> = (0..12).map(|v| v as f32).collect(); // 3×4, one channel
        let mut out = [0f32; 1];
        map_coordinates_reflect_order1(&image, (3, 4, 1), &[1.5], &[2.25], &mut out);
        assert_eq!(out[0], 4.0 * 1.5 + 2.25);
    }
}
