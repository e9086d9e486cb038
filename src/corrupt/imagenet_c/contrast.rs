//! `contrast`: pull every channel towards its mean (spec §2.12). x = img/255, μ = per-channel mean
//! over the image, out = clip((x − μ)·factor + μ, 0, 1).
//!
//! The mean is numpy's `np.mean(x, axis=(0, 1))` on a C-ordered H×W×C float64 array: the channel
//! axis has the smallest stride, so numpy iterates it innermost and adds the pixels into the three
//! sums one after another, in order (no pairwise summation), then divides by H·W. The final
//! truncating cast is numpy's `uint8` cast.

use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Contrast {
    /// Factor on the deviation from the mean: smaller is flatter.
    pub factor: f64,
}

impl Corruption for Contrast {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        let c = image.channels;
        // The output of a value depends only on its channel's mean, so each channel gets a table
        // of the 256 possible results.
        let tables: Vec<[u8; 256]> = channel_means(image)
            .into_iter()
            .map(|mean| {
                std::array::from_fn(|v| {
                    let x = v as f64 / 255.0;
                    ((x - mean) * self.factor + mean).clamp(0.0, 1.0) * 255.0
                } as u8)
            })
            .collect();
        let mut data = image.data.clone();
        match c {
            1 => map_pixels::<1>(&mut data, &tables),
            3 => map_pixels::<3>(&mut data, &tables),
            _ => {
                for pixel in data.chunks_exact_mut(c) {
                    for (v, table) in pixel.iter_mut().zip(&tables) {
                        *v = table[*v as usize];
                    }
                }
            }
        }
        Ok(Image { data, ..*image })
    }
}

/// Each value through its channel's table, for `C` channels known at compile time.
fn map_pixels<const C: usize>(data: &mut [u8], tables: &[[u8; 256]]) {
    let tables: &[[u8; 256]; C] = tables.try_into().expect("one table per channel");
    for pixel in data.chunks_exact_mut(C) {
        for (v, table) in pixel.iter_mut().zip(tables) {
            *v = table[*v as usize];
        }
    }
}

/// numpy's `np.mean(img / 255., axis=(0, 1))`: per channel, a sequential float64 sum over the
/// pixels in row-major order, divided by the pixel count.
fn channel_means(image: &Image) -> Vec<f64> {
    let sums = match image.channels {
        1 => channel_sums::<1>(&image.data).to_vec(),
        3 => channel_sums::<3>(&image.data).to_vec(),
        c => {
            let mut sums = vec![0.0f64; c];
            for pixel in image.data.chunks_exact(c) {
                for (sum, &v) in sums.iter_mut().zip(pixel) {
                    *sum += v as f64 / 255.0;
                }
            }
            sums
        }
    };
    let count = (image.width * image.height) as f64;
    sums.iter().map(|s| s / count).collect()
}

/// The per-channel sequential sums of v/255 for `C` channels, kept in registers.
fn channel_sums<const C: usize>(data: &[u8]) -> [f64; C] {
    let unit: [f64; 256] = std::array::from_fn(|v| v as f64 / 255.0);
    let mut sums = [0.0f64; C];
    for pixel in data.chunks_exact(C) {
        for (sum, &v) in sums.iter_mut().zip(pixel) {
            *sum += unit[v as usize];
        }
    }
    sums
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::numeric::pairwise_sum;
    use std::path::PathBuf;

    #[test]
    fn mean_is_numpys_sequential_sum() {
        let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/imagenet-c/astronaut/clean.png");
        let image = crate::io::read_rgb(&path).unwrap();
        // np.mean(np.asarray(img) / 255., axis=(0, 1)) for this photo.
        let numpy = [0.5551798062974638, 0.4147765356143152, 0.37835829644366975];
        let means = channel_means(&image);
        assert_eq!(means, numpy);
        // Pairwise summation of each channel gives other last bits, so the order matters here.
        for (ch, &mean) in means.iter().enumerate() {
            let channel: Vec<f64> = image.data[ch..]
                .iter()
                .step_by(3)
                .map(|&v| v as f64 / 255.0)
                .collect();
            assert_ne!(pairwise_sum(&channel) / channel.len() as f64, mean);
        }
    }
}
