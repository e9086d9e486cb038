//! `rotate`: a rotation about the image centre with a random direction (spec §3.7):
//! scikit-image `AffineTransform(rotation=±a)` made centre-fixed, bilinear inverse warp of x/255.
//! Draws one sign (`np.random.choice([-1, 1])`).

use super::{check_digit, random_sign, warp_digit, CENTRE};
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::ops::affine_warp::Affine;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rotate {
    /// Rotation angle in radians; the sign is drawn per image.
    pub angle: f64,
}

impl Corruption for Rotate {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "rotate")?;
        let angle = self.angle * random_sign(rng);
        let map = Affine::from_parts((1.0, 1.0), angle, 0.0).fixing_centre(CENTRE);
        Ok(warp_digit(image, &map))
    }
}
