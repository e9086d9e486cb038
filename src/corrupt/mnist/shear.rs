//! `shear`: a horizontal shear about the image centre with a random direction (spec §3.5):
//! scikit-image `AffineTransform(shear=±s)` made centre-fixed, bilinear inverse warp of x/255.
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
pub struct Shear {
    /// Shear angle in radians; the sign is drawn per image.
    pub angle: f64,
}

impl Corruption for Shear {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "shear")?;
        let angle = self.angle * random_sign(rng);
        let map = Affine::from_parts((1.0, 1.0), 0.0, angle).fixing_centre(CENTRE);
        Ok(warp_digit(image, &map))
    }
}
