//! imagecorruptions' `pixelate` (spec §5.2): shrink with Pillow's BOX filter (Pillow ≥ 7's box,
//! closed at +0.5; the reference environment has Pillow 10.4) to
//! (int(W·factor), int(H·factor)), then enlarge back with Pillow's NEAREST.

use crate::corrupt::{Context, Corruption};
use crate::error::{Error, Result};
use crate::ops::resample::{resize, Filter};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pixelate {
    /// Size of the intermediate image relative to the original.
    pub factor: f64,
}

impl Corruption for Pixelate {
    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        if !(self.factor > 0.0 && self.factor <= 1.0) {
            return Err(Error::Invalid(format!(
                "pixelate factor {} is outside (0, 1]",
                self.factor
            )));
        }
        let small_width = (image.width as f64 * self.factor) as usize;
        let small_height = (image.height as f64 * self.factor) as usize;
        if small_width == 0 || small_height == 0 {
            return Err(Error::Invalid(format!(
                "pixelate factor {} leaves nothing of a {}×{} image",
                self.factor, image.width, image.height
            )));
        }
        let small = resize(image, small_width, small_height, Filter::BoxPillow7)?;
        Ok(nearest(&small, image.width, image.height))
    }
}

/// Pillow's NEAREST resize (its `ImagingScaleAffine`): with scale = n_in / n_out, the source
/// position starts at scale/2 and grows by scale per output sample, accumulated in float64, and
/// the sample read is its integer part; likewise for rows.
fn nearest(image: &Image, width: usize, height: usize) -> Image {
    let index = |n_in: usize, n_out: usize| -> Vec<usize> {
        let scale = n_in as f64 / n_out as f64;
        let mut position = scale * 0.5;
        (0..n_out)
            .map(|_| {
                let i = (position as usize).min(n_in - 1);
                position += scale;
                i
            })
            .collect()
    };
    let (cols, rows) = (index(image.width, width), index(image.height, height));
    let c = image.channels;
    let row_len = width * c;
    let mut data = vec![0u8; height * row_len];
    // Consecutive output rows that read the same source row are equal: copy the one before.
    let mut previous = None;
    for (i, &y) in rows.iter().enumerate() {
        let (done, rest) = data.split_at_mut(i * row_len);
        let line = &mut rest[..row_len];
        if previous == Some(y) {
            line.copy_from_slice(&done[done.len() - row_len..]);
            continue;
        }
        let row = &image.data[y * image.width * c..][..image.width * c];
        for (pixel, &x) in line.chunks_exact_mut(c.max(1)).zip(&cols) {
            pixel.copy_from_slice(&row[x * c..x * c + c]);
        }
        previous = Some(y);
    }
    Image {
        width,
        height,
        channels: c,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_matches_pillow() {
        // Pillow 10.4: Image.fromarray(np.array([[10, 20]], np.uint8)).resize((5, 2), NEAREST).
        let small = Image::new(2, 1, 1, vec![10, 20]).unwrap();
        assert_eq!(
            nearest(&small, 5, 2).data,
            [10, 10, 20, 20, 20, 10, 10, 20, 20, 20]
        );
        // Ten values 0, 20, .., 180 enlarged to 49: blocks of 5 except 100's, of 4.
        let ramp = Image::new(10, 1, 1, (0..10).map(|v| v * 20).collect()).unwrap();
        let mut want = Vec::new();
        for v in 0..10u8 {
            want.extend(std::iter::repeat_n(v * 20, if v == 5 { 4 } else { 5 }));
        }
        assert_eq!(nearest(&ramp, 49, 1).data, want);
    }
}
