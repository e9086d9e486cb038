//! `translate`: the digit moved diagonally by a fixed number of pixels in a random quadrant
//! (spec §3.9): scikit-image `AffineTransform(translation=(dx, dy))` as the inverse map, so
//! out[r][c] = x[r + dy][c + dx] with zeros from outside. Draws two signs in one call
//! (`np.random.choice([-1, 1], 2)`), x first.

use super::{check_digit, random_sign, sign, warp_digit, Memo, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::affine_warp::{Affine, WarpPlan};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Translate {
    /// Shift along each axis, in pixels.
    pub pixels: u32,
    /// The warp plans for the four quadrants.
    #[serde(skip)]
    plans: Memo<WarpPlan>,
}

impl Corruption for Translate {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "translate")?;
        let x_sign = random_sign(rng);
        let y_sign = random_sign(rng);
        let plan = self.plans.get(4, 2 * x_sign + y_sign, || {
            let shift = self.pixels as f64;
            let (dx, dy) = (shift * sign(x_sign), shift * sign(y_sign));
            let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(dx, dy);
            WarpPlan::new(&map, SIDE, SIDE)
        });
        Ok(warp_digit(image, plan))
    }
}
