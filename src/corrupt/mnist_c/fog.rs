//! MNIST-C `fog` (spec §3.11, released at strength 3.0, decay 1.4): x = img/255 with maximum m
//! (taken before the fog), x += strength·P with P the top-left 28×28 of a 256×256 plasma fractal,
//! out = clip(x·m / (m + strength), 0, 1). The plasma map, 65,535 uniform draws, is the only
//! randomness; only the points its corner and its extremes depend on are computed, the other
//! draws skipped ([`plasma_fractal_crop`]).

use super::{check_digit, finish, SIDE};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::plasma::plasma_fractal_crop;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's fog parameters; the plasma map must be at least 28 on a side.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Fog(pub imagenet_c::Fog);

impl Corruption for Fog {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "fog")?;
        let max = image.data.iter().copied().max().unwrap_or(0) as f64 / 255.0;
        let haze = plasma_fractal_crop(self.0.map_size, self.0.wibble_decay, rng, SIDE, SIDE)?;
        let denominator = max + self.0.strength;
        let values: Vec<f64> = image
            .data
            .iter()
            .zip(&haze)
            .map(|(&v, &p)| (v as f64 / 255.0 + self.0.strength * p) * max / denominator)
            .collect();
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::plasma::plasma_fractal;
    use crate::rng::NumpyRandom;

    #[test]
    fn adds_the_map_corner_and_rescales_by_the_maximum() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i * 5 % 200) as u8).collect()).unwrap();
        let fog = Fog(imagenet_c::Fog {
            strength: 3.0,
            wibble_decay: 1.4,
            map_size: 256,
        });
        let out = fog
            .apply(&digit, &mut NumpyRandom::new(2003), &Context::default())
            .unwrap();
        let map = plasma_fractal(256, 1.4, &mut NumpyRandom::new(2003)).unwrap();
        let m = *digit.data.iter().max().unwrap() as f64 / 255.0;
        for r in 0..28 {
            for c in 0..28 {
                let x = digit.data[r * 28 + c] as f64 / 255.0;
                let y = (x + 3.0 * map[r * 256 + c]) * m / (m + 3.0);
                let want = (y.clamp(0.0, 1.0) * 255.0) as f32 as u8;
                assert_eq!(out.data[r * 28 + c], want, "({r}, {c})");
            }
        }
    }

    #[test]
    fn a_black_image_stays_black() {
        // m = 0 multiplies everything away.
        let fog = Fog(imagenet_c::Fog {
            strength: 1.5,
            wibble_decay: 2.0,
            map_size: 256,
        });
        let out = fog
            .apply(
                &Image::zeros(28, 28, 1),
                &mut NumpyRandom::new(1),
                &Context::default(),
            )
            .unwrap();
        assert!(out.data.iter().all(|&v| v == 0));
    }
}
