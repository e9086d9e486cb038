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

/// The 3×3 window sums of `src` (H×W), read through `value` as `T`, with reflect-101 borders.
fn window_sums<S: Copy, T: Copy + Default + std::ops::Add<Output = T>>(
    src: &[S],
    width: usize,
    height: usize,
    value: impl Fn(S) -> T,
) -> Vec<T> {
    assert_eq!(src.len(), width * height);
    // Horizontal sums of three, then vertical sums of three of those.
    let mut rows = vec![T::default(); width * height];
    for y in 0..height {
        let line = &src[y * width..(y + 1) * width];
        for x in 0..width {
            let l = reflect_101(x as isize - 1, width);
            let r = reflect_101(x as isize + 1, width);
            rows[y * width + x] = value(line[l]) + value(line[x]) + value(line[r]);
        }
    }
    let mut sums = vec![T::default(); width * height];
    for y in 0..height {
        let up = reflect_101(y as isize - 1, height) * width;
        let down = reflect_101(y as isize + 1, height) * width;
        let here = y * width;
        for x in 0..width {
            sums[here + x] = rows[up + x] + rows[here + x] + rows[down + x];
        }
    }
    sums
}

/// `cv2.blur(src, (3, 3))` on a float32 H×W image.
pub fn box_blur_3x3_f32(src: &[f32], width: usize, height: usize) -> Vec<f32> {
    let scale = 1.0f64 / 9.0;
    window_sums(src, width, height, |v| v as f64)
        .into_iter()
        .map(|s| (s * scale) as f32)
        .collect()
}

/// `cv2.blur(src, (3, 3))` on an 8-bit H×W image.
pub fn box_blur_3x3_u8(src: &[u8], width: usize, height: usize) -> Vec<u8> {
    window_sums(src, width, height, |v| v as u32)
        .into_iter()
        .map(|s| ((s + 4) / 9) as u8)
        .collect()
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
