//! `quantize`: the grey levels reduced to 2^bits evenly spaced values (spec §5.15), in float32 as
//! the reference computes it: x·f32((2^b − 1)/255), rounded half to even, times f32(255/(2^b − 1)).

use super::{check_digit, map_values, Memo};
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quantize {
    /// Bits of grey level kept (1..=8).
    pub bits: u32,
    /// The output byte of every input byte.
    #[serde(skip)]
    table: Memo<[u8; 256]>,
}

impl Corruption for Quantize {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "quantize")?;
        if !(1..=8).contains(&self.bits) {
            return Err(Error::Invalid(format!(
                "quantize: bits must be in 1..=8, got {}",
                self.bits
            )));
        }
        let table = self.table.get(1, 0, || {
            let steps = ((1u32 << self.bits) - 1) as f64;
            // numpy multiplies a float32 array by a Python float in float32: the factor is
            // rounded first.
            let down = (steps / 255.0) as f32;
            let up = (255.0 / steps) as f32;
            std::array::from_fn(|v| ((v as f32 * down).round_ties_even() * up) as u8)
        });
        Ok(map_values(image, table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    fn quantize_all(bits: u32) -> Vec<u8> {
        let ramp = Image::new(16, 16, 1, (0..=255).collect()).unwrap();
        // A 28×28 digit holding every grey level once (and zeros after).
        let mut data = ramp.data.clone();
        data.resize(28 * 28, 0);
        let digit = Image::new(28, 28, 1, data).unwrap();
        let out = Quantize {
            bits,
            table: Memo::default(),
        }
        .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
        .unwrap();
        out.data[..256].to_vec()
    }

    #[test]
    fn one_bit_thresholds_between_127_and_128() {
        let out = quantize_all(1);
        assert!(out[..128].iter().all(|&v| v == 0));
        assert!(out[128..].iter().all(|&v| v == 255));
    }

    #[test]
    fn levels_are_evenly_spaced_and_nearest() {
        for bits in 1..=5 {
            let steps = (1u32 << bits) - 1;
            let out = quantize_all(bits);
            let mut levels: Vec<u8> = out.clone();
            levels.dedup();
            assert_eq!(levels.len() as u32, steps + 1, "bits {bits}");
            for (x, &y) in out.iter().enumerate() {
                // The level index nearest to x·steps/255, then its value k·255/steps: float32
                // rounding and the truncating cast may take up to one grey level off.
                let k = (x as f64 * steps as f64 / 255.0).round();
                let want = k * 255.0 / steps as f64;
                assert!(
                    (y as f64 - want).abs() <= 1.0,
                    "bits {bits} x {x}: {y} vs {want}"
                );
            }
        }
        // Eight bits keep every value.
        assert_eq!(quantize_all(8), (0..=255).collect::<Vec<u8>>());
    }

    #[test]
    fn float32_levels_as_numpy_gives_them() {
        // numpy: x = arange(256, dtype=float32); x *= 7/255.; x = x.round(); x *= 255./7;
        // np.unique(x.astype(uint8)). The top level is 7·f32(255/7) = 254.99998 → 254.
        let mut levels = quantize_all(3);
        levels.dedup();
        assert_eq!(levels, vec![0, 36, 72, 109, 145, 182, 218, 254]);
        let mut levels = quantize_all(5);
        levels.dedup();
        assert_eq!(
            levels,
            vec![
                0, 8, 16, 24, 32, 41, 49, 57, 65, 74, 82, 90, 98, 106, 115, 123, 131, 139, 148,
                156, 164, 172, 180, 189, 197, 205, 213, 222, 230, 238, 246, 255
            ]
        );
    }

    #[test]
    fn bits_out_of_range_is_an_error() {
        let digit = Image::zeros(28, 28, 1);
        let q = Quantize {
            bits: 0,
            table: Memo::default(),
        };
        assert!(q
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .is_err());
    }
}
