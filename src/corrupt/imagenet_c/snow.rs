//! `snow` (spec §2.8): a sparse layer of flakes, streaked by ImageMagick's motion blur, added to a
//! brightened image together with its 180° rotation. Draws: one normal array H×W (the layer), then
//! one uniform (the streak angle).
//!
//! 1. x = float32(img) / 255 (float32 division).
//! 2. layer ~ N(mean, std), H×W float64; layer = clipped_zoom(layer, zoom); values below
//!    `threshold` become 0.
//! 3. The layer goes through an 8-bit gray PNG (uint8 cast of clip(layer, 0, 1)·255), ImageMagick's
//!    motion blur with the PNG round trip ([`crate::ops::motion`]), and back to [0, 1] (/255, float64).
//! 4. x = blend·x + (1 − blend)·max(x, 1.5·gray(x) + 0.5) in float32, gray being OpenCV's
//!    RGB→gray on float32.
//! 5. Output clip(x + layer + rot180(layer), 0, 1)·255 in float64, truncated.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::motion::{motion_blur, MotionKernel};
use crate::ops::zoom::LinearZoom;
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Snow {
    /// Mean of the flake layer's normal draw.
    pub mean: f64,
    /// Standard deviation of the flake layer's normal draw.
    pub std: f64,
    /// Centre zoom of the layer (bigger flakes).
    pub zoom: f64,
    /// Layer values below this are cleared.
    pub threshold: f64,
    /// Motion blur radius of the streaks, pixels.
    pub blur_radius: usize,
    /// Motion blur σ of the streaks, pixels.
    pub blur_sigma: f64,
    /// Weight of the plain image against its brightened version.
    pub blend: f64,
    /// [low, high) of the uniform streak-angle draw, degrees (y down).
    pub angle_range: [f64; 2],
}

impl Corruption for Snow {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        if image.channels != 3 {
            return Err(Error::Invalid(format!(
                "snow needs an RGB image, got {} channels",
                image.channels
            )));
        }
        let (height, width) = (image.height, image.width);
        let flakes = self.streaks(height, width, rng)?;

        let keep = self.blend as f32;
        let lift = (1.0 - self.blend) as f32;
        let row_len = width * 3;
        // Per row, the brightened gray and the two flake layers spread to every value of a pixel,
        // so that the blend runs over contiguous values.
        let mut bright = vec![0.0f32; row_len];
        let mut snow = vec![0.0f64; row_len];
        let mut mirrored = vec![0.0f64; row_len];
        let mut data = vec![0u8; image.data.len()];
        let rows = data
            .chunks_exact_mut(row_len)
            .zip(image.data.chunks_exact(row_len));
        // rot180 of the layer: pixel i of the rotated layer is pixel (H·W − 1 − i).
        let flake_rows = flakes.data.chunks_exact(width);
        let mirrored_rows = flakes.data.rchunks_exact(width);
        for ((out_row, in_row), (snow_row, mirrored_row)) in rows.zip(flake_rows.zip(mirrored_rows))
        {
            let (bright, snow, mirrored) = (&mut bright[..], &mut snow[..], &mut mirrored[..]);
            simd::dispatch(
                #[inline(always)]
                |_| {
                    // float32(v) / 255 for the image and float64 v / 255 for the flakes.
                    let flakes = snow_row.iter().zip(mirrored_row.iter().rev());
                    let spread = snow.chunks_exact_mut(3).zip(mirrored.chunks_exact_mut(3));
                    for ((s, m), (&f, &g)) in spread.zip(flakes) {
                        s.fill(f as f64 / 255.0);
                        m.fill(g as f64 / 255.0);
                    }
                    let pixels = in_row.chunks_exact(3).zip(bright.chunks_exact_mut(3));
                    for (x, (px, out)) in pixels.enumerate() {
                        let rgb = [px[0], px[1], px[2]].map(|v| v as f32 / 255.0);
                        out.fill(opencv_gray(rgb, x, width) * 1.5 + 0.5);
                    }
                },
            );
            let blend = Blend {
                keep,
                lift,
                bright,
                snow,
                mirrored,
            };
            blend.row(in_row, out_row);
        }
        Image::new(width, height, 3, data)
    }
}

