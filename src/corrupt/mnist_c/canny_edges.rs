//! `canny_edges`: the digit replaced by its Canny edge map, 255 on edges and 0 elsewhere
//! (spec §3.15): scikit-image 0.14/0.15 `feature.canny(x/255)` with its defaults (σ = 1,
//! thresholds 0.1 and 0.2 on the float scale). Deterministic.

use super::{check_digit, Memo, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::canny_skimage::Canny;
use crate::ops::unit_byte::UNIT;
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
pub struct CannyEdges {
    /// The detector for 28×28 images.
    #[serde(skip)]
    detector: Memo<Canny>,
}

impl Corruption for CannyEdges {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "canny_edges")?;
        let detector = self
            .detector
            .get(1, 0, || Canny::new(SIDE, SIDE, SIGMA, LOW, HIGH));
        let mut unit = [0.0f64; SIDE * SIDE];
        for (u, &x) in unit.iter_mut().zip(&image.data) {
            *u = UNIT[x as usize];
        }
        let mut edges = [false; SIDE * SIDE];
        detector.edges(&unit, &mut edges);
        let mut out = image.clone();
        for (v, &edge) in out.data.iter_mut().zip(&edges) {
            *v = if edge { 255 } else { 0 };
        }
        Ok(out)
    }
}
