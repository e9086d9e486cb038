//! `zoom_blur` (spec §2.7): the mean of the image and its centre zooms by each factor of a numpy
//! `arange`, in float32 as the reference computes it. No random draws.
//!
//! x = float32(img / 255) (divided in float64, then rounded to float32); out = Σ_z clipped_zoom(x, z)
//! accumulated in float32; result = clip((x + out) / (count + 1), 0, 1) · 255, truncated. The list
//! starts at 1, so the unzoomed image has weight 2.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::unit_byte::unit_to_byte_f32;
use crate::ops::zoom::LinearZoom;
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
use serde::Deserialize;

/// The arguments of numpy's `arange(start, stop, step)`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Arange {
    pub start: f64,
    pub stop: f64,
    pub step: f64,
}

impl Arange {
    /// The values numpy's float64 `arange` gives: ceil((stop − start)/step) of them, element k
    /// being start + k·d with d = (start + step) − start, the step as numpy's fill recovers it
    /// from the first two elements. The float rounding decides whether `stop` itself appears.
    pub fn values(&self) -> Result<Vec<f64>> {
        let count = ((self.stop - self.start) / self.step).ceil();
        if !count.is_finite() || count > 1e6 {
            return Err(Error::Invalid(format!(
                "arange({}, {}, {}) has no sensible length",
                self.start, self.stop, self.step
            )));
        }
        let count = count.max(0.0) as usize;
        let delta = (self.start + self.step) - self.start;
        Ok((0..count).map(|k| self.start + k as f64 * delta).collect())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoomBlur {
    /// The zoom factors, as numpy `arange` arguments.
    pub zooms: Arange,
}

impl Corruption for ZoomBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let factors = self.zooms.values()?;
        let (height, width, channels) = (image.height, image.width, image.channels);
        // float32(v / 255) divided in float64 equals the float32 quotient for every 8-bit v
        // (checked below), which vectorises.
        let x: Vec<f32> = simd::dispatch(
            #[inline(always)]
            |_| image.data.iter().map(|&v| v as f32 / 255.0).collect(),
        );
        let mut sum = vec![0.0f32; x.len()];
        for &factor in &factors {
            let zoom = LinearZoom::clipped_zoom(height, width, factor)?;
            if zoom.is_identity() {
                // The values are non-negative, so the identity zoom (the factor 1 that starts
                // every list) reproduces them exactly.
                simd::dispatch(
                    #[inline(always)]
                    |_| sum.iter_mut().zip(&x).for_each(|(s, &v)| *s += v),
                );
            } else {
                zoom.add_to(&x, channels, &mut sum)?;
            }
        }
        let count = (factors.len() + 1) as f32;
        // numpy's truncating uint8 cast of clip((x + out) / count, 0, 1) · 255 (NaN goes to 0).
        let data = simd::dispatch(
            #[inline(always)]
            |_| {
                x.iter()
                    .zip(&sum)
                    .map(|(&v, &s)| unit_to_byte_f32((v + s) / count))
                    .collect()
            },
        );
        Image::new(width, height, channels, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn arange(start: f64, stop: f64, step: f64) -> Vec<f64> {
        Arange { start, stop, step }.values().unwrap()
    }

    #[test]
    fn float32_quotients_equal_the_rounded_float64_ones() {
        for v in 0..=255u8 {
            assert_eq!(v as f32 / 255.0, (v as f64 / 255.0) as f32, "value {v}");
        }
    }

    #[test]
    fn factor_counts_match_the_spec_table() {
        let s1 = arange(1.0, 1.11, 0.01);
        assert_eq!(s1.len(), 12, "1.11 itself is included");
        assert!((s1[11] - 1.11).abs() < 1e-12);
        assert_eq!(arange(1.0, 1.16, 0.01).len(), 16);
        assert_eq!(arange(1.0, 1.21, 0.02).len(), 11);
        assert_eq!(arange(1.0, 1.26, 0.02).len(), 13);
        let s5 = arange(1.0, 1.31, 0.03);
        assert_eq!(s5.len(), 11);
        assert!((s5[10] - 1.30).abs() < 1e-12);
        assert_eq!(s5[0], 1.0);
    }

    #[test]
    fn elements_use_the_step_numpy_recovers() {
        // numpy: arange(1, 1.16, 0.01)[13] is 1 + 13·((1 + 0.01) − 1), one ulp off 1 + 13·0.01.
        let values = arange(1.0, 1.16, 0.01);
        let delta = (1.0f64 + 0.01) - 1.0;
        assert_eq!(values[13], 1.0 + 13.0 * delta);
        assert_ne!(values[13], 1.0 + 13.0 * 0.01);
        assert!(arange(1.0, 0.5, 0.1).is_empty());
        assert!(Arange {
            start: 1.0,
            stop: 2.0,
            step: 0.0
        }
        .values()
        .is_err());
    }

    #[test]
    fn a_flat_image_stays_flat() {
        let flat = Image::new(32, 32, 3, vec![200; 32 * 32 * 3]).unwrap();
        let blur = ZoomBlur {
            zooms: Arange {
                start: 1.0,
                stop: 1.31,
                step: 0.03,
            },
        };
        let mut rng = crate::rng::NumpyRandom::new(0);
        let out = blur.apply(&flat, &mut rng, &Context::default()).unwrap();
        // float32 rounding may put 200/255·255 just below 200.
        assert!(out.data.iter().all(|&v| v == 199 || v == 200));
    }
}
