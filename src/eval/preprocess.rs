//! Evaluation preprocessing: image → float32 tensor, as the benchmarks' test scripts do it.
//!
//! * `imagenet` (`ImageNet-C/test.py`, spec §4.1): clean images Resize(256) + CenterCrop(224);
//!   corrupted images, already 224×224, CenterCrop(224) only; ToTensor (÷255) and Normalize with
//!   torchvision's mean/std; RGB.
//! * `cifar` (`CIFAR-C` test scripts): ToTensor and Normalize with the CIFAR mean/std
//!   (125.3, 123.0, 113.9)/255 and (63.0, 62.1, 66.7)/255; RGB.
//! * `mnist`: ToTensor only; gray.
//! * `none`: the pixel values as floats, channels as stored.
//!
//! Each value is `(pixel · scale − mean[c]) / std[c]`; `--mean`, `--std`, `--scale` and
//! `--layout` override the preset. Resize and crop are PIL-exact ([`crate::prep`]).

use crate::error::{Error, Result};
use crate::prep::Prep;
use crate::raster::Image;
use serde::Serialize;
use std::borrow::Cow;

/// Channel order of the model's input tensor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Layout {
    Nchw,
    Nhwc,
}

/// One preprocessing: geometry, channels and normalisation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Preprocess {
    pub preset: String,
    /// Resize(short side) for clean images only.
    pub clean_resize: Option<usize>,
    /// CenterCrop for every image.
    pub crop: Option<usize>,
    /// 1 (gray), 3 (RGB), or `None` to keep the stored channels.
    pub channels: Option<usize>,
    pub scale: f32,
    pub mean: Vec<f32>,
    pub std: Vec<f32>,
    pub layout: Layout,
}

impl Preprocess {
    /// The named preset: `imagenet`, `cifar`, `mnist` or `none`.
    pub fn preset(name: &str) -> Result<Preprocess> {
        let unit = 1.0 / 255.0;
        let (clean_resize, crop, channels, scale, mean, std) = match name {
            "imagenet" => (
                Some(256),
                Some(224),
                Some(3),
                unit,
                vec![0.485, 0.456, 0.406],
                vec![0.229, 0.224, 0.225],
            ),
            "cifar" => (
                None,
                None,
                Some(3),
                unit,
                [125.3f32, 123.0, 113.9].iter().map(|v| v / 255.0).collect(),
                [63.0f32, 62.1, 66.7].iter().map(|v| v / 255.0).collect(),
            ),
            "mnist" => (None, None, Some(1), unit, vec![0.0], vec![1.0]),
            "none" => (None, None, None, 1.0, vec![0.0], vec![1.0]),
            other => {
                return Err(Error::Invalid(format!(
                    "unknown preset '{other}' (imagenet, cifar, mnist or none)"
                )))
            }
        };
        Ok(Preprocess {
            preset: name.to_string(),
            clean_resize,
            crop,
            channels,
            scale,
            mean,
            std,
            layout: Layout::Nchw,
        })
    }

    /// Refuses a mean or std whose length is neither 1 nor the channel count, and a zero std.
    pub fn check(&self) -> Result<()> {
        for (what, v) in [("--mean", &self.mean), ("--std", &self.std)] {
            let fits = v.len() == 1 || self.channels.is_none_or(|c| v.len() == c);
            if v.is_empty() || !fits {
                return Err(Error::Invalid(format!(
                    "{what} takes 1 value or one per channel, got {}",
                    v.len()
                )));
            }
        }
        if self.std.contains(&0.0) {
            return Err(Error::Invalid("--std must not be 0".into()));
        }
        Ok(())
    }

