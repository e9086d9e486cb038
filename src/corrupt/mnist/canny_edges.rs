//! `canny_edges`: the digit replaced by its Canny edge map, 255 on edges and 0 elsewhere
//! (spec §3.15): scikit-image 0.14/0.15 `feature.canny(x/255)` with its defaults (σ = 1,
//! thresholds 0.1 and 0.2 on the float scale). Deterministic.

use super::{check_digit, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::canny_skimage::canny;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Gaussian smoothing of the detector.
const SIGMA: f64 = 1.0;
/// Hysteresis thresholds on the gradient magnitude (scikit-image's defaults for float images).
const LOW: f64 = 0.1;
const HIGH: f64 = 0.2;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CannyEdges {}

impl Corruption for CannyEdges {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "canny_edges")?;
        let edges = canny(&image.to_unit_f64(), SIDE, SIDE, SIGMA, LOW, HIGH);
        let mut out = image.clone();
        for (v, &edge) in out.data.iter_mut().zip(&edges) {
            *v = if edge { 255 } else { 0 };
        }
        Ok(out)
    }
}
