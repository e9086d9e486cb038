//! MNIST-C `snow` (spec §5.8, a leftover): a sparse flake layer, streaked by ImageMagick's motion
//! blur, added with its 180° rotation to a brightened digit. Draws: one normal 28×28 array (the
//! layer), then one uniform (the streak angle).
//!
//! 1. x = float32(img) / 255 in float32.
//! 2. L ~ N(mean, std), 28×28 float64; L = clipped_zoom(L, zoom) (scipy order-1 zoom, spec §2.6);
//!    values below `threshold` become 0.
//! 3. L goes through an 8-bit gray PNG (truncating cast of clip(L, 0, 1)·255), ImageMagick's
//!    motion blur with its PNG round trip ([`crate::ops::motion`]) and back: F = decoded / 255.
//! 4. x = blend·x + (1 − blend)·max(x, 1.5·x + 0.5) in float32. Unlike ImageNet-C there is no
//!    colour-to-gray step: the digit is already gray.
//! 5. out = clip(x + F + rot180(F), 0, 1)·255 in float64.

use super::{check_digit, finish, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
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
    /// Weight of the plain digit against its brightened version.
    pub blend: f64,
    /// [low, high) of the uniform streak-angle draw, degrees (y down).
    pub angle_range: [f64; 2],
}

impl Corruption for Snow {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "snow")?;
        let mut layer = vec![0.0f64; SIDE * SIDE];
        rng.fill_normal(self.mean, self.std, &mut layer);
        let layer = LinearZoom::clipped_zoom(SIDE, SIDE, self.zoom)?.apply(&layer, 1)?;
        let layer8: Vec<u8> = layer
            .iter()
            .map(|&v| {
                let v = if v < self.threshold { 0.0 } else { v };
                (v.clamp(0.0, 1.0) * 255.0) as u8
            })
            .collect();
        let angle = rng.uniform(self.angle_range[0], self.angle_range[1]);
        let kernel = MotionKernel::new(self.blur_radius, self.blur_sigma, angle)?;
        let flakes = motion_blur(&Image::new(SIDE, SIDE, 1, layer8)?, &kernel);

        let keep = self.blend as f32;
        let lift = (1.0 - self.blend) as f32;
        let last = SIDE * SIDE - 1;
        let values: Vec<f64> = image
            .to_unit_f32()
            .iter()
            .enumerate()
            .map(|(i, &x)| {
                let mixed = keep * x + lift * x.max(x * 1.5 + 0.5);
                // Pixel i of the layer rotated by 180° is pixel (H·W − 1 − i).
                let snow = flakes.data[i] as f64 / 255.0;
                let mirrored = flakes.data[last - i] as f64 / 255.0;
                (mixed as f64 + snow) + mirrored
            })
            .collect();
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    fn default_row() -> Snow {
        Snow {
            mean: 0.55,
            std: 0.3,
            zoom: 2.5,
            threshold: 0.85,
            blur_radius: 12,
            blur_sigma: 12.0,
            blend: 0.55,
            angle_range: [-135.0, -45.0],
        }
    }

    #[test]
    fn background_is_lifted_and_flakes_are_symmetric() {
        let out = default_row()
            .apply(
                &Image::zeros(28, 28, 1),
                &mut NumpyRandom::new(2000),
                &Context::default(),
            )
            .unwrap();
        // Without flakes a black pixel becomes 0.45·0.5·255 = 57.375: every pixel is at least 57.
        assert!(out.data.iter().all(|&v| v >= 57));
        // The flake layer and its rotation are added alike, so the result is symmetric under 180°
        // (up to the order of two float64 additions).
        for i in 0..784 {
            assert!(out.data[i].abs_diff(out.data[783 - i]) <= 1, "pixel {i}");
        }
        assert!(out.data.iter().any(|&v| v > 57), "some flakes");
    }

    #[test]
    fn draws_the_layer_then_one_angle() {
        let mut rng = NumpyRandom::new(8);
        default_row()
            .apply(&Image::zeros(28, 28, 1), &mut rng, &Context::default())
            .unwrap();
        let mut fresh = NumpyRandom::new(8);
        let mut skip = vec![0.0; 784];
        fresh.fill_normal(0.0, 1.0, &mut skip);
        fresh.random_sample();
        assert_eq!(rng.next_u32(), fresh.next_u32());
    }
}
