//! OpenCV 3.4–4.10's affine warp of a float32 image: `getAffineTransform` (three point pairs,
//! solved by LU with partial pivoting in float64) and `warpAffine` with bilinear interpolation and
//! `BORDER_REFLECT_101` or `BORDER_CONSTANT` (0). OpenCV 4.11 rewrote the warp without the 1/32
//! rounding below, so its results differ.
//!
//! `warpAffine` inverts the matrix, then for each output pixel computes the source position in
//! fixed point: 10 fractional bits per coordinate (`AB_BITS`), rounded to 1/32 pixel
//! (`INTER_BITS` = 5). The four bilinear weights are float32 products of multiples of 1/32 and the
//! value is summed in float32 in OpenCV's order (top-left, top-right, bottom-left, bottom-right).

use super::border::reflect_101;
use crate::simd;

/// A 2×3 affine matrix, row-major: x' = m[0]·x + m[1]·y + m[2], y' = m[3]·x + m[4]·y + m[5].
pub type Affine = [f64; 6];

/// `cv2.getAffineTransform(src, dst)`: the affine map taking each `src` point (x, y) to its `dst`
/// point, or `None` when the source points are collinear.
pub fn affine_from_points(src: &[[f32; 2]; 3], dst: &[[f32; 2]; 3]) -> Option<Affine> {
    let mut a = [0f64; 36];
    let mut b = [0f64; 6];
    for i in 0..3 {
        let (j, k) = (i * 12, i * 12 + 6);
        let (x, y) = (src[i][0] as f64, src[i][1] as f64);
        a[j] = x;
        a[j + 1] = y;
        a[j + 2] = 1.0;
        a[k + 3] = x;
        a[k + 4] = y;
        a[k + 5] = 1.0;
        b[i * 2] = dst[i][0] as f64;
        b[i * 2 + 1] = dst[i][1] as f64;
    }
    lu_solve(&mut a, &mut b).then_some(b)
}

/// OpenCV's `LUImpl` for an n×n system with one right-hand side, in place: Gaussian elimination
/// with partial pivoting (first largest pivot wins), rows scaled by −1/pivot, back substitution
/// multiplying by the stored reciprocal pivots.
fn lu_solve<const N2: usize, const N: usize>(a: &mut [f64; N2], b: &mut [f64; N]) -> bool {
    debug_assert_eq!(N2, N * N);
    let eps = f64::EPSILON * 100.0;
    for i in 0..N {
        let mut k = i;
        for j in i + 1..N {
            if a[j * N + i].abs() > a[k * N + i].abs() {
                k = j;
            }
        }
        if a[k * N + i].abs() < eps {
            return false;
        }
        if k != i {
            for j in i..N {
                a.swap(i * N + j, k * N + j);
            }
            b.swap(i, k);
        }
        let d = -1.0 / a[i * N + i];
        for j in i + 1..N {
            let alpha = a[j * N + i] * d;
            for k in i + 1..N {
                a[j * N + k] += alpha * a[i * N + k];
            }
            b[j] += alpha * b[i];
        }
        a[i * N + i] = -d;
    }
    for i in (0..N).rev() {
        let mut s = b[i];
        for k in i + 1..N {
            s -= a[i * N + k] * b[k];
        }
        b[i] = s * a[i * N + i];
    }
    true
}

/// The inverse map, computed as `warpAffine` does when `WARP_INVERSE_MAP` is not set.
fn invert(m: &Affine) -> Affine {
    let d = m[0] * m[4] - m[1] * m[3];
    let d = if d != 0.0 { 1.0 / d } else { 0.0 };
    let (a11, a22) = (m[4] * d, m[0] * d);
    let (m0, m1, m3, m4) = (a11, m[1] * -d, m[3] * -d, a22);
    let b1 = -m0 * m[2] - m1 * m[5];
    let b2 = -m3 * m[2] - m4 * m[5];
    [m0, m1, b1, m3, m4, b2]
}

/// OpenCV's `saturate_cast<int>(double)`: round half to even, clamped.
#[inline]
fn round_to_i32(v: f64) -> i32 {
    v.round_ties_even().clamp(i32::MIN as f64, i32::MAX as f64) as i32
}

/// What `warpAffine` reads for source pixels outside the image.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WarpBorder {
    /// `BORDER_REFLECT_101`: mirrored without repeating the edge (…c b | a b c…).
    Reflect101,
    /// `BORDER_CONSTANT` with value 0: each outside tap reads 0, the inside taps keep their weights.
    Zero,
}

