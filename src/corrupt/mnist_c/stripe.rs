//! `stripe`: the seven leftmost and seven rightmost columns inverted (255 − x), columns 7..20 kept
//! (spec §3.10). The reference works in float32, where 255 − x is exact, so this works on the
//! 8-bit values directly.

use super::{check_digit, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Columns before this one are inverted.
const LEFT_END: usize = 7;
/// Columns from this one on are inverted.
const RIGHT_START: usize = 21;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Stripe {}

impl Corruption for Stripe {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "stripe")?;
        let mut out = image.clone();
        for row in out.data.chunks_exact_mut(SIDE) {
            let (left, rest) = row.split_at_mut(LEFT_END);
            let right = &mut rest[RIGHT_START - LEFT_END..];
            for v in left.iter_mut().chain(right) {
                *v = 255 - *v;
            }
        }
        Ok(out)
    }
}
