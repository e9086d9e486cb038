//! libpng 1.6's RGB→gray transform as OpenCV's `imread(path, IMREAD_GRAYSCALE)` sets it up for a
//! colour PNG: `png_set_rgb_to_gray(png, 1, 0.299, 0.587)` after dropping alpha.
//!
//! libpng turns the weights into 15-bit fixed point (red 9797, green 19234, blue the remainder
//! 3737). When the file's gamma (its `gAMA` or `sRGB` chunk) is far from 1, it also builds
//! 8-bit gamma tables: each channel is linearised (exponent 1/gamma), the weighted sum is rounded,
//! and the result is re-encoded (exponent gamma). Without a significant gamma the sum is
//! truncated instead. Grey pixels (r = g = b) keep their value in both paths.

use crate::ops::portable::Portable;
use crate::raster::Image;

/// libpng's fixed-point unit: gamma 1.0 (`PNG_FP_1`).
const FP_ONE: u32 = 100_000;

/// `png_gamma_significant`: gamma values within 5 % of 1 count as 1.
fn significant(gamma: u32) -> bool {
    !(FP_ONE - 5_000..=FP_ONE + 5_000).contains(&gamma)
}

/// `png_reciprocal`: 1/gamma in libpng's fixed point, rounded.
fn reciprocal(gamma: u32) -> u32 {
    (1e10 / gamma as f64 + 0.5).floor() as u32
}

/// `png_reciprocal2`: 1/(a·b) in libpng's fixed point, rounded.
fn reciprocal2(a: u32, b: u32) -> u32 {
    (1e15 / a as f64 / b as f64 + 0.5).floor() as u32
}

/// `png_build_8bit_table`: value ↦ round(255·(value/255)^gamma), identity for an insignificant
/// gamma; 0 and 255 map to themselves.
fn table(gamma: u32) -> [u8; 256] {
    std::array::from_fn(|v| {
        if significant(gamma) && v > 0 && v < 255 {
            (255.0 * (v as f64 / 255.0).portable_powf(gamma as f64 * 1e-5) + 0.5).floor() as u8
        } else {
            v as u8
        }
    })
}

/// The gray image libpng makes from the RGB pixels of a PNG whose source gamma (in units of
/// 1/100000, as the `gAMA` chunk stores it) is `file_gamma`.
pub fn rgb_to_gray(rgb: &Image, file_gamma: Option<u32>) -> Image {
    debug_assert_eq!(rgb.channels, 3);
    const RED: u32 = 29_900 * 32_768 / FP_ONE;
    const GREEN: u32 = 58_700 * 32_768 / FP_ONE;
    const BLUE: u32 = 32_768 - RED - GREEN;
    let weighted = |p: &[u8], tab: &[u8; 256]| {
        RED * tab[p[0] as usize] as u32
            + GREEN * tab[p[1] as usize] as u32
            + BLUE * tab[p[2] as usize] as u32
    };
    // With no gamma chunk libpng takes file and screen gamma to be 1; otherwise the screen gamma
    // defaults to the file's reciprocal, so the round trip ends where it started.
    let file = file_gamma.filter(|&g| g > 0).unwrap_or(FP_ONE);
    let screen = reciprocal(file);
    let data = if significant(file) || significant(screen) {
        let (to_linear, from_linear) = (table(reciprocal(file)), table(reciprocal(screen)));
        let grey = table(reciprocal2(file, screen));
        rgb.data
            .chunks_exact(3)
            .map(|p| {
                if p[0] == p[1] && p[0] == p[2] {
                    grey[p[0] as usize]
                } else {
                    from_linear[((weighted(p, &to_linear) + 16_384) >> 15) as usize]
                }
            })
            .collect()
    } else {
        let identity: [u8; 256] = std::array::from_fn(|v| v as u8);
        rgb.data
            .chunks_exact(3)
            .map(|p| {
                if p[0] == p[1] && p[0] == p[2] {
                    p[0]
                } else {
                    (weighted(p, &identity) >> 15) as u8
                }
            })
            .collect()
    };
    Image {
        width: rgb.width,
        height: rgb.height,
        channels: 1,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pixel(r: u8, g: u8, b: u8, gamma: Option<u32>) -> u8 {
        rgb_to_gray(&Image::new(1, 1, 3, vec![r, g, b]).unwrap(), gamma).data[0]
    }

    #[test]
    fn without_gamma_the_weighted_sum_is_truncated() {
        // (9797·200 + 19234·100 + 3737·50) / 32768 = 124.2
        assert_eq!(pixel(200, 100, 50, None), 124);
        assert_eq!(pixel(255, 0, 0, None), 76);
        // A gamma within 5 % of 1 is no gamma.
        assert_eq!(pixel(200, 100, 50, Some(98_000)), 124);
    }

    #[test]
    fn with_gamma_the_sum_is_taken_on_linear_values() {
        // Gamma 1/2.2 (the frost textures): 200, 100, 50 linearise to 149, 33, 7; the rounded
        // sum 65 re-encodes to 137.
        let to_linear = table(reciprocal(45_455));
        assert_eq!(
            [to_linear[200], to_linear[100], to_linear[50]],
            [149, 33, 7]
        );
        assert_eq!(pixel(200, 100, 50, Some(45_455)), 137);
        // Yellow: linear sum 226 re-encodes to 241 (truncated without gamma: 225).
        assert_eq!(pixel(255, 255, 0, Some(45_455)), 241);
        assert_eq!(pixel(255, 255, 0, None), 225);
        // Grey stays grey.
        assert_eq!(pixel(77, 77, 77, Some(45_455)), 77);
    }
}
