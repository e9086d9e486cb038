//! Image resizing exactly as Pillow 5.0's `Image.resize` computes it for 8-bit images
//! (`libImaging/Resample.c`, `ImagingResample`): a separable convolution, horizontal pass first,
//! then vertical, each with fixed-point coefficients of 22 fractional bits and an 8-bit clamped
//! result, so the intermediate image is itself rounded to 8 bits.
//!
//! Coefficients follow Pillow's `precompute_coeffs`: output index i is centred on input coordinate
//! (i + 0.5)·scale with scale = in/out; when shrinking, the filter is stretched by the scale
//! (antialiasing). Weights are normalised to sum 1 in float64, then rounded half away from zero to
//! integers. Each output value is (2²¹ + Σ value·weight) >> 22, clamped to 0..=255.
//!
//! The box filter is Pillow 5.0's, 1 on [−0.5, 0.5) ([`Filter::Box`]), or Pillow 7's and later,
//! 1 on (−0.5, 0.5] ([`Filter::BoxPillow7`]); they differ only where a sample position falls
//! exactly on the box edge.

use crate::error::{Error, Result};
use crate::raster::Image;

/// The resampling filters of Pillow that the suites use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Filter {
    /// `Image.BOX`: area average when shrinking, pixel replication when enlarging.
    Box,
    /// `Image.BOX` of Pillow 7 and later, whose box is closed at +0.5 instead of −0.5.
    BoxPillow7,
    /// `Image.BILINEAR`: the triangle filter, antialiased (stretched) when shrinking.
    Bilinear,
}

impl Filter {
    /// Half-width of the filter at scale 1.
    fn support(self) -> f64 {
        match self {
            Filter::Box | Filter::BoxPillow7 => 0.5,
            Filter::Bilinear => 1.0,
        }
    }