impl Snow {
    /// Steps 1–3, shared with MNIST-C's snow: an H×W normal layer (mean, std), zoomed about its
    /// centre, cleared below the threshold, cast to 8 bits as clip(v, 0, 1)·255 truncated, then
    /// motion-blurred at an angle drawn from `angle_range`.
    pub(crate) fn streaks(
        &self,
        height: usize,
        width: usize,
        rng: &mut dyn Random,
    ) -> Result<Image> {
        let mut layer = vec![0.0f64; height * width];
        rng.fill_normal(self.mean, self.std, &mut layer);
        let layer = LinearZoom::clipped_zoom(height, width, self.zoom)?.apply(&layer, 1)?;
        let layer8: Vec<u8> = layer
            .iter()
            .map(|&v| {
                let v = if v < self.threshold { 0.0 } else { v };
                // clip(v, 0, 1)·255 and numpy's truncating uint8 cast (NaN goes to 0).
                let scaled = if v >= 0.0 { v.min(1.0) * 255.0 } else { 0.0 };
                // SAFETY: `scaled` lies in [0, 255].
                unsafe { scaled.to_int_unchecked::<u8>() }
            })
            .collect();
        let angle = rng.uniform(self.angle_range[0], self.angle_range[1]);
        let kernel = MotionKernel::new(self.blur_radius, self.blur_sigma, angle)?;
        Ok(motion_blur(&Image::new(width, height, 1, layer8)?, &kernel))
    }
}

/// Step 4 and 5 for one row, given per value the brightened gray and the two flake layers.
struct Blend<'a> {
    keep: f32,
    lift: f32,
    bright: &'a [f32],
    snow: &'a [f64],
    mirrored: &'a [f64],
}

impl Blend<'_> {
    fn row(&self, image: &[u8], out: &mut [u8]) {
        simd::dispatch(
            #[inline(always)]
            |_| self.row_plain(image, out),
        )
    }

    #[inline(always)]
    fn row_plain(&self, image: &[u8], out: &mut [u8]) {
        let (keep, lift) = (self.keep, self.lift);
        let n = out.len();
        let (image, bright) = (&image[..n], &self.bright[..n]);
        let (snow, mirrored) = (&self.snow[..n], &self.mirrored[..n]);
        for i in 0..n {
            let v = image[i] as f32 / 255.0;
            let mixed = keep * v + lift * v.max(bright[i]);
            let total = (mixed as f64 + snow[i]) + mirrored[i];
            // numpy's truncating uint8 cast of clip(total, 0, 1)·255 (NaN goes to 0).
            let scaled = if total >= 0.0 {
                total.min(1.0) * 255.0
            } else {
                0.0
            };
            // SAFETY: `scaled` lies in [0, 255].
            out[i] = unsafe { scaled.to_int_unchecked::<u8>() };
        }
    }
}

/// OpenCV 3.4's `cvtColor(x, COLOR_RGB2GRAY)` on float32 for the pixel in column `x` of a row of
/// `width`: 0.299 R + 0.587 G + 0.114 B in float32. Its SSE2 path, which takes 8 pixels at a time
/// along each row, adds the terms as (B·0.114 + G·0.587) + R·0.299; the scalar loop for the rest of
/// a row adds them left to right.
#[inline]
pub(crate) fn opencv_gray([r, g, b]: [f32; 3], x: usize, width: usize) -> f32 {
    const R: f32 = 0.299;
    const G: f32 = 0.587;
    const B: f32 = 0.114;
    if x < width - width % 8 {
        (b * B + g * G) + r * R
    } else {
        (r * R + g * G) + b * B
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gray_follows_opencv_order_per_row() {
        // Values where the two summation orders differ in float32.
        let px = [178.0f32 / 255.0, 20.0 / 255.0, 254.0 / 255.0];
        let simd = (px[2] * 0.114 + px[1] * 0.587) + px[0] * 0.299;
        let scalar = (px[0] * 0.299 + px[1] * 0.587) + px[2] * 0.114;
        assert_ne!(simd, scalar);
        let gray: Vec<f32> = (0..10).map(|x| opencv_gray(px, x, 10)).collect();
        assert!(gray[..8].iter().all(|&g| g == simd));
        assert!(gray[8..].iter().all(|&g| g == scalar));
        assert!((0..16).all(|x| opencv_gray(px, x, 16) == simd));
    }

    #[test]
    fn rejects_gray_input() {
        let snow = Snow {
            mean: 0.1,
            std: 0.3,
            zoom: 3.0,
            threshold: 0.5,
            blur_radius: 10,
            blur_sigma: 4.0,
            blend: 0.8,
            angle_range: [-135.0, -45.0],
        };
        let gray = Image::zeros(16, 16, 1);
        let mut rng = crate::rng::NumpyRandom::new(0);
        assert!(snow.apply(&gray, &mut rng, &Context::default()).is_err());
    }
}
