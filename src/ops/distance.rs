//! OpenCV 3.4 `distanceTransform(src, DIST_L2, 5)`: the 5×5 chamfer distance from every non-zero
//! pixel to the nearest zero pixel, with the L2 mask weights a = 1, b = 1.4, c = 2.1969.
//!
//! [`distance_l2_mask5`] is OpenCV's own two-pass scan (`distanceTransform_5x5`), which works in
//! 16.16 fixed point: each weight is rounded to an integer number of 2⁻¹⁶ steps, paths are summed
//! exactly in integers, and the result is that integer times 2⁻¹⁶ in float32 (the 2018 ImageNet-C
//! environment's OpenCV 3.4). OpenCV 4 builds with IPP (the PyPI wheels imagecorruptions runs on)
//! call IPP's float transform instead: [`distance_l2_mask5_float`], the same two passes over the
//! same mask with every path sum rounded to float32, which differs in the last bits.

use crate::simd::{self, Isa};

/// Distance weights (horizontal/vertical, diagonal, knight's move) of `DIST_L2` with a 5×5 mask.
const L2_MASK_5: [f32; 3] = [1.0, 1.4, 2.1969];
const SHIFT: u32 = 16;
/// Two pixels of padding on every side, holding "far".
const BORDER: usize = 2;

fn to_fixed(weight: f32) -> u32 {
    (weight * (1u32 << SHIFT) as f32).round_ties_even() as u32
}

/// A path length: 16.16 fixed point (OpenCV's own scan) or float32 (IPP's).
trait Length: Copy + PartialOrd {
    /// The padding's value: farther than any path in the image.
    const FAR: Self;
    const ZERO: Self;
    /// `self + w`, never overflowing.
    fn add(self, w: Self) -> Self;
    /// The smaller of two lengths.
    fn nearer(self, other: Self) -> Self;
    fn to_f32(self) -> f32;
}

impl Length for u32 {
    /// OpenCV 3.4's `INT_MAX >> 2`; never reached at image sizes this crate sees, and saturating
    /// adds keep larger images safe.
    const FAR: u32 = i32::MAX as u32 >> 2;
    const ZERO: u32 = 0;
    /// Saturating (as `u32::saturating_add`) in a form that vectorises: min, then add.
    #[inline(always)]
    fn add(self, w: u32) -> u32 {
        Ord::min(self, u32::MAX - w) + w
    }
    #[inline(always)]
    fn nearer(self, other: u32) -> u32 {
        Ord::min(self, other)
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self as f32 * (1.0f32 / (1u32 << SHIFT) as f32)
    }
}

impl Length for f32 {
    const FAR: f32 = f32::INFINITY;
    const ZERO: f32 = 0.0;
    #[inline(always)]
    fn add(self, w: f32) -> f32 {
        self + w
    }
    #[inline(always)]
    fn nearer(self, other: f32) -> f32 {
        if other < self {
            other
        } else {
            self
        }
    }
    #[inline(always)]
    fn to_f32(self) -> f32 {
        self
    }
}

/// best[x] = min(best[x], run[x] + w) over a row.
#[inline(always)]
fn lower_to<T: Length>(best: &mut [T], run: &[T], w: T) {
    for (b, &v) in best.iter_mut().zip(run) {
        *b = b.nearer(v.add(w));
    }
}

/// `cv2.distanceTransform(src, cv2.DIST_L2, 5)` of an 8-bit H×W image (zero pixels are the
/// features), as float32.
///
/// Each pass takes a row in two steps: the minimum over the neighbours in the rows already done
/// (independent per pixel, so it runs over the whole row at once), then the scan along the row
/// for the one neighbour in the same row. The minimum of the same candidates, so the same result.
pub fn distance_l2_mask5(src: &[u8], width: usize, height: usize) -> Vec<f32> {
    assert_eq!(src.len(), width * height);
    // AVX2 also on AVX-512 machines, as before the dispatch was shared: not measured wider.
    simd::dispatch_at_most(
        Isa::Avx2,
        #[inline(always)]
        |_| distance_rows(src, width, height, L2_MASK_5.map(to_fixed)),
    )
}

