//! `inverse`: y = 255 − x (spec §5.17), computed in float32 by the reference, where it is exact,
//! so it is done on the 8-bit values directly.

use super::check_digit;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Inverse {}

impl Corruption for Inverse {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "inverse")?;
        let mut out = image.clone();
        for v in &mut out.data {
            *v = 255 - *v;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn every_value_is_inverted() {
        let mut data: Vec<u8> = (0..=255).collect();
        data.resize(784, 17);
        let digit = Image::new(28, 28, 1, data).unwrap();
        let out = Inverse {}
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        for (x, y) in digit.data.iter().zip(&out.data) {
            assert_eq!(*y, 255 - *x);
        }
    }

    #[test]
    fn rejects_colour_images() {
        let rgb = Image::zeros(28, 28, 3);
        assert!(Inverse {}
            .apply(&rgb, &mut NumpyRandom::new(0), &Context::default())
            .is_err());
    }
}
