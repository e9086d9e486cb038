//! `dotted_line`: a dashed soft stroke across the whole width between two random rows
//! (spec §3.13). The line runs from (0, r0) to (27, r1); columns c with ⌊c/2⌋ even are cleared,
//! leaving dashes two columns wide. Draws (r0, r1) in 0..26 with one call of size 2.

use super::{check_digit, finish, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::line_mask::line_from_points;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Width of a dash and of a gap, in columns.
const DASH: usize = 2;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DottedLine {}

impl Corruption for DottedLine {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "dotted_line")?;
        let r0 = rng.randint(0, 27) as f64;
        let r1 = rng.randint(0, 27) as f64;
        let mut mask = vec![0.0; SIDE * SIDE];
        let last = (SIDE - 1) as f64;
        line_from_points((0.0, r0), (last, r1), SIDE, SIDE, &mut mask);
        let values: Vec<f64> = image
            .to_unit_f64()
            .iter()
            .zip(&mask)
            .enumerate()
            .map(|(k, (x, m))| {
                let gap = (k % SIDE / DASH) % 2 == 0;
                if gap {
                    *x
                } else {
                    x + m
                }
            })
            .collect();
        Ok(finish(image, &values))
    }
}
