//! `impulse_noise`: salt-and-pepper noise as scikit-image 0.13's `random_noise(mode='s&p')` makes
//! it (spec §2.3). Two uniform arrays of shape H×W×C are drawn, the first deciding which values
//! flip, the second whether a flipped value becomes 1 (salt) or 0 (pepper); channels are independent.
//!
//! Each draw is numpy's `choice([True, False], p=[p, 1 − p])`: a uniform u picks `True` when u lies
//! below the first entry of the normalised cumulative sum, p / (p + (1 − p)). In float64
//! p + (1 − p) is exactly 1 for every p in [0, 1], so that threshold is p itself.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImpulseNoise {
    /// Fraction of values replaced by salt or pepper.
    pub amount: f64,
}

/// Values per uniform draw: the draws are made and used a cache-sized piece at a time.
const CHUNK: usize = 4096;

/// scikit-image's default share of salt among the flipped values.
const SALT_VS_PEPPER: f64 = 0.5;

impl Corruption for ImpulseNoise {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        Ok(simd::dispatch(
            #[inline(always)]
            |_| salt_and_pepper(image, self.amount, rng),
        ))
    }
}

/// The corruption, compiled once per vector width.
#[inline(always)]
fn salt_and_pepper(image: &Image, amount: f64, rng: &mut dyn Random) -> Image {
    let (flip_below, salt_below) = (amount, SALT_VS_PEPPER);
    // Two whole-image draws, as np.random.choice makes them: which values flip, then which salt.
    // Each is drawn a chunk at a time, which continues the same stream.
    let mut uniforms = vec![0.0; CHUNK.min(image.len())];
    let mut flips = vec![false; image.len()];
    for flips in flips.chunks_mut(CHUNK) {
        let uniforms = &mut uniforms[..flips.len()];
        rng.fill_uniform(0.0, 1.0, uniforms);
        for (flip, &u) in flips.iter_mut().zip(uniforms.iter()) {
            *flip = u < flip_below;
        }
    }
    // A kept value x = v/255 comes back as x·255 = v exactly; salt is 255, pepper 0.
    let mut data = image.data.clone();
    for (out, flips) in data.chunks_mut(CHUNK).zip(flips.chunks(CHUNK)) {
        let uniforms = &mut uniforms[..out.len()];
        rng.fill_uniform(0.0, 1.0, uniforms);
        for ((o, &flip), &u) in out.iter_mut().zip(flips).zip(uniforms.iter()) {
            // All ones where the value flips, then where it is salt: a branch-free select.
            let flipped = (flip as u8).wrapping_neg();
            let salt = ((u < salt_below) as u8).wrapping_neg();
            *o = (*o & !flipped) | (salt & flipped);
        }
    }
    Image { data, ..*image }
}

#[cfg(test)]
mod tests {
    use crate::rng::{NumpyRandom, Random};

    #[test]
    fn choice_threshold_is_p_itself() {
        // numpy divides the cumulative sum [p, p + (1 − p)] by its last entry; that entry must be
        // exactly 1 for the plain comparison u < p to be numpy's rule.
        let mut rng = NumpyRandom::new(7);
        let probabilities = (0..100_000).map(|_| rng.random_sample()).chain([
            0.0,
            0.03,
            0.06,
            0.09,
            0.17,
            0.27,
            0.5,
            1.0,
            f64::MIN_POSITIVE,
        ]);
        for p in probabilities {
            assert_eq!(p + (1.0 - p), 1.0, "p = {p:e}");
        }
    }
}
