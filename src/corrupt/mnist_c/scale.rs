//! `scale`: the digit shrunk about the image centre (spec §3.6): scikit-image
//! `AffineTransform(scale=(1/size, 1/size))` made centre-fixed, bilinear inverse warp of x/255.
//! Deterministic.

use super::{check_digit, warp_digit, Memo, CENTRE, SIDE};
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::affine_warp::{Affine, WarpPlan};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Size of the digit afterwards relative to before; the inverse map scales by 1/size, the
    /// reference's `1/.7` for size 0.7.
    pub size: f64,
    /// The warp plan.
    #[serde(skip)]
    plan: Memo<WarpPlan>,
}

impl Corruption for Scale {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "scale")?;
        if !(self.size > 0.0 && self.size.is_finite()) {
            return Err(Error::Invalid(format!(
                "scale: size must be positive, got {}",
                self.size
            )));
        }
        let plan = self.plan.get(1, 0, || {
            let factor = 1.0 / self.size;
            let map = Affine::from_parts((factor, factor), 0.0, 0.0).fixing_centre(CENTRE);
            WarpPlan::new(&map, SIDE, SIDE)
        });
        Ok(warp_digit(image, plan))
    }
}
