//! Input preparation: what a suite's reference script does to a clean dataset image before the
//! corruption, declared in the recipe's `[input]` section.
//!
//! * `crop_fraction = f` (first, before any resize): the Inception script's
//!   `center_crop(img, f)`, a centred crop of int(h·f) × int(w·f) (float64 products, truncated)
//!   at top int(round((h − th)/2)) and left int(round((w − tw)/2)), half to even
//!   (`make_imagenet_c_inception.py`, spec §3.4).
//! * `resize_short_side = n`: torchvision 0.2 `Resize(n)` with PIL bilinear — the short side
//!   becomes n and the long side int(n·long/short) (truncated); an image whose short side is
//!   already n is left as it is.
//! * `resize = n`: `Resize((n, n))`, both sides n whatever the aspect ratio (Tiny-ImageNet-C).
//! * `classes = n`: the source must have n classes (CIFAR-10 against CIFAR-100: the archives
//!   look alike, and a mixed-up one would otherwise run to the end).
//! * `convert_rgb_last = true`: the source keeps each JPEG in the mode it opens in and the
//!   sequence converts it to RGB after the resize (`make_imagenet_p.py`: Resize(256), then
//!   `convert('RGB')`); for CMYK files the order changes a few values by 1.
//! * `center_crop = n`: `CenterCrop(n)`, top int(round((h − n)/2)) and left int(round((w − n)/2))
//!   with Python 3's round (half to even); outside the image, PIL's crop fills 0.
//!
//! The resampler is Pillow 5.0's (see [`crate::ops::resample`]), so the prepared pixels equal
//! the reference's.

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::ops::resample::{resize, Filter};
use crate::raster::Image;
use serde::{Deserialize, Serialize};

/// A suite's input preparation.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Prep {
    /// The libjpeg whose pixels JPEG inputs decode to.
    #[serde(default)]
    pub decoder: jpeg::Profile,
    /// A centred crop to this fraction of each side, before resizing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub crop_fraction: Option<f64>,
    pub resize_short_side: Option<usize>,
    pub resize: Option<usize>,
    pub center_crop: Option<usize>,
    /// The number of classes the source must have, where the suite fixes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes: Option<usize>,
    /// JPEGs are resized in the mode they open in (gray, CMYK) and converted to RGB after, as
    /// ImageNet-P's script does; otherwise they are converted on opening (ImageFolder's loader).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub convert_rgb_last: bool,
}

impl Prep {
    /// Refuses a source whose class count is not the suite's (`source` names it in the error).
    pub fn check_classes(&self, source: &std::path::Path, classes: usize) -> Result<()> {
        match self.classes {
            Some(n) if n != classes => Err(Error::file(
                source,
                format!("has {classes} classes; this suite is made from a dataset of {n} classes"),
            )),
            _ => Ok(()),
        }
    }

    /// Refuses settings no reference uses (both resizes, zero sizes).
    pub fn check(&self) -> std::result::Result<(), String> {
        if self.resize_short_side.is_some() && self.resize.is_some() {
            return Err("[input] takes resize_short_side or resize, not both".into());
        }
        if let Some(f) = self.crop_fraction.filter(|f| !(*f > 0.0 && *f <= 1.0)) {
            return Err(format!("[input] crop_fraction = {f} is outside (0, 1]"));
        }
        for (name, value) in [
            ("resize_short_side", self.resize_short_side),
            ("resize", self.resize),
            ("center_crop", self.center_crop),
        ] {
            if value == Some(0) {
                return Err(format!("[input] {name} must be at least 1"));
            }
        }
        Ok(())
    }

    /// The prepared image.
    pub fn apply(&self, image: &Image) -> Result<Image> {
        let cropped;
        let image = match self.crop_fraction {
            Some(f) => {
                cropped = center_crop_fraction(image, f)?;
                &cropped
            }
            None => image,
        };
        let resized = match (self.resize_short_side, self.resize) {
            (Some(n), _) => resize_short_side(image, n)?,
            (None, Some(n)) => resize(image, n, n, Filter::Bilinear)?,
            (None, None) => image.clone(),
        };
        Ok(match self.center_crop {
            Some(n) => center_crop(&resized, n),
            None => resized,
        })
    }

    /// The side of every prepared image, where the preparation fixes it.
    pub fn output_side(&self) -> Option<usize> {
        self.center_crop.or(self.resize)
    }
}

/// torchvision 0.2 `Resize(n)`.
fn resize_short_side(image: &Image, n: usize) -> Result<Image> {
    let (w, h) = (image.width, image.height);
    if w == 0 || h == 0 {
        return Err(Error::Invalid("cannot resize an empty image".into()));
    }
    if (w <= h && w == n) || (h <= w && h == n) {
        return Ok(image.clone());
    }
    // Python's `int(size * h / w)`: a float64 quotient, truncated.
    let (ow, oh) = if w < h {
        (n, (n as f64 * h as f64 / w as f64) as usize)
    } else {
        ((n as f64 * w as f64 / h as f64) as usize, n)
    };
    resize(image, ow, oh, Filter::Bilinear)
}

