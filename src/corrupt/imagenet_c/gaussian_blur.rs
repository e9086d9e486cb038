//! `gaussian_blur` (spec §2.17): scikit-image 0.13's `gaussian(img/255, σ, multichannel=True)`
//! (scipy `gaussian_filter`, mode nearest, truncate 4, float64, channels not mixed), clipped to
//! [0, 1] and scaled by 255.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::gaussian::{gaussian_blur_u8, Boundary};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GaussianBlur {
    /// σ of the blur, in pixels.
    pub sigma: f64,
}

impl Corruption for GaussianBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let shape = (image.height, image.width, image.channels);
        let data = gaussian_blur_u8(&image.data, shape, self.sigma, Boundary::Nearest, 4.0);
        Ok(Image { data, ..*image })
    }
}
