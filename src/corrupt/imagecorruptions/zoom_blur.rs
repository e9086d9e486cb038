//! imagecorruptions' `zoom_blur` (spec §5.2, §1.2): ImageNet-C's zoom blur
//! ([`imagenet_c::ZoomBlur`]) with its clipped zoom cropping each axis by its own length and
//! keeping the top-left H×W of the zoomed crop (no centre trim). No random draws.

use crate::corrupt::imagenet_c::Arange;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::unit_byte::unit_to_byte_f32;
use crate::ops::zoom::LinearZoom;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZoomBlur {
    /// The zoom factors, as numpy `arange` arguments.
    pub zooms: Arange,
}

impl Corruption for ZoomBlur {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let factors = self.zooms.values()?;
        let (height, width, channels) = (image.height, image.width, image.channels);
        // x = float32(img / 255); out accumulates each zoom rounded to float32.
        let unit: [f32; 256] = std::array::from_fn(|v| (v as f64 / 255.0) as f32);
        let x: Vec<f32> = image.data.iter().map(|&v| unit[v as usize]).collect();
        let mut sum = vec![0.0f32; x.len()];
        for &factor in &factors {
            LinearZoom::clipped_zoom_corner(height, width, factor, height, width)?
                .add_to(&x, channels, &mut sum)?;
        }
        let count = (factors.len() + 1) as f32;
        let mut data = vec![0u8; sum.len()];
        for ((o, &v), &s) in data.iter_mut().zip(&x).zip(&sum) {
            *o = unit_to_byte_f32((v + s) / count);
        }
        Image::new(width, height, channels, data)
    }
}
