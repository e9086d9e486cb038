//! OpenCV 3.4's `cv2.resize(src, (0, 0), fx=s, fy=s)` with the default `INTER_LINEAR` on 8-bit
//! images, as the CIFAR-10-C and Tiny-ImageNet-C scripts shrink the frost textures
//! (`imgproc/src/resize.cpp`, opencv-python 3.4.2 on x86-64; spec imagenet-c-p.md §3.1).
//!
//! * Size: round-half-even(side·s) (`saturate_cast<int>` of the double product).
//! * Geometry: output index d reads source coordinate f = (float)((d + 0.5)/s − 0.5), single
//!   precision, left tap floor(f) with weight 1 − frac and the next with frac; coordinates before
//!   the first pixel or at or past the last clamp to it with weight 1. No antialiasing.
//! * Fixed point: weights are `saturate_cast<short>(w·2048)` (rounded half to even). The
//!   horizontal pass keeps the exact integer sums (8 + 11 bits); the vertical pass narrows them as
//!   OpenCV's vectorised kernel does: ((((S0 >> 4)·β0) >> 16) + (((S1 >> 4)·β1) >> 16) + 2) >> 2,
//!   which is one below the exact (S0·β0 + S1·β1 + 2²¹) >> 22 on a few percent of values.
//!
//! Checked against opencv-python 3.4.2.17 on the twelve resizes the suites make (the six
//! textures at 0.2 and 0.3, rows of 291 to 810 values): every value identical, the last values
//! of each row included (`tests/fixtures/frost-resize.json`). OpenCV's IPP path is not taken for
//! this resize (it "doesn't match OpenCV exactly" and is off unless asked for).

use crate::error::{Error, Result};
use crate::raster::Image;

/// Fractional bits of the interpolation weights (`INTER_RESIZE_COEF_BITS`).
const COEF_BITS: u32 = 11;
const COEF_SCALE: f32 = (1 << COEF_BITS) as f32;

/// One axis: for each output index, the first source index and the two fixed-point weights.
struct Taps {
    first: Vec<usize>,
    weights: Vec<[i32; 2]>,
}

/// Taps of one axis of `len` source samples shrunk or grown to `out` samples with the inverse
/// scale `scale` (source samples per output sample, in float64 as OpenCV computes it).
fn taps(len: usize, out: usize, scale: f64) -> Taps {
    let mut first = Vec::with_capacity(out);
    let mut weights = Vec::with_capacity(out);
    for d in 0..out {
        let position = ((d as f64 + 0.5) * scale - 0.5) as f32;
        let floor = position.floor();
        let mut frac = position - floor;
        let mut index = floor as isize;
        if index < 0 {
            index = 0;
            frac = 0.0;
        }
        if index >= len as isize - 1 {
            index = len as isize - 1;
            frac = 0.0;
        }
        // saturate_cast<short>(float): round half to even.
        let fixed = |w: f32| (w * COEF_SCALE).round_ties_even() as i32;
        first.push(index as usize);
        weights.push([fixed(1.0 - frac), fixed(frac)]);
    }
    Taps { first, weights }
}

/// The image resized by `factor` on both axes, as `cv2.resize(image, (0, 0), fx=factor,
/// fy=factor)` gives it (bilinear).
pub fn resize_linear_by(image: &Image, factor: f64) -> Result<Image> {
    if !(factor.is_finite() && factor > 0.0) {
        return Err(Error::Invalid(format!(
            "resize factor {factor} is not a positive number"
        )));
    }
    let out_width = (image.width as f64 * factor).round_ties_even() as usize;
    let out_height = (image.height as f64 * factor).round_ties_even() as usize;
    if out_width == 0 || out_height == 0 {
        return Err(Error::Invalid(format!(
            "resizing a {}×{} image by {factor} leaves nothing",
            image.width, image.height
        )));
    }
    // OpenCV takes the inverse of the factor once, in double precision, for both axes.
    let scale = 1.0 / factor;
    let c = image.channels;
    let columns = taps(image.width, out_width, scale);
    let rows = taps(image.height, out_height, scale);

    // Horizontal pass of one source row: exact sums v0·α0 + v1·α1, per output value.
    let row_len = out_width * c;
    let horizontal = |y: usize, into: &mut Vec<i32>| {
        into.clear();
        let row = &image.data[y * image.width * c..][..image.width * c];
        for (&x, &[a0, a1]) in columns.first.iter().zip(&columns.weights) {
            let next = (x + 1).min(image.width - 1);
            for k in 0..c {
                into.push(row[x * c + k] as i32 * a0 + row[next * c + k] as i32 * a1);
            }
        }
    };
    let mut data = Vec::with_capacity(out_height * row_len);
    let (mut upper, mut lower) = (Vec::with_capacity(row_len), Vec::with_capacity(row_len));
    for (&y, &[b0, b1]) in rows.first.iter().zip(&rows.weights) {
        horizontal(y, &mut upper);
        horizontal((y + 1).min(image.height - 1), &mut lower);
        let narrow = |s: i32, b: i32| ((s >> 4) * b) >> 16;
        for (&s0, &s1) in upper.iter().zip(&lower) {
            let value = (narrow(s0, b0) + narrow(s1, b1) + 2) >> 2;
            data.push(value.clamp(0, 255) as u8);
        }
    }
    Image::new(out_width, out_height, c, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_round_half_to_even() {
        // The frost textures at 0.2 and 0.3 (spec §3.1): 600×900 → 120×180, 315×560 → 63×112
        // (0.2) and 94×168 (0.3), 350×527 → 105×158 (0.3; 158.1).
        let image = Image::zeros(900, 600, 3);
        let out = resize_linear_by(&image, 0.2).unwrap();
        assert_eq!((out.height, out.width), (120, 180));
        let image = Image::zeros(560, 315, 3);
        let out = resize_linear_by(&image, 0.3).unwrap();
        assert_eq!((out.height, out.width), (94, 168));
        let out = resize_linear_by(&image, 0.2).unwrap();
        assert_eq!((out.height, out.width), (63, 112));
        // 2.5 rounds to 2, 3.5 to 4.
        assert_eq!(
            resize_linear_by(&Image::zeros(5, 7, 1), 0.5).unwrap().width,
            2
        );
        assert_eq!(
            resize_linear_by(&Image::zeros(7, 7, 1), 0.5).unwrap().width,
            4
        );
    }

    #[test]
    fn flat_images_stay_flat_and_bad_factors_are_refused() {
        let image = Image::new(50, 40, 3, vec![201; 50 * 40 * 3]).unwrap();
        let out = resize_linear_by(&image, 0.3).unwrap();
        assert!(out.data.iter().all(|&v| v == 201));
        assert!(resize_linear_by(&image, 0.0).is_err());
        assert!(resize_linear_by(&image, f64::NAN).is_err());
        assert!(resize_linear_by(&image, 0.001).is_err());
    }

    #[test]
    fn taps_follow_the_single_precision_source_coordinate() {
        // Scale 5 (factor 0.2): output 0 reads (0.5·5 − 0.5) = 2 exactly, weights (2048, 0).
        let t = taps(900, 180, 1.0 / 0.2);
        assert_eq!((t.first[0], t.weights[0]), (2, [2048, 0]));
        // Scale 1/0.3: output 0 reads 1.1666666 → tap 1, frac 0.16666 → 341 (341.33), 1707.
        let t = taps(560, 168, 1.0 / 0.3);
        assert_eq!((t.first[0], t.weights[0]), (1, [1707, 341]));
    }
}
