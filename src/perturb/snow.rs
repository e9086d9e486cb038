//! `snow` sequence (spec §6.3): one static layer of flakes, streaked at an angle that turns frame
//! by frame (angle_i = angle_start + angle_step·i, −150° … −30° at 224), over the brightened
//! crop. Draws: one normal array H×W (the layer), before the first frame.
//!
//! ImageNet-P types snow differently from ImageNet-C snow (§2.8), and the frames follow the
//! reference's types: x = crop/255 in float64; the flakes are the 8-bit motion-blurred layer /255
//! in float64; the brightened image 1.5·gray + 0.5 is OpenCV's float32 gray of float32(x), kept in
//! float32; z = blend·x + (1 − blend)·max(x, bright) in float64, the weight 1 − blend computed
//! (0.15000000000000002 for 0.85); frame = trunc(255·clip(z + S + rot180(S), 0, 1)).

use super::{Clean, Pairing, Perturbation};
use crate::corrupt::imagenet_c::snow::opencv_gray;
use crate::error::{Error, Result};
use crate::ops::motion::{motion_blur, MotionKernel};
use crate::ops::unit_byte::{unit_to_byte, UNIT};
use crate::ops::zoom::LinearZoom;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SnowSequence {
    pub frames: usize,
    /// Mean of the flake layer's normal draw.
    pub mean: f64,
    /// Standard deviation of that draw.
    pub std: f64,
    /// Centre zoom of the layer (bigger flakes).
    pub zoom: f64,
    /// Layer values below this are cleared.
    pub threshold: f64,
    /// Motion blur radius of the streaks, pixels.
    pub blur_radius: usize,
    /// Motion blur σ of the streaks, pixels.
    pub blur_sigma: f64,
    /// Streak angle of frame 0, degrees (y down).
    pub angle_start: f64,
    /// Degrees per frame.
    pub angle_step: f64,
    /// Weight of the plain image against its brightened version.
    pub blend: f64,
}

impl SnowSequence {
    /// The streak angle of frame `i`.
    pub fn angle(&self, i: usize) -> f64 {
        i as f64 * self.angle_step + self.angle_start
    }

    /// The 8-bit flake layer: normal draw, clipped zoom, threshold, clip(v, 0, 1)·255 truncated.
    fn layer(&self, height: usize, width: usize, rng: &mut dyn Random) -> Result<Image> {
        let mut layer = vec![0.0f64; height * width];
        rng.fill_normal(self.mean, self.std, &mut layer);
        let layer = LinearZoom::clipped_zoom(height, width, self.zoom)?.apply(&layer, 1)?;
        let data = layer
            .iter()
            .map(|&v| unit_to_byte(if v < self.threshold { 0.0 } else { v }))
            .collect();
        Image::new(width, height, 1, data)
    }
}

impl Perturbation for SnowSequence {
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
        if x.channels != 3 {
            return Err(Error::Invalid(format!(
                "snow needs an RGB image, got {} channels",
                x.channels
            )));
        }
        let (h, w) = (x.height, x.width);
        let layer = self.layer(h, w, rng)?;
        // max(x, 1.5·gray + 0.5) and the blend, per value; they do not change between frames.
        let lift = 1.0 - self.blend;
        let mixed: Vec<f64> = x
            .data
            .chunks_exact(3)
            .enumerate()
            .flat_map(|(p, px)| {
                let rgb = [0, 1, 2].map(|c| UNIT[px[c] as usize] as f32);
                let bright = (opencv_gray(rgb, p % w, w) * 1.5 + 0.5) as f64;
                [0, 1, 2].map(|c| {
                    let v = UNIT[px[c] as usize];
                    self.blend * v + lift * v.max(bright)
                })
            })
            .collect();
        for i in 0..self.frames {
            let kernel = MotionKernel::new(self.blur_radius, self.blur_sigma, self.angle(i))?;
            let flakes = motion_blur(&layer, &kernel);
            let n = h * w;
            let data = mixed
                .iter()
                .enumerate()
                .map(|(k, &z)| {
                    let p = k / 3;
                    let s = UNIT[flakes.data[p] as usize];
                    let r = UNIT[flakes.data[n - 1 - p] as usize];
                    unit_to_byte((z + s) + r)
                })
                .collect();
            emit(Image::new(w, h, 3, data)?)?;
        }
        Ok(())
    }
}
