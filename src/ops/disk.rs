//! The `disk` kernel of defocus blur (spec §1.3), as ImageNet-C builds it: a float32 disk mask
//! normalised to sum 1, then smoothed by OpenCV 3.4's `GaussianBlur` (float32, reflect-101 border)
//! and **not** renormalised, so border reflection can leave a sum above 1.
//!
//! The smoothing follows OpenCV's `getGaussianKernel` for float32 kernels and the separable filter
//! that `GaussianBlur` runs for 3- and 5-tap float32 kernels, operation for operation: a row pass
//! and a column pass in float32, each the centre product plus the symmetric pair products from the
//! innermost pair outwards. The 5-tap column pass fuses its multiply-adds on the first
//! 16·⌊width/16⌋ columns, as OpenCV's AVX2 code path does (the rest use separate products).

use super::exp::exp;
use super::fma::fma_f32;
use super::gaussian::Boundary;

/// The largest aliased disk side that uses the fixed 17×17 grid and the 3×3 anti-alias blur.
const SMALL_DISK_RADIUS: f64 = 8.0;

/// The width of OpenCV's AVX2 column blocks, whose multiply-adds are fused.
const FUSED_BLOCK: usize = 16;

/// A square kernel of float32 weights, row-major, side odd.
#[derive(Clone, Debug, PartialEq)]
pub struct DiskKernel {
    pub side: usize,
    pub weights: Vec<f32>,
    /// How many grid points lie inside the disk (X² + Y² ≤ r²).
    pub disk_pixels: usize,
}

/// OpenCV's `getGaussianKernel(n, sigma, CV_32F)`: weights exp(−x²/(2σ²)) for x = i − (n−1)/2,
/// each rounded to float32, divided by their float64 sum, and rounded to float32 again. For
/// σ ≤ 0 and n ∈ {1, 3, 5, 7} OpenCV's fixed binomial tables are used instead.
pub fn opencv_gaussian_kernel(n: usize, sigma: f64) -> Vec<f32> {
    const FIXED: [&[f32]; 4] = [
        &[1.0],
        &[0.25, 0.5, 0.25],
        &[0.0625, 0.25, 0.375, 0.25, 0.0625],
        &[
            0.03125, 0.109375, 0.21875, 0.28125, 0.21875, 0.109375, 0.03125,
        ],
    ];
    let fixed = (n % 2 == 1 && n <= 7 && sigma <= 0.0).then(|| FIXED[n / 2]);
    let sigma = if sigma > 0.0 {
        sigma
    } else {
        ((n as f64 - 1.0) * 0.5 - 1.0) * 0.3 + 0.8
    };
    let scale = -0.5 / (sigma * sigma);
    let mut weights = Vec::with_capacity(n);
    let mut sum = 0.0f64;
    for i in 0..n {
        let x = i as f64 - (n as f64 - 1.0) * 0.5;
        let t = match fixed {
            Some(table) => table[i] as f64,
            None => exp(scale * x * x),
        };
        let w = t as f32;
        weights.push(w);
        sum += w as f64;
    }
    let inverse = 1.0 / sum;
    for w in &mut weights {
        *w = (*w as f64 * inverse) as f32;
    }
    weights
}

/// ImageNet-C's `disk(radius, alias_blur)`: for radius ≤ 8 a 17×17 grid of offsets −8..8 and a
/// 3×3 blur, otherwise a grid of offsets −radius, −radius+1, … (⌈2·radius+1⌉ of them) and a 5×5
/// blur with σ = `alias_blur`.
pub fn disk(radius: f64, alias_blur: f64) -> DiskKernel {
    let (offsets, ksize): (Vec<f64>, usize) = if radius <= SMALL_DISK_RADIUS {
        ((-8..=8).map(f64::from).collect(), 3)
    } else {
        let count = (2.0 * radius + 1.0).ceil() as usize;
        ((0..count).map(|k| -radius + k as f64).collect(), 5)
    };
    let side = offsets.len();
    let r2 = radius * radius;
    let inside: Vec<bool> = offsets
        .iter()
        .flat_map(|&y| offsets.iter().map(move |&x| x * x + y * y <= r2))
        .collect();
    let disk_pixels = inside.iter().filter(|&&v| v).count();
    // float32 mask divided by its float32 sum (a count, so exact).
    let weight = 1.0f32 / disk_pixels as f32;
    let mut mask: Vec<f32> = inside
        .iter()
        .map(|&v| if v { weight } else { 0.0 })
        .collect();
    let taps = opencv_gaussian_kernel(ksize, alias_blur);
    gaussian_blur_f32(&mut mask, side, &taps);
    DiskKernel {
        side,
        weights: mask,
        disk_pixels,
    }
}

