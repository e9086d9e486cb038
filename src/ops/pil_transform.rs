//! Pillow 5.0's `Image.transform(size, Image.AFFINE, data, resample)` of an 8-bit image
//! (`libImaging/Geometry.c`), as torchvision 0.2's `affine` calls it for ImageNet-P's geometric
//! perturbations: no antialiasing, pixels that map outside the input filled with 0.
//!
//! `data` = (a, b, c, d, e, f) maps an output position (x, y) to the input position
//! (a·x + b·y + c, d·x + e·y + f), computed in float64 in that order.
//!
//! * **Bilinear** (`ImagingGenericTransform` with `bilinear_filter32RGB`): output pixel (x, y) reads
//!   the input at its centre (x + 0.5, y + 0.5) mapped through `data`. A position outside
//!   [0, width) × [0, height) is filled with 0. Otherwise it is shifted by −0.5, split into
//!   floor and fraction, and interpolated per channel as v1 = p00 + (p01 − p00)·dx,
//!   v2 likewise one row down (or v1 again past the last row), v = v1 + (v2 − v1)·dy, in float64,
//!   with neighbour columns clamped to the image and the value truncated to 8 bits.
//! * **Nearest** for an axis-aligned map (b = d = 0, `ImagingScaleAffine`, the only nearest case
//!   the perturbations use): column and row positions start at c + a·0.5 and f + e·0.5 and step by
//!   a and e; a position is read at its truncation (−1, outside, when negative).
//!
//! Output pixels do not depend on each other, so [`transform_affine_window`] computes only a
//! window of the output (the centre crop the perturbations keep), with the same values.

use crate::error::{Error, Result};
use crate::raster::Image;
use crate::simd;

/// The resampling filters of `Image.transform` the perturbations use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Resample {
    /// `Image.NEAREST` (torchvision's default `resample=0`).
    Nearest,
    /// `Image.BILINEAR`.
    Bilinear,
}

/// A rectangle of output pixels: columns left..left + width, rows top..top + height.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub left: usize,
    pub top: usize,
    pub width: usize,
    pub height: usize,
}

impl Window {
    /// The whole of a `width` × `height` image.
    pub fn whole(width: usize, height: usize) -> Window {
        Window {
            left: 0,
            top: 0,
            width,
            height,
        }
    }
}

/// `image.transform(image.size, Image.AFFINE, data, resample)`: an output of the input's size.
pub fn transform_affine(image: &Image, data: &[f64; 6], resample: Resample) -> Result<Image> {
    let whole = Window::whole(image.width, image.height);
    transform_affine_window(image, data, resample, whole)
}

/// The pixels of `window` of `image.transform(image.size, Image.AFFINE, data, resample)`, as an
/// image of the window's size. The window must lie inside the image.
pub fn transform_affine_window(
    image: &Image,
    data: &[f64; 6],
    resample: Resample,
    window: Window,
) -> Result<Image> {
    if window.left + window.width > image.width || window.top + window.height > image.height {
        return Err(Error::Invalid(format!(
            "transform window {window:?} is not inside the {}×{} image",
            image.width, image.height
        )));
    }
    match resample {
        Resample::Bilinear => Ok(bilinear(image, data, window)),
        Resample::Nearest if data[1] == 0.0 && data[3] == 0.0 => {
            Ok(nearest_scale(image, data, window))
        }
        Resample::Nearest => Err(Error::Invalid(format!(
            "nearest-neighbour affine transforms are implemented for axis-aligned maps only, \
             got {data:?}"
        ))),
    }
}

/// Pillow's `COORD`: the truncation of a position, −1 for any negative one.
fn coord(v: f64) -> isize {
    if v < 0.0 {
        -1
    } else {
        v as isize
    }
}

fn nearest_scale(image: &Image, a: &[f64; 6], window: Window) -> Image {
    let (w, h, c) = (image.width, image.height, image.channels);
    let mut out = Image::zeros(window.width, window.height, c);
    let out_row = window.width * c;
    // The input column of each output column, pretabulated as Pillow does: positions are
    // accumulated from column 0, so every column is stepped through even outside the window.
    let mut columns = Vec::with_capacity(window.width);
    let mut xo = a[2] + a[0] * 0.5;
    for x in 0..window.left + window.width {
        let xin = coord(xo);
        if x >= window.left {
            columns.push((0..w as isize).contains(&xin).then_some(xin as usize));
        }
        xo += a[0];
    }
    let mut yo = a[5] + a[4] * 0.5;
    for y in 0..window.top + window.height {
        let yin = coord(yo);
        if y >= window.top && (0..h as isize).contains(&yin) {
            let src = &image.data[yin as usize * w * c..][..w * c];
            let dst = &mut out.data[(y - window.top) * out_row..][..out_row];
            for (x, column) in columns.iter().enumerate() {
                if let Some(xin) = column {
                    dst[x * c..][..c].copy_from_slice(&src[xin * c..][..c]);
                }
            }
        }
        yo += a[4];
    }
    out
}

