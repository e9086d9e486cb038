//! `saturate`: scale and offset the HSV saturation (spec §2.19). x = img/255 goes to HSV
//! (scikit-image rules), S becomes clip(S·scale + offset, 0, 1), and the result comes back to RGB.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::hsv::map_hsv;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saturate {
    /// Multiplies S.
    pub scale: f64,
    /// Added to S after scaling.
    pub offset: f64,
}

impl Corruption for Saturate {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        map_hsv(image, |[h, s, v]| {
            [h, (s * self.scale + self.offset).clamp(0.0, 1.0), v]
        })
    }
}