/// OpenCV's separable float32 filtering of a square single-channel image with a symmetric 3- or
/// 5-tap kernel and a reflect-101 border: the row pass, then the column pass.
fn gaussian_blur_f32(image: &mut [f32], side: usize, taps: &[f32]) {
    let half = taps.len() / 2;
    let centre = taps[half];
    let pairs = &taps[half + 1..];
    let reflect = |i: isize| Boundary::Mirror.index(i, side).unwrap_or(0);

    // Row pass: centre·k0 + (left₁ + right₁)·k1 + (left₂ + right₂)·k2, unfused.
    let mut rows = vec![0.0f32; side * side];
    for y in 0..side {
        let line = &image[y * side..(y + 1) * side];
        for x in 0..side {
            let mut s = line[x] * centre;
            for (k, &w) in pairs.iter().enumerate() {
                let d = k as isize + 1;
                let pair = line[reflect(x as isize - d)] + line[reflect(x as isize + d)];
                s += pair * w;
            }
            rows[y * side + x] = s;
        }
    }

    // Column pass: the same sum down the columns; the 5-tap pass fuses on whole 16-column blocks.
    let fused_columns = if taps.len() == 5 {
        side / FUSED_BLOCK * FUSED_BLOCK
    } else {
        0
    };
    for y in 0..side {
        for x in 0..side {
            let at = |i: isize| rows[reflect(i) * side + x];
            let mut s = at(y as isize) * centre;
            for (k, &w) in pairs.iter().enumerate() {
                let d = k as isize + 1;
                let pair = at(y as isize - d) + at(y as isize + d);
                s = if x < fused_columns {
                    fma_f32(pair, w, s)
                } else {
                    s + pair * w
                };
            }
            image[y * side + x] = s;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(k: &DiskKernel) -> f64 {
        k.weights.iter().map(|&w| w as f64).sum()
    }

    #[test]
    fn disk_pixel_counts() {
        let counts: Vec<usize> = [3.0, 4.0, 6.0, 8.0, 10.0]
            .iter()
            .map(|&r| disk(r, 0.5).disk_pixels)
            .collect();
        assert_eq!(counts, vec![29, 49, 113, 197, 317]);
        assert_eq!(disk(10.0, 0.5).side, 21);
        assert_eq!(disk(3.0, 0.1).side, 17);
        // A radius below one leaves the centre pixel alone (the CIFAR case).
        assert_eq!(disk(0.5, 0.4).disk_pixels, 1);
    }

    #[test]
    fn reflect_101_border_adds_mass_only_where_the_disk_touches_the_edge() {
        assert!((sum(&disk(8.0, 0.5)) - 1.01298).abs() < 5e-6);
        assert!((sum(&disk(10.0, 0.5)) - 1.01079).abs() < 5e-6);
        for (r, a) in [(3.0, 0.1), (4.0, 0.5), (6.0, 0.5)] {
            assert!((sum(&disk(r, a)) - 1.0).abs() < 1e-7, "radius {r}");
        }
    }

    #[test]
    fn kernel_is_symmetric_top_to_bottom() {
        for (r, a) in [(3.0, 0.1), (6.0, 0.5), (10.0, 0.5)] {
            let k = disk(r, a);
            let n = k.side;
            for y in 0..n {
                assert_eq!(
                    k.weights[y * n..(y + 1) * n],
                    k.weights[(n - 1 - y) * n..(n - y) * n]
                );
            }
        }
    }

    #[test]
    fn gaussian_kernel_follows_opencv() {
        // σ = 0.5, n = 3: exp(−2) rounded to float32, then normalised in float64.
        let t = (-2.0f64).exp() as f32;
        let sum = 1.0 + 2.0 * t as f64;
        assert_eq!(
            opencv_gaussian_kernel(3, 0.5),
            vec![
                (t as f64 / sum) as f32,
                (1.0 / sum) as f32,
                (t as f64 / sum) as f32
            ]
        );
        assert_eq!(
            opencv_gaussian_kernel(5, 0.0),
            vec![0.0625, 0.25, 0.375, 0.25, 0.0625]
        );
        // A tiny σ leaves the centre weight 1 and ~1e-22 beside it.
        let k = opencv_gaussian_kernel(3, 0.1);
        assert_eq!(k[1], 1.0);
        assert!(k[0] > 0.0 && k[0] < 1e-21);
    }

    #[test]
    fn blur_of_a_single_pixel_is_the_outer_product() {
        let taps = opencv_gaussian_kernel(3, 0.5);
        let mut image = vec![0.0f32; 7 * 7];
        image[3 * 7 + 3] = 1.0;
        gaussian_blur_f32(&mut image, 7, &taps);
        assert_eq!(image[3 * 7 + 3], taps[1] * taps[1]);
        assert_eq!(image[2 * 7 + 3], taps[1] * taps[0]);
        assert_eq!(image[2 * 7 + 2], taps[0] * taps[0]);
        assert_eq!(image[0], 0.0);
    }
}
