//! `fog`: a plasma fractal added to every channel, then the contrast pulled down (spec §2.10).
//! x = img/255 with global maximum m; x += strength·P (the top-left H×W of a plasma map of side
//! `map_size`); out = clip(x·m / (m + strength), 0, 1). The plasma map is the only random draw.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::plasma::plasma_fractal_crop;
use crate::ops::unit_byte::{unit_to_byte, UNIT};
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
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
        let plasma = plasma_fractal_crop(
            self.map_size,
            self.wibble_decay,
            rng,
            image.height,
            image.width,
        )?;
        let denominator = max + self.strength;
        let c = image.channels;
        let row_len = image.width * c;
        let mut data = vec![0u8; image.len()];
        // strength·P for every value of a row (each pixel's repeated over its channels).
        let mut added = vec![0.0; row_len];
        for (y, (row, out)) in image
            .data
            .chunks_exact(row_len)
            .zip(data.chunks_exact_mut(row_len))
            .enumerate()
        {
            let haze_row = &plasma[y * image.width..][..image.width];
            if c == 3 {
                for (values, &haze) in added.chunks_exact_mut(3).zip(haze_row) {
                    let a = self.strength * haze;
                    values.copy_from_slice(&[a, a, a]);
                }
            } else {
                for (values, &haze) in added.chunks_exact_mut(c).zip(haze_row) {
                    values.fill(self.strength * haze);
                }
            }
            simd::dispatch(
                #[inline(always)]
                |_| fog_row(&UNIT, row, &added, out, max, denominator),
            );
        }
        Ok(Image { data, ..*image })
    }
}

/// One row: out = uint8(clip((v/255 + added)·max / denominator, 0, 1)·255), the product formed
/// before the division as numpy evaluates `x * max_val / (max_val + c)`.
#[inline(always)]
fn fog_row(
    unit: &[f64; 256],
    row: &[u8],
    added: &[f64],
    out: &mut [u8],
    max: f64,
    denominator: f64,
) {
    for ((o, &v), &a) in out.iter_mut().zip(row).zip(added) {
        let x = unit[v as usize] + a;
        *o = unit_to_byte(x * max / denominator);
    }
}
