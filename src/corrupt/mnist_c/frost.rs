//! MNIST-C `frost` (spec §5.7, a leftover): a random 28×28 window of a gray frost texture blended
//! over the digit, clip(a·x + b·window, 0, 255) in float64 on the 0..255 scale.
//!
//! Draws, in order: the texture index `randint(5)` (the sixth texture is never chosen, as in
//! ImageNet-C), the window's top row `randint(0, H_t − 28)`, its left column
//! `randint(0, W_t − 28)`, as ImageNet-C's frost draws them. The textures are read as OpenCV
//! reads them in gray ([`FrostTextures::gray`]); without the reference files the procedural
//! texture stands in.

use super::check_digit;
use crate::assets::frost::FrostTextures;
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// The weights of ImageNet-C's frost: the digit's (a) and the texture's (b).
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Frost(pub imagenet_c::Frost);

impl Corruption for Frost {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        check_digit(image, "frost")?;
        // The reference returns float32, which the dataset truncates to 8 bits.
        self.0
            .blend_drawn(image, FrostTextures::gray, rng, context, |sum| {
                sum as f32 as u8
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn blends_the_drawn_window_of_the_gray_texture() {
        let digit = Image::new(28, 28, 1, (0..784).map(|i| (i * 5 % 256) as u8).collect()).unwrap();
        let frost = Frost(imagenet_c::Frost {
            image_weight: 0.6,
            frost_weight: 0.75,
            texture_scale: None,
        });
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
