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
use crate::ops::gaussian::{gaussian_filter, Boundary};
use crate::raster::Image;
use crate::rng::Random;
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
        let (h, w) = (image.height, image.width);
        let mut x = image.to_unit_f32();
        let mut layer = vec![0f64; h * w];
        rng.fill_normal(self.mean, self.std, &mut layer);
        gaussian_filter(
            &mut layer,
            (h, w, 1),
            self.blur_sigma,
            Boundary::Nearest,
            4.0,
        );
        for v in &mut layer {
            if *v < self.threshold {
                *v = 0.0;
            }
        }
        match self.liquid {
            Liquid::Water => self.water(&mut x, image.channels, &layer, h, w),
            Liquid::Mud => self.mud(&mut x, image.channels, &layer, h, w),
        }
        for v in &mut x {
            *v = v.clamp(0.0, 1.0) * 255.0;
        }
        Ok(image.with_values_f32(&x))
    }
}

impl Spatter {
    /// Mode 0: the tint is the 8-bit layer times an embossed, equalised map of the distance to the
    /// layer's edges, normalised to its maximum and scaled by `intensity`.
    fn water(&self, x: &mut [f32], channels: usize, layer: &[f64], h: usize, w: usize) {
        let layer8: Vec<u8> = layer.iter().map(|&v| (v * 255.0) as u8).collect();
        let not_edges: Vec<u8> = canny_l1(&layer8, w, h, CANNY_LOW, CANNY_HIGH)
            .into_iter()
            .map(|e| 255 - e)
            .collect();
        let distance: Vec<f32> = distance_l2_mask5(&not_edges, w, h)
            .into_iter()
            .map(|d| d.min(DISTANCE_CAP))
            .collect();
        let blurred: Vec<u8> = box_blur_3x3_f32(&distance, w, h)
            .into_iter()
            .map(|v| v as u8)
            .collect();
        let embossed = filter2d_3x3_u8(&equalize_hist(&blurred), w, h, EMBOSS);
        let rims = box_blur_3x3_u8(&embossed, w, h);

        let tint: Vec<f32> = layer8
            .iter()
            .zip(&rims)
            .map(|(&l, &r)| l as f32 * r as f32)
            .collect();
        let max = tint.iter().copied().fold(f32::NEG_INFINITY, f32::max);
        let k = self.intensity as f32;
        let color = WATER.map(|c| (c / 255.0) as f32);
        for (p, &t) in tint.iter().enumerate() {
            let m = (t / max) * k;
            for (ch, v) in x[p * channels..(p + 1) * channels].iter_mut().enumerate() {
                *v += m * color[ch.min(2)];
            }
        }
    }

    /// Mode 1: a float64 mask (the wet pixels, blurred with σ = `intensity`, below 0.8 dropped)
    /// blends the image towards mud brown.
    fn mud(&self, x: &mut [f32], channels: usize, layer: &[f64], h: usize, w: usize) {
        let mut mask: Vec<f64> = layer
            .iter()
            .map(|&v| if v > self.threshold { 1.0 } else { 0.0 })
            .collect();
        gaussian_filter(&mut mask, (h, w, 1), self.intensity, Boundary::Nearest, 4.0);
        let color = MUD.map(|c| (c / 255.0) as f32);
        for (p, &m) in mask.iter().enumerate() {
            let m = if m < 0.8 { 0.0 } else { m };
            for (ch, v) in x[p * channels..(p + 1) * channels].iter_mut().enumerate() {
                let tinted = (color[ch.min(2)] as f64 * m) as f32;
                let kept = (*v as f64 * (1.0 - m)) as f32;
                *v = kept + tinted;
            }
        }
    }
}
