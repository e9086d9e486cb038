//! `translate`: the digit moved diagonally by a fixed number of pixels in a random quadrant
//! (spec §3.9): scikit-image `AffineTransform(translation=(dx, dy))` as the inverse map, so
//! out[r][c] = x[r + dy][c + dx] with zeros from outside. Draws two signs in one call
//! (`np.random.choice([-1, 1], 2)`), x first.

use super::{check_digit, random_sign, warp_digit};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::affine_warp::Affine;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translate {
    /// Shift along each axis, in pixels.
    pub pixels: u32,
}

impl Corruption for Translate {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "translate")?;
        let shift = self.pixels as f64;
        let dx = shift * random_sign(rng);
        let dy = shift * random_sign(rng);
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(dx, dy);
        Ok(warp_digit(image, &map))
    }
}
