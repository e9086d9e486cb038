//! `elastic_transform` (spec §2.13): a random affine warp (OpenCV 3.4 `warpAffine`, bilinear,
//! reflect-101) followed by a smooth random displacement field resampled with scipy 1.0's
//! `map_coordinates` (order 1, reflect). Works on x = img/255 in float32 throughout.
//!
//! Draws: one uniform 3×2 (affine jitter), then uniform H×W for dx, then uniform H×W for dy.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::affine::{affine_from_points, warp_affine, Affine, WarpBorder};
use crate::ops::gaussian::{
    gaussian_filter_folded, gaussian_filter_plane, Boundary, FoldedGaussian,
};
use crate::ops::map_coordinates::map_coordinates_reflect_order1;
use crate::ops::unit_byte::unit_to_byte_f32;
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
use serde::Deserialize;
use std::cell::RefCell;
use std::sync::{Arc, Mutex};

/// One severity's parameters, shared with MNIST-C's elastic transform. The references write each
/// as `scale · factor` (ImageNet-C: scale 244, which "should have been 224"; MNIST-C: 28); the
/// products are taken in float64 as Python does.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticParams {
    /// The common factor of the three parameters.
    pub scale: f64,
    /// Displacement strength α / scale.
    pub alpha: f64,
    /// Smoothing σ of the displacement field / scale.
    pub sigma: f64,
    /// Jitter of the affine control points / scale.
    pub affine: f64,
}

impl ElasticParams {
    /// (α, σ, jitter) in pixels.
    pub fn in_pixels(&self) -> (f64, f64, f64) {
        (
            self.scale * self.alpha,
            self.scale * self.sigma,
            self.scale * self.affine,
        )
    }

    /// The reference's random affine for an H×W image: control points from the centre (H//2,
    /// W//2) and a third of the short side, as (row, col) pairs that OpenCV reads as (x, y),
    /// each coordinate moved by a float32 `uniform(−jitter, jitter)` (one 3×2 draw), and the
    /// map `getAffineTransform` fits to them.
    pub fn random_affine(
        &self,
        height: usize,
        width: usize,
        rng: &mut dyn Random,
    ) -> Result<Affine> {
        let jitter = self.scale * self.affine;
        let (c0, c1) = ((height / 2) as f32, (width / 2) as f32);
        let q = (height.min(width) / 3) as f32;
        let from = [[c0 + q, c1 + q], [c0 + q, c1 - q], [c0 - q, c1 - q]];
        let mut offsets = [0f64; 6];
        rng.fill_uniform(-jitter, jitter, &mut offsets);
        let mut to = from;
        for (k, point) in to.iter_mut().enumerate() {
            point[0] += offsets[2 * k] as f32;
            point[1] += offsets[2 * k + 1] as f32;
        }
        affine_from_points(&from, &to)
            .ok_or_else(|| Error::Invalid("elastic_transform: degenerate affine points".into()))
    }
}

/// Turns the smoothed fields into sample positions in place: each value times α, cast to
/// float32, added to its pixel's row (`rows`) or column (`cols`) in float64. Run through the
/// dispatch so the casts use the widest vectors.
pub fn displace(rows: &mut [f64], cols: &mut [f64], width: usize, alpha: f64) {
    simd::dispatch(
        #[inline(always)]
        |_| {
            let lines = rows
                .chunks_exact_mut(width.max(1))
                .zip(cols.chunks_exact_mut(width.max(1)));
            for (y, (row_line, col_line)) in lines.enumerate() {
                for (x, (r, q)) in row_line.iter_mut().zip(col_line.iter_mut()).enumerate() {
                    *r = y as f64 + (*r * alpha) as f32 as f64;
                    *q = x as f64 + (*q * alpha) as f32 as f64;
                }
            }
        },
    )
}

