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
use crate::ops::affine_warp::WarpPlan;
use crate::raster::Image;
use crate::rng::Random;
use std::sync::OnceLock;

/// Side of an MNIST image; the reference hard-codes it (stroke grids, the 13.5 centre, stripes).
pub const SIDE: usize = 28;

/// The centre the affine corruptions keep fixed, (col, row) = (13.5, 13.5).
const CENTRE: f64 = 13.5;

/// Checks that `image` is what MNIST-C corrupts: 28×28, one channel.
pub(crate) fn check_digit(image: &Image, name: &str) -> Result<()> {
    if (image.width, image.height, image.channels) != (SIDE, SIDE, 1) {
        return Err(Error::Invalid(format!(
            "{name} needs a 28×28 single-channel image, got {}×{}×{}",
            image.width, image.height, image.channels
        )));
    }
    Ok(())
}

/// The reference's ending for one float64 value in [0, 1] work: `np.clip(x, 0, 1) * 255`,
/// converted to float32 (round to nearest), then the dataset's truncating `uint8` cast.
#[inline]
pub(crate) fn finish_value(v: f64) -> u8 {
    (v.clamp(0.0, 1.0) * 255.0) as f32 as u8
}

/// `np.random.choice([-1, 1])`: numpy 1.16 draws the index with `randint(0, 2)`; returns the
/// index (0 for −1, 1 for +1).
fn random_sign(rng: &mut dyn Random) -> usize {
    rng.randint(0, 2) as usize
}

/// The sign `np.random.choice([-1, 1])` picked with index `index`.
fn sign(index: usize) -> f64 {
    [-1.0, 1.0][index]
}

/// Values a corruption derives from its parameters and a few possible draws (warp plans, stroke
/// masks), one slot per key in 0..len, each made on first use and shared by all threads.
struct Memo<T> {
    slots: OnceLock<Box<[OnceLock<T>]>>,
}

impl<T> Default for Memo<T> {
    fn default() -> Self {
        Memo {
            slots: OnceLock::new(),
        }
    }
}

impl<T> Memo<T> {
    /// The value for `key` (< `len`, the same `len` on every call), made by `make` the first time.
    fn get(&self, len: usize, key: usize, make: impl FnOnce() -> T) -> &T {
        let slots = self
            .slots
            .get_or_init(|| (0..len).map(|_| OnceLock::new()).collect());
        slots[key].get_or_init(make)
    }
}

impl<T> std::fmt::Debug for Memo<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let made = self
            .slots
            .get()
            .map_or(0, |s| s.iter().filter(|v| v.get().is_some()).count());
        write!(f, "Memo({made} made)")
    }
}

/// The image with every value replaced through `table`, for corruptions that map each 8-bit value
/// on its own.
fn map_values(image: &Image, table: &[u8; 256]) -> Image {
    let mut out = image.clone();
    for v in &mut out.data {
        *v = table[*v as usize];
    }
    out
}

/// Warps x/255 with the plan of a scikit-image inverse map and finishes as the reference does.
fn warp_digit(image: &Image, plan: &WarpPlan) -> Image {
    let mut out = Image::zeros(SIDE, SIDE, 1);
    plan.warp_unit(&image.data, finish_value, &mut out.data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::unit_byte::UNIT;

    #[test]
    fn unit_values_finish_as_themselves() {
        // Pixels a stroke leaves alone go x/255 → ·255 → float32 → uint8, which is x again.
        for x in 0..=255u8 {
            assert_eq!(finish_value(UNIT[x as usize]), x);
            assert_eq!(finish_value(UNIT[x as usize] + 0.0), x);
        }
    }
}
