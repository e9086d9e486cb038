//! OpenCV's `distanceTransform(src, DIST_L2, 5)`: the 5×5 chamfer distance from every non-zero
//! pixel to the nearest zero pixel, with the L2 mask weights a = 1, b = 1.4, c = 2.1969.
//!
//! [`distance_l2_mask5`] is OpenCV's own two-pass scan (`distanceTransform_5x5`), which works in
//! 16.16 fixed point: each weight is rounded to an integer number of 2⁻¹⁶ steps, paths are summed
//! exactly in integers, and the result is that integer times 2⁻¹⁶ in float32. OpenCV 3.4 (the 2018
//! ImageNet-C environment) and 4.5.5 with IPP off compute the same. With IPP on, the opencv-python
//! wheels call IPP's float transform instead, which differs in the last bits.

use crate::simd::{self, Isa};

/// Distance weights (horizontal/vertical, diagonal, knight's move) of `DIST_L2` with a 5×5 mask.
const L2_MASK_5: [f32; 3] = [1.0, 1.4, 2.1969];
const SHIFT: u32 = 16;
/// Two pixels of padding on every side, holding "far".
const BORDER: usize = 2;

fn to_fixed(weight: f32) -> u32 {
    (weight * (1u32 << SHIFT) as f32).round_ties_even() as u32
}

/// The padding's value: farther than any path in the image (OpenCV's `INT_MAX >> 2`; never
/// reached at image sizes this crate sees, and saturating adds keep larger images safe).
const FAR: u32 = i32::MAX as u32 >> 2;

/// `length + w`, saturating (as `u32::saturating_add`) in a form that vectorises: min, then add.
#[inline(always)]
fn add(length: u32, w: u32) -> u32 {
    Ord::min(length, u32::MAX - w) + w
}

/// best[x] = min(best[x], run[x] + w) over a row.
///
/// Works on fixed blocks of [`LANES`] values, which the compiler turns into vector code (with the
/// plain loop it kept a scalar one for most calls).
#[inline(always)]
fn lower_to(best: &mut [u32], run: &[u32], w: u32) {
    let run = &run[..best.len()];
    let mut best_blocks = best.chunks_exact_mut(LANES);
    let mut run_blocks = run.chunks_exact(LANES);
    for (b, r) in (&mut best_blocks).zip(&mut run_blocks) {
        for (b, &v) in b.iter_mut().zip(r) {
            *b = (*b).min(add(v, w));
        }
    }
    let rest = best_blocks.into_remainder().iter_mut();
    for (b, &v) in rest.zip(run_blocks.remainder()) {
        *b = (*b).min(add(v, w));
    }
}

/// Values per block of [`lower_to`].
const LANES: usize = 16;

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
        |_| distance_rows(src, width, height),
    )
}

#[inline(always)]
fn distance_rows(src: &[u8], width: usize, height: usize) -> Vec<f32> {
    let [hv, diag, long] = L2_MASK_5.map(to_fixed);
    let step = width + 2 * BORDER;
    let mut t = vec![FAR; step * (height + 2 * BORDER)];
    let mut best = vec![0; width];

    // Forward pass: neighbours above and to the left. Padded rows: index k holds column
    // k − BORDER, so run k starts k − BORDER columns to the side.
    for (y, line) in src.chunks_exact(width.max(1)).enumerate() {
        let (done, rest) = t.split_at_mut((y + BORDER) * step);
        let up1 = &done[(y + 1) * step..][..step];
        let up2 = &done[y * step..][..step];
        for (b, &v) in best.iter_mut().zip(&up1[2..]) {
            *b = add(v, hv);
        }
        lower_to(&mut best, up1, long);
        lower_to(&mut best, &up1[1..], diag);
        lower_to(&mut best, &up1[3..], diag);
        lower_to(&mut best, &up1[4..], long);
        lower_to(&mut best, &up2[1..], long);
        lower_to(&mut best, &up2[3..], long);
        for (b, &v) in best.iter_mut().zip(line) {
            if v == 0 {
                *b = 0;
            }
        }
        let mut left = rest[BORDER - 1];
        for (d, &b) in rest[BORDER..BORDER + width].iter_mut().zip(&best) {
            left = b.min(add(left, hv));
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
            right = b.min(add(right, hv));
            *d = right;
        }
        let line = &row[BORDER..BORDER + width];
        for (o, &v) in out[y * width..(y + 1) * width].iter_mut().zip(line) {
            *o = v as f32 * (1.0f32 / (1u32 << SHIFT) as f32);
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
        let mut t = vec![FAR; step * (height + 4)];
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

    /// The scan equals OpenCV 4.5.5's own transform (IPP off) on every value (fixture made by
    /// scripts/reference/make_opencv4_fixtures.py), where IPP's float one differs.
    #[test]
    fn equals_opencv_4_without_ipp() {
        let (w, h) = (61, 47);
        let src = include_bytes!("../../tests/fixtures/opencv4/distance-input.u8");
        let floats = |bytes: &[u8]| -> Vec<u32> {
            bytes
                .chunks_exact(4)
                .map(|b| u32::from_le_bytes(b.try_into().unwrap()))
                .collect()
        };
        let own = floats(include_bytes!(
            "../../tests/fixtures/opencv4/distance.f32le"
        ));
        let ipp = floats(include_bytes!(
            "../../tests/fixtures/opencv4/distance-ipp.f32le"
        ));
        let got: Vec<u32> = distance_l2_mask5(src, w, h)
            .iter()
            .map(|v| v.to_bits())
            .collect();
        assert_eq!(got, own);
        assert_ne!(got, ipp, "the fixture tells OpenCV's own scan from IPP's");
    }
}
