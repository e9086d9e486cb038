//! `motion_blur` (spec §2.6): ImageMagick's motion blur of the 8-bit image along an angle drawn
//! uniformly from `angle_range` degrees, with the reference's PNG round trip through Wand
//! ([`crate::ops::motion`]). One uniform draw.
//!
//! The reference decodes ImageMagick's PNG with OpenCV; when ImageMagick writes a gray PNG (all
//! channels equal) it copies the one channel to R, G and B, which is what blurring each channel
//! gives, so the result is the same either way.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::motion::{motion_blur, MotionKernel};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MotionBlur {
    /// Streak radius in pixels; the kernel has 2·radius + 1 taps.
    pub radius: usize,
    /// Gaussian σ of the weights along the streak, in pixels.
    pub sigma: f64,
    /// [low, high) of the uniform angle draw, degrees (0 = to the right, 90 = down).
    pub angle_range: [f64; 2],
}

impl Corruption for MotionBlur {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let angle = rng.uniform(self.angle_range[0], self.angle_range[1]);
        let kernel = MotionKernel::new(self.radius, self.sigma, angle)?;
        Ok(motion_blur(image, &kernel))
    }
}
