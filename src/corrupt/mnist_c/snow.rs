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
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's snow parameters; `blend` weighs the plain digit against its brightened version.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Snow(pub imagenet_c::Snow);

impl Corruption for Snow {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "snow")?;
        let flakes = self.0.streaks(SIDE, SIDE, rng)?;

        let keep = self.0.blend as f32;
        let lift = (1.0 - self.0.blend) as f32;
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
        Snow(imagenet_c::Snow {
            mean: 0.55,
            std: 0.3,
            zoom: 2.5,
            threshold: 0.85,
            blur_radius: 12,
            blur_sigma: 12.0,
            blend: 0.55,
            angle_range: [-135.0, -45.0],
        })
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
