//! `saturate`: every HSV channel scaled and shifted, h, s, v ← clip(a·ch + b, 0, 1) (spec §5.10).
//! The reference converts the gray digit to RGB, to HSV (scikit-image), applies that, converts back
//! to RGB and to gray (0.2125 R + 0.7154 G + 0.0721 B), then clips and scales by 255.
//!
//! For a gray input this is the closed form y = k·V'·255 with V' = clip(a·x/255 + b, 0, 1),
//! computed here:
//! * A gray pixel has H = S = 0 and V = x/255, so H' = S' = clip(b, 0, 1) =: h for every pixel and
//!   V' is the same float64 value as in the reference.
//! * HSV → RGB (scikit-image: i = ⌊6h⌋ mod 6, f = 6h − ⌊6h⌋, p = V'(1 − h), q = V'(1 − f·h),
//!   t = V'(1 − (1 − f)·h), sextants (V,t,p), (q,V,p), (p,V,t), (p,q,V), (t,p,V), (V,p,q)) makes each
//!   channel V' times a factor that depends on h only; the gray weights combine those into one
//!   constant k (for the released row a = 20, b = 0.2: k = 0.2125·0.96 + 0.7154 + 0.0721·0.8 ≈
//!   0.97708).
//! * Reassociating V'·(factor) and the dot product moves the float64 result by a few ulps only.
//!   After the float32 conversion that cannot matter unless the exact value sits within float64
//!   rounding of a float32 rounding boundary; the unit tests check that margin for all 256 inputs
//!   and every recipe row, and compare with a literal evaluation of the round trip.

use super::{check_digit, map_values, Memo};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// scikit-image's `rgb2gray` weights (ITU-R BT.709 luma).
const GRAY_WEIGHTS: [f64; 3] = [0.2125, 0.7154, 0.0721];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Saturate {
    /// Factor applied to each HSV channel.
    pub scale: f64,
    /// Added to each HSV channel after scaling.
    pub shift: f64,
    /// The output byte of every input byte.
    #[serde(skip)]
    table: Memo<[u8; 256]>,
}

impl Saturate {
    /// The RGB channels of HSV (h, h, 1) as factors of V: the hue and saturation a gray pixel
    /// gets, whatever its value.
    fn channel_factors(&self) -> [f64; 3] {
        let h = (0.0 * self.scale + self.shift).clamp(0.0, 1.0);
        let sector = (h * 6.0).floor();
        let f = h * 6.0 - sector;
        let p = 1.0 - h;
        let q = 1.0 - f * h;
        let t = 1.0 - (1.0 - f) * h;
        match (sector as u8) % 6 {
            0 => [1.0, t, p],
            1 => [q, 1.0, p],
            2 => [p, 1.0, t],
            3 => [p, q, 1.0],
            4 => [t, p, 1.0],
            _ => [1.0, p, q],
        }
    }

    /// The gray weight k with gray = k·V'.
    fn gray_factor(&self) -> f64 {
        let [r, g, b] = self.channel_factors();
        GRAY_WEIGHTS[0] * r + GRAY_WEIGHTS[1] * g + GRAY_WEIGHTS[2] * b
    }

    /// The float32 result for one 8-bit value with gray factor `k`, before the truncating cast.
    fn level(&self, k: f64, x: u8) -> f32 {
        let value = (x as f64 / 255.0 * self.scale + self.shift).clamp(0.0, 1.0);
        ((k * value).clamp(0.0, 1.0) * 255.0) as f32
    }
}

impl Corruption for Saturate {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "saturate")?;
        let table = self.table.get(1, 0, || {
            let k = self.gray_factor();
            std::array::from_fn(|x| self.level(k, x as u8) as u8)
        });
        Ok(map_values(image, table))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ROWS: [(f64, f64); 5] = [(0.3, 0.0), (0.1, 0.0), (2.0, 0.0), (5.0, 0.1), (20.0, 0.2)];

    /// The reference round trip written out literally for one gray value: HSV of (v, v, v),
    /// the channel transform, scikit-image's hsv2rgb, then the gray dot product.
    fn round_trip(scale: f64, shift: f64, x: u8) -> f64 {
        let v = x as f64 / 255.0;
        let hsv = [0.0, 0.0, v].map(|ch| (ch * scale + shift).clamp(0.0, 1.0));
        let [h, s, v] = hsv;
        let hi = (h * 6.0).floor();
        let f = h * 6.0 - hi;
        let p = v * (1.0 - s);
        let q = v * (1.0 - f * s);
        let t = v * (1.0 - (1.0 - f) * s);
        let rgb = match (hi as u8) % 6 {
            0 => [v, t, p],
            1 => [q, v, p],
            2 => [p, v, t],
            3 => [p, q, v],
            4 => [t, p, v],
            _ => [v, p, q],
        };
        let gray = 0.2125 * rgb[0] + 0.7154 * rgb[1] + 0.0721 * rgb[2];
        gray.clamp(0.0, 1.0) * 255.0
    }

    #[test]
    fn closed_form_equals_the_round_trip_for_every_value() {
        for (scale, shift) in ROWS {
            let s = Saturate {
                scale,
                shift,
                table: Memo::default(),
            };
            let k = s.gray_factor();
            for x in 0..=255u8 {
                assert_eq!(
                    s.level(k, x),
                    round_trip(scale, shift, x) as f32,
                    "({scale}, {shift}) x {x}"
                );
            }
        }
    }

    #[test]
    fn float32_results_have_margin_against_reassociation() {
        for (scale, shift) in ROWS {
            let s = Saturate {
                scale,
                shift,
                table: Memo::default(),
            };
            let k = s.gray_factor();
            for x in 0..=255u8 {
                let value = (x as f64 / 255.0 * scale + shift).clamp(0.0, 1.0);
                let y = (k * value).clamp(0.0, 1.0) * 255.0;
                if y == 0.0 {
                    continue;
                }
                let below = f64::from_bits(y.to_bits() - 16);
                let above = f64::from_bits(y.to_bits() + 16);
                assert_eq!(below as f32, y as f32, "({scale}, {shift}) x {x}");
                assert_eq!(above as f32, y as f32, "({scale}, {shift}) x {x}");
            }
        }
    }

    #[test]
    fn released_row_matches_the_spec_constant() {
        let s = Saturate {
            scale: 20.0,
            shift: 0.2,
            table: Memo::default(),
        };
        assert!((s.gray_factor() - 0.97708).abs() < 1e-12);
        // Background: V' = 0.2, so y = 0.97708·0.2·255 = 49.83 → 49; ink saturates: 0.97708·255.
        let k = s.gray_factor();
        assert_eq!(s.level(k, 0) as u8, 49);
        assert_eq!(s.level(k, 255) as u8, 249);
    }

    #[test]
    fn zero_shift_is_a_plain_scale() {
        let s = Saturate {
            scale: 2.0,
            shift: 0.0,
            table: Memo::default(),
        };
        let k = s.gray_factor();
        for x in 0..=255u8 {
            let want = ((x as f64 * 2.0).min(255.0)) as u8;
            assert_eq!(s.level(k, x) as u8, want, "x {x}");
        }
    }
}
