//! imagecorruptions' `spatter`: ImageNet-C's ([`imagenet_c::Spatter`]) for water, whose chamfer
//! distances OpenCV 4.5.5's own code computes in the same fixed point as 3.4 (with IPP on, the
//! wheels' float scan differs in the last bits, which the uint8 casts and the histogram
//! equalisation after it can turn into whole levels: 5 of 60 calls at 427×640); for mud the
//! mask is float32, because scikit-image 0.18's `gaussian` keeps a float32 input in float32
//! (scipy rounds each axis pass to float32), where the ImageNet-C reference's scikit-image 0.13
//! filtered in float64.
//!
//! Mud: layer = gaussian(N(mean, std) of shape H×W, blur_sigma) in float64; mask = float32(layer >
//! threshold) blurred with σ = intensity in float32, values below 0.8 set to 0; out = clip(x·(1 −
//! mask) + mask·(63, 42, 20)/255, 0, 1)·255, with x = float32(img)/255 and x·(1 − mask) in
//! float32, the colour term in float64.

use crate::corrupt::imagenet_c::{self, Liquid};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::gaussian::{gaussian_filter, gaussian_filter_plane, Boundary};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct Spatter(pub imagenet_c::Spatter);

/// scikit-image's default `truncate` for `gaussian`.
const TRUNCATE: f64 = 4.0;
/// Mud colour (R, G, B) on the 0..255 scale.
const MUD: [f64; 3] = [63.0, 42.0, 20.0];
/// Blurred mask values below this are dry.
const MUD_FLOOR: f32 = 0.8;

impl Corruption for Spatter {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let p = &self.0;
        let (h, w) = (image.height, image.width);
        let mut layer = vec![0f64; h * w];
        rng.fill_normal(p.mean, p.std, &mut layer);
        gaussian_filter_plane(
            &mut layer,
            (h, w),
            p.blur_sigma,
            Boundary::Nearest,
            TRUNCATE,
        );
        if matches!(p.liquid, Liquid::Water) {
            let data = p.water(image, &layer);
            return Image::new(w, h, image.channels, data);
        }
        let mut mask: Vec<f32> = layer
            .iter()
            .map(|&v| if v > p.threshold { 1.0 } else { 0.0 })
            .collect();
        gaussian_filter(
            &mut mask,
            (h, w, 1),
            p.intensity,
            Boundary::Nearest,
            TRUNCATE,
        );
        let unit: [f32; 256] = std::array::from_fn(|v| v as f32 / 255.0);
        let color = MUD.map(|c| c / 255.0);
        let c = image.channels;
        let mut data = image.data.clone();
        for (pixel, &m) in data.chunks_exact_mut(c).zip(&mask) {
            let m = if m < MUD_FLOOR { 0.0 } else { m };
            for (ch, v) in pixel.iter_mut().enumerate() {
                let x = unit[*v as usize] * (1.0 - m);
                let out = x as f64 + color[ch.min(2)] * m as f64;
                // clip(·, 0, 1)·255 and numpy's truncating uint8 cast.
                *v = (out.clamp(0.0, 1.0) * 255.0) as u8;
            }
        }
        Image::new(w, h, c, data)
    }

    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }
}
