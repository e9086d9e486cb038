//! MNIST-C `glass_blur` (spec §3.3, released at σ 0.7, δ 1, 2 iterations). Unlike ImageNet-C's
//! glass blur, both blurs are vertical only ("vblur", spec §2.2), each visited position first
//! draws a coin, and the scramble really swaps two pixels (numpy scalars of a 2-D array, not views):
//!
//! 1. u = uint8(vblur_σ(img/255)·255), a truncating cast straight from float64.
//! 2. `iterations` times: for rows h from 28−δ down to δ+1 and, in each, columns w from 28−δ
//!    down to δ+1, draw `choice([True, False])` = randint(0, 2) (0 means True); on True draw
//!    dx then dy from randint(−δ, δ) and swap u[h][w] with u[h+dy][w+dx].
//! 3. out = clip(vblur_σ(u/255), 0, 1)·255.

use super::{check_digit, finish, vertical_blur, SIDE};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's glass blur parameters: σ of both (here vertical) blurs, the largest offset δ and the number of scrambles.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GlassBlur(pub imagenet_c::GlassBlur);

impl Corruption for GlassBlur {
    fn apply(&self, image: &Image, rng: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "glass_blur")?;
        if self.0.max_delta == 0 || self.0.max_delta >= SIDE / 2 {
            return Err(Error::Invalid(format!(
                "glass_blur max_delta must be in 1..{}, got {}",
                SIDE / 2,
                self.0.max_delta
            )));
        }
        let mut values = image.to_unit_f64();
        vertical_blur(&mut values, SIDE, SIDE, self.0.sigma);
        let mut pixels: Vec<u8> = values.iter().map(|v| (v * 255.0) as u8).collect();
        scramble(&mut pixels, self.0.max_delta, self.0.iterations, rng);
        let mut values: Vec<f64> = pixels.iter().map(|&v| v as f64 / 255.0).collect();
        vertical_blur(&mut values, SIDE, SIDE, self.0.sigma);
        Ok(finish(image, &values))
    }
}

/// Step 2, `iterations` times. When 2δ is a power of two, a draw of randint(−δ, δ) or
/// randint(0, 2) is one word masked, with no rejection, so one randint(0, 2δ) word serves as
/// either (its low bit is the coin); the words are then drawn in batches, each no longer than
/// the draws certainly still to come, so the stream ends where the reference's does.
fn scramble(pixels: &mut [u8], max_delta: usize, iterations: usize, rng: &mut dyn Random) {
    let d = max_delta as i64;
    let span = SIDE - 2 * max_delta;
    let positions = iterations * span * span;
    let mut words = [0i64; 256];
    let (mut next, mut len) = (0, 0);
    let mut draw = |rng: &mut dyn Random, low: i64, high: i64, at_least: usize| {
        if !max_delta.is_power_of_two() {
            return rng.randint(low, high);
        }
        if next == len {
            len = at_least.min(words.len());
            rng.fill_randint(0, 2 * d, &mut words[..len]);
            next = 0;
        }
        next += 1;
        low + (words[next - 1] & (high - low - 1))
    };
    let mut done = 0;
    for _ in 0..iterations {
        for h in (max_delta + 1..=SIDE - max_delta).rev() {
            for w in (max_delta + 1..=SIDE - max_delta).rev() {
                // This coin and one for each position after it; then dx, dy and those coins.
                let left = positions - done;
                done += 1;
                if draw(rng, 0, 2, left) != 0 {
                    continue;
                }
                let dx = draw(rng, -d, d, left + 1);
                let dy = draw(rng, -d, d, left);
                // h + dy and w + dx stay in 1..=27: h, w ∈ [δ+1, 28−δ] and dx, dy ∈ [−δ, δ−1].
                let source = (h as i64 + dy) as usize * SIDE + (w as i64 + dx) as usize;
                pixels.swap(h * SIDE + w, source);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::NumpyRandom;

    #[test]
    fn scramble_swaps_after_a_coin_in_reverse_raster_order() {
        let data: Vec<u8> = (0..784).map(|i| (i * 37 % 251) as u8).collect();
        for d in [1usize, 2, 3, 4] {
            let mut ours = data.clone();
            scramble(&mut ours, d, 1, &mut NumpyRandom::new(5));

            let mut rng = NumpyRandom::new(5);
            let mut want = data.clone();
            let mut swaps = 0;
            let mut h = 28 - d;
            while h > d {
                let mut w = 28 - d;
                while w > d {
                    if rng.randint(0, 2) == 0 {
                        let dx = rng.randint(-(d as i64), d as i64);
                        let dy = rng.randint(-(d as i64), d as i64);
                        let (sh, sw) = ((h as i64 + dy) as usize, (w as i64 + dx) as usize);
                        let (a, b) = (want[h * 28 + w], want[sh * 28 + sw]);
                        want[h * 28 + w] = b;
                        want[sh * 28 + sw] = a;
                        swaps += 1;
                    }
                    w -= 1;
                }
                h -= 1;
            }
            assert_eq!(ours, want, "δ {d}");
            assert!(swaps > 0);
            // A swap keeps the multiset of values.
            let (mut a, mut b) = (ours.clone(), data.clone());
            a.sort_unstable();
            b.sort_unstable();
            assert_eq!(a, b);
        }
    }

    #[test]
    fn blur_is_vertical_only() {
        // A single bright column stays a single column: nothing leaks sideways.
        let mut data = vec![0u8; 784];
        for r in 0..28 {
            data[r * 28 + 13] = 255;
        }
        data[10 * 28 + 13] = 0;
        let digit = Image::new(28, 28, 1, data).unwrap();
        let glass = GlassBlur(imagenet_c::GlassBlur {
            sigma: 0.7,
            max_delta: 1,
            iterations: 0,
        });
        let out = glass
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        for r in 0..28 {
            for c in 0..28 {
                if c != 13 {
                    assert_eq!(out.data[r * 28 + c], 0, "({r}, {c})");
                }
            }
        }
        assert!(out.data[10 * 28 + 13] > 0, "the gap is blurred over");
        assert!(out.data[13] > 200);
    }

    #[test]
    fn rejects_a_zero_delta() {
        let glass = GlassBlur(imagenet_c::GlassBlur {
            sigma: 0.7,
            max_delta: 0,
            iterations: 1,
        });
        let digit = Image::zeros(28, 28, 1);
        assert!(glass
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .is_err());
    }
}
