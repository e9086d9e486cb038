//! OpenCV 3.4's `cv2.warpPerspective(img, H, (w, h))` of an 8-bit image with its defaults
//! (`INTER_LINEAR`, `BORDER_CONSTANT` with 0), as ImageNet-P's tilt calls it (spec §6.4).
//!
//! * `H` maps source to destination, so OpenCV first inverts it with `cv::invert` (`DECOMP_LU`,
//!   which for 3×3 is the adjugate over the determinant in float64, written out below in
//!   OpenCV's order).
//! * Output pixels are visited in blocks of 16 rows × 64 columns (`BLOCK_SZ` = 32). For output
//!   (x, y) in a block starting at column x₀: X₀ = M₀·x₀ + M₁·y + M₂ (likewise Y₀, W₀), then
//!   W = 32 / (W₀ + M₆·(x − x₀)) (0 when the denominator is 0), and the source position in
//!   1/32 pixel is round-half-even((X₀ + M₀·(x − x₀))·W), clamped to the int range. Its integer
//!   part (arithmetic shift by 5) picks the top-left neighbour and its low 5 bits the weights.
//! * `remap` then interpolates in fixed point: weights (32 − fy)(32 − fx), (32 − fy)fx,
//!   fy(32 − fx), fy·fx times 32 (summing to 2¹⁵), value (Σ w·v + 2¹⁴) >> 15. Taps outside the
//!   image read the border value 0.

use crate::ops::pil_transform::Window;
use crate::raster::Image;
use crate::simd;

/// A 3×3 homography, row-major.
pub type Homography = [f64; 9];

/// Sub-pixel steps per pixel (`INTER_TAB_SIZE`) and their bits (`INTER_BITS`).
const TAB_SIZE: f64 = 32.0;
const TAB_BITS: i32 = 5;
const TAB_MASK: i32 = (1 << TAB_BITS) - 1;
/// Fixed-point bits of the interpolation weights (`INTER_REMAP_COEF_BITS`).
const COEF_BITS: i32 = 15;
/// Output columns per block of `WarpPerspectiveInvoker` (its rows do not change the values).
const BLOCK_AREA: usize = 32 * 32;

/// `cv::invert` of a 3×3 float64 matrix (`DECOMP_LU`), or `None` when it is singular.
pub fn invert(m: &Homography) -> Option<Homography> {
    let s = |r: usize, c: usize| m[r * 3 + c];
    let det = s(0, 0) * (s(1, 1) * s(2, 2) - s(1, 2) * s(2, 1))
        - s(0, 1) * (s(1, 0) * s(2, 2) - s(1, 2) * s(2, 0))
        + s(0, 2) * (s(1, 0) * s(2, 1) - s(1, 1) * s(2, 0));
    if det == 0.0 {
        return None;
    }
    let d = 1.0 / det;
    Some([
        (s(1, 1) * s(2, 2) - s(1, 2) * s(2, 1)) * d,
        (s(0, 2) * s(2, 1) - s(0, 1) * s(2, 2)) * d,
        (s(0, 1) * s(1, 2) - s(0, 2) * s(1, 1)) * d,
        (s(1, 2) * s(2, 0) - s(1, 0) * s(2, 2)) * d,
        (s(0, 0) * s(2, 2) - s(0, 2) * s(2, 0)) * d,
        (s(0, 2) * s(1, 0) - s(0, 0) * s(1, 2)) * d,
        (s(1, 0) * s(2, 1) - s(1, 1) * s(2, 0)) * d,
        (s(0, 1) * s(2, 0) - s(0, 0) * s(2, 1)) * d,
        (s(0, 0) * s(1, 1) - s(0, 1) * s(1, 0)) * d,
    ])
}

/// OpenCV's `saturate_cast<int>(double)`: round half to even, clamped to the int range.
#[inline(always)]
fn round_to_int(v: f64) -> i32 {
    v.clamp(i32::MIN as f64, i32::MAX as f64).round_ties_even() as i32
}

/// `cv2.warpPerspective(image, forward, (width, height))`: the output has the input's size.
/// A singular `forward` gives an all-zero image, as OpenCV's inverse of zeros does.
pub fn warp_perspective(image: &Image, forward: &Homography) -> Image {
    let whole = Window::whole(image.width, image.height);
    warp_perspective_window(image, forward, whole)
}

/// The pixels of `window` (inside the image's size) of
/// [`warp_perspective`]`(image, forward)`, as an image of the window's size; block starts stay
/// where OpenCV puts them, so the values are the same.
pub fn warp_perspective_window(image: &Image, forward: &Homography, window: Window) -> Image {
    let mut out = Image::zeros(window.width, window.height, image.channels);
    let Some(m) = invert(forward) else {
        return out;
    };
    simd::dispatch(
        #[inline(always)]
        |_| warp_window(image, &m, window, &mut out.data),
    );
    out
}

