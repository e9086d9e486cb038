//! imagecorruptions' `snow` (spec §5.2, §2.8). Draws: one normal array H×W (the flake layer),
//! then one uniform (the streak angle).
//!
//! 1. x = float32(img) / 255.
//! 2. layer ~ N(mean, std) of shape H×W, float64; clipped_zoom (per-axis crop, untrimmed, so the
//!    layer may grow past H×W); values below `threshold` become 0; clip to [0, 1].
//! 3. The numpy motion blur ([`crate::ops::shift_motion`]) of the whole zoomed layer, then
//!    np.round(255·b) (half to even) as uint8, /255, and the top-left H×W kept.
//! 4. x = blend·x + (1 − blend)·max(x, 1.5·gray(x) + 0.5) in float32, gray being OpenCV 4.5.5's
//!    own float32 RGB→gray as it runs on x86-64 with AVX2: fma(B, 0.114, fma(G, 0.587, R·0.299))
//!    for each row's first multiple of 8 pixels, fma(B, 0.114, fma(R, 0.299, G·0.587)) for the
//!    rest. (With IPP on, the wheels use the second form everywhere; the outputs rarely differ.)
//! 5. Output clip(x + layer + rot180(layer), 0, 1)·255 in float64, truncated.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::fma::fma_f32;
use crate::ops::shift_motion::{shift_motion_blur, ShiftMotionKernel};
use crate::ops::zoom::{zoomed_len, LinearZoom};
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

impl Snow {
    /// Steps 2–3: the flake layer as 8-bit values, H×W.
    fn flakes(&self, height: usize, width: usize, rng: &mut dyn Random) -> Result<Vec<u8>> {
        let mut layer = vec![0.0f64; height * width];
        rng.fill_normal(self.mean, self.std, &mut layer);
        let rows = zoomed_len((height as f64 / self.zoom).ceil() as usize, self.zoom);
        let cols = zoomed_len((width as f64 / self.zoom).ceil() as usize, self.zoom);
        let zoom = LinearZoom::clipped_zoom_corner(height, width, self.zoom, rows, cols)?;
        let (rows, cols) = (zoom.out_height(), zoom.out_width());
        let zoomed: Vec<f64> = zoom
            .apply(&layer, 1)?
            .into_iter()
            .map(|v| {
                if v < self.threshold {
                    0.0
                } else {
                    v.clamp(0.0, 1.0)
                }
            })
            .collect();
        let angle = rng.uniform(self.angle_range[0], self.angle_range[1]);
        let kernel = ShiftMotionKernel::new(self.blur_radius, self.blur_sigma, angle)?;
        let blurred = shift_motion_blur(&zoomed, (rows, cols, 1), &kernel)?;
        let mut flakes = Vec::with_capacity(height * width);
        for row in blurred.chunks_exact(cols).take(height) {
            // np.round(255·b).astype(uint8); b lies in [0, 1] up to rounding.
            flakes.extend(
                row[..width]
                    .iter()
                    .map(|&b| (b * 255.0).round_ties_even().clamp(0.0, 255.0) as u8),
            );
        }
        Ok(flakes)
    }
}

/// Pixels per step of OpenCV's AVX2 colour conversion (8 float32 lanes).
const GRAY_LANES: usize = 8;

/// OpenCV 4.5.5's own `cvtColor(x, COLOR_RGB2GRAY)` on float32, for the pixel in column `x` of a
/// row of `width`: its AVX2 code (fused multiply-adds from red up) for the row's first multiple
/// of 8 pixels, its scalar code (as the compiler contracts it, from green up) for the rest.
#[inline]
fn gray([r, g, b]: [f32; 3], x: usize, width: usize) -> f32 {
    if x < width - width % GRAY_LANES {
        fma_f32(b, 0.114, fma_f32(g, 0.587, r * 0.299))
    } else {
        fma_f32(b, 0.114, fma_f32(r, 0.299, g * 0.587))
    }
}

impl Corruption for Snow {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let (height, width) = (image.height, image.width);
        let flakes = self.flakes(height, width, rng)?;
        let unit: [f32; 256] = std::array::from_fn(|v| v as f32 / 255.0);
        let flake: [f64; 256] = std::array::from_fn(|v| v as f64 / 255.0);
        let keep = self.blend as f32;
        let lift = (1.0 - self.blend) as f32;
        let mut data = vec![0u8; image.data.len()];
        let n = flakes.len();
        let columns = (0..width).cycle();
        for (i, ((out, px), x)) in data
            .chunks_exact_mut(3)
            .zip(image.data.chunks_exact(3))
            .zip(columns)
            .enumerate()
        {
            let rgb = [px[0], px[1], px[2]].map(|v| unit[v as usize]);
            let bright = gray(rgb, x, width) * 1.5 + 0.5;
            let (snow, mirrored) = (flake[flakes[i] as usize], flake[flakes[n - 1 - i] as usize]);
            for (o, &v) in out.iter_mut().zip(&rgb) {
                let mixed = keep * v + lift * v.max(bright);
                let total = (mixed as f64 + snow) + mirrored;
                // clip(·, 0, 1)·255 and numpy's truncating uint8 cast.
                *o = (total.clamp(0.0, 1.0) * 255.0) as u8;
            }
        }
        Image::new(width, height, 3, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn floats(bytes: &[u8]) -> Vec<f32> {
        bytes
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
            .collect()
    }

    /// Every value of OpenCV 4.5.5's own float gray (IPP off) of a 13×61 image, 61 = 7·8 + 5
    /// columns (scripts/reference/make_opencv4_fixtures.py); one formula alone misses some.
    #[test]
    fn gray_equals_opencv_4_without_ipp() {
        let width = 61;
        let rgb = floats(include_bytes!(
            "../../../tests/fixtures/opencv4/gray-input.f32le"
        ));
        let want = floats(include_bytes!("../../../tests/fixtures/opencv4/gray.f32le"));
        let ours: Vec<f32> = rgb
            .chunks_exact(3)
            .enumerate()
            .map(|(i, p)| gray([p[0], p[1], p[2]], i % width, width))
            .collect();
        assert_eq!(ours.len(), 13 * width);
        let bits = |v: &[f32]| v.iter().map(|f| f.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&ours), bits(&want));
        // Column 0 of a row of 8 takes the vector formula, of a row of 1 the scalar one.
        for row_of in [8, 1] {
            let one: Vec<f32> = rgb
                .chunks_exact(3)
                .map(|p| gray([p[0], p[1], p[2]], 0, row_of))
                .collect();
            assert_ne!(bits(&one), bits(&want), "one formula for every column");
        }
    }
}
