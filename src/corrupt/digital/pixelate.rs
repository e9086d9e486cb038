//! `pixelate`: shrink with Pillow's BOX filter, then enlarge back with BOX (spec §2.14), both
//! through Pillow 5.0's resampler. The small side is int(side·factor); the reference writes
//! int(224·factor) for its 224×224 images, which this equals there.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::resample::{resize, Filter};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pixelate {
    /// Size of the intermediate image relative to the original.
    pub factor: f64,
}

impl Corruption for Pixelate {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let small_width = (image.width as f64 * self.factor) as usize;
        let small_height = (image.height as f64 * self.factor) as usize;
        if small_width == 0 || small_height == 0 {
            return Err(Error::Invalid(format!(
                "pixelate factor {} leaves nothing of a {}×{} image",
                self.factor, image.width, image.height
            )));
        }
        let small = resize(image, small_width, small_height, Filter::Box)?;
        resize(&small, image.width, image.height, Filter::Box)
    }
}
