//! `brightness`: raise the HSV value channel by a constant (spec §2.11). x = img/255 goes to HSV
//! (scikit-image rules), V becomes clip(V + shift, 0, 1), and the result comes back to RGB, clipped.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::hsv::map_hsv;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brightness {
    /// Added to V on the [0, 1] scale.
    pub shift: f64,
}

impl Corruption for Brightness {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        map_hsv(image, |[h, s, v]| [h, s, (v + self.shift).clamp(0.0, 1.0)])
    }
}
