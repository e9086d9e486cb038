//! The MNIST-C corruptions: the functions of google-research/mnist-c `corruptions.py` (spec
//! mnist-c.md §3, §5), one file per corruption named as the reference names it. The released 15
//! and identity, and the 16 leftovers: noises (gaussian, shot, impulse, speckle, pessimal), blurs
//! (gaussian, glass, defocus), weather (fog, frost, snow), spatter, contrast, brightness,
//! saturate, elastic_transform, the affine ones (shear, scale, rotate, translate), the strokes
//! (line, dotted_line, zigzag) and the per-pixel and edge ones (stripe, inverse, quantize,
//! canny_edges). motion_blur, zoom_blur, pixelate and jpeg_compression compute exactly what their
//! ImageNet-C versions compute, so the registry points MNIST-C at those; corruptions whose
//! parameters are ImageNet-C's wrap its parameter struct.
//!
//! Inputs are 28×28 single-channel digits. The reference returns float32; the dataset files hold
//! its truncating `uint8` cast, so a float64 result is rounded to float32 first (spec §1.3–1.4).

mod brightness;
mod canny_edges;
mod contrast;
mod defocus_blur;
mod dotted_line;
mod elastic_transform;
mod fog;
mod frost;
mod gaussian_blur;
mod gaussian_noise;
mod glass_blur;
mod identity;
mod impulse_noise;
mod inverse;
mod line;
mod pessimal_noise;
mod quantize;
mod rotate;
mod saturate;
mod scale;
mod shear;
mod shot_noise;
mod snow;
mod spatter;
mod speckle_noise;
mod stripe;
mod translate;
mod zigzag;

pub use brightness::Brightness;
pub use canny_edges::CannyEdges;
pub use contrast::Contrast;
pub use defocus_blur::DefocusBlur;
pub use dotted_line::DottedLine;
pub use elastic_transform::ElasticTransform;
pub use fog::Fog;
pub use frost::Frost;
pub use gaussian_blur::GaussianBlur;
pub use gaussian_noise::GaussianNoise;
pub use glass_blur::GlassBlur;
pub use identity::Identity;
pub use impulse_noise::ImpulseNoise;
pub use inverse::Inverse;
pub use line::Line;
pub use pessimal_noise::{PessimalMatrix, PessimalNoise};
pub use quantize::Quantize;
pub use rotate::Rotate;
pub use saturate::Saturate;
pub use scale::Scale;
pub use shear::Shear;
pub use shot_noise::ShotNoise;
pub use snow::Snow;
pub use spatter::Spatter;
pub use speckle_noise::SpeckleNoise;
pub use stripe::Stripe;
pub use translate::Translate;
pub use zigzag::Zigzag;

use crate::error::{Error, Result};
use crate::ops::affine_warp::WarpPlan;
use crate::ops::gaussian::{correlate_symmetric, scipy13_gaussian_kernel, Boundary, Sample};
use crate::raster::Image;
use crate::rng::Random;
use std::sync::OnceLock;

/// Side of an MNIST image; the reference hard-codes it (stroke grids, the 13.5 centre, stripes).
pub const SIDE: usize = 28;

/// The centre the affine corruptions keep fixed, (col, row) = (13.5, 13.5).
const CENTRE: f64 = 13.5;

/// Checks that `image` is what MNIST-C corrupts: 28×28, one channel.
pub(crate) fn check_digit(image: &Image, name: &str) -> Result<()> {
    if (image.width, image.height, image.channels) != (SIDE, SIDE, 1) {
        return Err(Error::Invalid(format!(
            "{name} needs a 28×28 single-channel image, got {}×{}×{}",
            image.width, image.height, image.channels
        )));
    }
    Ok(())
}

/// The reference's ending for one float64 value in [0, 1] work: `np.clip(x, 0, 1) * 255`,
/// converted to float32 (round to nearest), then the dataset's truncating `uint8` cast.
#[inline]
pub(crate) fn finish_value(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0) as f32 as u8
}

/// `np.random.choice([-1, 1])`: numpy 1.16 draws the index with `randint(0, 2)`; returns the
/// index (0 for −1, 1 for +1).
fn random_sign(rng: &mut dyn Random) -> usize {
    rng.randint(0, 2) as usize
}

