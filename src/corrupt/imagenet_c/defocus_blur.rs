//! `defocus_blur` (spec §2.4): x = img/255 correlated per channel with the anti-aliased `disk`
//! kernel (OpenCV `filter2D`, reflect-101, float64), clipped to [0, 1] and scaled by 255.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::disk::disk;
use crate::ops::filter2d::{filter2d_unit_u8, Kernel2d};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DefocusBlur {
    /// Disk radius in pixels.
    pub radius: f64,
    /// σ of the Gaussian that anti-aliases the disk.
    pub alias_blur: f64,
}

impl Corruption for DefocusBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let kernel = self.kernel()?;
        let shape = (image.height, image.width, image.channels);
        let data = filter2d_unit_u8(&image.data, shape, &kernel);
        Ok(Image { data, ..*image })
    }
}

impl DefocusBlur {
    /// The anti-aliased disk as a float64 correlation kernel, shared with MNIST-C's defocus blur.
    pub(crate) fn kernel(&self) -> Result<Kernel2d> {
        if !(self.radius >= 0.0 && self.radius <= 1000.0) {
            return Err(Error::Invalid(format!(
                "defocus_blur radius must be in [0, 1000], got {}",
                self.radius
            )));
        }
        let disk = disk(self.radius, self.alias_blur);
        let weights = disk.weights.iter().map(|&w| w as f64).collect();
        Kernel2d::new(disk.side, disk.side, weights).ok_or_else(|| {
            Error::Invalid(format!(
                "defocus_blur radius {} gives an even {}-pixel disk grid",
                self.radius, disk.side
            ))
        })
    }
}
