//! `glass_blur` (spec §2.5): a Gaussian blur, a truncation to 8 bits, a local pixel scramble and a
//! second Gaussian blur. The Gaussians are scikit-image 0.13's `gaussian(x, σ, multichannel=True)`
//! (scipy `gaussian_filter`, mode nearest, truncate 4, float64).
//!
//! The scramble visits rows from H−d down to d+1 and, in each, columns from W−d down to d+1, and
//! draws one `randint(−d, d, size=2)` = (dx, dy) per visited pixel. The reference's tuple "swap"
//! of two numpy views does not swap: it copies pixel (h+dy, w+dx) into (h, w) and leaves the
//! source as it is, so this is a copy.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::gaussian::{gaussian_blur_u8, Boundary};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GlassBlur {
    /// σ of both Gaussian blurs, in pixels.
    pub sigma: f64,
    /// The largest displacement d; offsets are drawn from [−d, d).
    pub max_delta: usize,
    /// How many times the scramble runs over the image.
    pub iterations: usize,
}

/// scikit-image's default `truncate` for `gaussian`.
const TRUNCATE: f64 = 4.0;

impl Corruption for GlassBlur {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        if self.max_delta == 0 {
            return Err(Error::Invalid(
                "glass_blur max_delta must be at least 1 (randint(-d, d) needs d > 0)".into(),
            ));
        }
        let shape = (image.height, image.width, image.channels);
        // The first blur is scaled by 255 and cast to 8 bits without a clip; its values lie in
        // [0, 1] (weights ≥ 0 summing to 1), where the clip changes nothing.
        let blurred = gaussian_blur_u8(&image.data, shape, self.sigma, Boundary::Nearest, TRUNCATE);
        let mut scrambled = Image {
            data: blurred,
            ..*image
        };
        let mut draws = Vec::new();
        for _ in 0..self.iterations {
            scramble(&mut scrambled, self.max_delta, rng, &mut draws);
        }
        let data = gaussian_blur_u8(
            &scrambled.data,
            shape,
            self.sigma,
            Boundary::Nearest,
            TRUNCATE,
        );
        Ok(Image { data, ..*image })
    }
}

/// One pass of the reference's local "swap" loop, which copies pixel (h+dy, w+dx) into (h, w).
/// Each row's offsets are drawn with one bulk call, in the reference's order (dx then dy per
/// pixel, columns from right to left); `draws` is scratch space reused across passes.
fn scramble(image: &mut Image, max_delta: usize, rng: &mut dyn Random, draws: &mut Vec<i64>) {
    let (h, w, c) = (image.height, image.width, image.channels);
    let d = max_delta as i64;
    let row = w * c;
    let data = &mut image.data;
    let columns = max_delta + 1..=w.saturating_sub(max_delta);
    if columns.is_empty() {
        return;
    }
    draws.resize(2 * columns.clone().count(), 0);
    for y in (max_delta + 1..=h.saturating_sub(max_delta)).rev() {
        rng.fill_randint(-d, d, draws);
        let first = y * row + columns.end() * c;
        // Three channels get a copy of fixed size; the match lets it be specialised.
        match c {
            3 => copy_pixels(data, first, row, 3, draws),
            _ => copy_pixels(data, first, row, c, draws),
        }
    }
}

/// Copies pixel `to + dy·row + dx·c` into `to` for each (dx, dy) of `offsets`, `to` moving one
/// pixel left after each. Sources stay inside the image: y + dy ∈ [1, h − 1] because
/// y ∈ [d+1, h−d] and dy ∈ [−d, d−1], and likewise x + dx.
#[inline(always)]
fn copy_pixels(data: &mut [u8], first: usize, row: usize, c: usize, offsets: &[i64]) {
    for (k, offset) in offsets.chunks_exact(2).enumerate() {
        let to = first - k * c;
        let from = (to as i64 + offset[1] * row as i64 + offset[0] * c as i64) as usize;
        data.copy_within(from..from + c, to);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn scramble_copies_in_reverse_raster_order() {
        // Replay the reference loop on a small image with the same draws, written naively.
        let (h, w, c, d) = (7usize, 6usize, 3usize, 2usize);
        let data: Vec<u8> = (0..h * w * c).map(|i| (i * 37 % 251) as u8).collect();
        let mut ours = Image::new(w, h, c, data.clone()).unwrap();
        scramble(&mut ours, d, &mut NumpyRandom::new(5), &mut Vec::new());

        let mut rng = NumpyRandom::new(5);
        let mut want = data;
        let mut hh = h - d;
        while hh > d {
            let mut ww = w - d;
            while ww > d {
                let dx = rng.randint(-(d as i64), d as i64);
                let dy = rng.randint(-(d as i64), d as i64);
                let (sy, sx) = ((hh as i64 + dy) as usize, (ww as i64 + dx) as usize);
                for ch in 0..c {
                    want[(hh * w + ww) * c + ch] = want[(sy * w + sx) * c + ch];
                }
                ww -= 1;
            }
            hh -= 1;
        }
        assert_eq!(ours.data, want);
        // Rows and columns 0..=d are never written.
        assert_eq!(ours.data[..(d + 1) * w * c], want[..(d + 1) * w * c]);
    }

    #[test]
    fn scramble_draws_two_values_per_visited_pixel() {
        let mut image = Image::zeros(10, 8, 3);
        let mut rng = NumpyRandom::new(9);
        scramble(&mut image, 3, &mut rng, &mut Vec::new());
        // (8−3−3)·(10−3−3) = 8 pixels, 16 draws: the next draw matches a fresh stream's 17th.
        let mut fresh = NumpyRandom::new(9);
        for _ in 0..16 {
            fresh.randint(-3, 3);
        }
        assert_eq!(rng.randint(-3, 3), fresh.randint(-3, 3));
    }
}