/// `cv2.distanceTransform(src, cv2.DIST_L2, 5)` as OpenCV 4 builds with IPP compute it: path sums
/// in float32.
pub fn distance_l2_mask5_float(src: &[u8], width: usize, height: usize) -> Vec<f32> {
    assert_eq!(src.len(), width * height);
    simd::dispatch(
        #[inline(always)]
        |_| distance_rows(src, width, height, L2_MASK_5),
    )
}

#[inline(always)]
fn distance_rows<T: Length>(src: &[u8], width: usize, height: usize, mask: [T; 3]) -> Vec<f32> {
    let [hv, diag, long] = mask;
    let step = width + 2 * BORDER;
    let mut t = vec![T::FAR; step * (height + 2 * BORDER)];
    let mut best = vec![T::ZERO; width];

    // Forward pass: neighbours above and to the left. Padded rows: index k holds column
    // k − BORDER, so run k starts k − BORDER columns to the side.
    for (y, line) in src.chunks_exact(width.max(1)).enumerate() {
        let (done, rest) = t.split_at_mut((y + BORDER) * step);
        let up1 = &done[(y + 1) * step..][..step];
        let up2 = &done[y * step..][..step];
        for (b, &v) in best.iter_mut().zip(&up1[2..]) {
            *b = v.add(hv);
        }
        lower_to(&mut best, up1, long);
        lower_to(&mut best, &up1[1..], diag);
        lower_to(&mut best, &up1[3..], diag);
        lower_to(&mut best, &up1[4..], long);
        lower_to(&mut best, &up2[1..], long);
        lower_to(&mut best, &up2[3..], long);
        for (b, &v) in best.iter_mut().zip(line) {
            if v == 0 {
                *b = T::ZERO;
            }
        }
        let mut left = rest[BORDER - 1];
        for (d, &b) in rest[BORDER..BORDER + width].iter_mut().zip(&best) {
            left = b.nearer(left.add(hv));
            *d = left;
        }
    }

    // Backward pass: neighbours below and to the right. A value of at most one step (0 or hv)
    // cannot shrink, so taking the minimum everywhere gives OpenCV's result.
    let mut out = vec![0f32; width * height];
    for y in (0..height).rev() {
        let (head, done) = t.split_at_mut((y + BORDER + 1) * step);
        let row = &mut head[(y + BORDER) * step..];
        let down1 = &done[..step];
        let down2 = &done[step..][..step];
        best.copy_from_slice(&row[BORDER..BORDER + width]);
        lower_to(&mut best, down1, long);
        lower_to(&mut best, &down1[1..], diag);
        lower_to(&mut best, &down1[2..], hv);
        lower_to(&mut best, &down1[3..], diag);
        lower_to(&mut best, &down1[4..], long);
        lower_to(&mut best, &down2[1..], long);
        lower_to(&mut best, &down2[3..], long);
        let mut right = row[BORDER + width];
        for (d, &b) in row[BORDER..BORDER + width].iter_mut().zip(&best).rev() {
            right = b.nearer(right.add(hv));
            *d = right;
        }
        let line = &row[BORDER..BORDER + width];
        for (o, &v) in out[y * width..(y + 1) * width].iter_mut().zip(line) {
            *o = v.to_f32();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_in_fixed_point() {
        assert_eq!(to_fixed(1.0), 65536);
        assert_eq!(to_fixed(1.4), 91750);
        assert_eq!(to_fixed(2.1969), 143976);
    }

    /// OpenCV's scan pixel by pixel, each pass taking the minimum over its mask half in place.
    fn opencv_scan(src: &[u8], width: usize, height: usize) -> Vec<f32> {
        let [hv, diag, long] = L2_MASK_5.map(to_fixed);
        let step = width + 4;
        let mut t = vec![<u32 as Length>::FAR; step * (height + 4)];
        let at = |y: usize, x: usize| (y + 2) * step + x + 2;
        for y in 0..height {
            for x in 0..width {
                let i = at(y, x);
                t[i] = if src[y * width + x] == 0 {
                    0
                } else {
                    let (u2, u1) = (i - 2 * step, i - step);
                    [
                        t[u2 - 1] + long,
                        t[u2 + 1] + long,
                        t[u1 - 2] + long,
                        t[u1 - 1] + diag,
                        t[u1] + hv,
                        t[u1 + 1] + diag,
                        t[u1 + 2] + long,
                        t[i - 1] + hv,
                    ]
                    .into_iter()
                    .min()
                    .unwrap()
                };
            }
        }
        let mut out = vec![0f32; width * height];
        for y in (0..height).rev() {
            for x in (0..width).rev() {
                let i = at(y, x);
                let mut t0 = t[i];
                if t0 > hv {
                    let (d2, d1) = (i + 2 * step, i + step);
                    t0 = [
                        t0,
                        t[d2 + 1] + long,
                        t[d2 - 1] + long,
                        t[d1 + 2] + long,
                        t[d1 + 1] + diag,
                        t[d1] + hv,
                        t[d1 - 1] + diag,
                        t[d1 - 2] + long,
                        t[i + 1] + hv,
                    ]
                    .into_iter()
                    .min()
                    .unwrap();
                    t[i] = t0;
                }
                out[y * width + x] = t0 as f32 / 65536.0;
            }
        }
        out
    }

    #[test]
    fn row_passes_match_the_pixel_scan() {
        // Sparse, dense and empty feature sets on a non-square image.
        let (w, h) = (37, 23);
        for density in [0usize, 3, 40, 400] {
            let src: Vec<u8> = (0..w * h)
                .map(|i| {
                    if (i * 7919 + 13) % 1000 < density {
                        0
                    } else {
                        255
                    }
                })
                .collect();
            assert_eq!(
                distance_l2_mask5(&src, w, h),
                opencv_scan(&src, w, h),
                "{density}"
            );
        }
    }

    #[test]
    fn chamfer_distances_from_one_feature() {
        // 7×7 with the single zero pixel at the centre.
        let mut src = vec![255u8; 49];
        src[3 * 7 + 3] = 0;
        let d = distance_l2_mask5(&src, 7, 7);
        let f = |v: u32| v as f32 / 65536.0;
        assert_eq!(d[3 * 7 + 3], 0.0);
        assert_eq!(d[3 * 7 + 4], 1.0);
        assert_eq!(d[2 * 7 + 4], f(91750)); // diagonal
        assert_eq!(d[7 + 4], f(143976)); // knight's move
        assert_eq!(d[3 * 7 + 6], 3.0);
        assert_eq!(d[0], f(3 * 91750)); // (−3, −3): three diagonal steps
        assert_eq!(d[1], f(143976 + 91750)); // (−3, −2): a knight's move and a diagonal
    }

    /// The float chamfer equals OpenCV 4.5.5's IPP transform on every value (fixture made by
    /// scripts/reference/make_opencv4_distance_fixture.py), where the fixed-point scan does not.
    #[test]
    fn float_chamfer_equals_opencv_4_with_ipp() {
        let (w, h) = (61, 47);
        let src = include_bytes!("../../tests/fixtures/opencv4-distance/input.u8");
        let want: Vec<f32> = include_bytes!("../../tests/fixtures/opencv4-distance/distance.f32le")
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect();
        let got = distance_l2_mask5_float(src, w, h);
        let same = |a: &[f32]| {
            a.iter()
                .zip(&want)
                .filter(|(x, y)| x.to_bits() == y.to_bits())
                .count()
        };
        assert_eq!(same(&got), w * h);
        assert!(
            same(&distance_l2_mask5(src, w, h)) < w * h,
            "the fixture tells the two apart"
        );
    }
}
