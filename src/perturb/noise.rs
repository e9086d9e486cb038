//! The three noise sequences (spec §6.3, §6.5): frame 0 is the clean crop, frames 1…T−1 each
//! add independent noise to it. Difficulty d ∈ {1, 2, 3} picks the noise strength of a separately
//! generated sequence; the metrics compare every frame with frame 0.
//!
//! * `gaussian_noise`: x = crop/255 in float32 (torchvision `ToTensor`), frame =
//!   trunc(255·clamp(x + σ·n, 0, 1)) in float32 (`ToPILImage`), n ~ N(0, 1). The reference draws
//!   n with torch's `randn_like`, which numpy cannot replay; here n comes from [`Random`]'s
//!   standard normal, one per value in torch's C×H×W order, so the frames follow the same
//!   distribution (tested as such) but not torch's numbers.
//! * `shot_noise`: trunc(255·clip(Poisson(x·c)/c, 0, 1)) on x = crop/255 in float64, one
//!   `np.random.poisson` array per frame — ImageNet-C's shot noise with c photons.
//! * `speckle_noise`: trunc(255·clip(x + x·N(0, σ), 0, 1)), one `np.random.normal` array per
//!   frame — ImageNet-C's speckle noise.

use super::{Clean, Pairing, Perturbation};
use crate::corrupt::imagenet_c::{ShotNoise, SpeckleNoise};
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::unit_byte::unit_to_byte_f32;
use crate::raster::Image;
use crate::rng::Random;

/// Which noise a [`Noise`] sequence adds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoiseKind {
    /// Additive Gaussian noise of standard deviation `strength` (torch's generator in the reference).
    Gaussian,
    /// Poisson noise with `strength` photons per unit intensity.
    Shot,
    /// Multiplicative Gaussian noise of standard deviation `strength`.
    Speckle,
}

/// A noise sequence: its kind, its frame count and the strength at difficulties 1, 2, 3.
#[derive(Clone, Debug, PartialEq)]
pub struct Noise {
    pub kind: NoiseKind,
    pub frames: usize,
    pub strength: [f64; 3],
}

impl Perturbation for Noise {
    fn frame_count(&self) -> usize {
        self.frames
    }

    fn pairing(&self) -> Pairing {
        Pairing::AgainstFirst
    }

    fn difficulties(&self) -> std::ops::RangeInclusive<u32> {
        1..=3
    }

    fn frames(
        &self,
        clean: &Clean<'_>,
        difficulty: u32,
        rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()> {
        let strength = *difficulty
            .checked_sub(1)
            .and_then(|d| self.strength.get(d as usize))
            .ok_or_else(|| {
                Error::Invalid(format!("noise difficulty {difficulty} is outside 1..3"))
            })?;
        let x = clean.clean_frame()?;
        emit(x.clone())?;
        let context = Context::default();
        for _ in 1..self.frames {
            let frame = match self.kind {
                NoiseKind::Gaussian => gaussian_frame(&x, strength, rng),
                NoiseKind::Shot => ShotNoise { photons: strength }.apply(&x, rng, &context)?,
                NoiseKind::Speckle => SpeckleNoise { sigma: strength }.apply(&x, rng, &context)?,
            };
            emit(frame)?;
        }
        Ok(())
    }
}

/// One gaussian_noise frame: `ToPILImage(clamp(x + σ·randn_like(x), 0, 1))` in float32, the
/// normal draws taken plane by plane (C×H×W) as `randn_like` fills a tensor.
fn gaussian_frame(x: &Image, sigma: f64, rng: &mut dyn Random) -> Image {
    let sigma = sigma as f32;
    let (plane, c) = (x.width * x.height, x.channels);
    let mut noise = vec![0.0f64; x.len()];
    rng.fill_normal(0.0, 1.0, &mut noise);
    let data = x
        .data
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            let n = noise[(i % c) * plane + i / c] as f32;
            unit_to_byte_f32(v as f32 / 255.0 + sigma * n)
        })
        .collect();
    Image { data, ..*x }
}
