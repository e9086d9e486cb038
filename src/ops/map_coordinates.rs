//! `scipy.ndimage.map_coordinates(..., order=1, mode='reflect')` with **scipy 1.0** semantics
//! (unchanged up to 1.5), sampling an H×W×C float32 image at per-pixel (row, col) positions, the
//! channel coordinate being the exact channel index; and `mode='constant'` (0) for one channel,
//! whose rules are the same from scipy 1.0 to today: a position outside [0, len − 1] on either
//! axis gives 0, one inside interpolates, a tap past the last sample folded by the mirror rule
//! (its weight is then 0).
//!
//! scipy 1.0 first folds an outside coordinate into range with its `reflect` rule, under which a
//! position in (−1, 0) becomes −x − 1, still in (−1, 0); the two interpolation taps are then
//! folded with the *mirror* rule (…c b | a b c…) whatever the mode, and the weights are
//! 1 − |start − x| and 1 − |start − x + 1|. SciPy ≥ 1.6 changed these rules, which moves values
//! within a few pixels of the border. The sum runs over all 2×2×2 taps in C order in float64
//! (the channel taps weigh exactly 1 and 0) and is rounded to float32 once.

use crate::simd::{self, Isa};

/// scipy 1.0's `map_coordinate` for `NI_EXTEND_REFLECT`: folds `x` into the line of `len` samples.
pub(crate) fn fold_reflect(x: f64, len: usize) -> f64 {
    let n = len as f64;
    if len <= 1 {
        return if x < 0.0 || x > n - 1.0 { 0.0 } else { x };
    }
    let period = 2.0 * n;
    if x < 0.0 {
        let mut x = x;
        if x < -period {
            x += period * ((-x / period) as i64) as f64;
        }
        if x < -n {
            x + period
        } else {
            -x - 1.0
        }
    } else if x > n - 1.0 {
        let x = x - period * ((x / period) as i64) as f64;
        if x >= n {
            period - x - 1.0
        } else {
            x
        }
    } else {
        x
    }
}

/// scipy 1.0's tap folding at the edges (always the mirror rule).
fn fold_tap(i: i64, len: usize) -> usize {
    let n = len as i64;
    if n <= 1 {
        return 0;
    }
    let s2 = 2 * n - 2;
    let i = if i < 0 {
        let i = s2 * (-i / s2) + i;
        if i <= 1 - n {
            i + s2
        } else {
            -i
        }
    } else if i >= n {
        let i = i - s2 * (i / s2);
        if i >= n {
            s2 - i
        } else {
            i
        }
    } else {
        i
    };
    i as usize
}

/// Taps and weights along one axis, or `None` when scipy falls back to the constant value 0.
#[inline(always)]
fn axis_taps(x: f64, len: usize) -> Option<([usize; 2], [f64; 2])> {
    let weight = |start: f64, c: f64, k: f64| {
        let y = ((start - c) + k).abs();
        if y > 1.0 {
            0.0
        } else {
            1.0 - y
        }
    };
    // Inside [0, len − 1): no folding, floor is truncation and both taps lie in the line.
    if x >= 0.0 && x < len as f64 - 1.0 {
        let base = x as usize;
        let start = base as f64;
        return Some((
            [base, base + 1],
            [weight(start, x, 0.0), weight(start, x, 1.0)],
        ));
    }
    let c = fold_reflect(x, len);
    if c <= -1.0 {
        return None;
    }
    let start = c.floor();
    let base = start as i64;
    let taps = if base < 0 || base + 1 >= len as i64 {
        [fold_tap(base, len), fold_tap(base + 1, len)]
    } else {
        [base as usize, base as usize + 1]
    };
    Some((taps, [weight(start, c, 0.0), weight(start, c, 1.0)]))
}

/// Taps and weights along one axis for mode constant, or `None` outside [0, len − 1].
#[inline(always)]
fn constant_axis_taps(x: f64, len: usize) -> Option<([usize; 2], [f64; 2])> {
    if !(x >= 0.0 && x <= len as f64 - 1.0) {
        return None;
    }
    let base = x as usize;
    let start = base as f64;
    let next = if base + 1 < len {
        base + 1
    } else {
        fold_tap(base as i64 + 1, len)
    };
    let w0 = 1.0 - (x - start);
    Some(([base, next], [w0, 1.0 - w0]))
}

