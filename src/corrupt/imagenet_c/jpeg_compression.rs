//! `jpeg_compression`: the image saved by PIL as JPEG at quality q and decoded again (spec §2.15).
//! The pixels depend on the libjpeg PIL was built with, so the codec follows `context.jpeg`
//! (the ImageNet-C reference ran Pillow 5.0.0 with IJG libjpeg 9b).

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JpegCompression {
    /// The IJG quality factor, 1..=100.
    pub quality: u8,
}

impl Corruption for JpegCompression {
    fn apply(&self, image: &Image, _: &mut dyn Random, context: &Context) -> Result<Image> {
        jpeg::round_trip(image, self.quality, context.jpeg)
            .map_err(|e| Error::Invalid(format!("jpeg_compression: {e}")))
    }
}