/// The Inception script's `center_crop(img, f)`: int(h·f) × int(w·f), centred.
fn center_crop_fraction(image: &Image, f: f64) -> Result<Image> {
    let (height, width) = (
        (image.height as f64 * f) as usize,
        (image.width as f64 * f) as usize,
    );
    if height == 0 || width == 0 {
        return Err(Error::Invalid(format!(
            "a {}×{} image cropped to {f} of each side leaves nothing",
            image.width, image.height
        )));
    }
    Ok(crop_centred(image, height, width))
}

/// torchvision `CenterCrop(n)` through PIL's `crop`, which fills 0 outside the image.
fn center_crop(image: &Image, n: usize) -> Image {
    crop_centred(image, n, n)
}

/// A `height`×`width` window at top int(round((H − height)/2)) and left
/// int(round((W − width)/2)) (half to even), as torchvision computes it, cut with PIL's `crop`,
/// which fills 0 outside the image.
fn crop_centred(image: &Image, height: usize, width: usize) -> Image {
    let offset = |len: usize, n: usize| ((len as f64 - n as f64) / 2.0).round_ties_even() as isize;
    let (top, left) = (offset(image.height, height), offset(image.width, width));
    let c = image.channels;
    let mut data = vec![0u8; width * height * c];
    for y in 0..height {
        let sy = top + y as isize;
        if sy < 0 || sy >= image.height as isize {
            continue;
        }
        for x in 0..width {
            let sx = left + x as isize;
            if sx < 0 || sx >= image.width as isize {
                continue;
            }
            let from = (sy as usize * image.width + sx as usize) * c;
            data[(y * width + x) * c..][..c].copy_from_slice(&image.data[from..from + c]);
        }
    }
    Image {
        width,
        height,
        channels: c,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(width: usize, height: usize) -> Image {
        let data = (0..width * height * 3).map(|v| (v % 251) as u8).collect();
        Image::new(width, height, 3, data).unwrap()
    }

    #[test]
    fn short_side_becomes_n_and_the_long_side_truncates() {
        let prep = |n| Prep {
            resize_short_side: Some(n),
            ..Prep::default()
        };
        // 500×375: 256·500/375 = 341.33 → 341.
        let out = prep(256).apply(&ramp(500, 375)).unwrap();
        assert_eq!((out.width, out.height), (341, 256));
        // Portrait 333×500: 256·500/333 = 384.38 → 384.
        let out = prep(256).apply(&ramp(333, 500)).unwrap();
        assert_eq!((out.width, out.height), (256, 384));
        // A short side already at n is left alone, pixels included.
        let image = ramp(256, 300);
        assert_eq!(prep(256).apply(&image).unwrap(), image);
    }

    #[test]
    fn center_crop_rounds_half_to_even() {
        // (341 − 224)/2 = 58.5 → 58 (half to even); (256 − 224)/2 = 16.
        let image = ramp(341, 256);
        let out = center_crop(&image, 224);
        assert_eq!((out.width, out.height), (224, 224));
        let at = |img: &Image, x: usize, y: usize| img.data[(y * img.width + x) * 3];
        assert_eq!(at(&out, 0, 0), at(&image, 58, 16));
        assert_eq!(at(&out, 223, 223), at(&image, 58 + 223, 16 + 223));
        // (343 − 224)/2 = 59.5 → 60.
        let image = ramp(343, 256);
        assert_eq!(at(&center_crop(&image, 224), 0, 0), at(&image, 60, 16));
    }

    #[test]
    fn crop_larger_than_the_image_fills_zero_around_it() {
        let image = ramp(2, 2);
        let out = center_crop(&image, 4);
        // Offsets round(−1) = −1: the image sits at (1, 1).
        assert_eq!(&out.data[..12], &[0; 12]);
        assert_eq!(&out.data[(4 + 1) * 3..(4 + 1) * 3 + 3], &image.data[..3]);
    }

    #[test]
    fn crop_fraction_truncates_each_side_then_centres() {
        // 500×375 at 0.875: 437 (437.5) × 328 (328.125); left round(31.5) = 32, top
        // round(23.5) = 24 (half to even).
        let image = ramp(500, 375);
        let out = center_crop_fraction(&image, 0.875).unwrap();
        assert_eq!((out.width, out.height), (437, 328));
        let at = |img: &Image, x: usize, y: usize| img.data[(y * img.width + x) * 3];
        assert_eq!(at(&out, 0, 0), at(&image, 32, 24));
        assert_eq!(at(&out, 436, 327), at(&image, 32 + 436, 24 + 327));
        let prep = Prep {
            crop_fraction: Some(0.875),
            resize: Some(299),
            ..Prep::default()
        };
        let out = prep.apply(&image).unwrap();
        assert_eq!((out.width, out.height), (299, 299));
        assert!(Prep {
            crop_fraction: Some(1.5),
            ..Prep::default()
        }
        .check()
        .is_err());
    }

    #[test]
    fn both_resizes_at_once_are_refused() {
        let prep = Prep {
            resize_short_side: Some(256),
            resize: Some(64),
            ..Prep::default()
        };
        assert!(prep.check().is_err());
        assert!(Prep::default().check().is_ok());
    }
}
