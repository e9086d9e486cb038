//! imagecorruptions' `elastic_transform` (spec §5.2), unlike ImageNet-C's: no affine step, the
//! smoothing and the noise scaled with the image. Draws: a uniform H×W field for dx, then one for
//! dy.
//!
//! 1. x = float32(img) / 255.
//! 2. σ = (0.01·H, 0.01·W) per axis; d = 0.005·H for both fields (H for both, as the reference).
//! 3. dx = float32(α · gaussian(U(−d, d) of shape H×W, σ, mode='reflect', truncate=3)), float64
//!    filtering with scipy ≥ 1.3's kernels; dy likewise, drawn second.
//! 4. map_coordinates(x, (row + dy, col + dx, channel), order=1, mode='reflect') with scipy ≥ 1.6's
//!    edge rules ([`crate::ops::map_coordinates_reflect`]); clip to [0, 1], ·255, truncated.

use crate::corrupt::imagenet_c::displace;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::gaussian::{correlate_symmetric, scipy13_gaussian_kernel, Boundary};
use crate::ops::map_coordinates_reflect::map_coordinates_reflect_order1;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ElasticTransform {
    /// The reference writes α as 250·factor; `scale` is that 250.
    pub scale: f64,
    /// α / scale.
    pub alpha: f64,
    /// σ of the smoothing per pixel of height (rows) or width (columns).
    pub sigma_per_pixel: f64,
    /// Half-width of the uniform noise per pixel of height.
    pub noise_per_pixel: f64,
}

/// The smoothing's `truncate`.
const TRUNCATE: f64 = 3.0;

impl ElasticTransform {
    /// One smoothed noise field: the uniform draw, then the Gaussian along rows and columns.
    fn field(&self, height: usize, width: usize, rng: &mut dyn Random) -> Vec<f64> {
        let d = height as f64 * self.noise_per_pixel;
        let mut field = vec![0.0f64; height * width];
        rng.fill_uniform(-d, d, &mut field);
        let sigmas = [
            height as f64 * self.sigma_per_pixel,
            width as f64 * self.sigma_per_pixel,
        ];
        for (axis, sigma) in sigmas.into_iter().enumerate() {
            // scipy leaves an axis alone for σ ≤ 1e-15.
            if sigma > 1e-15 {
                let weights = scipy13_gaussian_kernel(sigma, TRUNCATE);
                correlate_symmetric(
                    &mut field,
                    (height, width, 1),
                    axis,
                    &weights,
                    Boundary::Reflect,
                );
            }
        }
        field
    }
}

impl Corruption for ElasticTransform {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let (height, width, channels) = (image.height, image.width, image.channels);
        let mut cols = self.field(height, width, rng);
        let mut rows = self.field(height, width, rng);
        displace(&mut rows, &mut cols, width, self.scale * self.alpha);
        let x: Vec<f32> = image.data.iter().map(|&v| v as f32 / 255.0).collect();
        let mut sampled = vec![0f32; x.len()];
        map_coordinates_reflect_order1(&x, (height, width, channels), &rows, &cols, &mut sampled);
        // clip(·, 0, 1)·255 in float32 and numpy's truncating uint8 cast.
        let data = sampled
            .iter()
            .map(|&v| (v.clamp(0.0, 1.0) * 255.0) as u8)
            .collect();
        Image::new(width, height, channels, data)
    }

    fn check(&self) -> std::result::Result<(), String> {
        if self.sigma_per_pixel >= 0.0 && self.noise_per_pixel > 0.0 {
            return Ok(());
        }
        Err(format!(
            "sigma_per_pixel = {} must not be negative and noise_per_pixel = {} must be positive",
            self.sigma_per_pixel, self.noise_per_pixel
        ))
    }
}
