//! OpenCV 3.4 `distanceTransform(src, DIST_L2, 5)`: the 5×5 chamfer distance from every non-zero
//! pixel to the nearest zero pixel, with the L2 mask weights a = 1, b = 1.4, c = 2.1969.
//!
//! This is OpenCV's own two-pass scan (`distanceTransform_5x5`), which works in 16.16 fixed point:
//! each weight is rounded to an integer number of 2⁻¹⁶ steps, paths are summed exactly in
//! integers, and the result is that integer times 2⁻¹⁶ in float32. (The IPP float version that
//! newer OpenCV builds call differs in the last bits; the 2018 reference outputs need this one.)

/// Distance weights (horizontal/vertical, diagonal, knight's move) of `DIST_L2` with a 5×5 mask.
const L2_MASK_5: [f32; 3] = [1.0, 1.4, 2.1969];
const SHIFT: u32 = 16;
/// Two pixels of padding on every side, holding "far".
const BORDER: usize = 2;
/// The initial value of the padding in OpenCV 3.4 (`INT_MAX >> 2`); never reached at image sizes
/// this crate sees, and saturating adds keep larger images safe.
const FAR: u32 = i32::MAX as u32 >> 2;

fn to_fixed(weight: f32) -> u32 {
    (weight * (1u32 << SHIFT) as f32).round_ties_even() as u32
}

/// `cv2.distanceTransform(src, cv2.DIST_L2, 5)` of an 8-bit H×W image (zero pixels are the
/// features), as float32.
pub fn distance_l2_mask5(src: &[u8], width: usize, height: usize) -> Vec<f32> {
    assert_eq!(src.len(), width * height);
    let [hv, diag, long] = L2_MASK_5.map(to_fixed);
    let step = width + 2 * BORDER;
    let mut t = vec![FAR; step * (height + 2 * BORDER)];
    let at = |y: usize, x: usize| (y + BORDER) * step + x + BORDER;

    // Forward pass: neighbours above and to the left.
    for y in 0..height {
        for x in 0..width {
            let i = at(y, x);
            t[i] = if src[y * width + x] == 0 {
                0
            } else {
                let up2 = i - 2 * step;
                let up1 = i - step;
                [
                    t[up2 - 1].saturating_add(long),
                    t[up2 + 1].saturating_add(long),
                    t[up1 - 2].saturating_add(long),
                    t[up1 - 1].saturating_add(diag),
                    t[up1].saturating_add(hv),
                    t[up1 + 1].saturating_add(diag),
                    t[up1 + 2].saturating_add(long),
                    t[i - 1].saturating_add(hv),
                ]
                .into_iter()
                .min()
                .unwrap_or(FAR)
            };
        }
    }

    // Backward pass: neighbours below and to the right.
    let scale = 1.0f32 / (1u32 << SHIFT) as f32;
    let mut out = vec![0f32; width * height];
    for y in (0..height).rev() {
        for x in (0..width).rev() {
            let i = at(y, x);
            let mut t0 = t[i];
            if t0 > hv {
                let down2 = i + 2 * step;
                let down1 = i + step;
                t0 = [
                    t0,
                    t[down2 + 1].saturating_add(long),
                    t[down2 - 1].saturating_add(long),
                    t[down1 + 2].saturating_add(long),
                    t[down1 + 1].saturating_add(diag),
                    t[down1].saturating_add(hv),
                    t[down1 - 1].saturating_add(diag),
                    t[down1 - 2].saturating_add(long),
                    t[i + 1].saturating_add(hv),
                ]
                .into_iter()
                .min()
                .unwrap_or(t0);
                t[i] = t0;
            }
            out[y * width + x] = t0 as f32 * scale;
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
}
