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
        let x = image.to_unit_f32();

        let mut layer = vec![0.0f64; height * width];
        rng.fill_normal(self.mean, self.std, &mut layer);
        let layer = LinearZoom::clipped_zoom(height, width, self.zoom)?.apply(&layer, 1)?;
        let layer8: Vec<u8> = layer
            .iter()
            .map(|&v| {
                let v = if v < self.threshold { 0.0 } else { v };
                (v.clamp(0.0, 1.0) * 255.0) as u8
            })
            .collect();

        let angle = rng.uniform(self.angle_range[0], self.angle_range[1]);
        let kernel = MotionKernel::new(self.blur_radius, self.blur_sigma, angle)?;
        let flakes = motion_blur(&Image::new(width, height, 1, layer8)?, &kernel);
        let flake = |i: usize| flakes.data[i] as f64 / 255.0;

        let gray = opencv_rgb_to_gray(&x, width);
        let keep = self.blend as f32;
        let lift = (1.0 - self.blend) as f32;
        let pixels = height * width;
        let mut data = vec![0u8; x.len()];
        for (i, (out, px)) in data.chunks_exact_mut(3).zip(x.chunks_exact(3)).enumerate() {
            let bright = gray[i] * 1.5 + 0.5;
            // rot180 of the layer: pixel i of the rotated layer is pixel (H·W − 1 − i).
            let snow = flake(i);
            let mirrored = flake(pixels - 1 - i);
            for (o, &v) in out.iter_mut().zip(px) {
                let mixed = keep * v + lift * v.max(bright);
                // numpy's truncating uint8 cast.
                *o = (((mixed as f64 + snow) + mirrored).clamp(0.0, 1.0) * 255.0) as u8;
            }
        }
        Image::new(width, height, 3, data)
    }
}

/// OpenCV 3.4's `cvtColor(x, COLOR_RGB2GRAY)` on float32: 0.299 R + 0.587 G + 0.114 B in float32.
/// Its SSE2 path, which takes 8 pixels at a time along each row, adds the terms as
/// (B·0.114 + G·0.587) + R·0.299; the scalar loop for the rest of a row adds them left to right.
fn opencv_rgb_to_gray(rgb: &[f32], width: usize) -> Vec<f32> {
    const R: f32 = 0.299;
    const G: f32 = 0.587;
    const B: f32 = 0.114;
    let vector_part = width - width % 8;
    let mut gray = Vec::with_capacity(rgb.len() / 3);
    for row in rgb.chunks_exact(width * 3) {
        for (i, px) in row.chunks_exact(3).enumerate() {
            gray.push(if i < vector_part {
                (px[2] * B + px[1] * G) + px[0] * R
            } else {
                (px[0] * R + px[1] * G) + px[2] * B
            });
        }
    }
    gray
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
        let row: Vec<f32> = (0..10).flat_map(|_| px).collect();
        let gray = opencv_rgb_to_gray(&row, 10);
        assert_eq!(gray.len(), 10);
        assert!(gray[..8].iter().all(|&g| g == simd));
        assert!(gray[8..].iter().all(|&g| g == scalar));
        assert_ne!(simd, scalar);
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
