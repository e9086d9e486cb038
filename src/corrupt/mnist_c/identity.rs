//! `identity`: the clean digit, unchanged (spec §3.0; `np.array(x, dtype=np.float32)`, which holds
//! every 8-bit value exactly).

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {}

impl Corruption for Identity {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        Ok(image.clone())
    }
}
