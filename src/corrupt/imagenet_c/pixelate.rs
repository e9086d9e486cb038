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
        // An intermediate larger than the image only wastes memory (a factor of 1e4 would ask
        // for terabytes); the reference's factors are all below 1.
        if !(self.factor > 0.0 && self.factor <= 1.0) {
            return Err(Error::Invalid(format!(
                "pixelate factor {} is outside (0, 1]",
                self.factor
            )));
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn factors_outside_zero_to_one_are_errors() {
        let image = Image::zeros(28, 28, 1);
        for factor in [0.0, -0.5, 1.5, 1e4, f64::NAN] {
            let err = Pixelate { factor }
                .apply(&image, &mut NumpyRandom::new(0), &Context::default())
                .unwrap_err();
            assert!(err.to_string().contains("pixelate factor"), "{err}");
        }
        let same = Pixelate { factor: 1.0 }
            .apply(&image, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        assert_eq!(same.data, image.data);
    }
}
