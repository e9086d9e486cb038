//! `elastic_transform` (spec §2.13): a random affine warp (OpenCV 3.4 `warpAffine`, bilinear,
//! reflect-101) followed by a smooth random displacement field resampled with scipy 1.0's
//! `map_coordinates` (order 1, reflect). Works on x = img/255 in float32 throughout.
//!
//! Draws: one uniform 3×2 (affine jitter), then uniform H×W for dx, then uniform H×W for dy.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::affine::{affine_from_points, warp_affine_reflect101};
use crate::ops::gaussian::{gaussian_filter, Boundary};
use crate::ops::map_coordinates::map_coordinates_reflect_order1;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// One severity. The reference writes each parameter as `scale · factor` (scale 244, which "should
/// have been 224"); the products are taken in float64 as Python does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticTransform {
    /// The common factor of the three parameters (244 in the reference).
    pub scale: f64,
    /// Displacement strength α / scale.
    pub alpha: f64,
    /// Smoothing σ of the displacement field / scale.
    pub sigma: f64,
    /// Jitter of the affine control points / scale.
    pub affine: f64,
}

/// skimage's `gaussian(field, σ, mode='reflect', truncate=3)` of a float64 H×W field.
fn smooth_field(field: &mut [f64], height: usize, width: usize, sigma: f64) {
    gaussian_filter(field, (height, width, 1), sigma, Boundary::Reflect, 3.0);
}

impl Corruption for ElasticTransform {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let (h, w, c) = (image.height, image.width, image.channels);
        let alpha = self.scale * self.alpha;
        let sigma = self.scale * self.sigma;
        let jitter = self.scale * self.affine;
        let x = image.to_unit_f32();

        // Control points from the centre (H//2, W//2) and a third of the short side, as (row, col)
        // pairs that OpenCV reads as (x, y).
        let (c0, c1) = ((h / 2) as f32, (w / 2) as f32);
        let q = (h.min(w) / 3) as f32;
        let from = [[c0 + q, c1 + q], [c0 + q, c1 - q], [c0 - q, c1 - q]];
        let mut offsets = [0f64; 6];
        rng.fill_uniform(-jitter, jitter, &mut offsets);
        let mut to = from;
        for (k, point) in to.iter_mut().enumerate() {
            point[0] += offsets[2 * k] as f32;
            point[1] += offsets[2 * k + 1] as f32;
        }
        let m = affine_from_points(&from, &to)
            .ok_or_else(|| Error::Invalid("elastic_transform: degenerate affine points".into()))?;
        let warped = warp_affine_reflect101(&x, w, h, c, &m);

        // Displacement fields, dx drawn first; each float64, smoothed, scaled by α, cast to float32.
        let field = |rng: &mut dyn Random| {
            let mut f = vec![0f64; h * w];
            rng.fill_uniform(-1.0, 1.0, &mut f);
            smooth_field(&mut f, h, w, sigma);
            f.into_iter()
                .map(|v| (v * alpha) as f32)
                .collect::<Vec<f32>>()
        };
        let dx = field(rng);
        let dy = field(rng);

        // Sample positions (row + dy, col + dx) in float64.
        let rows: Vec<f64> = (0..h * w).map(|p| (p / w) as f64 + dy[p] as f64).collect();
        let cols: Vec<f64> = (0..h * w).map(|p| (p % w) as f64 + dx[p] as f64).collect();
        let mut out = vec![0f32; h * w * c];
        map_coordinates_reflect_order1(&warped, (h, w, c), &rows, &cols, &mut out);
        for v in &mut out {
            *v = v.clamp(0.0, 1.0) * 255.0;
        }
        Ok(image.with_values_f32(&out))
    }
}
