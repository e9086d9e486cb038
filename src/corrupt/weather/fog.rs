//! `fog`: a plasma fractal added to every channel, then the contrast pulled down (spec §2.10).
//! x = img/255 with global maximum m; x += strength·P (the top-left H×W of a plasma map of side
//! `map_size`); out = clip(x·m / (m + strength), 0, 1). The plasma map is the only random draw.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::plasma::plasma_fractal;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Fog {
    /// Weight of the fractal added to the image.
    pub strength: f64,
    /// Factor by which the fractal's noise amplitude falls per octave (larger is smoother).
    pub wibble_decay: f64,
    /// Side of the plasma map (a power of two, at least the image size).
    pub map_size: usize,
}

impl Corruption for Fog {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        if image.width > self.map_size || image.height > self.map_size {
            return Err(Error::Invalid(format!(
                "fog: a {}×{} image needs a plasma map of at least that size, not {}",
                image.width, image.height, self.map_size
            )));
        }
        let max = image.data.iter().copied().max().unwrap_or(0) as f64 / 255.0;
        let plasma = plasma_fractal(self.map_size, self.wibble_decay, rng)?;
        let denominator = max + self.strength;
        let c = image.channels;
        let mut values = Vec::with_capacity(image.len());
        for (y, row) in image.data.chunks_exact(image.width * c).enumerate() {
            let haze_row = &plasma[y * self.map_size..][..image.width];
            for (pixel, &haze) in row.chunks_exact(c).zip(haze_row) {
                let added = self.strength * haze;
                for &v in pixel {
                    let x = v as f64 / 255.0 + added;
                    values.push((x * max / denominator).clamp(0.0, 1.0) * 255.0);
                }
            }
        }
        Ok(image.with_values_f64(&values))
    }
}
