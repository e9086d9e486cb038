//! MNIST-C corruptions (google-research/mnist-c `corruptions.py`; spec mnist-c.md §3, §5): the
//! affine ones (shear, scale, rotate, translate), the strokes (line, dotted_line, zigzag), and the
//! per-pixel and edge ones (identity, stripe, inverse, quantize, brightness, saturate,
//! canny_edges). Inputs are 28×28 single-channel images; results go through float32 and the
//! truncating `uint8` cast of the dataset files (spec §1.3–1.4).

mod brightness;
mod canny_edges;
mod dotted_line;
mod identity;
mod inverse;
mod line;
mod quantize;
mod rotate;
mod saturate;
mod scale;
mod shear;
mod stripe;
mod translate;
mod zigzag;

pub use brightness::Brightness;
pub use canny_edges::CannyEdges;
pub use dotted_line::DottedLine;
pub use identity::Identity;
pub use inverse::Inverse;
pub use line::Line;
pub use quantize::Quantize;
pub use rotate::Rotate;
pub use saturate::Saturate;
pub use scale::Scale;
pub use shear::Shear;
pub use stripe::Stripe;
pub use translate::Translate;
pub use zigzag::Zigzag;

use crate::error::{Error, Result};
use crate::ops::affine_warp::{warp_bilinear, Affine};
use crate::raster::Image;
use crate::rng::Random;

/// Side of an MNIST image; the reference hard-codes it (stroke grids, the 13.5 centre, stripes).
pub const SIDE: usize = 28;

/// The centre the affine corruptions keep fixed, (col, row) = (13.5, 13.5).
const CENTRE: f64 = 13.5;

/// Checks that `image` is what MNIST-C corrupts: 28×28, one channel.
fn check_digit(image: &Image, name: &str) -> Result<()> {
    if (image.width, image.height, image.channels) != (SIDE, SIDE, 1) {
        return Err(Error::Invalid(format!(
            "{name} needs a 28×28 single-channel image, got {}×{}×{}",
            image.width, image.height, image.channels
        )));
    }
    Ok(())
}

/// The reference's ending for float64 work in [0, 1]: `np.clip(x, 0, 1) * 255`, converted to
/// float32 (round to nearest), then the dataset's truncating `uint8` cast.
fn finish(image: &Image, values: &[f64]) -> Image {
    let scaled: Vec<f32> = values
        .iter()
        .map(|v| (v.clamp(0.0, 1.0) * 255.0) as f32)
        .collect();
    image.with_values_f32(&scaled)
}

/// `np.random.choice([-1, 1])`: numpy 1.16 draws the index with `randint(0, 2)`.
fn random_sign(rng: &mut dyn Random) -> f64 {
    [-1.0, 1.0][rng.randint(0, 2) as usize]
}

/// Warps x/255 with a scikit-image inverse map and finishes as the reference does.
fn warp_digit(image: &Image, map: &Affine) -> Image {
    let warped = warp_bilinear(&image.to_unit_f64(), SIDE, SIDE, map);
    finish(image, &warped)
}
