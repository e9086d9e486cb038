//! `gaussian_blur` (spec §2.17): scikit-image 0.13's `gaussian(img/255, σ, multichannel=True)`
//! (scipy `gaussian_filter`, mode nearest, truncate 4, float64, channels not mixed), clipped to
//! [0, 1] and scaled by 255.

use crate::corrupt::{check_blur_sigma, Context, Corruption};
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
    fn check(&self) -> std::result::Result<(), String> {
        check_blur_sigma(self.sigma)
    }

    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let shape = (image.height, image.width, image.channels);
        let data = gaussian_blur_u8(&image.data, shape, self.sigma, Boundary::Nearest, 4.0);
        Ok(Image { data, ..*image })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_sigma_is_refused_as_scikit_image_refuses_it() {
        for sigma in [-0.1, -1e-300] {
            let err = GaussianBlur { sigma }.check().unwrap_err();
            assert!(err.starts_with(&format!("sigma = {sigma} is ")), "{err}");
        }
        for sigma in [0.0, 0.5] {
            assert_eq!(GaussianBlur { sigma }.check(), Ok(()));
        }
    }
}
