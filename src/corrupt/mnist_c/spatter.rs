//! MNIST-C `spatter` (spec §3.12, released at severity 4): grey mud blots where a blurred normal
//! "liquid layer" is high. Unlike ImageNet-C's spatter there is no water mode; every severity
//! paints mud of grey level 63 through a blurred mask.
//!
//! 1. x = float32(img) / 255 in float32.
//! 2. L ~ N(mean, std), 28×28 float64; L = gaussian(L, blur σ) (both axes, mode nearest,
//!    truncate 4); values below `threshold` become 0.
//! 3. K = 1 where L > threshold, else 0, as float32; K = gaussian(K, mask σ) in float32 (each
//!    axis rounded to float32, as scipy filters a float32 array); values below 0.8 become 0.
//! 4. out = clip(x·(1 − K) + f32(63/255)·K, 0, 1)·255, all in float32.

use super::{blur_2d, check_digit, SIDE, TRUNCATE};
use crate::corrupt::imagenet_c::{self, Liquid};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::gaussian::Boundary;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's spatter parameters, mud mode only: `intensity` is the σ of the mask blur.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Spatter(pub imagenet_c::Spatter);

/// Mask values below this are cleared after the mask blur.
const MASK_FLOOR: f32 = 0.8;
/// Grey level of the mud.
const MUD: f64 = 63.0 / 255.0;

impl Corruption for Spatter {
    fn check(&self) -> std::result::Result<(), String> {
        if self.0.liquid != Liquid::Mud {
            return Err("MNIST-C's spatter has no water mode: liquid must be \"mud\"".into());
        }
        self.0.check()
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "spatter")?;
        let p = &self.0;
        let mut layer = vec![0.0f64; SIDE * SIDE];
        rng.fill_normal(p.mean, p.std, &mut layer);
        blur_2d(&mut layer, p.blur_sigma, Boundary::Nearest, TRUNCATE);
        // Clearing values below the threshold cannot change which exceed it.
        let mut mask: Vec<f32> = layer
            .iter()
            .map(|&v| if v > p.threshold { 1.0 } else { 0.0 })
            .collect();
        blur_2d(&mut mask, p.intensity, Boundary::Nearest, TRUNCATE);
        let mud = MUD as f32;
        let values: Vec<f32> = image
            .to_unit_f32()
            .iter()
            .zip(&mask)
            .map(|(&x, &k)| {
                let k = if k < MASK_FLOOR { 0.0 } else { k };
                (x * (1.0 - k) + mud * k).clamp(0.0, 1.0) * 255.0
            })
            .collect();
        Ok(image.with_values_f32(&values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    fn released() -> Spatter {
        Spatter(imagenet_c::Spatter {
            mean: 0.65,
            std: 0.3,
            blur_sigma: 1.0,
            threshold: 0.65,
            intensity: 1.5,
            liquid: Liquid::Mud,
        })
    }

    #[test]
    fn mud_is_grey_63_where_the_mask_is_full_and_absent_elsewhere() {
        let digit = Image::new(28, 28, 1, vec![255; 784]).unwrap();
        let mut blots = 0;
        for seed in 0..20 {
            let out = released()
                .apply(&digit, &mut NumpyRandom::new(seed), &Context::default())
                .unwrap();
            // Where there is mud the white digit is darkened towards 63, never below it.
            assert!(out.data.iter().all(|&v| v >= 62));
            blots += out.data.iter().filter(|&&v| v < 255).count();
        }
        assert!(blots > 0, "some mud in 20 draws");
    }

    #[test]
    fn uses_one_normal_array_of_the_layer_shape() {
        let mut rng = NumpyRandom::new(3);
        released()
            .apply(&Image::zeros(28, 28, 1), &mut rng, &Context::default())
            .unwrap();
        let mut fresh = NumpyRandom::new(3);
        let mut skip = vec![0.0; 784];
        fresh.fill_normal(0.0, 1.0, &mut skip);
        assert_eq!(rng.next_u32(), fresh.next_u32());
    }

    #[test]
    fn water_is_refused_as_the_reference_has_no_water_mode() {
        let mut water = released();
        water.0.liquid = Liquid::Water;
        assert!(water.check().unwrap_err().contains("no water mode"));
        assert_eq!(released().check(), Ok(()));
    }
}