/// The sign `np.random.choice([-1, 1])` picked with index `index`.
fn sign(index: usize) -> f64 {
    [-1.0, 1.0][index]
}

/// Values a corruption derives from its parameters and a few possible draws (warp plans, stroke
/// masks), one slot per key in 0..len, each made on first use and shared by all threads.
struct Memo<T> {
    slots: OnceLock<Box<[OnceLock<T>]>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            slots: OnceLock::new(),
        }
    }
}

impl<T> Memo<T> {
    /// The value for `key` (< `len`, the same `len` on every call), made by `make` the first time.
    fn get(&self, len: usize, key: usize, make: impl FnOnce() -> T) -> &T {
        let slots = self
            .slots
            .get_or_init(|| (0..len).map(|_| OnceLock::new()).collect());
        slots[key].get_or_init(make)
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = self
            .slots
            .get()
            .map_or(0, |s| s.iter().filter(|v| v.get().is_some()).count());
        write!(f, "Memo({made} made)")
    }
}

/// The image with every value replaced through `table`, for corruptions that map each 8-bit value
/// on its own.
fn map_values(image: &Image, table: &[u8; 256]) -> Image {
    let mut out = image.clone();
    for v in &mut out.data {
        *v = table[*v as usize];
    }
    out
}

/// Warps x/255 with the plan of a scikit-image inverse map and finishes as the reference does.
fn warp_digit(image: &Image, plan: &WarpPlan) -> Image {
    let mut out = Image::zeros(SIDE, SIDE, 1);
    plan.warp_unit(&image.data, finish_value, &mut out.data);
    out
}

/// scikit-image's default `truncate` for `gaussian`.
const TRUNCATE: f64 = 4.0;

/// The reference's ending for float64 work in [0, 1] (see [`finish_value`]) over a whole digit.
fn finish(image: &Image, values: &[f64]) -> Image {
    let scaled: Vec<u8> = values.iter().map(|&v| finish_value(v)).collect();
    Image {
        data: scaled,
        ..*image
    }
}

/// "vblur": scikit-image 0.14/0.15 `gaussian(x, σ, multichannel=True)` on a 2-D float64 array
/// (spec §2.2). The scalar σ becomes [σ, 0], so only axis 0 is filtered: each column on its own,
/// mode nearest, truncate 4.
fn vertical_blur(values: &mut [f64], height: usize, width: usize, sigma: f64) {
    if sigma <= 1e-15 {
        return;
    }
    let weights = scipy13_gaussian_kernel(sigma, TRUNCATE);
    correlate_symmetric(values, (height, width, 1), 0, &weights, Boundary::Nearest);
}

/// scikit-image's `gaussian(x, σ, mode, truncate)` on a 2-D 28×28 array without `multichannel`:
/// scipy's `gaussian_filter` over both axes, rows first, with the kernel of the reference stack's
/// scipy 1.3. A float32 array is rounded after each axis, as scipy does.
fn blur_2d<T: Sample>(values: &mut [T], sigma: f64, boundary: Boundary, truncate: f64) {
    if sigma <= 1e-15 {
        return;
    }
    let weights = scipy13_gaussian_kernel(sigma, truncate);
    for axis in 0..2 {
        correlate_symmetric(values, (SIDE, SIDE, 1), axis, &weights, boundary);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::unit_byte::UNIT;

    #[test]
    fn unit_values_finish_as_themselves() {
        // Pixels a stroke leaves alone go x/255 → ·255 → float32 → uint8, which is x again.
        for x in 0..=255u8 {
            assert_eq!(finish_value(UNIT[x as usize]), x);
            assert_eq!(finish_value(UNIT[x as usize] + 0.0), x);
        }
    }

    #[test]
    fn finish_rounds_to_float32_before_truncating() {
        // Just below 100/255: ·255 gives 99.99999999999999 in float64, 100 in float32.
        let below = f64::from_bits((100.0f64 / 255.0).to_bits() - 1);
        assert_eq!((below * 255.0) as u8, 99);
        let pixel = Image::zeros(1, 1, 1);
        assert_eq!(finish(&pixel, &[below]).data, [100]);
        assert_eq!(finish(&pixel, &[-0.5]).data, [0]);
        assert_eq!(finish(&pixel, &[1.5]).data, [255]);
    }
}
