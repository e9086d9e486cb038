//! `spatter` (spec §2.18): a blurred, thresholded normal "liquid layer" drawn over the image,
//! either as water (pale turquoise, shaped by OpenCV 3.4 Canny, chamfer distance, equalisation and
//! an emboss kernel) or as mud (brown, a blurred mask). x = img/255 in float32.
//!
//! Draws: one normal H×W array.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::box_filter::{box_blur_3x3_f32, box_blur_3x3_u8};
use crate::ops::canny::canny_l1;
use crate::ops::distance::distance_l2_mask5;
use crate::ops::equalize::equalize_hist;
use crate::ops::filter2d::filter2d_3x3_u8;
use crate::ops::gaussian::{gaussian_filter_plane, Boundary};
use crate::ops::unit_byte::unit_to_byte_f32;
use crate::raster::Image;
use crate::rng::Random;
use crate::simd;
use serde::Deserialize;

/// Which liquid is spattered.
#[derive(Clone, Copy, Debug, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Liquid {
    /// Mode 0: pale turquoise drops with embossed rims.
    Water,
    /// Mode 1: opaque brown blots.
    Mud,
}

/// One severity.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spatter {
    /// Mean of the liquid layer's normal draw.
    pub mean: f64,
    /// Standard deviation of that draw.
    pub std: f64,
    /// σ of the gaussian smoothing the layer (mode 'nearest', truncate 4).
    pub blur_sigma: f64,
    /// Layer values below this are dry.
    pub threshold: f64,
    /// Water: strength of the tint; mud: σ of the mask blur.
    pub intensity: f64,
    pub liquid: Liquid,
}

/// Canny thresholds and the chamfer-distance cap of the water mode.
const CANNY_LOW: f64 = 50.0;
const CANNY_HIGH: f64 = 150.0;
const DISTANCE_CAP: f32 = 20.0;
/// The emboss kernel applied to the equalised distance map.
const EMBOSS: [[i32; 3]; 3] = [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]];
/// Water tint (R, G, B) and mud colour, as fractions of 255.
const WATER: [f64; 3] = [175.0, 238.0, 238.0];
const MUD: [f64; 3] = [63.0, 42.0, 20.0];

impl Corruption for Spatter {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        let (h, w, c) = (image.height, image.width, image.channels);
        let mut layer = vec![0f64; h * w];
        rng.fill_normal(self.mean, self.std, &mut layer);
        gaussian_filter_plane(&mut layer, (h, w), self.blur_sigma, Boundary::Nearest, 4.0);
        let data = match self.liquid {
            Liquid::Water => self.water(image, &layer),
            Liquid::Mud => self.mud(image, &layer),
        };
        Image::new(w, h, c, data)
    }
}

/// Per 8-bit value: x = v/255 in float32, and the output of a pixel left as it was,
/// clip(x, 0, 1)·255 truncated.
fn unit_tables() -> ([f32; 256], [u8; 256]) {
    let unit: [f32; 256] = std::array::from_fn(|v| v as f32 / 255.0);
    let kept = unit.map(|x| (x.clamp(0.0, 1.0) * 255.0) as u8);
    (unit, kept)
}

impl Spatter {
    /// Mode 0: the tint is the 8-bit layer (values below the threshold dry) times an embossed,
    /// equalised map of the distance to the layer's edges, normalised to its maximum and scaled
    /// by `intensity`.
    pub(crate) fn water(&self, image: &Image, layer: &[f64]) -> Vec<u8> {
        let (h, w, c) = (image.height, image.width, image.channels);
        let layer8: Vec<u8> = layer
            .iter()
            .map(|&v| {
                if v < self.threshold {
                    0
                } else {
                    // numpy's float64 → uint8 cast on x86-64 converts to a 32-bit integer and
                    // keeps the low byte, so a layer above 1 (possible at small sizes, spec
                    // §3.2) wraps around instead of saturating.
                    (v * 255.0) as i32 as u8
                }
            })
            .collect();
        let not_edges: Vec<u8> = canny_l1(&layer8, w, h, CANNY_LOW, CANNY_HIGH)
            .into_iter()
            .map(|e| 255 - e)
            .collect();
        let mut distance = distance_l2_mask5(&not_edges, w, h);
        for d in &mut distance {
            *d = d.min(DISTANCE_CAP);
        }
        let blurred: Vec<u8> = box_blur_3x3_f32(&distance, w, h)
            .into_iter()
            .map(|v| v as u8)
            .collect();
        let embossed = filter2d_3x3_u8(&equalize_hist(&blurred), w, h, EMBOSS);
        let rims = box_blur_3x3_u8(&embossed, w, h);

        // The tint l·r is an integer below 2¹⁶, exact in float32, so its maximum can be taken
        // over integers.
        let tint: Vec<u32> = layer8
            .iter()
            .zip(&rims)
            .map(|(&l, &r)| l as u32 * r as u32)
            .collect();
        let max = tint.iter().copied().max().unwrap_or(0) as f32;
        let k = self.intensity as f32;
        let color = WATER.map(|c| (c / 255.0) as f32);
        // Per value: x = v/255 + m·colour, with m = (tint/max)·k; where m is 0 that adds 0 and
        // leaves the value's own clip(x)·255. One product per value first, then one pass that
        // vectorises.
        let mut shift = Vec::with_capacity(image.data.len());
        for &t in &tint {
            let m = (t as f32 / max) * k;
            shift.extend((0..c).map(|ch| m * color[ch.min(2)]));
        }
        simd::dispatch(
            #[inline(always)]
            |_| {
                image
                    .data
                    .iter()
                    .zip(&shift)
                    .map(|(&v, &s)| unit_to_byte_f32(v as f32 / 255.0 + s))
                    .collect()
            },
        )
    }

    /// Mode 1: a float64 mask (the wet pixels, blurred with σ = `intensity`, below 0.8 dropped)
    /// blends the image towards mud brown.
    fn mud(&self, image: &Image, layer: &[f64]) -> Vec<u8> {
        let (h, w, c) = (image.height, image.width, image.channels);
        let mut mask: Vec<f64> = layer
            .iter()
            .map(|&v| if v > self.threshold { 1.0 } else { 0.0 })
            .collect();
        gaussian_filter_plane(&mut mask, (h, w), self.intensity, Boundary::Nearest, 4.0);
        let color = MUD.map(|c| (c / 255.0) as f32);
        let (unit, kept) = unit_tables();
        let mut out = image.data.clone();
        for (pixel, &m) in out.chunks_exact_mut(c).zip(&mask) {
            if m < 0.8 {
                for v in pixel.iter_mut() {
                    *v = kept[*v as usize];
                }
                continue;
            }
            for (ch, v) in pixel.iter_mut().enumerate() {
                let tinted = (color[ch.min(2)] as f64 * m) as f32;
                let x = (unit[*v as usize] as f64 * (1.0 - m)) as f32 + tinted;
                *v = unit_to_byte_f32(x);
            }
        }
        out
    }
}
