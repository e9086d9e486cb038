//! `motion_blur` sequence (spec §6.3): every frame is ImageMagick's motion blur
//! ([`crate::ops::motion`], with its 8-bit PNG round trip) of the clean crop, the streak turning
//! frame by frame: angle_i = (i − angle_centre)·angle_step degrees (−120° … 0° at 224). There is
//! no separate clean frame.
//!
//! Tiny-ImageNet-P (`make_tinyimagenet_p.py`) instead blurs the decoded image at full resolution
//! and then applies the input preparation (Resize(64) on the short side) with **no** centre
//! crop, so its frames are 64×64 only for square inputs (spec §6.6); `on_original = true`
//! reproduces that quirk. Its script also takes ImageMagick's output as BGR whatever its shape,
//! which breaks on gray photos; colour photos are unaffected.

use super::{Clean, Pairing, Perturbation};
use crate::error::Result;
use crate::ops::motion::{motion_blur, MotionKernel};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct MotionBlurSequence {
    pub frames: usize,
    /// Streak radius, pixels.
    pub radius: usize,
    /// Streak σ, pixels.
    pub sigma: f64,
    /// The frame whose angle is 0.
    pub angle_centre: f64,
    /// Degrees per frame.
    pub angle_step: f64,
    /// Blur the decoded image and prepare the result, uncropped (Tiny-ImageNet-P), instead of
    /// blurring the clean crop.
    #[serde(default)]
    pub on_original: bool,
}

impl MotionBlurSequence {
    /// The streak angle of frame `i`, degrees (y down).
    pub fn angle(&self, i: usize) -> f64 {
        (i as f64 - self.angle_centre) * self.angle_step
    }
}

impl Perturbation for MotionBlurSequence {
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
        let x = if self.on_original {
            clean.original.clone()
        } else {
            clean.clean_frame()?
        };
        for i in 0..self.frames {
            let kernel = MotionKernel::new(self.radius, self.sigma, self.angle(i))?;
            let blurred = motion_blur(&x, &kernel);
            emit(if self.on_original {
                clean.input.apply(&blurred)?
            } else {
                blurred
            })?;
        }
        Ok(())
    }
}