/// The output rows of `window` for the inverse map `m`, written into `out` (window-sized).
/// Compiled per instruction set (the rounding then inlines to one instruction), same bytes on each.
#[inline(always)]
fn warp_window(image: &Image, m: &Homography, window: Window, out: &mut [u8]) {
    let (w, h, c) = (image.width, image.height, image.channels);
    let block_rows = (BLOCK_AREA / 2 / 32).min(h).max(1);
    let block_cols = (BLOCK_AREA / block_rows).min(w).max(1);
    let row_len = window.width * c;
    let (right, bottom) = (
        (window.left + window.width).min(w),
        (window.top + window.height).min(h),
    );
    for y in window.top..bottom {
        let yf = y as f64;
        let first_block = window.left / block_cols * block_cols;
        for x0 in (first_block..right).step_by(block_cols) {
            let xf = x0 as f64;
            let (sx0, sy0, sw0) = (
                m[0] * xf + m[1] * yf + m[2],
                m[3] * xf + m[4] * yf + m[5],
                m[6] * xf + m[7] * yf + m[8],
            );
            for x in x0.max(window.left)..(x0 + block_cols).min(right) {
                let dx = (x - x0) as f64;
                let den = sw0 + m[6] * dx;
                let scale = if den != 0.0 { TAB_SIZE / den } else { 0.0 };
                let fx = round_to_int((sx0 + m[0] * dx) * scale);
                let fy = round_to_int((sy0 + m[3] * dx) * scale);
                let at = (y - window.top) * row_len + (x - window.left) * c;
                let dst = &mut out[at..][..c];
                sample(image, fx, fy, dst);
            }
        }
    }
}

/// The bilinear `remap` of one output pixel from the source position (fx, fy) in 1/32 pixel.
#[inline(always)]
fn sample(image: &Image, fx: i32, fy: i32, dst: &mut [u8]) {
    let (w, h, c) = (image.width as i64, image.height as i64, image.channels);
    // OpenCV stores the integer part as a 16-bit short.
    let sx = ((fx >> TAB_BITS) as i64).clamp(i16::MIN as i64, i16::MAX as i64);
    let sy = ((fy >> TAB_BITS) as i64).clamp(i16::MIN as i64, i16::MAX as i64);
    if sx >= w || sx + 1 < 0 || sy >= h || sy + 1 < 0 {
        return;
    }
    let (ax, ay) = (fx & TAB_MASK, fy & TAB_MASK);
    let weights = [
        (32 - ay) * (32 - ax) * 32,
        (32 - ay) * ax * 32,
        ay * (32 - ax) * 32,
        ay * ax * 32,
    ];
    let round = |sum: i32| ((sum + (1 << (COEF_BITS - 1))) >> COEF_BITS).clamp(0, 255) as u8;
    if sx >= 0 && sy >= 0 && sx + 1 < w && sy + 1 < h {
        // All four taps inside: read them straight from the two rows.
        let row = w as usize * c;
        let at = (sy as usize * w as usize + sx as usize) * c;
        let (top, below) = (
            &image.data[at..at + 2 * c],
            &image.data[at + row..at + row + 2 * c],
        );
        for (ch, d) in dst.iter_mut().enumerate() {
            let sum = top[ch] as i32 * weights[0]
                + top[c + ch] as i32 * weights[1]
                + below[ch] as i32 * weights[2]
                + below[c + ch] as i32 * weights[3];
            *d = round(sum);
        }
        return;
    }
    let taps = [(sx, sy), (sx + 1, sy), (sx, sy + 1), (sx + 1, sy + 1)];
    for (ch, d) in dst.iter_mut().enumerate() {
        let mut sum = 0i32;
        for (&(tx, ty), &wt) in taps.iter().zip(&weights) {
            if (0..w).contains(&tx) && (0..h).contains(&ty) {
                let v = image.data[(ty as usize * w as usize + tx as usize) * c + ch];
                sum += v as i32 * wt;
            }
        }
        *d = round(sum);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize) -> Image {
        let data = (0..w * h * 3).map(|i| (i * 13 % 256) as u8).collect();
        Image::new(w, h, 3, data).unwrap()
    }

    #[test]
    fn identity_keeps_the_image() {
        let image = ramp(70, 20);
        let id = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        assert_eq!(warp_perspective(&image, &id), image);
    }

    #[test]
    fn a_window_equals_the_same_pixels_of_the_whole_output() {
        // 150 columns span three of OpenCV's 64-column blocks; the window starts inside one.
        let image = ramp(150, 40);
        let tilt = [0.98, 0.05, 1.5, -0.04, 1.01, -2.0, 1e-4, -2e-4, 1.0];
        let whole = warp_perspective(&image, &tilt);
        let window = Window {
            left: 37,
            top: 5,
            width: 100,
            height: 30,
        };
        let part = warp_perspective_window(&image, &tilt, window);
        for y in 0..30 {
            let from = ((y + 5) * 150 + 37) * 3;
            assert_eq!(part.data[y * 300..][..300], whole.data[from..][..300]);
        }
    }

    #[test]
    fn inverse_of_a_scaling_and_shift() {
        let m = [2.0, 0.0, 3.0, 0.0, 4.0, -1.0, 0.0, 0.0, 1.0];
        let inv = invert(&m).unwrap();
        assert_eq!(inv, [0.5, 0.0, -1.5, 0.0, 0.25, 0.25, 0.0, 0.0, 1.0]);
        assert!(invert(&[0.0; 9]).is_none());
    }

    #[test]
    fn half_pixel_shift_interpolates_in_fixed_point() {
        // Forward x' = x + 0.5: output x reads source x − 0.5, i.e. weights 16/32 and 16/32 of
        // columns x − 1 and x; column 0 mixes the border 0 with the first pixel.
        let image = Image::new(3, 1, 1, vec![10, 21, 200]).unwrap();
        let forward = [1.0, 0.0, 0.5, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0];
        let out = warp_perspective(&image, &forward);
        // (16·32·32·v + 16·32·32·u + 2¹⁴) >> 15 = (v + u + 1) >> 1.
        assert_eq!(out.data, vec![5, 16, 111]);
    }
}