/// `cv2.warpAffine(src, m, (width, height), borderMode=…)` for an H×W×C float32 image
/// (bilinear), the output the same size as the input.
pub fn warp_affine(
    src: &[f32],
    width: usize,
    height: usize,
    channels: usize,
    m: &Affine,
    border: WarpBorder,
) -> Vec<f32> {
    assert_eq!(src.len(), width * height * channels);
    let mut out = vec![0f32; src.len()];
    if out.is_empty() {
        return out;
    }
    let size = (width, height);
    match channels {
        1 => warp::<1>(src, size, m, border, &mut out),
        3 => warp::<3>(src, size, m, border, &mut out),
        _ => {
            for ch in 0..channels {
                let plane: Vec<f32> = src.iter().skip(ch).step_by(channels).copied().collect();
                let mut warped = vec![0f32; plane.len()];
                warp::<1>(&plane, size, m, border, &mut warped);
                for (o, v) in out.iter_mut().skip(ch).step_by(channels).zip(warped) {
                    *o = v;
                }
            }
        }
    }
    out
}

/// The warp for C channels: per output pixel the fixed-point source position, the four bilinear
/// weights, then per channel the float32 sum in OpenCV's order.
fn warp<const C: usize>(
    src: &[f32],
    (width, height): (usize, usize),
    m: &Affine,
    border: WarpBorder,
    out: &mut [f32],
) {
    const AB_BITS: u32 = 10;
    const AB_SCALE: f64 = (1 << AB_BITS) as f64;
    const INTER_BITS: u32 = 5;
    const TAB: i32 = 1 << INTER_BITS;
    const ROUND_DELTA: i32 = (1 << AB_BITS) / TAB / 2;
    let inv = invert(m);
    let adelta: Vec<i32> = (0..width)
        .map(|x| round_to_i32(inv[0] * x as f64 * AB_SCALE))
        .collect();
    let bdelta: Vec<i32> = (0..width)
        .map(|x| round_to_i32(inv[3] * x as f64 * AB_SCALE))
        .collect();
    // The bilinear weights of every (row fraction, column fraction) pair, in 1/32 steps.
    let tab: Vec<[f32; 4]> = (0..TAB * TAB)
        .map(|i| {
            let f = |k: i32| {
                let f = k as f32 * (1.0 / TAB as f32);
                [1.0 - f, f]
            };
            let (wy, wx) = (f(i >> INTER_BITS), f(i & (TAB - 1)));
            [wy[0] * wx[0], wy[0] * wx[1], wy[1] * wx[0], wy[1] * wx[1]]
        })
        .collect();
    let row_stride = width * C;
    let (w_i, h_i) = (width as isize, height as isize);
    // Per row, every pixel's integer source position, weight-table index and, where its four
    // taps lie inside the image with room for four-value loads, the index of its top-left tap
    // (else `usize::MAX`), in one loop the dispatch vectorises, before the pixels are
    // interpolated one by one.
    let (mut sxs, mut sys, mut cells) = (vec![0i32; width], vec![0i32; width], vec![0u32; width]);
    let mut corners = vec![usize::MAX; width];
    let (stride, reach) = (row_stride as isize, (row_stride + C + 4) as isize);
    let len = src.len() as isize;
    for (y, out_row) in out.chunks_exact_mut(row_stride).enumerate() {
        let x0 = round_to_i32((inv[1] * y as f64 + inv[2]) * AB_SCALE).wrapping_add(ROUND_DELTA);
        let y0 = round_to_i32((inv[4] * y as f64 + inv[5]) * AB_SCALE).wrapping_add(ROUND_DELTA);
        simd::dispatch(
            #[inline(always)]
            |_| {
                let deltas = adelta.iter().zip(&bdelta);
                let positions = sxs.iter_mut().zip(sys.iter_mut()).zip(cells.iter_mut());
                let positions = positions.zip(corners.iter_mut());
                for ((&ad, &bd), (((sx, sy), cell), corner)) in deltas.zip(positions) {
                    let xf = x0.wrapping_add(ad) >> (AB_BITS - INTER_BITS);
                    let yf = y0.wrapping_add(bd) >> (AB_BITS - INTER_BITS);
                    // Integer parts as OpenCV stores them (int16, saturated); fractions in 1/32
                    // steps.
                    *sx = (xf >> INTER_BITS).clamp(i16::MIN as i32, i16::MAX as i32);
                    *sy = (yf >> INTER_BITS).clamp(i16::MIN as i32, i16::MAX as i32);
                    *cell = (((yf & (TAB - 1)) << INTER_BITS) | (xf & (TAB - 1))) as u32;
                    let (ix, iy) = (*sx as isize, *sy as isize);
                    let top_left = iy * stride + ix * C as isize;
                    let inside = (ix >= 0) & (ix + 1 < w_i) & (iy >= 0) & (iy + 1 < h_i);
                    *corner = if inside & (top_left + reach <= len) {
                        top_left as usize
                    } else {
                        usize::MAX
                    };
                }
            },
        );
        let positions = sxs.iter().zip(&sys).zip(&cells).zip(&corners);
        for (x, (((&sx, &sy), &cell), &corner)) in positions.enumerate() {
            let w = &tab[cell as usize];
            let taps = if corner != usize::MAX {
                let below = corner + row_stride;
                [corner, corner + C, below, below + C]
            } else {
                let (sx, sy) = (sx as isize, sy as isize);
                let inside = sx >= 0 && sx + 1 < w_i && sy >= 0 && sy + 1 < h_i;
                if !inside && border == WarpBorder::Zero {
                    // OpenCV's order, with 0 for each tap outside the image.
                    let tap = |x: isize, y: isize| {
                        ((0..w_i).contains(&x) && (0..h_i).contains(&y))
                            .then(|| y as usize * row_stride + x as usize * C)
                    };
                    let taps = [
                        tap(sx, sy),
                        tap(sx + 1, sy),
                        tap(sx, sy + 1),
                        tap(sx + 1, sy + 1),
                    ];
                    for (c, d) in out_row[x * C..][..C].iter_mut().enumerate() {
                        let v = |k: usize| taps[k].map_or(0.0, |i| src[i + c]);
                        *d = v(0) * w[0] + v(1) * w[1] + v(2) * w[2] + v(3) * w[3];
                    }
                    continue;
                }
                let (c0, c1, r0, r1) = if inside {
                    let (sx, sy) = (sx as usize, sy as usize);
                    (sx * C, (sx + 1) * C, sy * row_stride, (sy + 1) * row_stride)
                } else {
                    (
                        reflect_101(sx, width) * C,
                        reflect_101(sx + 1, width) * C,
                        reflect_101(sy, height) * row_stride,
                        reflect_101(sy + 1, height) * row_stride,
                    )
                };
                [r0 + c0, r0 + c1, r1 + c0, r1 + c1]
            };
            #[cfg(target_arch = "x86_64")]
            if C == 3 && (corner != usize::MAX || taps.iter().all(|&i| i + 4 <= src.len())) {
                bilinear_rgb_sse(src, taps, w, &mut out_row[x * C..]);
                continue;
            }
            let dst = &mut out_row[x * C..][..C];
            let px = |i: usize| -> &[f32; C] { src[i..i + C].try_into().expect("C channels") };
            let [v00, v01, v10, v11] = taps.map(px);
            for c in 0..C {
                dst[c] = v00[c] * w[0] + v01[c] * w[1] + v10[c] * w[2] + v11[c] * w[3];
            }
        }
    }
}

