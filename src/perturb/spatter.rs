//! `spatter` sequence (validation, spec §6.3): water drops that run down the crop. Draws: one
//! normal array H×W, before the first frame.
//!
//! The liquid layer is N(mean, std), smoothed by scikit-image's `gaussian` (σ = blur_sigma, mode
//! 'nearest'), and values below the threshold set to 0, once. Frame i is ImageNet-C's water
//! spatter (§2.18, mode 0, tint `intensity`) drawn with the current layer, which is then
//! convolved down every column with `kernel` (numpy's `convolve(column, kernel, 'same')`, zero
//! outside): `L'[r] = Σⱼ k[m−1−j]·L[r − m/2 + j]` for j = 0…m−1, summed in that order as numpy
//! does (`0.7·L[r−2] + 0.15·L[r−1] + 0.1·L[r] + 0.05·L[r+1]` at 224), so the drops slide down.

use super::{Clean, Pairing, Perturbation};
use crate::corrupt::imagenet_c::{Liquid, Spatter};
use crate::error::Result;
use crate::ops::gaussian::{gaussian_filter_plane, Boundary};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SpatterSequence {
    pub frames: usize,
    /// Mean of the liquid layer's normal draw.
    pub mean: f64,
    /// Standard deviation of that draw.
    pub std: f64,
    /// σ of the gaussian smoothing the layer.
    pub blur_sigma: f64,
    /// Layer values below this are dry (applied once, before the first frame).
    pub threshold: f64,
    /// Strength of the water tint.
    pub intensity: f64,
    /// The column kernel moving the layer between frames, as written for `np.convolve`.
    pub kernel: Vec<f64>,
}

/// `np.convolve(column, kernel, mode='same')` of every column of an H×W plane.
fn convolve_columns(layer: &[f64], (h, w): (usize, usize), kernel: &[f64]) -> Vec<f64> {
    let m = kernel.len();
    let flipped: Vec<f64> = kernel.iter().rev().copied().collect();
    let mut out = vec![0.0; layer.len()];
    for r in 0..h {
        for c in 0..w {
            let mut sum = 0.0;
            for (j, &k) in flipped.iter().enumerate() {
                let row = (r + j).checked_sub(m / 2).filter(|&row| row < h);
                if let Some(row) = row {
                    sum += k * layer[row * w + c];
                }
            }
            out[r * w + c] = sum;
        }
    }
    out
}

impl Perturbation for SpatterSequence {
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
        let (h, w) = (x.height, x.width);
        let mut layer = vec![0.0f64; h * w];
        rng.fill_normal(self.mean, self.std, &mut layer);
        gaussian_filter_plane(&mut layer, (h, w), self.blur_sigma, Boundary::Nearest, 4.0);
        for v in &mut layer {
            if *v < self.threshold {
                *v = 0.0;
            }
        }
        // The layer is thresholded once, above; each frame casts it to 8 bits as it is, which
        // the water render does for values at or above its threshold (0, which all are).
        let water = Spatter {
            mean: self.mean,
            std: self.std,
            blur_sigma: self.blur_sigma,
            threshold: 0.0,
            intensity: self.intensity,
            liquid: Liquid::Water,
        };
        for _ in 0..self.frames {
            emit(Image {
                data: water.water(&x, &layer),
                ..x
            })?;
            layer = convolve_columns(&layer, (h, w), &self.kernel);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_move_down_as_numpy_same_mode_says() {
        // One column with a single 1 at row 2: 'same' mode with a 4-tap kernel spreads it to
        // rows 1..4 as k[0] at row 1, k[1] at row 2, k[2] at row 3, k[3] at row 4.
        let layer = [0.0, 0.0, 1.0, 0.0, 0.0, 0.0];
        let out = convolve_columns(&layer, (6, 1), &[0.05, 0.1, 0.15, 0.7]);
        assert_eq!(out, vec![0.0, 0.05, 0.1, 0.15, 0.7, 0.0]);
        // Two taps: L'[r] = 0.2·L[r] + 0.8·L[r − 1].
        let out = convolve_columns(&layer, (6, 1), &[0.2, 0.8]);
        assert_eq!(out, vec![0.0, 0.0, 0.2, 0.8, 0.0, 0.0]);
    }
}