    /// The filter's weight at distance `x` (in filter units) from the sample centre.
    fn weight(self, x: f64) -> f64 {
        match self {
            Filter::Box => {
                if (-0.5..0.5).contains(&x) {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::BoxPillow7 => {
                if x > -0.5 && x <= 0.5 {
                    1.0
                } else {
                    0.0
                }
            }
            Filter::Bilinear => {
                let x = x.abs();
                if x < 1.0 {
                    1.0 - x
                } else {
                    0.0
                }
            }
        }
    }
}

/// Fractional bits of the fixed-point coefficients (32 − 8 − 2 in Pillow).
const PRECISION_BITS: u32 = 22;

/// The fixed-point weights of one axis, computed once per (input size, output size, filter).
#[derive(Clone, Debug)]
struct AxisWeights {
    /// First input index each output index reads.
    starts: Vec<usize>,
    /// How many input indices each output index reads.
    counts: Vec<usize>,
    /// Row stride of `weights`: the most inputs any output can read.
    ksize: usize,
    /// `counts[i]` weights for output i at `weights[i·ksize..]`.
    weights: Vec<i32>,
}

impl AxisWeights {
    fn new(in_size: usize, out_size: usize, filter: Filter) -> Self {
        // Pillow passes the source box as float32 and divides in float64.
        let scale = (in_size as f32) as f64 / out_size as f64;
        let filter_scale = scale.max(1.0);
        let support = filter.support() * filter_scale;
        let ksize = support.ceil() as usize * 2 + 1;
        let inverse_scale = 1.0 / filter_scale;
        let mut starts = Vec::with_capacity(out_size);
        let mut counts = Vec::with_capacity(out_size);
        let mut weights = vec![0i32; out_size * ksize];
        let mut float_weights = vec![0.0f64; ksize];
        for (i, row) in weights.chunks_exact_mut(ksize).enumerate() {
            let centre = (i as f64 + 0.5) * scale;
            // C's (int) cast: truncation toward zero.
            let start = ((centre - support + 0.5) as i64).max(0) as usize;
            let end = ((centre + support + 0.5) as i64).min(in_size as i64) as usize;
            let count = end.saturating_sub(start);
            let mut total = 0.0;
            for (t, w) in float_weights[..count].iter_mut().enumerate() {
                *w = filter.weight((((start + t) as f64 - centre) + 0.5) * inverse_scale);
                total += *w;
            }
            for (slot, &w) in row.iter_mut().zip(&float_weights[..count]) {
                let w = if total != 0.0 { w / total } else { w };
                *slot = to_fixed(w);
            }
            // Zero weights at either end add nothing: drop them from the tap.
            let (start, count) = match row[..count].iter().position(|&w| w != 0) {
                Some(first) => {
                    let last = row[..count].iter().rposition(|&w| w != 0).unwrap_or(first);
                    row.copy_within(first..=last, 0);
                    (start + first, last - first + 1)
                }
                None => (start, 0),
            };
            starts.push(start);
            counts.push(count);
        }
        AxisWeights {
            starts,
            counts,
            ksize,
            weights,
        }
    }

    /// Output index i's input range start and its weights.
    #[inline]
    fn tap(&self, i: usize) -> (usize, &[i32]) {
        let k = &self.weights[i * self.ksize..];
        (self.starts[i], &k[..self.counts[i]])
    }

    /// The input indices the outputs read: from the smallest start to the largest end.
    fn span(&self) -> std::ops::Range<usize> {
        let taps = || self.starts.iter().zip(&self.counts).filter(|(_, &n)| n > 0);
        let first = taps().map(|(&s, _)| s).min().unwrap_or(0);
        let end = taps().map(|(&s, &n)| s + n).max().unwrap_or(first);
        first..end
    }
}

/// A normalised float weight as Pillow's fixed-point integer: scaled by 2²², rounded half away
/// from zero by truncation.
fn to_fixed(w: f64) -> i32 {
    let scaled = w * (1u32 << PRECISION_BITS) as f64;
    if w < 0.0 {
        (scaled - 0.5) as i32
    } else {
        (scaled + 0.5) as i32
    }
}

/// The 8-bit result of a fixed-point accumulator that started at one half.
#[inline]
fn clip8(sum: i32) -> u8 {
    (sum >> PRECISION_BITS).clamp(0, 255) as u8
}

/// Accumulators start at one half so the final shift rounds.
const HALF: i32 = 1 << (PRECISION_BITS - 1);

/// The weight 1: a tap of this weight alone copies its input, as (v·2²² + 2²¹) >> 22 = v.
const ONE: i32 = 1 << PRECISION_BITS;

/// A resize from one geometry to another with one filter, weights precomputed for reuse.
#[derive(Clone, Debug)]
pub struct Resize {
    in_width: usize,
    in_height: usize,
    out_width: usize,
    out_height: usize,
    horizontal: AxisWeights,
    vertical: AxisWeights,
}

impl Resize {
    /// Prepares resizing `in_width`×`in_height` images to `out_width`×`out_height`.
    pub fn new(
        (in_width, in_height): (usize, usize),
        (out_width, out_height): (usize, usize),
        filter: Filter,
    ) -> Result<Self> {
        if in_width == 0 || in_height == 0 || out_width == 0 || out_height == 0 {
            return Err(Error::Invalid(format!(
                "cannot resize {in_width}×{in_height} to {out_width}×{out_height}"
            )));
        }
        Ok(Resize {
            in_width,
            in_height,
            out_width,
            out_height,
            horizontal: AxisWeights::new(in_width, out_width, filter),
            vertical: AxisWeights::new(in_height, out_height, filter),
        })
    }

    /// Resizes `image`, which must have the input geometry given to [`Resize::new`].
    pub fn apply(&self, image: &Image) -> Result<Image> {
        if (image.width, image.height) != (self.in_width, self.in_height) {
            return Err(Error::Invalid(format!(
                "resize prepared for {}×{} got a {}×{} image",
                self.in_width, self.in_height, image.width, image.height
            )));
        }
        if (self.out_width, self.out_height) == (self.in_width, self.in_height) {
            return Ok(image.clone());
        }
        let channels = image.channels;
        let output = |data| Image {
            width: self.out_width,
            height: self.out_height,
            channels,
            data,
        };
        if self.out_width == self.in_width {
            return Ok(output(self.vertical_pass(&image.data, channels, 0)));
        }
        // Only the input rows the vertical pass reads go through the horizontal pass.
        let std::ops::Range {
            start: first_row,
            end: last_row,
        } = self.vertical.span();
        let rows = self.horizontal_pass(image, first_row, last_row);
        if self.out_height == self.in_height {
            // Same height: the weights select every row, each with weight 1.
            return Ok(output(rows));
        }
        Ok(output(self.vertical_pass(&rows, channels, first_row)))
    }

    /// Rows `first..last` of `image` resampled to the output width.
    fn horizontal_pass(&self, image: &Image, first: usize, last: usize) -> Vec<u8> {
        let c = image.channels;
        let in_stride = image.width * c;
        let out_stride = self.out_width * c;
        let mut out = vec![0u8; (last - first) * out_stride];
        let rows_in = image.data[first * in_stride..last * in_stride].chunks_exact(in_stride);
        for (row_out, row_in) in out.chunks_exact_mut(out_stride).zip(rows_in) {
            match c {
                1 => self.horizontal_row::<1>(row_in, row_out),
                3 => self.horizontal_row::<3>(row_in, row_out),
                _ => {
                    let mut sums = vec![0i32; c];
                    for (x, pixel_out) in row_out.chunks_exact_mut(c).enumerate() {
                        let (start, weights) = self.horizontal.tap(x);
                        sums.fill(HALF);
                        for (pixel_in, &w) in row_in[start * c..].chunks_exact(c).zip(weights) {
                            for (s, &v) in sums.iter_mut().zip(pixel_in) {
                                *s += v as i32 * w;
                            }
                        }
                        for (o, &s) in pixel_out.iter_mut().zip(&sums) {
                            *o = clip8(s);
                        }
                    }
                }
            }
        }
        out
    }

    /// One row of the horizontal pass for `C` channels, the sums kept in registers.
    fn horizontal_row<const C: usize>(&self, row_in: &[u8], row_out: &mut [u8]) {
        for (x, pixel_out) in row_out.chunks_exact_mut(C).enumerate() {
            let (start, weights) = self.horizontal.tap(x);
            if weights == [ONE] {
                pixel_out.copy_from_slice(&row_in[start * C..(start + 1) * C]);
                continue;
            }
            let mut sums = [HALF; C];
            for (pixel_in, &w) in row_in[start * C..].chunks_exact(C).zip(weights) {
                for (s, &v) in sums.iter_mut().zip(pixel_in) {
                    *s += v as i32 * w;
                }
            }
            for (o, s) in pixel_out.iter_mut().zip(sums) {
                *o = clip8(s);
            }
        }
    }

    /// `rows` (output width, starting at input row `row_offset`) resampled to the output height.
    fn vertical_pass(&self, rows: &[u8], channels: usize, row_offset: usize) -> Vec<u8> {
        let stride = self.out_width * channels;
        let mut out = vec![0u8; self.out_height * stride];
        let mut sums = vec![0i32; stride];
        for (y, row_out) in out.chunks_exact_mut(stride).enumerate() {
            let (start, weights) = self.vertical.tap(y);
            let start = start - row_offset;
            if weights == [ONE] {
                row_out.copy_from_slice(&rows[start * stride..(start + 1) * stride]);
                continue;
            }
            sums.fill(HALF);
            for (row_in, &w) in rows[start * stride..].chunks_exact(stride).zip(weights) {
                for (s, &v) in sums.iter_mut().zip(row_in) {
                    *s += v as i32 * w;
                }
            }
            for (o, &s) in row_out.iter_mut().zip(&sums) {
                *o = clip8(s);
            }
        }
        out
    }
}

/// Resizes `image` to `width`×`height` with `filter`, as Pillow 5.0's `image.resize((width, height), filter)`.
pub fn resize(image: &Image, width: usize, height: usize, filter: Filter) -> Result<Image> {
    Resize::new((image.width, image.height), (width, height), filter)?.apply(image)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn fixture(name: &str) -> Image {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let path = if name == "astronaut" {
            dir.join("imagenet-c/astronaut/clean.png")
        } else {
            dir.join("resample").join(format!("{name}.png"))
        };
        crate::io::read_rgb(&path).unwrap()
    }

    fn check_against_pillow(input: &str, filter: Filter, sizes: &[(usize, usize)]) {
        let image = fixture(input);
        let tag = match filter {
            Filter::Box => "box",
            Filter::BoxPillow7 => "box-pillow7",
            Filter::Bilinear => "bilinear",
        };
        for &(w, h) in sizes {
            let ours = resize(&image, w, h, filter).unwrap();
            let pillow = fixture(&format!("{input}-{tag}-{w}x{h}"));
            assert_eq!((ours.width, ours.height), (w, h));
            let differing = ours
                .data
                .iter()
                .zip(&pillow.data)
                .filter(|(a, b)| a != b)
                .count();
            assert_eq!(
                differing, 0,
                "{input} {tag} {w}×{h}: {differing} values differ"
            );
        }
    }

    #[test]
    fn box_matches_pillow() {
        let sizes = [(17, 11), (64, 45), (41, 13), (20, 29), (100, 7), (5, 3)];
        check_against_pillow("noise-41x29", Filter::Box, &sizes);
        check_against_pillow("astronaut", Filter::Box, &[(89, 67), (150, 256)]);
    }

    #[test]
    fn bilinear_matches_pillow() {
        let sizes = [(17, 11), (64, 45), (33, 50), (7, 3), (41, 60), (90, 29)];
        check_against_pillow("noise-41x29", Filter::Bilinear, &sizes);
        check_against_pillow("astronaut", Filter::Bilinear, &[(256, 256), (97, 131)]);
    }

    #[test]
    fn box_edge_rule_is_pillow_5() {
        // Pillow 5.0 counts the left edge of the box in and the right edge out.
        assert_eq!(Filter::Box.weight(-0.5), 1.0);
        assert_eq!(Filter::Box.weight(0.5), 0.0);
        // Shrinking 3 → 2 puts input 1 exactly on the edge between both outputs (scale 1.5):
        // output 0 takes it with weight 0, output 1 does not reach it, so it is dropped.
        let image = Image::new(3, 1, 1, vec![0, 90, 200]).unwrap();
        assert_eq!(
            resize(&image, 2, 1, Filter::Box).unwrap().data,
            vec![0, 200]
        );
    }

    #[test]
    fn taps_drop_zero_weights_at_their_ends() {
        for (from, to) in [(3, 2), (224, 134), (134, 224), (41, 17), (29, 64), (7, 7)] {
            for filter in [Filter::Box, Filter::Bilinear] {
                let axis = AxisWeights::new(from, to, filter);
                for x in 0..to {
                    let (start, weights) = axis.tap(x);
                    assert!(start + weights.len() <= from);
                    if let (Some(&first), Some(&last)) = (weights.first(), weights.last()) {
                        assert!(first != 0 && last != 0, "{from}→{to} {filter:?} output {x}");
                    }
                }
            }
        }
    }

    #[test]
    fn channels_are_independent() {
        let rgb = fixture("noise-41x29");
        let red: Vec<u8> = rgb.data.iter().step_by(3).copied().collect();
        let gray = Image::new(rgb.width, rgb.height, 1, red).unwrap();
        for filter in [Filter::Box, Filter::Bilinear] {
            let a = resize(&rgb, 23, 52, filter).unwrap();
            let b = resize(&gray, 23, 52, filter).unwrap();
            let a_red: Vec<u8> = a.data.iter().step_by(3).copied().collect();
            assert_eq!(a_red, b.data);
        }
    }

    #[test]
    fn same_size_is_a_copy_and_bad_sizes_are_errors() {
        let image = fixture("noise-41x29");
        assert_eq!(resize(&image, 41, 29, Filter::Bilinear).unwrap(), image);
        assert!(resize(&image, 0, 5, Filter::Box).is_err());
        let prepared = Resize::new((10, 10), (5, 5), Filter::Box).unwrap();
        assert!(prepared.apply(&image).is_err());
    }

    #[test]
    fn fixed_point_rounds_half_away_from_zero() {
        assert_eq!(to_fixed(0.5), 1 << 21);
        assert_eq!(to_fixed(1.0 / 3.0), 1398101);
        assert_eq!(to_fixed(-1.0 / 3.0), -1398101);
        assert_eq!(clip8(HALF + (255 << 22) + (1 << 22)), 255);
        assert_eq!(clip8(-5), 0);
    }
}