/// The three channels of one output pixel as one four-lane float32 vector (the fourth lane, read
/// from the next pixel, is dropped): the same products and sums per channel as the plain loop.
/// `dst` starts at the pixel; where it has room the fourth lane is stored too, to be overwritten
/// by the next pixel: one store instead of a copy.
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn bilinear_rgb_sse(src: &[f32], corners: [usize; 4], w: &[f32; 4], dst: &mut [f32]) {
    use std::arch::x86_64::*;
    let load = |i: usize| -> &[f32; 4] { src[i..i + 4].try_into().expect("four values") };
    // SAFETY: SSE is part of every x86_64 CPU; loads and stores go through checked arrays.
    unsafe {
        let term =
            |k: usize| _mm_mul_ps(_mm_loadu_ps(load(corners[k]).as_ptr()), _mm_set1_ps(w[k]));
        let sum = _mm_add_ps(_mm_add_ps(_mm_add_ps(term(0), term(1)), term(2)), term(3));
        if let Some(four) = dst.get_mut(..4) {
            _mm_storeu_ps(four.as_mut_ptr(), sum);
        } else {
            let mut values = [0f32; 4];
            _mm_storeu_ps(values.as_mut_ptr(), sum);
            dst[..3].copy_from_slice(&values[..3]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovers_a_known_affine_map() {
        let src = [[186.0f32, 186.0], [186.0, 38.0], [38.0, 38.0]];
        let m_true = [1.1, -0.2, 3.0, 0.15, 0.9, -4.0];
        let dst = src.map(|[x, y]| {
            let (x, y) = (x as f64, y as f64);
            [
                (m_true[0] * x + m_true[1] * y + m_true[2]) as f32,
                (m_true[3] * x + m_true[4] * y + m_true[5]) as f32,
            ]
        });
        let m = affine_from_points(&src, &dst).unwrap();
        for (a, b) in m.iter().zip(&m_true) {
            assert!((a - b).abs() < 1e-4, "{m:?}");
        }
        assert!(affine_from_points(&[[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]], &dst).is_none());
    }

    #[test]
    fn identity_and_shifts() {
        let (w, h) = (5, 4);
        let src: Vec<f32> = (0..w * h).map(|i| i as f32).collect();
        let id = [1.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        assert_eq!(warp_affine(&src, w, h, 1, &id, WarpBorder::Reflect101), src);
        // Moving the content right by one: output x reads input x − 1; x = 0 reads −1 → 1.
        let shift = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let out = warp_affine(&src, w, h, 1, &shift, WarpBorder::Reflect101);
        assert_eq!(&out[..5], &[1.0, 0.0, 1.0, 2.0, 3.0]);
        // Half a pixel: the mean of neighbours, in 1/32 steps.
        let half = [1.0, 0.0, 0.5, 0.0, 1.0, 0.0];
        let out = warp_affine(&src, w, h, 1, &half, WarpBorder::Reflect101);
        assert_eq!(&out[..5], &[0.5, 0.5, 1.5, 2.5, 3.5]);
    }

    #[test]
    fn channels_warp_alike() {
        // A 2-channel and a 3-channel image warp as their planes do, one by one.
        let (w, h) = (6, 5);
        let m = [0.9, 0.2, 0.7, -0.15, 1.1, -0.4];
        for channels in [2, 3] {
            let src: Vec<f32> = (0..w * h * channels)
                .map(|i| ((i * 13) % 17) as f32 / 4.0)
                .collect();
            let all = warp_affine(&src, w, h, channels, &m, WarpBorder::Reflect101);
            for ch in 0..channels {
                let plane: Vec<f32> = src.iter().skip(ch).step_by(channels).copied().collect();
                let one = warp_affine(&plane, w, h, 1, &m, WarpBorder::Reflect101);
                let got: Vec<f32> = all.iter().skip(ch).step_by(channels).copied().collect();
                assert_eq!(got, one, "{channels} channels");
            }
        }
    }

    #[test]
    fn zero_border_reads_zero_outside() {
        let (w, h) = (5, 4);
        let src: Vec<f32> = (1..=w * h).map(|i| i as f32).collect();
        // Content moved right by one: column 0 reads column −1, which is 0.
        let shift = [1.0, 0.0, 1.0, 0.0, 1.0, 0.0];
        let out = warp_affine(&src, w, h, 1, &shift, WarpBorder::Zero);
        assert_eq!(&out[..5], &[0.0, 1.0, 2.0, 3.0, 4.0]);
        // Half a pixel right: column 0 is half of column 0 plus half of the outside 0.
        let half = [1.0, 0.0, 0.5, 0.0, 1.0, 0.0];
        let out = warp_affine(&src, w, h, 1, &half, WarpBorder::Zero);
        assert_eq!(&out[..5], &[0.5, 1.5, 2.5, 3.5, 4.5]);
        // Inside the image both borders agree.
        let m = [0.9, 0.1, 0.3, -0.05, 1.05, 0.2];
        let (zero, mirror) = (
            warp_affine(&src, w, h, 1, &m, WarpBorder::Zero),
            warp_affine(&src, w, h, 1, &m, WarpBorder::Reflect101),
        );
        assert_eq!(zero[w + 1..w + 3], mirror[w + 1..w + 3]);
    }

    #[test]
    fn positions_quantised_to_a_32nd() {
        // A shift of 0.01 px is below half a 32nd and rounds to no shift at all.
        let src: Vec<f32> = (0..16).map(|i| (i * i) as f32).collect();
        let tiny = [1.0, 0.0, 0.01, 0.0, 1.0, 0.0];
        assert_eq!(
            warp_affine(&src, 4, 4, 1, &tiny, WarpBorder::Reflect101),
            src
        );
    }
}
