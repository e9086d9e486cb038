//! `zigzag`: a zigzag of soft strokes from column 2 to column 25 at a random height and slope
//! (spec §3.14). In a frame along the chord the vertices are (0, 0), then (2i+1)·a at heights
//! ±b alternating while they fit, then a closing vertex at the chord's end; the frame is rotated
//! by the chord's angle and each segment is added with `line_from_points`, clipping to [0, 1]
//! after each. Draws r0 in 0..26, then the rise r1 − r0 in −5..4.

use super::{check_digit, Memo, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::line_mask::{line_from_points, LineMask};
use crate::ops::portable::Portable;
use crate::ops::unit_byte::UNIT;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// Half the length of one zig along the chord (the reference's `a`).
const HALF_ZIG: f64 = 2.0;
/// Height of the zigs across the chord (the reference's `b`).
const AMPLITUDE: f64 = 2.0;
/// First and last column of the chord.
const START_COL: i64 = 2;
const END_COL: i64 = 25;
/// Number of start rows (0..26) and of rises (−5..4) that can be drawn.
const START_ROWS: i64 = 27;
const RISES: i64 = 10;

/// No parameters: every severity is the same.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Zigzag {
    /// The segment masks for each (r0, rise).
    #[serde(skip)]
    strokes: Memo<Vec<LineMask>>,
}

impl Corruption for Zigzag {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "zigzag")?;
        let r0 = rng.randint(0, START_ROWS);
        let rise = rng.randint(-RISES / 2, RISES / 2);
        let key = (r0 * RISES + rise + RISES / 2) as usize;
        let segments = self
            .strokes
            .get((START_ROWS * RISES) as usize, key, || segments(r0, rise));

        // Every value stays in [0, 1], so the clip after each segment changes only stroke values,
        // and a value no stroke touches finishes as x.
        let mut values = [0.0f64; SIDE * SIDE];
        for (v, &x) in values.iter_mut().zip(&image.data) {
            *v = UNIT[x as usize];
        }
        for segment in segments {
            for (r, c, m) in segment.entries() {
                let v = &mut values[r * SIDE + c];
                *v = (*v + m).clamp(0.0, 1.0);
            }
        }
        let mut out = image.clone();
        for (r, c, _) in segments.iter().flat_map(LineMask::entries) {
            let k = r * SIDE + c;
            out.data[k] = (values[k] * 255.0) as f32 as u8;
        }
        Ok(out)
    }
}

/// The masks of the zigzag's segments for start row `r0` and rise `rise`.
fn segments(r0: i64, rise: i64) -> Vec<LineMask> {
    let run = (END_COL - START_COL) as f64;
    let theta = (rise as f64 / run).portable_atan();
    let length = run / theta.portable_cos();

    // Vertices (u along the chord, v across it).
    let mut vertices = vec![(0.0, 0.0)];
    let zigs = floor_divide(length - HALF_ZIG, 2.0 * HALF_ZIG) as i64 + 1;
    let mut last_v = 0.0;
    for i in 0..zigs {
        last_v = if i % 2 == 0 { AMPLITUDE } else { -AMPLITUDE };
        vertices.push(((2 * i + 1) as f64 * HALF_ZIG, last_v));
    }
    let covered = 2.0 * HALF_ZIG * floor_divide(length, 2.0 * HALF_ZIG);
    if length != covered {
        vertices.push((length, last_v / (2.0 * (length - covered))));
    }

    // Rotate onto the chord and place its start at (START_COL, r0).
    let (sin, cos) = (theta.portable_sin(), theta.portable_cos());
    let points: Vec<(f64, f64)> = vertices
        .iter()
        .map(|&(u, v)| {
            (
                cos * u + -sin * v + START_COL as f64,
                sin * u + cos * v + r0 as f64,
            )
        })
        .collect();
    points
        .windows(2)
        .map(|pair| line_from_points(pair[0], pair[1], SIDE, SIDE))
        .collect()
}

/// numpy's float floor division `a // b` (`npy_divmod`): (a − fmod(a, b))/b, corrected toward
/// −∞ when the remainder's sign differs from b's, then floored with a round-half-up guard.
fn floor_divide(a: f64, b: f64) -> f64 {
    let rem = a % b;
    let mut div = (a - rem) / b;
    if rem != 0.0 && ((b < 0.0) != (rem < 0.0)) {
        div -= 1.0;
    }
    if div == 0.0 {
        return 0.0f64.copysign(a / b);
    }
    let floor = div.floor();
    if div - floor > 0.5 {
        floor + 1.0
    } else {
        floor
    }
}

#[cfg(test)]
mod tests {
    use super::floor_divide;

    #[test]
    fn floor_divide_matches_python() {
        assert_eq!(floor_divide(23.0, 4.0), 5.0);
        assert_eq!(floor_divide(21.5, 4.0), 5.0);
        assert_eq!(floor_divide(-1.0, 4.0), -1.0);
        assert_eq!(floor_divide(8.0, 4.0), 2.0);
        assert_eq!(floor_divide(7.999, 4.0), 1.0);
    }
}
