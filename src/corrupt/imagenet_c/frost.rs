//! `frost`: a random window of one of the frost textures blended over the image (spec §2.9),
//! as hendrycks `frost`: clip(a·img + b·texture, 0, 255) in float64, truncated to 8 bits.
//!
//! Draws, in order: the texture index `randint(5)` (so the sixth texture is never chosen, as in
//! the reference), the window's top row `randint(0, H_t − H)`, its left column
//! `randint(0, W_t − W)`. The reference crops 224×224; other image sizes crop their own H×W.
//!
//! The 32×32 and 64×64 scripts (CIFAR-10-C, Tiny-ImageNet-C) first shrink the chosen texture with
//! OpenCV's bilinear `cv2.resize(fx=fy=texture_scale)` (0.2 and 0.3, spec §3.1); the window is
//! then drawn on the shrunk texture. Without `texture_scale` the texture is used as read.

use crate::assets::frost::FrostTextures;
use crate::assets::FROST;
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::resize_linear::resize_linear_by;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;
use std::sync::{Arc, Mutex};

/// How many of the textures the reference chooses from: the first five of six.
const CHOSEN_TEXTURES: i64 = 5;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frost {
    /// Weight of the image (a).
    pub image_weight: f64,
    /// Weight of the texture (b).
    pub frost_weight: f64,
    /// The factor the chosen texture is first resized by ([`resize_linear_by`]), where the
    /// suite's script shrinks it.
    #[serde(default)]
    pub texture_scale: Option<f64>,
}

impl Corruption for Frost {
    fn check(&self) -> std::result::Result<(), String> {
        match self.texture_scale {
            Some(f) if !(f > 0.0 && f <= 1.0) => Err(format!(
                "texture_scale = {f} is outside (0, 1] (the references shrink the textures)"
            )),
            _ => Ok(()),
        }
    }

    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        if image.channels != 3 {
            return Err(Error::Invalid(format!(
                "frost needs an RGB image, got {} channels",
                image.channels
            )));
        }
        // numpy's float64 sum, cast straight to 8 bits by the caller's uint8 conversion.
        self.blend_drawn(image, FrostTextures::texture, rng, context, |sum| sum as u8)
    }
}

impl Frost {
    /// The reference's draws and blend, shared with MNIST-C's frost: a texture of the same
    /// channel count as `image` (`texture_of` picks it from the set), a window of the image's
    /// size, and clip(a·v + b·f, 0, 255) in float64 per value, made a byte by `to_byte`.
    pub(crate) fn blend_drawn(
        &self,
        image: &Image,
        texture_of: impl Fn(&FrostTextures, usize) -> Option<&Image>,
        rng: &mut dyn Random,
        context: &Context,
        to_byte: impl Fn(f64) -> u8,
    ) -> Result<Image> {
        let textures = FrostTextures::for_context(context)?;
        let index = rng.randint(0, CHOSEN_TEXTURES) as usize;
        let texture = texture_of(&textures, index)
            .filter(|t| t.channels == image.channels)
            .ok_or_else(|| Error::Invalid(format!("no frost texture {index}")))?;
        let scaled;
        let texture = match self.texture_scale {
            Some(factor) => {
                scaled = shrunk(&textures, texture, index, factor)?;
                scaled.as_ref()
            }
            None => texture,
        };
        // randint(0, n) needs n ≥ 1: the texture must be strictly larger than the image.
        if texture.height <= image.height || texture.width <= image.width {
            return Err(Error::Invalid(format!(
                "frost texture {} is {}×{}, too small for a {}×{} image (it must be larger in both dimensions)",
                FROST.files[index].name,
                texture.height,
                texture.width,
                image.height,
                image.width
            )));
        }
        let top = rng.randint(0, (texture.height - image.height) as i64) as usize;
        let left = rng.randint(0, (texture.width - image.width) as i64) as usize;
        // a·v and b·f for every 8-bit value, each the same float64 product numpy forms.
        let image_term: [f64; 256] = std::array::from_fn(|v| self.image_weight * v as f64);
        let frost_term: [f64; 256] = std::array::from_fn(|f| self.frost_weight * f as f64);
        let c = image.channels;
        let row_len = image.width * c;
        let mut data = Vec::with_capacity(image.len());
        for (y, row) in image.data.chunks_exact(row_len).enumerate() {
            let start = ((top + y) * texture.width + left) * c;
            let window = &texture.data[start..start + row_len];
            data.extend(row.iter().zip(window).map(|(&v, &f)| {
                to_byte((image_term[v as usize] + frost_term[f as usize]).clamp(0.0, 255.0))
            }));
        }
        Image::new(image.width, image.height, c, data)
    }
}

