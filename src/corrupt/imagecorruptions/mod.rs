//! The imagecorruptions corruptions: bethgelab's `imagecorruptions` 1.1.2 (PyPI), the ImageNet-C
//! functions generalised to any image of at least 32×32 pixels (spec imagenet-c-p.md §5).
//!
//! Its `corrupt(image, severity, name)` stacks a gray image (H×W or H×W×1) to three channels,
//! refuses sides below 32, runs the function and casts with numpy's truncating `uint8`.
//! [`AnySize`] does the first two around any corruption. The functions whose computation is
//! the ImageNet-C one at every size (the noises, glass, brightness, contrast, JPEG,
//! gaussian_blur, spatter's water, saturate) are the [`crate::corrupt::imagenet_c`] structs inside
//! [`AnySize`]; the files here are the ones whose computation differs: sizes derived from the
//! image (fog's plasma map, zoom's per-axis crop, pixelate's NEAREST enlargement), other float
//! types (spatter's mud mask) or other
//! algorithms (the numpy motion blur of motion_blur and snow, elastic_transform, frost's
//! bicubic texture scaling, defocus_blur's DFT-based OpenCV 4 filter2D).

mod defocus_blur;
mod elastic_transform;
mod fog;
mod frost;
mod motion_blur;
mod pixelate;
mod snow;
mod spatter;
mod zoom_blur;

pub use defocus_blur::DefocusBlur;
pub use elastic_transform::ElasticTransform;
pub use fog::Fog;
pub use frost::Frost;
pub use motion_blur::MotionBlur;
pub use pixelate::Pixelate;
pub use snow::Snow;
pub use spatter::Spatter;
pub use zoom_blur::ZoomBlur;

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// The smallest side `corrupt` accepts.
pub const MIN_SIDE: usize = 32;

/// A corruption behind imagecorruptions' `corrupt` checks: sides of at least [`MIN_SIDE`], and a
/// one-channel image replicated to RGB before the corruption sees it.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct AnySize<T>(pub T);

impl<T: Corruption> Corruption for AnySize<T> {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        let rgb = to_rgb(image)?;
        self.0.apply(rgb.as_ref().unwrap_or(image), rng, context)
    }

    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }
}

/// `None` for an RGB image that `corrupt` accepts as it is, the replicated RGB image for a gray
/// one, or the reason `corrupt` refuses it.
fn to_rgb(image: &Image) -> Result<Option<Image>> {
    if image.height < MIN_SIDE || image.width < MIN_SIDE {
        return Err(Error::Invalid(format!(
            "imagecorruptions needs an image of at least {MIN_SIDE}×{MIN_SIDE} pixels, got {}×{} (width×height)",
            image.width, image.height
        )));
    }
    match image.channels {
        3 => Ok(None),
        1 => {
            let data = image.data.iter().flat_map(|&v| [v, v, v]).collect();
            Image::new(image.width, image.height, 3, data).map(Some)
        }
        c => Err(Error::Invalid(format!(
            "imagecorruptions takes a gray or RGB image, not {c} channels"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corrupt::imagenet_c::Contrast;
    use crate::rng::NumpyRandom;

    fn contrast() -> AnySize<Contrast> {
        AnySize(Contrast { factor: 0.4 })
    }

    #[test]
    fn sides_below_32_are_refused() {
        for (w, h) in [(31, 40), (40, 31)] {
            let err = contrast()
                .apply(
                    &Image::zeros(w, h, 3),
                    &mut NumpyRandom::new(0),
                    &Context::default(),
                )
                .unwrap_err();
            assert!(err.to_string().contains("at least 32×32"), "{err}");
        }
    }

    #[test]
    fn gray_is_replicated_to_rgb_first() {
        let gray: Vec<u8> = (0..32 * 33).map(|i| (i * 7 % 256) as u8).collect();
        let rgb: Vec<u8> = gray.iter().flat_map(|&v| [v, v, v]).collect();
        let run = |image: Image| {
            contrast()
                .apply(&image, &mut NumpyRandom::new(0), &Context::default())
                .unwrap()
        };
        let from_gray = run(Image::new(32, 33, 1, gray).unwrap());
        let from_rgb = run(Image::new(32, 33, 3, rgb).unwrap());
        assert_eq!(from_gray.channels, 3);
        assert_eq!(from_gray.data, from_rgb.data);
    }
}
