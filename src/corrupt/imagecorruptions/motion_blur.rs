//! imagecorruptions' `motion_blur` (spec §5.2): the angle drawn uniformly from `angle_range`
//! degrees, then the numpy motion blur ([`crate::ops::shift_motion`]) of the 8-bit image in
//! float64, clipped to [0, 255] and truncated by `corrupt`'s uint8 cast. One uniform draw.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::shift_motion::{shift_motion_blur, ShiftMotionKernel};
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
        let kernel = ShiftMotionKernel::new(self.radius, self.sigma, angle)?;
        let shape = (image.height, image.width, image.channels);
        let blurred = shift_motion_blur(&image.data, shape, &kernel)?;
        // clip(·, 0, 255) and numpy's truncating uint8 cast.
        let data = blurred.iter().map(|&v| v.clamp(0.0, 255.0) as u8).collect();
        Image::new(image.width, image.height, image.channels, data)
    }
}
