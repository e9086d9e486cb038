//! `elastic_transform` (spec §2.13): a random affine warp (OpenCV 3.4 `warpAffine`, bilinear,
//! reflect-101) followed by a smooth random displacement field resampled with scipy 1.0's
//! `map_coordinates` (order 1, reflect). Works on x = img/255 in float32 throughout.
//!
//! Draws: one uniform 3×2 (affine jitter), then uniform H×W for dx, then uniform H×W for dy.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::affine::{affine_from_points, warp_affine_reflect101};
use crate::ops::gaussian::{
    gaussian_filter_folded, gaussian_filter_plane, Boundary, FoldedGaussian,
};
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

/// skimage's `gaussian(field, σ, mode='reflect', truncate=3)` of the two float64 H×W fields.
///
/// A kernel longer than the lines (σ = 170.8 gives 1025 taps on 224 pixels) is folded onto the
/// line once and applied as a matrix: the same weighted sums in another order, which moves
/// results by a few units in the last place of float64, far below the float32 the fields are
/// cast to. Shorter kernels run scipy's own accumulation, bit for bit.
fn smooth_fields(fields: [&mut [f64]; 2], height: usize, width: usize, sigma: f64) {
    let (boundary, truncate) = (Boundary::Reflect, 3.0);
    let radius = (truncate * sigma + 0.5) as usize;
    let fold = |len: usize| FoldedGaussian::new(len, sigma, boundary, truncate);
    if radius >= height.max(width) {
        let rows = fold(height);
        let cols = if width == height { None } else { fold(width) };
        if let Some(rows) = &rows {
            if let Some(cols) = cols.as_ref().or((width == height).then_some(rows)) {
                for field in fields {
                    gaussian_filter_folded(field, (height, width), rows, cols);
                }
                return;
            }
        }
    }
    for field in fields {
        gaussian_filter_plane(field, (height, width), sigma, boundary, truncate);
    }
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

        // Displacement fields, dx drawn first; each float64, smoothed, scaled by α, cast to float32,
        // then added to the pixel's (row, col) in float64: the sample positions.
        let mut cols = vec![0f64; h * w];
        rng.fill_uniform(-1.0, 1.0, &mut cols);
        let mut rows = vec![0f64; h * w];
        rng.fill_uniform(-1.0, 1.0, &mut rows);
        smooth_fields([&mut cols, &mut rows], h, w, sigma);
        let lines = rows
            .chunks_exact_mut(w.max(1))
            .zip(cols.chunks_exact_mut(w.max(1)));
        for (y, (row_line, col_line)) in lines.enumerate() {
            for (x, (r, q)) in row_line.iter_mut().zip(col_line).enumerate() {
                *r = y as f64 + (*r * alpha) as f32 as f64;
                *q = x as f64 + (*q * alpha) as f32 as f64;
            }
        }
        let mut out = vec![0f32; h * w * c];
        map_coordinates_reflect_order1(&warped, (h, w, c), &rows, &cols, &mut out);
        let data = out
            .iter()
            .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
            .collect();
        Image::new(w, h, c, data)
    }
}
