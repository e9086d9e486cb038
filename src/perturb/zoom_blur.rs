//! `zoom_blur` sequence (spec §6.3): frame 0 is the clean crop; frame i ≥ 1 is the running mean
//! of z_0 … z_i, where z_0 is the clean crop and z_i the crop of torchvision 0.2's
//! `affine(prepared, scale = 1 + scale_step·i, BILINEAR)`. The mean is kept as the reference
//! keeps it, a float32 sum of `ToTensor` values (v/255), divided by i + 1 and cast back with
//! `ToPILImage` (·255, truncated), all in float32.

use super::affine::{affine_cropped, AffineParams};
use super::{Clean, Pairing, Perturbation};
use crate::error::Result;
use crate::ops::pil_transform::Resample;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ZoomBlurSequence {
    pub frames: usize,
    /// Zoom added per frame (frame i is zoomed by 1 + scale_step·i).
    pub scale_step: f64,
}

impl Perturbation for ZoomBlurSequence {
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
        let first = clean.clean_frame()?;
        let mut sum: Vec<f32> = first.data.iter().map(|&v| v as f32 / 255.0).collect();
        emit(first.clone())?;
        for i in 1..self.frames {
            let params = AffineParams {
                angle: 0.0,
                translate: (0.0, 0.0),
                scale: 1.0 + self.scale_step * i as f64,
                shear: 0.0,
            };
            let zoomed = affine_cropped(clean, &params, Resample::Bilinear)?;
            for (s, &v) in sum.iter_mut().zip(&zoomed.data) {
                *s += v as f32 / 255.0;
            }
            let count = (i + 1) as f32;
            let data = sum.iter().map(|&s| ((s / count) * 255.0) as u8).collect();
            emit(Image { data, ..first })?;
        }
        Ok(())
    }
}
