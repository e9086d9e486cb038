//! MNIST-C corruptions built from the ImageNet-C building blocks (google-research/mnist-c
//! `corruptions.py`; spec mnist-c.md §3, §5): the noises (gaussian, shot, impulse, speckle,
//! pessimal), the blurs (gaussian, glass, defocus), fog, frost, snow, spatter, contrast and
//! elastic_transform. motion_blur, zoom_blur, pixelate and jpeg_compression compute exactly what
//! their ImageNet-C versions compute, so the MNIST-C engine uses those.
//!
//! Inputs are 28×28 single-channel digits. The reference returns float32; the dataset files hold
//! its truncating `uint8` cast, so a float64 result is rounded to float32 first (spec §1.3–1.4).

mod contrast;
mod defocus_blur;
mod elastic_transform;
mod fog;
mod frost;
mod gaussian_blur;
mod gaussian_noise;
mod glass_blur;
mod impulse_noise;
mod pessimal_noise;
mod shot_noise;
mod snow;
mod spatter;
mod speckle_noise;

pub use contrast::Contrast;
pub use defocus_blur::DefocusBlur;
pub use elastic_transform::ElasticTransform;
pub use fog::Fog;
pub use frost::Frost;
pub use gaussian_blur::GaussianBlur;
pub use gaussian_noise::GaussianNoise;
pub use glass_blur::GlassBlur;
pub use impulse_noise::ImpulseNoise;
pub use pessimal_noise::{PessimalMatrix, PessimalNoise};
pub use shot_noise::ShotNoise;
pub use snow::Snow;
pub use spatter::Spatter;
pub use speckle_noise::SpeckleNoise;

use super::mnist::{check_digit, finish_value, SIDE};
use crate::ops::gaussian::{correlate_symmetric, scipy13_gaussian_kernel, Boundary, Sample};
use crate::raster::Image;

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
