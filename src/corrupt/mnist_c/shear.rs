//! `shear`: a horizontal shear about the image centre with a random direction (spec §3.5):
//! scikit-image `AffineTransform(shear=±s)` made centre-fixed, bilinear inverse warp of x/255.
//! Draws one sign (`np.random.choice([-1, 1])`).

use super::{check_digit, random_sign, sign, warp_digit, Memo, CENTRE, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::affine_warp::{Affine, WarpPlan};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shear {
    /// Shear angle in radians; the sign is drawn per image.
    pub angle: f64,
    /// The warp plans for the two directions.
    #[serde(skip)]
    plans: Memo<WarpPlan>,
}

impl Corruption for Shear {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "shear")?;
        let direction = random_sign(rng);
        let plan = self.plans.get(2, direction, || {
            let angle = self.angle * sign(direction);
            WarpPlan::new(
                &Affine::from_parts((1.0, 1.0), 0.0, angle).fixing_centre(CENTRE),
                SIDE,
                SIDE,
            )
        });
        Ok(warp_digit(image, plan))
    }
}
