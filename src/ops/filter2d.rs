//! OpenCV `filter2D` of an 8-bit single-channel image with a 3×3 integer kernel to an 8-bit result:
//! a correlation anchored at the centre, `BORDER_REFLECT_101`, the sum saturated to 0..255. With
//! integer weights and 8-bit inputs OpenCV's float accumulation is exact, so integers are used.

use super::border::reflect_101;

/// `cv2.filter2D(src, cv2.CV_8U, kernel)` for a 3×3 integer `kernel` (row-major, `kernel[dy][dx]`).
pub fn filter2d_3x3_u8(src: &[u8], width: usize, height: usize, kernel: [[i32; 3]; 3]) -> Vec<u8> {
    assert_eq!(src.len(), width * height);
    let cols: Vec<[usize; 3]> = (0..width as isize)
        .map(|x| [-1, 0, 1].map(|d| reflect_101(x + d, width)))
        .collect();
    let mut out = vec![0u8; width * height];
    for y in 0..height {
        let rows = [-1, 0, 1].map(|d| reflect_101(y as isize + d, height) * width);
        for (x, c) in cols.iter().enumerate() {
            let mut sum = 0i32;
            for (krow, row) in kernel.iter().zip(rows) {
                for (k, &col) in krow.iter().zip(c) {
                    sum += k * src[row + col] as i32;
                }
            }
            out[y * width + x] = sum.clamp(0, 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn correlates_not_convolves_and_saturates() {
        // A single bright pixel at the centre of a 3×3 image; a kernel with one weight at the
        // top-left: correlation reads the pixel up-left of each output.
        let mut src = [0u8; 9];
        src[4] = 100;
        let k = [[1, 0, 0], [0, 0, 0], [0, 0, 0]];
        let out = filter2d_3x3_u8(&src, 3, 3, k);
        // output (2,2) reads (1,1); output (0,0) reads (-1,-1) → reflect-101 → (1,1)
        assert_eq!(out[8], 100);
        assert_eq!(out[0], 100);
        assert_eq!(out[4], 0);
        let big = filter2d_3x3_u8(&[200; 9], 3, 3, [[1, 1, 0], [0, 0, 0], [0, 0, -3]]);
        assert!(big.iter().all(|&v| v == 0));
        let sat = filter2d_3x3_u8(&[200; 9], 3, 3, [[1, 1, 0], [0, 0, 0], [0, 0, 0]]);
        assert!(sat.iter().all(|&v| v == 255));
    }
}
