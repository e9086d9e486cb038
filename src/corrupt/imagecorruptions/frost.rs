//! imagecorruptions' `frost` (spec §5.2): a texture chosen by `randint(5)` (the sixth is never
//! used), enlarged by OpenCV's bicubic resize ([`crate::ops::resize_cubic`]) so that it covers
//! the image with 10 % to spare, a random H×W window of it blended over the image:
//! clip(a·img + b·texture, 0, 255) in float64, truncated.
//!
//! The scale s is 1 when the texture covers the image, else H/H_t or W/W_t for the side it
//! misses, the larger of the two when it misses both; then s·1.1, and the new size is
//! (ceil(W_t·s), ceil(H_t·s)). Draws, in order: the index, the window's top row
//! `randint(0, H_t' − H)`, its left column `randint(0, W_t' − W)`.

use crate::assets::frost::FrostTextures;
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::resize_cubic::resize_cubic;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;
use std::sync::{Arc, Mutex};

/// How many of the textures the reference chooses from: the first five of six.
const CHOSEN_TEXTURES: i64 = 5;
/// The margin by which every texture is enlarged.
const MARGIN: f64 = 1.1;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Frost {
    /// Weight of the image (a).
    pub image_weight: f64,
    /// Weight of the texture (b).
    pub frost_weight: f64,
}

/// The texture size (width, height) the reference resizes to for an image of `height`×`width`.
fn scaled_size(texture: &Image, height: usize, width: usize) -> (usize, usize) {
    let (th, tw) = (texture.height, texture.width);
    let rows = height as f64 / th as f64;
    let cols = width as f64 / tw as f64;
    let scale = match (th >= height, tw >= width) {
        (true, true) => 1.0,
        (false, true) => rows,
        (true, false) => cols,
        (false, false) => rows.max(cols),
    } * MARGIN;
    (
        (tw as f64 * scale).ceil() as usize,
        (th as f64 * scale).ceil() as usize,
    )
}

/// Texture `index` of `textures` resized to (width, height), made once per process and size.
fn resized(
    textures: &Arc<FrostTextures>,
    index: usize,
    size: (usize, usize),
) -> Result<Arc<Image>> {
    type Entry = (Arc<FrostTextures>, (usize, usize, usize), Arc<Image>);
    static CACHE: Mutex<Vec<Entry>> = Mutex::new(Vec::new());
    let key = (index, size.0, size.1);
    let find = |cache: &[Entry]| {
        cache
            .iter()
            .find(|(set, k, _)| Arc::ptr_eq(set, textures) && *k == key)
            .map(|(_, _, image)| Arc::clone(image))
    };
    if let Some(image) = find(&CACHE.lock().unwrap_or_else(|e| e.into_inner())) {
        return Ok(image);
    }
    let texture = textures
        .texture(index)
        .ok_or_else(|| Error::Invalid(format!("no frost texture {index}")))?;
    let image = Arc::new(resize_cubic(texture, size.0, size.1)?);
    let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
    // Images of many sizes would keep adding textures; the last few sizes are what repeats.
    if cache.len() >= 16 {
        cache.remove(0);
    }
    cache.push((Arc::clone(textures), key, Arc::clone(&image)));
    Ok(image)
}

impl Corruption for Frost {
    fn apply(&self, image: &Image, rng: &mut dyn Random, context: &Context) -> Result<Image> {
        let textures = FrostTextures::for_context(context)?;
        let index = rng.randint(0, CHOSEN_TEXTURES) as usize;
        let original = textures
            .texture(index)
            .filter(|t| t.channels == 3)
            .ok_or_else(|| Error::Invalid(format!("no RGB frost texture {index}")))?;
        let size = scaled_size(original, image.height, image.width);
        let texture = resized(&textures, index, size)?;
        let top = rng.randint(0, (texture.height - image.height) as i64) as usize;
        let left = rng.randint(0, (texture.width - image.width) as i64) as usize;
        let image_term: [f64; 256] = std::array::from_fn(|v| self.image_weight * v as f64);
        let frost_term: [f64; 256] = std::array::from_fn(|f| self.frost_weight * f as f64);
        let row_len = image.width * 3;
        let mut data = Vec::with_capacity(image.len());
        for (y, row) in image.data.chunks_exact(row_len).enumerate() {
            let start = ((top + y) * texture.width + left) * 3;
            let window = &texture.data[start..start + row_len];
            data.extend(row.iter().zip(window).map(|(&v, &f)| {
                // clip(·, 0, 255) and numpy's truncating uint8 cast.
                (image_term[v as usize] + frost_term[f as usize]).clamp(0.0, 255.0) as u8
            }));
        }
        Image::new(image.width, image.height, 3, data)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn textures_grow_by_a_tenth_past_what_the_image_needs() {
        let frost1 = Image::zeros(900, 600, 3);
        // Covered: 1.1 only; ceil(900·1.1) is 991 in float64.
        assert_eq!(scaled_size(&frost1, 427, 640), (991, 660));
        // Too short: H/H_t·1.1; too narrow: W/W_t·1.1; both: the larger (900·2.2 rounds up).
        assert_eq!(scaled_size(&frost1, 1200, 640), (1981, 1320));
        assert_eq!(scaled_size(&frost1, 400, 1800), (1981, 1320));
        assert_eq!(scaled_size(&frost1, 1024, 2048), (2253, 1502));
    }
}
