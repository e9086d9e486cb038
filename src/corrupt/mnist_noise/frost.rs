//! MNIST-C `frost` (spec §5.7, a leftover): a random 28×28 window of a gray frost texture blended
//! over the digit, clip(a·x + b·window, 0, 255) in float64 on the 0..255 scale.
//!
//! Draws, in order: the texture index `randint(5)` (the sixth texture is never chosen, as in
//! ImageNet-C), the window's top row `randint(0, H_t − 28)`, its left column
//! `randint(0, W_t − 28)`. The textures are read as OpenCV reads them in gray
//! ([`FrostTextures::gray`]); without the reference files the procedural texture stands in.

use super::{check_digit, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::frost::FrostTextures;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// How many of the textures the reference chooses from: the first five of six.
const CHOSEN_TEXTURES: i64 = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frost {
    /// Weight of the digit (a).
    pub image_weight: f64,
    /// Weight of the texture (b).
    pub frost_weight: f64,
}

impl Corruption for Frost {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        check_digit(image, "frost")?;
        let textures = FrostTextures::for_context(context)?;
        let index = rng.randint(0, CHOSEN_TEXTURES) as usize;
        let texture = textures
            .gray(index)
            .ok_or_else(|| Error::Invalid(format!("no frost texture {index}")))?;
        let top = rng.randint(0, (texture.height - SIDE) as i64) as usize;
        let left = rng.randint(0, (texture.width - SIDE) as i64) as usize;
        // a·v and b·f for every 8-bit value, each the float64 product numpy forms; the sum is
        // clipped, stored as float32 (exact for these sums' integer part) and truncated.
        let image_term: [f64; 256] = std::array::from_fn(|v| self.image_weight * v as f64);
        let frost_term: [f64; 256] = std::array::from_fn(|f| self.frost_weight * f as f64);
        let mut data = Vec::with_capacity(SIDE * SIDE);
        for (y, row) in image.data.chunks_exact(SIDE).enumerate() {
            let start = (top + y) * texture.width + left;
            let window = &texture.data[start..start + SIDE];
            data.extend(row.iter().zip(window).map(|(&v, &f)| {
                let sum = (image_term[v as usize] + frost_term[f as usize]).clamp(0.0, 255.0);
                sum as f32 as u8
            }));
        }
        Image::new(SIDE, SIDE, 1, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn blends_the_drawn_window_of_the_gray_texture() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i * 5 % 256) as u8).collect()).unwrap();
        let frost = Frost {
            image_weight: 0.6,
            frost_weight: 0.75,
        };
        let out = frost
            .apply(&digit, &mut NumpyRandom::new(11), &Context::default())
            .unwrap();
        let mut replay = NumpyRandom::new(11);
        let index = replay.randint(0, 5) as usize;
        let set = FrostTextures::procedural();
        let texture = set.gray(index).unwrap();
        let top = replay.randint(0, (texture.height - 28) as i64) as usize;
        let left = replay.randint(0, (texture.width - 28) as i64) as usize;
        for (y, x) in [(0, 0), (27, 27), (13, 4)] {
            let v = digit.data[y * 28 + x] as f64;
            let f = texture.data[(top + y) * texture.width + left + x] as f64;
            let expected = (0.6 * v + 0.75 * f).clamp(0.0, 255.0) as f32 as u8;
            assert_eq!(out.data[y * 28 + x], expected, "({y}, {x})");
        }
    }
}
