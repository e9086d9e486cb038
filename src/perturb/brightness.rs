//! `brightness` sequence (spec §6.3): frame i shifts the HSV value of the clean crop by
//! c_i = (i − centre)·percent/100 (clipped to [0, 1]), scikit-image's HSV round trip in float64
//! and a truncating cast — ImageNet-C's brightness at shift c_i. The reference writes the shift
//! as `(i − 15)·2/100.` at 224 and `(i − 15)·1.5/100.` at 32; the same order here gives the
//! same float64 shifts.

use super::{Clean, Pairing, Perturbation};
use crate::corrupt::imagenet_c::Brightness;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct BrightnessSequence {
    pub frames: usize,
    /// The frame left unchanged.
    pub centre: f64,
    /// Value shift per frame, in percent.
    pub percent: f64,
}

impl BrightnessSequence {
    /// The value shift of frame `i`.
    pub fn shift(&self, i: usize) -> f64 {
        (i as f64 - self.centre) * self.percent / 100.0
    }
}

impl Perturbation for BrightnessSequence {
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
        rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()> {
        let x = clean.clean_frame()?;
        let context = Context::default();
        for i in 0..self.frames {
            emit(
                Brightness {
                    shift: self.shift(i),
                }
                .apply(&x, rng, &context)?,
            )?;
        }
        Ok(())
    }
}
