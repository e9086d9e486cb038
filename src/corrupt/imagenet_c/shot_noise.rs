//! `shot_noise`: Poisson photon noise (spec §2.2). Each value of x = img/255 becomes
//! Poisson(x·photons)/photons, clipped to [0, 1]: one Poisson draw per value, in C order, with
//! numpy's legacy sampler (a value of 0 draws nothing).

use crate::corrupt::{check_photons, Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Values per Poisson draw: the counts are made and used a cache-sized piece at a time.
const CHUNK: usize = 16384;
/// Counts below this get their output value from a table.
const TABULATED_COUNTS: i64 = 1024;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShotNoise {
    /// Photons per unit intensity; smaller is noisier.
    pub photons: f64,
}

impl Corruption for ShotNoise {
    fn check(&self) -> std::result::Result<(), String> {
        check_photons(self.photons)
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let rates: Vec<f64> = (0..=255u8)
            .map(|v| v as f64 / 255.0 * self.photons)
            .collect();
        // clip(k / photons, 0, 1)·255 and numpy's truncating cast, for the usual counts.
        let value = |k: i64| ((k as f64 / self.photons).clamp(0.0, 1.0) * 255.0) as u8;
        let table: Vec<u8> = (0..TABULATED_COUNTS).map(value).collect();
        let mut data = vec![0u8; image.len()];
        // The draw is one array in C order; drawing it a chunk at a time continues the same stream.
        let mut counts = vec![0i64; CHUNK.min(image.len())];
        for (out, levels) in data.chunks_mut(CHUNK).zip(image.data.chunks(CHUNK)) {
            let counts = &mut counts[..levels.len()];
            rng.fill_poisson_levels(&rates, levels, counts);
            for (o, &k) in out.iter_mut().zip(counts.iter()) {
                *o = match table.get(k as usize) {
                    Some(&v) => v,
                    None => value(k),
                };
            }
        }
        Ok(Image { data, ..*image })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_or_zero_photons_are_refused() {
        for photons in [-5.0, 0.0] {
            let err = ShotNoise { photons }.check().unwrap_err();
            assert!(
                err.starts_with(&format!("photons = {photons} is ")),
                "{err}"
            );
        }
        for photons in [1e-9, 3.0] {
            assert_eq!(ShotNoise { photons }.check(), Ok(()));
        }
    }
}
