//! `gaussian_blur` sequence (validation, spec §6.3): frame i is scikit-image's
//! `gaussian(crop/255, σ_i, multichannel=True, truncate)` (scipy's filter, mode 'nearest') cast
//! back to 8 bits by truncation, σ_i = sigma_start + sigma_step·i (0.25 … 1.30 at 224, truncate 6).

use super::{Clean, Pairing, Perturbation};
use crate::error::Result;
use crate::ops::gaussian::{gaussian_blur_u8, Boundary};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GaussianBlurSequence {
    pub frames: usize,
    /// σ of frame 0, pixels.
    pub sigma_start: f64,
    /// σ added per frame.
    pub sigma_step: f64,
    /// Kernel radius in σ (scipy's `truncate`).
    pub truncate: f64,
}

impl GaussianBlurSequence {
    /// σ of frame `i`.
    pub fn sigma(&self, i: usize) -> f64 {
        self.sigma_start + self.sigma_step * i as f64
    }
}

impl Perturbation for GaussianBlurSequence {
    fn frame_count(&self) -> usize {
        self.frames
    }

    fn pairing(&self) -> Pairing {
        Pairing::Stride
    }

    fn frames(
        &self,
        clean: &Clean<'_>,
        _difficulty: u32,
        _rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()> {
        let x = clean.clean_frame()?;
        let shape = (x.height, x.width, x.channels);
        for i in 0..self.frames {
            let data = gaussian_blur_u8(
                &x.data,
                shape,
                self.sigma(i),
                Boundary::Nearest,
                self.truncate,
            );
            emit(Image { data, ..x })?;
        }
        Ok(())
    }
}