/// `map_coordinates(image, (rows, cols), order=1, mode='constant')` for a one-channel H×W
/// float32 image: the four products (value·wy)·wx summed in float64 in C order, rounded to
/// float32 once.
pub fn map_coordinates_constant_order1(
    image: &[f32],
    (h, w): (usize, usize),
    rows: &[f64],
    cols: &[f64],
    out: &mut [f32],
) {
    assert_eq!(image.len(), h * w);
    assert_eq!(rows.len(), cols.len());
    assert_eq!(out.len(), rows.len());
    for ((&r, &q), dst) in rows.iter().zip(cols).zip(out.iter_mut()) {
        let (Some((ty, wy)), Some((tx, wx))) = (constant_axis_taps(r, h), constant_axis_taps(q, w))
        else {
            *dst = 0.0;
            continue;
        };
        let mut t = 0.0f64;
        for (y, a) in ty.iter().zip(wy) {
            for (x, b) in tx.iter().zip(wx) {
                t += (image[y * w + x] as f64 * a) * b;
            }
        }
        *dst = t as f32;
    }
}

/// Samples `image` (H×W×C, float32) at `rows[p]`, `cols[p]` for every position p, writing the C
/// channel values of position p to `out[p·C..(p+1)·C]`.
pub fn map_coordinates_reflect_order1(
    image: &[f32],
    shape: (usize, usize, usize),
    rows: &[f64],
    cols: &[f64],
    out: &mut [f32],
) {
    let (h, w, c) = shape;
    assert_eq!(image.len(), h * w * c);
    assert_eq!(rows.len(), cols.len());
    assert_eq!(out.len(), rows.len() * c);
    match c {
        1 => sample::<1>(image, (h, w), rows, cols, out),
        3 => sample_rgb(image, (h, w), rows, cols, out),
        _ => {
            for ch in 0..c {
                let plane: Vec<f32> = image.iter().skip(ch).step_by(c).copied().collect();
                let mut values = vec![0f32; rows.len()];
                sample::<1>(&plane, (h, w), rows, cols, &mut values);
                for (o, v) in out.iter_mut().skip(ch).step_by(c).zip(values) {
                    *o = v;
                }
            }
        }
    }
}

/// The sampling loop for C channels: per position the taps once, then per channel the four
/// products (value·wy)·wx summed in float64 in C order.
fn sample<const C: usize>(
    image: &[f32],
    (h, w): (usize, usize),
    rows: &[f64],
    cols: &[f64],
    out: &mut [f32],
) {
    for ((&r, &q), dst) in rows.iter().zip(cols).zip(out.chunks_exact_mut(C)) {
        let (Some((ty, wy)), Some((tx, wx))) = (axis_taps(r, h), axis_taps(q, w)) else {
            dst.fill(0.0);
            continue;
        };
        let at = |y: usize, x: usize| (ty[y] * w + tx[x]) * C;
        let corners: [&[f32; C]; 4] = [at(0, 0), at(0, 1), at(1, 0), at(1, 1)]
            .map(|i| image[i..i + C].try_into().expect("C channels"));
        let weights = [
            (wy[0], wx[0]),
            (wy[0], wx[1]),
            (wy[1], wx[0]),
            (wy[1], wx[1]),
        ];
        for (ch, v) in dst.iter_mut().enumerate() {
            let mut t = 0.0f64;
            for (corner, &(a, b)) in corners.iter().zip(&weights) {
                t += (corner[ch] as f64 * a) * b;
            }
            *v = t as f32;
        }
    }
}

/// Three channels: with AVX2 the three channels of a pixel run side by side in one vector of
/// four float64 lanes (the fourth, read from the next pixel, is dropped), with the same
/// operations per channel as [`sample`].
fn sample_rgb(image: &[f32], size: (usize, usize), rows: &[f64], cols: &[f64], out: &mut [f32]) {
    simd::dispatch_at_most(
        Isa::Avx2,
        #[inline(always)]
        |isa| match isa {
            // SAFETY: the dispatch hands over Avx2 only where the CPU has it.
            #[cfg(target_arch = "x86_64")]
            Isa::Avx2 => unsafe { rgb_avx2::sample(image, size, rows, cols, out) },
            _ => sample::<3>(image, size, rows, cols, out),
        },
    )
}

#[cfg(target_arch = "x86_64")]
mod rgb_avx2 {
    use super::axis_taps;
    use std::arch::x86_64::*;

