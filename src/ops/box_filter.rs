//! OpenCV's normalised 3×3 `blur` (box filter) with `BORDER_REFLECT_101`, for float32 and 8-bit
//! single-channel images (OpenCV 3.4 `boxFilter`).
//!
//! * float32: the nine values are summed in float64 and the sum is multiplied by the float64 1/9,
//!   then rounded to float32 (`ColumnSum<double, float>`). The sum is exact for the inputs this
//!   crate gives it (distance maps whose values are multiples of 2⁻¹⁶), so the order of the
//!   additions does not matter.
//! * 8-bit: the integer sum divided by 9 and rounded to nearest (`saturate_cast` of sum·(1/9); a
//!   ninth never ends in exactly one half, so no tie arises).

use super::border::reflect_101;
use crate::simd;

/// The 3×3 window sums of `src` (H×W), read through `value` as `T`, with reflect-101 borders:
/// per row (left + centre) + right from a padded copy of the row, then per column
/// (above + here) + below, each over whole rows.
#[inline(always)]
fn window_sums<S: Copy, T: Copy + Default + std::ops::Add<Output = T>>(
    src: &[S],
    width: usize,
    height: usize,
    value: impl Fn(S) -> T,
) -> Vec<T> {
    assert_eq!(src.len(), width * height);
    let mut rows = vec![T::default(); width * height];
    if rows.is_empty() {
        return rows;
    }
    let mut padded = vec![T::default(); width + 2];
    for (line, out) in src.chunks_exact(width).zip(rows.chunks_exact_mut(width)) {
        padded[0] = value(line[reflect_101(-1, width)]);
        padded[width + 1] = value(line[reflect_101(width as isize, width)]);
        for (p, &v) in padded[1..=width].iter_mut().zip(line) {
            *p = value(v);
        }
        for (((o, &l), &c), &r) in out
            .iter_mut()
            .zip(&padded)
            .zip(&padded[1..])
            .zip(&padded[2..])
        {
            *o = l + c + r;
        }
    }
    let mut sums = vec![T::default(); width * height];
    for (y, out) in sums.chunks_exact_mut(width).enumerate() {
        let row = |i: usize| &rows[i * width..(i + 1) * width];
        let up = row(reflect_101(y as isize - 1, height));
        let down = row(reflect_101(y as isize + 1, height));
        for (((o, &a), &b), &c) in out.iter_mut().zip(up).zip(row(y)).zip(down) {
            *o = a + b + c;
        }
    }
    sums
}

/// `cv2.blur(src, (3, 3))` on a float32 H×W image.
pub fn box_blur_3x3_f32(src: &[f32], width: usize, height: usize) -> Vec<f32> {
    let scale = 1.0f64 / 9.0;
    simd::dispatch(
        #[inline(always)]
        |_| {
            window_sums(src, width, height, |v| v as f64)
                .into_iter()
                .map(|s| (s * scale) as f32)
                .collect()
        },
    )
}

/// `cv2.blur(src, (3, 3))` on an 8-bit H×W image.
pub fn box_blur_3x3_u8(src: &[u8], width: usize, height: usize) -> Vec<u8> {
    // At most 9 · 255, so 16 bits hold every sum.
    simd::dispatch(
        #[inline(always)]
        |_| {
            window_sums(src, width, height, |v| v as u16)
                .into_iter()
                .map(|s| ((s + 4) / 9) as u8)
                .collect()
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u8_rounds_to_nearest_and_reflects_101() {
        // 3×3 image; the corner window reads rows/cols (1,0,1).
        let src = [10u8, 20, 30, 40, 50, 60, 70, 80, 91];
        let out = box_blur_3x3_u8(&src, 3, 3);
        // centre: all nine, 451/9 = 50.1 → 50
        assert_eq!(out[4], 50);
        // top-left: rows (1,0,1) × cols (1,0,1): 50+40+50 + 20+10+20 + 50+40+50 = 330 → 36.67 → 37
        assert_eq!(out[0], 37);
        // rounding for a sum with remainder 5: nine values summing to 9·3 + 5 = 32
        let ones = [4u8, 4, 4, 3, 3, 3, 3, 4, 4];
        let c = box_blur_3x3_u8(&ones, 3, 3)[4];
        assert_eq!(c, 4); // 32/9 = 3.56 → 4
    }

    #[test]
    fn matches_the_window_written_out() {
        for (w, h) in [(9, 6), (1, 4), (5, 1)] {
            let src: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 256) as u8).collect();
            let blurred = box_blur_3x3_u8(&src, w, h);
            let values: Vec<f32> = src.iter().map(|&v| v as f32 / 64.0).collect();
            let blurred_f32 = box_blur_3x3_f32(&values, w, h);
            for y in 0..h {
                for x in 0..w {
                    let mut sum = 0u32;
                    for dy in -1..=1 {
                        for dx in -1..=1 {
                            let sy = reflect_101(y as isize + dy, h);
                            let sx = reflect_101(x as isize + dx, w);
                            sum += src[sy * w + sx] as u32;
                        }
                    }
                    assert_eq!(blurred[y * w + x] as u32, (sum + 4) / 9);
                    let want = ((sum as f64 / 64.0) * (1.0 / 9.0)) as f32;
                    assert_eq!(blurred_f32[y * w + x], want);
                }
            }
        }
    }

    #[test]
    fn f32_uses_double_sum_times_ninth() {
        let src = [1.4f32; 16];
        let out = box_blur_3x3_f32(&src, 4, 4);
        let want = ((1.4f32 as f64 * 9.0) * (1.0 / 9.0)) as f32;
        assert!(out.iter().all(|&v| v == want));
        let ramp = [0.0f32, 3.0, 9.0, 0.0, 3.0, 9.0, 0.0, 3.0, 9.0];
        let out = box_blur_3x3_f32(&ramp, 3, 3);
        // cols (1,0,1) → 6 a row, (0,1,2) → 12, (1,2,1) → 15; three equal rows, divided by 9
        assert_eq!(&out[..3], &[2.0, 4.0, 5.0]);
    }
}