/// ImageNet-C's elastic transform at one severity.
#[derive(Debug, Deserialize)]
#[serde(from = "ElasticParams")]
pub struct ElasticTransform {
    params: ElasticParams,
    /// The folded kernels of the last image size, when σ needs them.
    folded: Mutex<Option<Arc<Folded>>>,
}

impl From<ElasticParams> for ElasticTransform {
    fn from(params: ElasticParams) -> Self {
        ElasticTransform {
            params,
            folded: Mutex::default(),
        }
    }
}

/// Folded smoothing kernels for fields of one size: `rows` for lines of H, `cols` for lines of W.
#[derive(Debug)]
struct Folded {
    size: (usize, usize),
    rows: FoldedGaussian,
    cols: FoldedGaussian,
}

impl ElasticTransform {
    /// The folded kernels for H×W fields when the kernel is longer than the lines, built once
    /// per image size; `None` when scipy's own accumulation is used.
    fn folded(&self, (height, width): (usize, usize), sigma: f64) -> Option<Arc<Folded>> {
        let radius = (TRUNCATE * sigma + 0.5) as usize;
        if radius < height.max(width) {
            return None;
        }
        let mut cache = self.folded.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(folded) = cache.as_ref().filter(|f| f.size == (height, width)) {
            return Some(folded.clone());
        }
        let fold = |len: usize| FoldedGaussian::new(len, sigma, Boundary::Reflect, TRUNCATE);
        let rows = fold(height)?;
        let cols = if width == height {
            rows.clone()
        } else {
            fold(width)?
        };
        let folded = Arc::new(Folded {
            size: (height, width),
            rows,
            cols,
        });
        *cache = Some(folded.clone());
        Some(folded)
    }
}

/// skimage's `truncate` of the field smoothing.
const TRUNCATE: f64 = 3.0;

/// skimage's `gaussian(field, σ, mode='reflect', truncate=3)` of the two float64 H×W fields.
///
/// A kernel longer than the lines (σ = 170.8 gives 1025 taps on 224 pixels) is folded onto the
/// line once and applied as a matrix (two half-size ones, over mirrored sums and differences):
/// the same weighted sums in another order, which moves results by a few units in the last place
/// of float64. After the cast to float32 a rare value
/// very close to zero lands one float32 step away, moving its sample by about 1e-12 pixel.
/// Shorter kernels run scipy's own accumulation, bit for bit.
fn smooth_fields(
    fields: [&mut [f64]; 2],
    (height, width): (usize, usize),
    sigma: f64,
    folded: Option<&Folded>,
) {
    for field in fields {
        match folded {
            Some(f) => gaussian_filter_folded(field, (height, width), &f.rows, &f.cols),
            None => {
                gaussian_filter_plane(field, (height, width), sigma, Boundary::Reflect, TRUNCATE)
            }
        }
    }
}

impl Corruption for ElasticTransform {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let (h, w, c) = (image.height, image.width, image.channels);
        let (alpha, sigma, _) = self.params.in_pixels();
        let x = image.to_unit_f32();
        let m = self.params.random_affine(h, w, rng)?;
        let warped = warp_affine(&x, w, h, c, &m, WarpBorder::Reflect101);

        SCRATCH.with_borrow_mut(|(cols, rows, out)| {
            // Displacement fields, dx drawn first; each float64 and smoothed.
            cols.resize(h * w, 0.0);
            rng.fill_uniform(-1.0, 1.0, cols);
            rows.resize(h * w, 0.0);
            rng.fill_uniform(-1.0, 1.0, rows);
            let folded = self.folded((h, w), sigma);
            smooth_fields([cols, rows], (h, w), sigma, folded.as_deref());
            displace(rows, cols, w, alpha);
            out.resize(h * w * c, 0.0);
            map_coordinates_reflect_order1(&warped, (h, w, c), rows, cols, out);
            let data = simd::dispatch(
                #[inline(always)]
                |_| out.iter().map(|&v| unit_to_byte_f32(v)).collect(),
            );
            Image::new(w, h, c, data)
        })
    }
}

