//! The sequences made with torchvision 0.2's `affine` on the prepared image, then centre-cropped
//! (spec §6.3, §6.4): `translate` (horizontal shift, nearest neighbour), `rotate`, `scale` and
//! `shear` (bilinear). Frame i uses:
//!
//! * translate: (i − centre) pixels to the right (−20 … +20 over 41 frames at 224);
//! * rotate: (i − centre) degrees;
//! * scale: (percent_step·i + percent_start)/100 (0.40 … 1.15 at 224; black borders when small);
//! * shear: (i − centre) degrees.

use super::affine::{affine_cropped, AffineParams};
use super::{Clean, Pairing, Perturbation};
use crate::error::Result;
use crate::ops::pil_transform::Resample;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// A schedule centred on one frame: value_i = i − centre.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Centred {
    pub frames: usize,
    /// The frame left unchanged.
    pub centre: f64,
}

/// The scale schedule: scale_i = (percent_step·i + percent_start)/100.
#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScaleSchedule {
    pub frames: usize,
    pub percent_start: f64,
    pub percent_step: f64,
}

/// Which parameter of `affine` a [`Geometric`] sequence moves.
#[derive(Clone, Debug, PartialEq)]
pub enum Motion {
    Translate(Centred),
    Rotate(Centred),
    Scale(ScaleSchedule),
    Shear(Centred),
}

/// A geometric sequence.
#[derive(Clone, Debug, PartialEq)]
pub struct Geometric(pub Motion);

impl Geometric {
    /// The `affine` parameters and resampler of frame `i`.
    pub fn params(&self, i: usize) -> (AffineParams, Resample) {
        let i = i as f64;
        let mut p = AffineParams {
            angle: 0.0,
            translate: (0.0, 0.0),
            scale: 1.0,
            shear: 0.0,
        };
        match &self.0 {
            Motion::Translate(s) => {
                p.translate = (i - s.centre, 0.0);
                return (p, Resample::Nearest);
            }
            Motion::Rotate(s) => p.angle = i - s.centre,
            Motion::Scale(s) => p.scale = (i * s.percent_step + s.percent_start) / 100.0,
            Motion::Shear(s) => p.shear = i - s.centre,
        }
        (p, Resample::Bilinear)
    }
}

impl Perturbation for Geometric {
    fn frame_count(&self) -> usize {
        match &self.0 {
            Motion::Translate(s) | Motion::Rotate(s) | Motion::Shear(s) => s.frames,
            Motion::Scale(s) => s.frames,
        }
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
        for i in 0..self.frame_count() {
            let (params, resample) = self.params(i);
            emit(affine_cropped(clean, &params, resample)?)?;
        }
        Ok(())
    }
}