    /// See [`super::sample_rgb`]; the taps of positions inside both axes come from one
    /// two-lane computation of (row, col).
    #[target_feature(enable = "avx2")]
    pub(super) unsafe fn sample(
        image: &[f32],
        (h, w): (usize, usize),
        rows: &[f64],
        cols: &[f64],
        out: &mut [f32],
    ) {
        // Corners whose four-value load stays inside the image.
        let last = image.len().saturating_sub(3);
        let limits = _mm_set_pd(w as f64 - 1.0, h as f64 - 1.0);
        let zero = _mm_setzero_pd();
        let one = _mm_set1_pd(1.0);
        let sign = _mm_set1_pd(-0.0);
        for ((&r, &q), dst) in rows.iter().zip(cols).zip(out.chunks_exact_mut(3)) {
            let x = _mm_set_pd(q, r);
            let inside = _mm_and_pd(_mm_cmpge_pd(x, zero), _mm_cmplt_pd(x, limits));
            let (corners, wy, wx) = if _mm_movemask_pd(inside) == 3 {
                // Truncation is floor here; weights 1 − |start − x| and 1 − |start − x + 1|.
                let base = _mm_cvttpd_epi32(x);
                let start = _mm_cvtepi32_pd(base);
                let d = _mm_sub_pd(start, x);
                let w0 = _mm_sub_pd(one, _mm_andnot_pd(sign, _mm_add_pd(d, zero)));
                let w1 = _mm_sub_pd(one, _mm_andnot_pd(sign, _mm_add_pd(d, one)));
                let mut taps = [0i32; 4];
                _mm_storeu_si128(taps.as_mut_ptr().cast(), base);
                let (ty, tx) = (taps[0] as usize, taps[1] as usize);
                let (mut a, mut b) = ([0f64; 2], [0f64; 2]);
                _mm_storeu_pd(a.as_mut_ptr(), w0);
                _mm_storeu_pd(b.as_mut_ptr(), w1);
                let at = |y: usize, x: usize| (y * w + x) * 3;
                let corners = [
                    at(ty, tx),
                    at(ty, tx + 1),
                    at(ty + 1, tx),
                    at(ty + 1, tx + 1),
                ];
                (corners, [a[0], b[0]], [a[1], b[1]])
            } else {
                let (Some((ty, wy)), Some((tx, wx))) = (axis_taps(r, h), axis_taps(q, w)) else {
                    dst.fill(0.0);
                    continue;
                };
                let at = |y: usize, x: usize| (ty[y] * w + tx[x]) * 3;
                ([at(0, 0), at(0, 1), at(1, 0), at(1, 1)], wy, wx)
            };
            let weights = [
                (wy[0], wx[0]),
                (wy[0], wx[1]),
                (wy[1], wx[0]),
                (wy[1], wx[1]),
            ];
            if corners.iter().all(|&i| i < last) {
                let mut t = _mm256_setzero_pd();
                for (&i, &(a, b)) in corners.iter().zip(&weights) {
                    let v: &[f32; 4] = image[i..i + 4].try_into().expect("four values");
                    let v = _mm256_cvtps_pd(_mm_loadu_ps(v.as_ptr()));
                    let p = _mm256_mul_pd(_mm256_mul_pd(v, _mm256_set1_pd(a)), _mm256_set1_pd(b));
                    t = _mm256_add_pd(t, p);
                }
                let mut values = [0f32; 4];
                _mm_storeu_ps(values.as_mut_ptr(), _mm256_cvtpd_ps(t));
                dst.copy_from_slice(&values[..3]);
            } else {
                for (ch, v) in dst.iter_mut().enumerate() {
                    let mut t = 0.0f64;
                    for (&i, &(a, b)) in corners.iter().zip(&weights) {
                        t += (image[i + ch] as f64 * a) * b;
                    }
                    *v = t as f32;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reflect_fold_is_scipy_1_0() {
        assert_eq!(fold_reflect(-0.25, 10), -0.75);
        assert_eq!(fold_reflect(-3.0, 10), 2.0);
        assert_eq!(fold_reflect(-12.0, 10), 8.0);
        assert_eq!(fold_reflect(9.5, 10), 9.5);
        assert_eq!(fold_reflect(10.25, 10), 8.75);
        assert_eq!(fold_reflect(21.0, 10), 1.0);
        assert_eq!(fold_reflect(-21.5, 10), 0.5);
    }

    #[test]
    fn taps_fold_by_mirror() {
        assert_eq!(fold_tap(-1, 10), 1);
        assert_eq!(fold_tap(10, 10), 8);
        assert_eq!(fold_tap(-20, 10), 2);
    }

    #[test]
    fn samples_like_scipy_1_0_near_borders() {
        // 1×4×1 line 0, 10, 20, 30 (as a 1-row image; rows at 0).
        let img = [0.0f32, 10.0, 20.0, 30.0];
        let sample = |col: f64| {
            let mut out = [0f32];
            map_coordinates_reflect_order1(&img, (1, 4, 1), &[0.0], &[col], &mut out);
            out[0]
        };
        assert_eq!(sample(1.5), 15.0);
        // −0.25 folds to −0.75: taps −1 (mirrored to 1) weight 0.75 and 0 weight 0.25.
        assert_eq!(sample(-0.25), 7.5);
        // 3.5 stays 3.5: taps 3 and 4 (mirrored to 2), half each.
        assert_eq!(sample(3.5), 25.0);
        // 4.25 folds to 2.75.
        assert_eq!(sample(4.25), 27.5);
    }

    #[test]
    fn constant_mode_is_zero_outside_and_interpolates_inside() {
        // 2×3 image; rows of 0, 10, 20 and 30, 40, 50.
        let img = [0.0f32, 10.0, 20.0, 30.0, 40.0, 50.0];
        let sample = |row: f64, col: f64| {
            let mut out = [0f32];
            map_coordinates_constant_order1(&img, (2, 3), &[row], &[col], &mut out);
            out[0]
        };
        assert_eq!(sample(0.5, 0.5), 20.0);
        // The last sample on each axis is inside; a hair past it, or before 0, is outside.
        assert_eq!(sample(1.0, 2.0), 50.0);
        assert_eq!(sample(0.0, 2.25), 0.0);
        assert_eq!(sample(-1e-9, 1.0), 0.0);
        assert_eq!(sample(1.0 + 1e-9, 1.0), 0.0);
        // On the last column the second tap (mirrored) weighs 0.
        assert_eq!(sample(0.25, 2.0), 27.5);
    }

    #[test]
    fn channels_are_sampled_exactly() {
        // 2×2×3 image; position (0.5, 0) mixes rows only, each channel on its own.
        let img: Vec<f32> = (0..12).map(|i| i as f32).collect();
        let mut out = [0f32; 3];
        map_coordinates_reflect_order1(&img, (2, 2, 3), &[0.5], &[0.0], &mut out);
        assert_eq!(out, [3.0, 4.0, 5.0]);
    }

    #[test]
    fn three_channels_match_the_plain_loop_bit_for_bit() {
        // Positions inside, on the far edges, outside on every side and beyond the reflection.
        let (h, w) = (7, 9);
        let img: Vec<f32> = (0..h * w * 3)
            .map(|i| ((i * 7919) % 257) as f32 / 257.0)
            .collect();
        let n = 400;
        let rows: Vec<f64> = (0..n)
            .map(|i| ((i * 37) % 101) as f64 / 7.3 - 3.1)
            .collect();
        let cols: Vec<f64> = (0..n).map(|i| ((i * 53) % 89) as f64 / 6.1 - 2.9).collect();
        let mut fast = vec![0f32; n * 3];
        sample_rgb(&img, (h, w), &rows, &cols, &mut fast);
        let mut plain = vec![0f32; n * 3];
        sample::<3>(&img, (h, w), &rows, &cols, &mut plain);
        assert_eq!(fast, plain);
        assert!(rows.iter().any(|&r| r < -1.0) && cols.iter().any(|&q| q > 9.0));
    }

    #[test]
    fn any_channel_count_samples_each_plane_alone() {
        // 3×4×2 image sampled inside, on the far edge and outside; each channel as its own plane.
        let img: Vec<f32> = (0..24).map(|i| ((i * 7) % 11) as f32).collect();
        let rows = [0.5, 2.0, -0.25, 1.75, 3.5];
        let cols = [1.25, 3.0, 0.5, -1.5, 2.0];
        let mut both = [0f32; 10];
        map_coordinates_reflect_order1(&img, (3, 4, 2), &rows, &cols, &mut both);
        for ch in 0..2 {
            let plane: Vec<f32> = img.iter().skip(ch).step_by(2).copied().collect();
            let mut one = [0f32; 5];
            map_coordinates_reflect_order1(&plane, (3, 4, 1), &rows, &cols, &mut one);
            let got: Vec<f32> = both.iter().skip(ch).step_by(2).copied().collect();
            assert_eq!(got, one);
        }
        // Interior positions weigh the four neighbours bilinearly.
        let mut out = [0f32; 1];
        let plane = [0.0f32, 1.0, 10.0, 11.0];
        map_coordinates_reflect_order1(&plane, (2, 2, 1), &[0.25], &[0.5], &mut out);
        assert_eq!(out[0], 3.0);
    }
}
