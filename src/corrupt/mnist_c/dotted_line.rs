//! `dotted_line`: a dashed soft stroke across the whole width between two random rows
//! (spec §3.13). The line runs from (0, r0) to (27, r1); columns c with ⌊c/2⌋ even are cleared,
//! leaving dashes two columns wide. Draws (r0, r1) in 0..26 with one call of size 2.

use super::{check_digit, finish_value, Memo, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::line_mask::{line_from_points, LineMask};
use crate::ops::unit_byte::UNIT;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Width of a dash and of a gap, in columns.
const DASH: usize = 2;

/// Number of rows an end of the line can be drawn at (0..26).
const END_ROWS: i64 = 27;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DottedLine {
    /// The line mask for each (r0, r1).
    #[serde(skip)]
    strokes: Memo<LineMask>,
}

impl Corruption for DottedLine {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "dotted_line")?;
        let r0 = rng.randint(0, END_ROWS);
        let r1 = rng.randint(0, END_ROWS);
        let mask = self.strokes.get(
            (END_ROWS * END_ROWS) as usize,
            (r0 * END_ROWS + r1) as usize,
            || {
                let last = (SIDE - 1) as f64;
                line_from_points((0.0, r0 as f64), (last, r1 as f64), SIDE, SIDE)
            },
        );
        // Elsewhere the value is x + 0, which finishes as x.
        let mut out = image.clone();
        for (r, c, m) in mask.entries() {
            let dash = (c / DASH) % 2 == 1;
            if dash {
                let k = r * SIDE + c;
                out.data[k] = finish_value(UNIT[image.data[k] as usize] + m);
            }
        }
        Ok(out)
    }
}
