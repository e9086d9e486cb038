//! OpenCV 4.5.5's own `cv2.resize(src, (W', H'), interpolation=INTER_CUBIC)` for 8-bit images:
//! the fixed-point code of its `resize.cpp`, as opencv-python runs it with Intel IPP switched off
//! (`cv2.ipp.setUseIPP(False)`). imagecorruptions' frost enlarges its textures with it. With IPP
//! on, the wheel's result depends on the CPU (its SSE4.2, AVX2 and AVX-512 code differ from each
//! other in about 10 values per million), so OpenCV's own code is the reference blight follows.
//!
//! Per axis, output index d samples f = float32((d + 0.5)·s − 0.5) with s = in / out in float64;
//! the taps are floor(f) − 1 ..= floor(f) + 2, clamped to the image, weighted by Keys' cubic
//! (A = −0.75) in float32 at t = f − floor(f), scaled by 2048 and rounded to integers. The
//! horizontal pass sums integers exactly. The vertical pass follows OpenCV's 128-bit vector code
//! for the first multiple of 8 values of each row: in float32, with the weights ×2⁻²²,
//! v₀b₀ + (v₁b₁ + (v₂b₂ + v₃b₃)), every product and sum rounded (the SSE3 baseline has no fused
//! multiply-add), then rounded half to even and saturated. The row's last (length mod 8) values
//! take OpenCV's scalar fixed point, (Σ vᵢbᵢ + 2²¹) >> 22, saturated. The two differ by 1 now and
//! then, so the split is part of the result.

use crate::error::{Error, Result};
use crate::raster::Image;

/// Fixed-point scale of the weights (OpenCV's `INTER_RESIZE_COEF_SCALE`, 2¹¹).
const COEF_SCALE: f32 = 2048.0;
/// Shift of the scalar vertical pass: both passes' weight scales (2 × 11 bits).
const SHIFT: u32 = 22;
/// Values per vector step of OpenCV's vertical pass (8 lanes of 16 bits).
const VECTOR_STEP: usize = 8;

/// One axis: the first tap's source index (before clamping) and the four integer weights per
/// output index.
fn axis(in_len: usize, out_len: usize) -> Vec<(i64, [i32; 4])> {
    let scale = 1.0 / (out_len as f64 / in_len as f64);
    (0..out_len)
        .map(|d| {
            let f = ((d as f64 + 0.5) * scale - 0.5) as f32;
            let start = f.floor();
            let weights =
                cubic_weights(f - start).map(|w| (w * COEF_SCALE).round_ties_even() as i32);
            (start as i64 - 1, weights)
        })
        .collect()
}

/// Keys' cubic convolution weights in float32, A = −0.75 (OpenCV's `interpolateCubic`).
fn cubic_weights(x: f32) -> [f32; 4] {
    const A: f32 = -0.75;
    let c0 = ((A * (x + 1.0) - 5.0 * A) * (x + 1.0) + 8.0 * A) * (x + 1.0) - 4.0 * A;
    let c1 = ((A + 2.0) * x - (A + 3.0)) * x * x + 1.0;
    let c2 = ((A + 2.0) * (1.0 - x) - (A + 3.0)) * (1.0 - x) * (1.0 - x) + 1.0;
    [c0, c1, c2, 1.0 - c0 - c1 - c2]
}

/// Resizes an 8-bit image (any channel count) to `width`×`height`.
pub fn resize_cubic(image: &Image, width: usize, height: usize) -> Result<Image> {
    if width == 0 || height == 0 || image.is_empty() {
        return Err(Error::Invalid(format!(
            "cubic resize of a {}×{} image to {width}×{height}",
            image.width, image.height
        )));
    }
    let c = image.channels;
    let clamp = |i: i64, n: usize| i.clamp(0, n as i64 - 1) as usize;
    let cols = axis(image.width, width);
    let rows = axis(image.height, height);
    let row_len = width * c;
    let mut horizontal: Vec<i32> = Vec::with_capacity(image.height * row_len);
    for src in image.data.chunks_exact(image.width * c) {
        for &(first, w) in &cols {
            let taps: [usize; 4] =
                std::array::from_fn(|k| clamp(first + k as i64, image.width) * c);
            for ch in 0..c {
                horizontal.push((0..4).map(|k| src[taps[k] + ch] as i32 * w[k]).sum());
            }
        }
    }
    let vector_len = row_len - row_len % VECTOR_STEP;
    let mut data = Vec::with_capacity(height * row_len);
    for &(first, b) in &rows {
        let lines: [&[i32]; 4] = std::array::from_fn(|k| {
            let y = clamp(first + k as i64, image.height);
            &horizontal[y * row_len..][..row_len]
        });
        let bf = b.map(|w| w as f32 / (1u64 << SHIFT) as f32);
        for x in 0..vector_len {
            let v = lines.map(|line| line[x] as f32);
            let acc = v[0] * bf[0] + (v[1] * bf[1] + (v[2] * bf[2] + v[3] * bf[3]));
            data.push(acc.round_ties_even().clamp(0.0, 255.0) as u8);
        }
        for x in vector_len..row_len {
            let v = lines.map(|line| line[x]);
            let acc: i64 = v.iter().zip(&b).map(|(&v, &b)| v as i64 * b as i64).sum();
            data.push(((acc + (1 << (SHIFT - 1))) >> SHIFT).clamp(0, 255) as u8);
        }
    }
    Image::new(width, height, c, data)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_sum_to_one_and_sit_on_the_sample_at_zero() {
        for t in [0.0f32, 0.25, 0.5, 0.9] {
            let w = cubic_weights(t);
            assert!((w.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{w:?}");
        }
        assert_eq!(cubic_weights(0.0), [0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn a_flat_image_stays_flat_at_any_size() {
        let flat = Image::new(7, 5, 3, vec![77; 7 * 5 * 3]).unwrap();
        let big = resize_cubic(&flat, 19, 11).unwrap();
        assert!(big.data.iter().all(|&v| v == 77));
        assert_eq!((big.width, big.height), (19, 11));
    }
}