    /// The image the model sees before normalisation: channels converted, resized (clean
    /// images) and cropped. An image that is already what the model sees is borrowed, not
    /// copied (the common case: a 224×224 ImageNet-C file under the `imagenet` preset).
    pub fn geometry<'a>(&self, image: &'a Image, clean: bool) -> Result<Cow<'a, Image>> {
        let image: Cow<Image> = match (self.channels, image.channels) {
            (Some(3), 1) => {
                let rgb = image.data.iter().flat_map(|&v| [v, v, v]).collect();
                Cow::Owned(Image::new(image.width, image.height, 3, rgb)?)
            }
            // ITU-R 601-2 luma, as PIL's convert('L'): (299 R + 587 G + 114 B) / 1000, rounded.
            (Some(1), 3) => {
                let gray = image
                    .data
                    .chunks_exact(3)
                    .map(|p| {
                        ((p[0] as u32 * 19595 + p[1] as u32 * 38470 + p[2] as u32 * 7471 + 0x8000)
                            >> 16) as u8
                    })
                    .collect();
                Cow::Owned(Image::new(image.width, image.height, 1, gray)?)
            }
            _ => Cow::Borrowed(image),
        };
        let resize = if clean { self.clean_resize } else { None };
        // CenterCrop(n) of an n×n image is the image itself.
        let cropped = self
            .crop
            .is_none_or(|n| image.width == n && image.height == n);
        if resize.is_none() && cropped {
            return Ok(image);
        }
        let prep = Prep {
            resize_short_side: resize,
            center_crop: self.crop,
            ..Prep::default()
        };
        prep.apply(&image).map(Cow::Owned)
    }

    /// Writes `image` (after [`Preprocess::geometry`]) into `out` as `(C, H, W)` or `(H, W, C)`.
    ///
    /// A pixel has 256 possible values, so each channel's `(v · scale − mean) / std` is
    /// tabulated once, with the same float operations in the same order as per pixel.
    pub fn normalise(&self, image: &Image, out: &mut [f32]) {
        let c = image.channels;
        let pick = |v: &[f32], ch: usize| if v.len() == 1 { v[0] } else { v[ch] };
        let tables: Vec<[f32; 256]> = (0..c)
            .map(|ch| {
                let (mean, std) = (pick(&self.mean, ch), pick(&self.std, ch));
                std::array::from_fn(|v| (v as f32 * self.scale - mean) / std)
            })
            .collect();
        match self.layout {
            Layout::Nchw => {
                let plane = image.width * image.height;
                for (ch, table) in tables.iter().enumerate() {
                    let pixels = image.data.chunks_exact(c).map(|px| px[ch]);
                    for (o, v) in out[ch * plane..(ch + 1) * plane].iter_mut().zip(pixels) {
                        *o = table[v as usize];
                    }
                }
            }
            Layout::Nhwc => {
                for (o, px) in out.chunks_exact_mut(c).zip(image.data.chunks_exact(c)) {
                    for ((o, &v), table) in o.iter_mut().zip(px).zip(&tables) {
                        *o = table[v as usize];
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// ToTensor + Normalize on one pixel, in both layouts.
    #[test]
    fn normalise_follows_to_tensor_and_normalize() {
        let p = Preprocess::preset("imagenet").unwrap();
        let image = Image::new(2, 1, 3, vec![0, 128, 255, 10, 20, 30]).unwrap();
        let mut out = vec![0.0; 6];
        p.normalise(&image, &mut out);
        let want = (128.0f32 / 255.0 - 0.456) / 0.224;
        assert!((out[2] - want).abs() < 1e-6, "{out:?}");
        let nhwc = Preprocess {
            layout: Layout::Nhwc,
            ..p
        };
        nhwc.normalise(&image, &mut out);
        assert!((out[1] - want).abs() < 1e-6, "{out:?}");
    }

    /// The tabulated normalisation gives the bits of the per-pixel formula for every value,
    /// channel and layout.
    #[test]
    fn tabulated_normalise_equals_the_formula_bit_for_bit() {
        let p = Preprocess {
            scale: 1.0 / 255.0,
            ..Preprocess::preset("cifar").unwrap()
        };
        let data: Vec<u8> = (0..256 * 3).map(|i| (i * 7 % 256) as u8).collect();
        let image = Image::new(16, 16, 3, data).unwrap();
        for layout in [Layout::Nchw, Layout::Nhwc] {
            let p = Preprocess {
                layout,
                ..p.clone()
            };
            let mut out = vec![f32::NAN; 768];
            p.normalise(&image, &mut out);
            for (i, px) in image.data.chunks_exact(3).enumerate() {
                for (ch, &v) in px.iter().enumerate() {
                    let want = (v as f32 * p.scale - p.mean[ch]) / p.std[ch];
                    let at = match layout {
                        Layout::Nchw => ch * 256 + i,
                        Layout::Nhwc => i * 3 + ch,
                    };
                    assert_eq!(out[at].to_bits(), want.to_bits(), "{layout:?} {i} {ch}");
                }
            }
        }
    }

    /// An image already of the model's size is used in place; others are made anew.
    #[test]
    fn geometry_borrows_an_image_that_needs_nothing() {
        let p = Preprocess::preset("imagenet").unwrap();
        let c224 = Image::zeros(224, 224, 3);
        assert!(matches!(
            p.geometry(&c224, false).unwrap(),
            Cow::Borrowed(_)
        ));
        assert!(matches!(p.geometry(&c224, true).unwrap(), Cow::Owned(_)));
        let c230 = Image::zeros(230, 230, 3);
        assert!(matches!(p.geometry(&c230, false).unwrap(), Cow::Owned(_)));
    }

    /// Corrupted ImageNet-C images are only cropped; clean ones are resized first.
    #[test]
    fn clean_images_are_resized_corrupted_ones_only_cropped() {
        let p = Preprocess::preset("imagenet").unwrap();
        let big = Image::zeros(300, 400, 3);
        let clean = p.geometry(&big, true).unwrap();
        assert_eq!((clean.width, clean.height), (224, 224));
        let c224 = Image::zeros(224, 224, 3);
        assert_eq!(p.geometry(&c224, false).unwrap().data.len(), 224 * 224 * 3);
    }
}
