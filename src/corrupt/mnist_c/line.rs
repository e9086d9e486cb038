//! `line`: one soft stroke across the digit between random points near the left and right edges
//! (spec §5.16): y = clip(x/255 + line_from_points(c0, r0, c1, r1), 0, 1)·255. Draws c0 in 0..4,
//! then c1 in 22..26, then (r0, r1) in 0..26 with one call of size 2.

use super::{check_digit, finish_value, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::line_mask::line_from_points;
use crate::ops::unit_byte::UNIT;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Line {}

impl Corruption for Line {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "line")?;
        let c0 = rng.randint(0, 5) as f64;
        let c1 = rng.randint(22, 27) as f64;
        let r0 = rng.randint(0, 27) as f64;
        let r1 = rng.randint(0, 27) as f64;
        // Elsewhere the value is x + 0, which finishes as x.
        let mut out = image.clone();
        for (r, c, m) in line_from_points((c0, r0), (c1, r1), SIDE, SIDE).entries() {
            let k = r * SIDE + c;
            out.data[k] = finish_value(UNIT[image.data[k] as usize] + m);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn stroke_lies_between_the_drawn_points() {
        let digit = Image::new(28, 28, 1, (0..784).map(|k| (k % 7 * 10) as u8).collect()).unwrap();
        for seed in 0..50 {
            let out = Line {}
                .apply(&digit, &mut NumpyRandom::new(seed), &Context::default())
                .unwrap();
            // The same draws, in the reference's order.
            let mut rng = NumpyRandom::new(seed);
            let c0 = rng.randint(0, 5);
            let c1 = rng.randint(22, 27);
            let r0 = rng.randint(0, 27) as f64;
            let r1 = rng.randint(0, 27) as f64;
            let slope = (r1 - r0) / (c1 - c0) as f64;
            for c in 0..28i64 {
                let course = slope * (c - c0) as f64 + r0;
                for r in 0..28 {
                    let k = r * 28 + c as usize;
                    let (x, y) = (digit.data[k], out.data[k]);
                    if c < c0 || c >= c1 {
                        assert_eq!(y, x, "seed {seed}: ({r},{c}) outside the stroke");
                    } else if (r as f64 - course).abs() < 1e-9 {
                        assert_eq!(y, 255, "seed {seed}: ({r},{c}) on the course");
                    } else if (r as f64 - course).abs() >= 1.46 {
                        assert_eq!(y, x, "seed {seed}: ({r},{c}) beyond the stroke's reach");
                    } else {
                        assert!(y >= x, "seed {seed}: ({r},{c}) darkened");
                    }
                }
            }
        }
    }
}
