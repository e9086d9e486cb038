//! imagecorruptions' `fog` (spec §5.2): ImageNet-C's fog ([`imagenet_c::Fog`]) with the plasma
//! map's side taken from the image, the next power of two of at least max(H, W, channels), and
//! its top-left H×W added to the image.

use crate::corrupt::{imagenet_c, Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fog {
    /// Weight of the fractal added to the image.
    pub strength: f64,
    /// Factor by which the fractal's noise amplitude falls per octave (larger is smoother).
    pub wibble_decay: f64,
}

/// numpy's `next_power_of_2(max(shape))` of the reference: the smallest power of two ≥ the
/// largest of height, width and channel count.
fn map_size(image: &Image) -> usize {
    image
        .height
        .max(image.width)
        .max(image.channels)
        .next_power_of_two()
}

impl Corruption for Fog {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        let fog = imagenet_c::Fog {
            strength: self.strength,
            wibble_decay: self.wibble_decay,
            map_size: map_size(image),
        };
        fog.apply(image, rng, context)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn map_side_is_the_next_power_of_two_of_the_longest_side() {
        assert_eq!(map_size(&Image::zeros(224, 224, 3)), 256);
        assert_eq!(map_size(&Image::zeros(640, 427, 3)), 1024);
        assert_eq!(map_size(&Image::zeros(47, 33, 3)), 64);
        assert_eq!(map_size(&Image::zeros(32, 32, 3)), 32);
        assert_eq!(map_size(&Image::zeros(2048, 1024, 3)), 2048);
    }
}
