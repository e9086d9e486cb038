//! ImageNet-P style perturbation sequences (spec §6): for one clean image, T frames that change it
//! a little more (or differently) each time, exactly as the reference scripts
//! (hendrycks/robustness `ImageNet-P/create_p/make_imagenet_p.py` and its 64×64 and 32×32
//! siblings) write them as PNG frames before video encoding.
//!
//! * A [`Perturbation`] makes the frames of one sequence from one [`Clean`] input, pushing each
//!   frame into a callback as soon as it is made, so a caller holds at most the frames it keeps.
//! * Parameters and frame schedules are data: [`recipe`] reads `corruptions/imagenet-p.toml` (and
//!   the other `*-p.toml` recipes) into typed perturbations.
//! * Randomness goes through [`Random`]: seeded `np.random.seed(S + i)` before sample i's
//!   sequence, the numpy source replays the reference's draws, frame after frame.
//! * [`Pairing`] says which frames the metrics compare (spec §7.3).

pub mod affine;
pub mod brightness;
pub mod gaussian_blur;
pub mod geometric;
pub mod motion_blur;
pub mod noise;
pub mod recipe;
pub mod snow;
pub mod spatter;
pub mod tilt;
pub mod zoom_blur;

use crate::error::Result;
use crate::ops::pil_transform::Window;
use crate::raster::Image;
use crate::rng::Random;

pub use recipe::{PerturbRecipe, PerturbSuite};

/// The clean input of one sequence.
#[derive(Clone, Copy, Debug)]
pub struct Clean<'a> {
    /// The image as decoded (before the recipe's `[input]` preparation).
    pub original: &'a Image,
    /// The image after the recipe's `[input]` preparation (for ImageNet-P, Resize(256)): the
    /// "256-img" from which every frame is made.
    pub prepared: &'a Image,
    /// The side of the square centre crop each frame is cut to (`CenterCrop(n)`), or `None`
    /// where frames keep the prepared image's size.
    pub crop: Option<usize>,
    /// The preparation that made `prepared` from `original` (for sequences that perturb the
    /// original and prepare the result, as Tiny-ImageNet-P's motion_blur does).
    pub input: &'a crate::prep::Prep,
}

impl Clean<'_> {
    /// `CenterCrop(crop)` of an image made from the prepared input (or the image itself).
    pub fn cropped(&self, image: &Image) -> Result<Image> {
        match self.crop {
            Some(n) => crate::prep::Prep {
                center_crop: Some(n),
                ..Default::default()
            }
            .apply(image),
            None => Ok(image.clone()),
        }
    }

    /// `CenterCrop(crop)` of an image of the prepared input's size that `render` makes, computing
    /// only the pixels kept: `render` is given the window to make (the crop, or the whole image
    /// when there is no crop or it does not fit, which is then cropped as usual).
    pub fn rendered_cropped(&self, render: impl FnOnce(Window) -> Result<Image>) -> Result<Image> {
        let (w, h) = (self.prepared.width, self.prepared.height);
        match self.crop.filter(|&n| n <= w && n <= h) {
            Some(n) => {
                // CenterCrop's offsets: int(round((len − n) / 2)), half to even.
                let offset = |len: usize| ((len - n) as f64 / 2.0).round_ties_even() as usize;
                render(Window {
                    left: offset(w),
                    top: offset(h),
                    width: n,
                    height: n,
                })
            }
            None => self.cropped(&render(Window::whole(w, h))?),
        }
    }

    /// The clean frame: the prepared image, centre-cropped.
    pub fn clean_frame(&self) -> Result<Image> {
        self.cropped(self.prepared)
    }
}

/// Which frames the flip-probability and top-5-distance metrics compare (spec §7.3).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pairing {
    /// Noise sequences: every frame j ≥ 1 against the clean frame 0, whatever the difficulty
    /// (the difficulty selects a separately generated, noisier sequence instead).
    AgainstFirst,
    /// All other sequences: frame j against frame j − d for difficulty d (consecutive frames at
    /// d = 1); all frames come from one generated sequence.
    Stride,
}

impl Pairing {
    /// The (earlier, later) frame index pairs compared in a sequence of `frames` frames at
    /// difficulty `d` (at least 1).
    pub fn pairs(self, frames: usize, d: usize) -> Vec<(usize, usize)> {
        match self {
            Pairing::AgainstFirst => (1..frames).map(|j| (0, j)).collect(),
            Pairing::Stride => (d.max(1)..frames).map(|j| (j - d.max(1), j)).collect(),
        }
    }
}

/// One perturbation of a suite: how many frames it makes, how they are compared, and the frames.
pub trait Perturbation: Send + Sync {
    /// Frames in one sequence (31 for most; translate 41 at 224).
    fn frame_count(&self) -> usize;

    /// How the metrics pair this sequence's frames.
    fn pairing(&self) -> Pairing;

    /// The difficulties generated as separate sequences: 1 to 3 for the noises, only 1 for the
    /// rest (their difficulty is a frame stride in the metrics, see [`Pairing::pairs`]).
    fn difficulties(&self) -> std::ops::RangeInclusive<u32> {
        1..=1
    }

    /// Makes the frames of one sequence at `difficulty` (one of [`Perturbation::difficulties`]),
    /// calling `emit` with frame 0, 1, … in order. Random draws come from `rng` in the
    /// reference's order.
    fn frames(
        &self,
        clean: &Clean<'_>,
        difficulty: u32,
        rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn noise_pairs_every_frame_with_the_first() {
        let pairs = Pairing::AgainstFirst.pairs(4, 3);
        assert_eq!(pairs, vec![(0, 1), (0, 2), (0, 3)]);
    }

    #[test]
    fn other_pairs_are_difficulty_apart() {
        assert_eq!(Pairing::Stride.pairs(4, 1), vec![(0, 1), (1, 2), (2, 3)]);
        assert_eq!(Pairing::Stride.pairs(5, 2), vec![(0, 2), (1, 3), (2, 4)]);
        // translate's 41 frames give 40 pairs at difficulty 1.
        assert_eq!(Pairing::Stride.pairs(41, 1).len(), 40);
    }
}
