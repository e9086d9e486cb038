//! `brightness`: the HSV value channel raised by a constant (spec §3.8). The reference converts
//! the gray digit to RGB, to HSV (scikit-image), adds `shift` to V with a clip to [0, 1], converts
//! back to RGB and to gray (0.2125 R + 0.7154 G + 0.0721 B), then clips and scales by 255.
//!
//! For a gray input this is the closed form y = min(x/255 + shift, 1)·255, computed here:
//! * RGB → HSV of three equal channels gives H = 0, S = 0 (scikit-image sets S = 0 where max = min)
//!   and V = x/255, so V' = clip(x/255 + shift, 0, 1) is the same float64 value in both.
//! * HSV → RGB with S = 0 gives p = q = t = V'·1 = V' in every sextant: R = G = B = V' exactly.
//! * RGB → gray is V'·(0.2125 + 0.7154 + 0.0721) evaluated as a dot product; the weights sum to 1
//!   in real arithmetic, so in float64 it differs from V' by a few units in the last place at most
//!   (in either direction, depending on the summation order).
//! * The result is then converted to float32. The exact value V'·255 lies within float64
//!   rounding of x + 255·shift, and for the recipe's shifts (multiples of 0.1) 255·shift is a
//!   multiple of 0.5, so x + 255·shift is itself a float32 value far (≥ 2⁻¹⁷ relative) from any
//!   float32 rounding boundary: a few float64 ulps cannot change the float32 result. The unit tests
//!   check this margin for all 256 inputs and every recipe shift.

use super::{check_digit, map_values, Memo};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Brightness {
    /// Added to the HSV value channel on the [0, 1] scale.
    pub shift: f64,
    /// The output byte of every input byte.
    #[serde(skip)]
    table: Memo<[u8; 256]>,
}

impl Brightness {
    /// The float32 result for one 8-bit value, before the truncating cast.
    fn level(&self, x: u8) -> f32 {
        let value = (x as f64 / 255.0 + self.shift).clamp(0.0, 1.0);
        (value * 255.0) as f32
    }
}

impl Corruption for Brightness {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "brightness")?;
        let table = self
            .table
            .get(1, 0, || std::array::from_fn(|x| self.level(x as u8) as u8));
        Ok(map_values(image, table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The float32 conversion of every value within `ulps` float64 ulps of `v`.
    fn stable_f32(v: f64, ulps: u64) -> bool {
        let below = f64::from_bits(v.to_bits() - ulps);
        let above = f64::from_bits(v.to_bits() + ulps);
        below as f32 == v as f32 && above as f32 == v as f32
    }

    #[test]
    fn released_shift_gives_x_plus_127_truncated() {
        let b = Brightness {
            shift: 0.5,
            table: Memo::default(),
        };
        for x in 0..=255u8 {
            assert_eq!(b.level(x) as u8, (x as u16 + 127).min(255) as u8, "x {x}");
        }
    }

    #[test]
    fn hsv_round_trip_rounding_cannot_change_the_result() {
        for shift in [0.1, 0.2, 0.3, 0.4, 0.5] {
            for x in 0..=255u8 {
                let value = (x as f64 / 255.0 + shift).clamp(0.0, 1.0);
                // The gray conversion in two summation orders stays within a few ulps of V'.
                let forward = 0.2125 * value + 0.7154 * value + 0.0721 * value;
                let backward = 0.0721 * value + (0.7154 * value + 0.2125 * value);
                for gray in [forward, backward] {
                    assert!((gray - value).abs() <= 4.0 * f64::EPSILON * value);
                    assert_eq!(
                        (gray.clamp(0.0, 1.0) * 255.0) as f32,
                        (value * 255.0) as f32
                    );
                }
                assert!(stable_f32(value * 255.0, 16), "shift {shift} x {x}");
            }
        }
    }
}