/// `texture` (number `index` of the set `textures`, RGB or gray) shrunk by `factor`, made once per
/// process: every call of a suite shrinks the same few textures the same way, and the resize
/// costs more than the blend at 32×32. The cache holds its texture sets alive, so a set's address
/// identifies it for as long as its entries exist.
fn shrunk(
    textures: &Arc<FrostTextures>,
    texture: &Image,
    index: usize,
    factor: f64,
) -> Result<Arc<Image>> {
    type Entry = (Arc<FrostTextures>, (usize, usize, u64), Arc<Image>);
    static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    let key = (index, texture.channels, factor.to_bits());
    let find = |cache: &[Entry]| {
        cache
            .iter()
            .find(|(set, k, _)| Arc::ptr_eq(set, textures) && *k == key)
            .map(|(_, _, image)| Arc::clone(image))
    };
    if let Some(image) = find(&CACHE.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(image);
    }
    let image = Arc::new(resize_linear_by(texture, factor)?);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(made) = find(&cache) {
        return Ok(made);
    }
    cache.push((Arc::clone(textures), key, Arc::clone(&image)));
    Ok(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::frost::TEXTURE_SIZES;
    use crate::rng::NumpyRandom;

    fn photo(width: usize, height: usize) -> Image {
        let data = (0..width * height * 3)
            .map(|i| (i * 7 % 256) as u8)
            .collect();
        Image::new(width, height, 3, data).unwrap()
    }

    #[test]
    fn procedural_run_draws_as_the_reference_does() {
        // Without textures the draws are those the reference makes on its own texture sizes, so a
        // stream continues exactly where it would have.
        let frost = Frost {
            image_weight: 0.7,
            frost_weight: 0.7,
            texture_scale: None,
        };
        for seed in 1001..1011 {
            let mut ours = NumpyRandom::new(seed);
            let out = frost
                .apply(&photo(224, 224), &mut ours, &Context::default())
                .unwrap();
            assert_eq!((out.width, out.height), (224, 224));
            let mut replay = NumpyRandom::new(seed);
            let index = replay.randint(0, 5) as usize;
            replay.randint(0, TEXTURE_SIZES[index].0 as i64 - 224);
            replay.randint(0, TEXTURE_SIZES[index].1 as i64 - 224);
            assert_eq!(ours.next_u32(), replay.next_u32(), "seed {seed}");
        }
    }

    #[test]
    fn blend_is_the_weighted_sum_of_image_and_window() {
        let image = photo(100, 60);
        let frost = Frost {
            image_weight: 0.6,
            frost_weight: 0.75,
            texture_scale: None,
        };
        let mut rng = NumpyRandom::new(7);
        let out = frost.apply(&image, &mut rng, &Context::default()).unwrap();
        let mut replay = NumpyRandom::new(7);
        let index = replay.randint(0, 5) as usize;
        let set = FrostTextures::procedural();
        let texture = set.texture(index).unwrap();
        let top = replay.randint(0, (texture.height - 60) as i64) as usize;
        let left = replay.randint(0, (texture.width - 100) as i64) as usize;
        for (y, x, c) in [(0, 0, 0), (59, 99, 2), (30, 41, 1)] {
            let v = image.data[(y * 100 + x) * 3 + c] as f64;
            let f = texture.data[((top + y) * texture.width + left + x) * 3 + c] as f64;
            let expected = (0.6 * v + 0.75 * f).clamp(0.0, 255.0) as u8;
            assert_eq!(out.data[(y * 100 + x) * 3 + c], expected);
        }
    }

    #[test]
    fn shrunk_textures_are_made_once_and_windows_drawn_on_them() {
        let set = FrostTextures::procedural();
        let texture = set.texture(1).unwrap();
        let first = shrunk(&set, texture, 1, 0.2).unwrap();
        assert!(Arc::ptr_eq(&first, &shrunk(&set, texture, 1, 0.2).unwrap()));
        assert_eq!(*first, resize_linear_by(texture, 0.2).unwrap());
        assert_eq!((first.height, first.width), (63, 112));
        let gray = shrunk(&set, set.gray(1).unwrap(), 1, 0.2).unwrap();
        assert_eq!(gray.channels, 1);
        // The draws range over the shrunk texture: 63 − 32 rows and 112 − 32 columns.
        let frost = Frost {
            image_weight: 1.0,
            frost_weight: 0.2,
            texture_scale: Some(0.2),
        };
        for seed in 0..20 {
            let mut ours = NumpyRandom::new(seed);
            frost
                .apply(&photo(32, 32), &mut ours, &Context::default())
                .unwrap();
            let mut replay = NumpyRandom::new(seed);
            let index = replay.randint(0, 5) as usize;
            let (h, w) = TEXTURE_SIZES[index];
            let side = |n: usize| (n as f64 * 0.2).round_ties_even() as i64;
            replay.randint(0, side(h) - 32);
            replay.randint(0, side(w) - 32);
            assert_eq!(ours.next_u32(), replay.next_u32(), "seed {seed}");
        }
    }

    #[test]
    fn oversized_image_is_an_error() {
        let frost = Frost {
            image_weight: 1.0,
            frost_weight: 0.4,
            texture_scale: None,
        };
        let mut rng = NumpyRandom::new(1);
        let err = frost
            .apply(&photo(1000, 700), &mut rng, &Context::default())
            .unwrap_err();
        assert!(err.to_string().contains("too small"), "{err}");
    }
}