fn bilinear(image: &Image, a: &[f64; 6], window: Window) -> Image {
    let mut out = Image::zeros(window.width, window.height, image.channels);
    simd::dispatch(
        #[inline(always)]
        |_| bilinear_window(image, a, window, &mut out.data),
    );
    out
}

/// The bilinear output pixels of `window`, written into `out` (window-sized). Compiled per
/// instruction set (`floor` then inlines to one instruction), same bytes on each.
#[inline(always)]
fn bilinear_window(image: &Image, a: &[f64; 6], window: Window, out: &mut [u8]) {
    let (w, h, c) = (image.width, image.height, image.channels);
    let clamp_x = |x: isize| x.clamp(0, w as isize - 1) as usize;
    for y in window.top..window.top + window.height {
        let yc = y as f64 + 0.5;
        for x in window.left..window.left + window.width {
            let xc = x as f64 + 0.5;
            let xin = a[0] * xc + a[1] * yc + a[2];
            let yin = a[3] * xc + a[4] * yc + a[5];
            if !(xin >= 0.0 && xin < w as f64 && yin >= 0.0 && yin < h as f64) {
                continue;
            }
            let (xs, ys) = (xin - 0.5, yin - 0.5);
            let (x0, y0) = (xs.floor(), ys.floor());
            let (dx, dy) = (xs - x0, ys - y0);
            let (x0, y0) = (x0 as isize, y0 as isize);
            let (left, right) = (clamp_x(x0), clamp_x(x0 + 1));
            let row = |r: usize| &image.data[r * w * c..][..w * c];
            let top = row(y0.clamp(0, h as isize - 1) as usize);
            let below = (y0 + 1 < h as isize).then(|| row((y0 + 1) as usize));
            let at = ((y - window.top) * window.width + x - window.left) * c;
            let dst = &mut out[at..][..c];
            for (ch, d) in dst.iter_mut().enumerate() {
                let lerp = |r: &[u8]| {
                    let (p, q) = (r[left * c + ch] as f64, r[right * c + ch] as f64);
                    p + (q - p) * dx
                };
                let v1 = lerp(top);
                let v2 = below.map_or(v1, lerp);
                *d = (v1 + (v2 - v1) * dy) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(w: usize, h: usize) -> Image {
        let data = (0..w * h * 3).map(|i| (i * 7 % 251) as u8).collect();
        Image::new(w, h, 3, data).unwrap()
    }

    #[test]
    fn identity_maps_every_pixel_to_itself() {
        let image = ramp(9, 5);
        let id = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        assert_eq!(
            transform_affine(&image, &id, Resample::Bilinear).unwrap(),
            image
        );
        assert_eq!(
            transform_affine(&image, &id, Resample::Nearest).unwrap(),
            image
        );
    }

    #[test]
    fn nearest_shift_moves_columns_and_fills_zero() {
        let image = ramp(6, 4);
        // Output x reads input x − 2: the first two columns are outside.
        let shifted =
            transform_affine(&image, &[1.0, 0.0, -2.0, 0.0, 1.0, 0.0], Resample::Nearest).unwrap();
        for y in 0..4 {
            for x in 0..6 {
                let got = &shifted.data[(y * 6 + x) * 3..][..3];
                if x < 2 {
                    assert_eq!(got, [0, 0, 0]);
                } else {
                    assert_eq!(got, &image.data[(y * 6 + x - 2) * 3..][..3]);
                }
            }
        }
    }

    #[test]
    fn bilinear_half_pixel_shift_averages_and_truncates() {
        // One row 10, 21: output x = 1 reads input 1.0 (centre 1.5 − 0.5 shifted by −0.5),
        // i.e. halfway between the pixels: 15.5, truncated to 15.
        let image = Image::new(2, 1, 1, vec![10, 21]).unwrap();
        let out =
            transform_affine(&image, &[1.0, 0.0, -0.5, 0.0, 1.0, 0.0], Resample::Bilinear).unwrap();
        assert_eq!(out.data, vec![10, 15]);
    }

    #[test]
    fn a_window_equals_the_same_pixels_of_the_whole_output() {
        let image = ramp(13, 9);
        let rotate = [0.9, 0.3, -1.2, -0.3, 0.9, 2.1];
        let shift = [1.0, 0.0, -2.0, 0.0, 1.0, 1.0];
        let window = Window {
            left: 3,
            top: 2,
            width: 7,
            height: 5,
        };
        for (data, resample) in [(rotate, Resample::Bilinear), (shift, Resample::Nearest)] {
            let whole = transform_affine(&image, &data, resample).unwrap();
            let part = transform_affine_window(&image, &data, resample, window).unwrap();
            for y in 0..5 {
                let from = ((y + 2) * 13 + 3) * 3;
                assert_eq!(part.data[y * 21..][..21], whole.data[from..][..21]);
            }
        }
        let outside = Window { left: 10, ..window };
        assert!(transform_affine_window(&image, &shift, Resample::Nearest, outside).is_err());
    }

    #[test]
    fn rotated_nearest_is_refused() {
        let image = ramp(4, 4);
        let err = transform_affine(&image, &[0.0, 1.0, 0.0, 1.0, 0.0, 0.0], Resample::Nearest);
        assert!(err.is_err());
    }
}