thread_local! {
    /// The displacement fields and the sampled values, kept between calls (as large as the
    /// largest image the thread has seen): buffers this large are fresh pages from the system
    /// each time, whose faults cost a tenth of the transform at 224×224.
    static SCRATCH: RefCell<(Vec<f64>, Vec<f64>, Vec<f32>)> = RefCell::default();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::gaussian::gaussian_filter;
    use crate::rng::NumpyRandom;

    /// Sample positions from float32 displacement fields, as `apply` forms them.
    fn positions(dx: &[f64], dy: &[f64], w: usize, alpha: f64) -> (Vec<f64>, Vec<f64>) {
        let rows = (0..dy.len())
            .map(|p| (p / w) as f64 + (dy[p] * alpha) as f32 as f64)
            .collect();
        let cols = (0..dx.len())
            .map(|p| (p % w) as f64 + (dx[p] * alpha) as f32 as f64)
            .collect();
        (rows, cols)
    }

    #[test]
    fn folded_fields_sample_the_same_pixels_as_scipys_sums() {
        // Severity 1 at 224×224: σ = 170.8, 1025 taps folded onto 224 samples. The fields differ
        // from scipy's accumulation by units in the last place of float64; after the cast to
        // float32 a value very close to zero can land one float32 step away, which moves a
        // sample position by about 1e-12 pixel and no pixel of the output.
        let (h, w, c) = (224, 224, 3);
        let (sigma, alpha) = (244.0 * 0.7, 244.0 * 2.0);
        let image: Vec<f32> = (0..h * w * c)
            .map(|i| ((i * 7919) % 256) as f32 / 255.0)
            .collect();
        // This stream has one such value (of 100 352).
        let mut rng = NumpyRandom::new(1001);
        let mut dx = vec![0f64; h * w];
        rng.fill_uniform(-1.0, 1.0, &mut dx);
        let mut dy = vec![0f64; h * w];
        rng.fill_uniform(-1.0, 1.0, &mut dy);
        let (mut exact_x, mut exact_y) = (dx.clone(), dy.clone());
        gaussian_filter(&mut exact_x, (h, w, 1), sigma, Boundary::Reflect, 3.0);
        gaussian_filter(&mut exact_y, (h, w, 1), sigma, Boundary::Reflect, 3.0);
        let transform = ElasticTransform::from(ElasticParams {
            scale: 244.0,
            alpha: 2.0,
            sigma: 0.7,
            affine: 0.1,
        });
        let folded = transform.folded((h, w), sigma);
        assert!(folded.is_some());
        assert!(transform
            .folded((h, w - 1), sigma)
            .is_some_and(|f| f.size == (h, w - 1)));
        assert!(transform.folded((h, w), 2.44).is_none());
        smooth_fields([&mut dx, &mut dy], (h, w), sigma, folded.as_deref());

        let mut steps = 0;
        for (got, want) in [(&dx, &exact_x), (&dy, &exact_y)] {
            for (a, b) in got.iter().zip(want.iter()) {
                let (a, b) = ((a * alpha) as f32, (b * alpha) as f32);
                let apart = (a.to_bits() as i64 - b.to_bits() as i64).abs();
                assert!(apart <= 1, "{a} vs {b}");
                steps += apart;
            }
        }
        assert!(steps < 20, "{steps} values one float32 step apart");

        let sample = |dx: &[f64], dy: &[f64]| {
            let (rows, cols) = positions(dx, dy, w, alpha);
            let mut out = vec![0f32; h * w * c];
            map_coordinates_reflect_order1(&image, (h, w, c), &rows, &cols, &mut out);
            out.iter()
                .map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8)
                .collect::<Vec<u8>>()
        };
        assert_eq!(sample(&dx, &dy), sample(&exact_x, &exact_y));
    }
}
