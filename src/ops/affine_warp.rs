//! Affine inverse warps of a 2-D 8-bit image read as x/255 (float64), as scikit-image 0.14/0.15
//! compute them: `transform.AffineTransform(scale, rotation, shear, translation).params` for the
//! matrix and `transform.warp(image, inverse_map=…)` with its defaults (`order=1` bilinear,
//! `mode='constant'`, `cval=0`, `clip=True`), which for a 2-D image takes the compiled
//! `_warp_fast` path. A [`WarpPlan`] holds everything that depends only on the map and the size.
//!
//! The map is an *inverse* map: output pixel (row r, col c) reads the input at
//! source col = M00·c + M01·r + M02, source row = M10·c + M11·r + M12 (MNIST-C spec §2.3).

use crate::ops::portable::Portable;
use crate::ops::unit_byte::UNIT;

/// An affine map on (col, row) coordinates: the top two rows of scikit-image's 3×3 `params`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Affine {
    pub m: [[f64; 3]; 2],
}

impl Affine {
    /// The matrix scikit-image's `AffineTransform(scale=(sx, sy), rotation, shear)` builds, with a
    /// zero translation: [[sx·cos ρ, −sy·sin(ρ + s)], [sx·sin ρ, sy·cos(ρ + s)]].
    pub fn from_parts(scale: (f64, f64), rotation: f64, shear: f64) -> Affine {
        let (sx, sy) = scale;
        Affine {
            m: [
                [
                    sx * rotation.portable_cos(),
                    -sy * (rotation + shear).portable_sin(),
                    0.0,
                ],
                [
                    sx * rotation.portable_sin(),
                    sy * (rotation + shear).portable_cos(),
                    0.0,
                ],
            ],
        }
    }

    /// The same linear part with translation (tx, ty).
    pub fn with_translation(self, tx: f64, ty: f64) -> Affine {
        let mut m = self.m;
        m[0][2] = tx;
        m[1][2] = ty;
        Affine { m }
    }

    /// The same linear part with the translation that keeps (centre, centre) fixed, computed as
    /// MNIST-C does: t_i = centre·((1 − a_i0) − a_i1).
    pub fn fixing_centre(self, centre: f64) -> Affine {
        let t = |row: [f64; 3]| centre * (1.0 - row[0] - row[1]);
        self.with_translation(t(self.m[0]), t(self.m[1]))
    }

    /// Where output point (col, row) reads the input, in `_transform_affine`'s evaluation order.
    #[inline]
    pub fn source(&self, col: f64, row: f64) -> (f64, f64) {
        let [a, b] = self.m;
        (
            a[0] * col + a[1] * row + a[2],
            b[0] * col + b[1] * row + b[2],
        )
    }
}

/// `warp(x/255, inverse_map)` for 8-bit images of one size under one map, precomputed: for every
/// output pixel the top-left corner of its 2×2 source block in a zero-padded copy of the input and
/// its bilinear weights, so a warp is four byte reads per pixel plus the arithmetic where they are
/// not all zero.
///
/// The arithmetic is `_warp_fast`'s, value for value: top = (1 − dc)·x[r0][c0] + dc·x[r0][c1],
/// bottom likewise on row r1, result (1 − dr)·top + dr·bottom, then `_clip_warp_output`'s clip.
/// Two shortcuts leave every result bit unchanged:
/// * The block always reads row r0 + 1 and column c0 + 1. Where the reference's ceil equals the
///   floor (an integral coordinate) the weight of that row or column is exactly 0 and the values
///   read are finite, so its term adds +0.
/// * A pixel whose four source values are all 0 is 0 (non-negative weights times zeros), which
///   covers every pixel whose block lies wholly outside the image. A non-finite source coordinate
///   (a degenerate map) gives NaN in the reference, which the uint8 cast turns into 0 as well.
#[derive(Debug)]
pub struct WarpPlan {
    height: usize,
    width: usize,
    /// Per output pixel: index of source (r0, c0) in the padded input (see [`WarpPlan::stride`]).
    corners: Vec<u32>,
    /// Per output pixel: (1 − dc, dc, 1 − dr, dr).
    weights: Vec<[f64; 4]>,
}

impl WarpPlan {
    /// The plan of `map` for `height`×`width` images.
    pub fn new(map: &Affine, height: usize, width: usize) -> WarpPlan {
        let stride = width + 2;
        // Padded rows −1..=height + 1 and columns −1..=width; the block at padded (height + 1, 0)
        // reads only zero padding.
        let outside = ((height + 1) * stride) as u32;
        let mut corners = Vec::with_capacity(height * width);
        let mut weights = Vec::with_capacity(height * width);
        for row in 0..height {
            for col in 0..width {
                let (sc, sr) = map.source(col as f64, row as f64);
                let (r0, c0) = (sr.floor(), sc.floor());
                // A block starting above row −1 or at row `height` or below reads only zeros
                // (likewise for columns); so does one with a NaN coordinate.
                let inside = r0 >= -1.0
                    && r0 <= (height - 1) as f64
                    && c0 >= -1.0
                    && c0 <= (width - 1) as f64;
                if inside {
                    let (dr, dc) = (sr - r0, sc - c0);
                    corners.push(((r0 + 1.0) as usize * stride + (c0 + 1.0) as usize) as u32);
                    weights.push([1.0 - dc, dc, 1.0 - dr, dr]);
                } else {
                    corners.push(outside);
                    weights.push([0.0; 4]);
                }
            }
        }
        WarpPlan {
            height,
            width,
            corners,
            weights,
        }
    }

    /// Warps an 8-bit image read as x/255 and hands each output value, already clipped to the
    /// input's range extended to 0, to `finish`, which makes the output value.
    pub fn warp_unit<T: Copy>(&self, image: &[u8], finish: impl Fn(f64) -> T, out: &mut [T]) {
        let (h, w) = (self.height, self.width);
        assert_eq!(image.len(), h * w, "image size");
        assert_eq!(out.len(), h * w, "output size");
        let stride = w + 2;
        let mut padded = vec![0u8; (h + 3) * stride];
        for (dst, src) in padded[stride..]
            .chunks_exact_mut(stride)
            .zip(image.chunks_exact(w))
        {
            dst[1..=w].copy_from_slice(src);
        }
        // `_clip_warp_output`: [min(image min, 0), max(image max, 0)] = [0, max x/255].
        let high = UNIT[image.iter().copied().max().unwrap_or(0) as usize];
        let zero = finish(0.0);
        for ((o, &corner), weights) in out.iter_mut().zip(&self.corners).zip(&self.weights) {
            let at = corner as usize;
            let (a, b) = (padded[at], padded[at + 1]);
            let (c, d) = (padded[at + stride], padded[at + stride + 1]);
            if a | b | c | d == 0 {
                *o = zero;
                continue;
            }
            let [c0, c1, r0, r1] = *weights;
            let top = c0 * UNIT[a as usize] + c1 * UNIT[b as usize];
            let bottom = c0 * UNIT[c as usize] + c1 * UNIT[d as usize];
            *o = finish((r0 * top + r1 * bottom).clamp(0.0, high));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `_warp_fast` and `_clip_warp_output` written out directly, pixel by pixel.
    fn direct(image: &[u8], height: usize, width: usize, map: &Affine) -> Vec<f64> {
        let (h, w) = (height as i64, width as i64);
        let unit: Vec<f64> = image.iter().map(|&v| v as f64 / 255.0).collect();
        let pixel = |r: i64, c: i64| -> f64 {
            if r < 0 || r >= h || c < 0 || c >= w {
                0.0
            } else {
                unit[(r * w + c) as usize]
            }
        };
        let hi = unit.iter().copied().fold(0.0, f64::max);
        let mut out = Vec::new();
        for row in 0..height {
            for col in 0..width {
                let (sc, sr) = map.source(col as f64, row as f64);
                let (r0, c0) = (sr.floor() as i64, sc.floor() as i64);
                let (r1, c1) = (sr.ceil() as i64, sc.ceil() as i64);
                let dr = sr - r0 as f64;
                let dc = sc - c0 as f64;
                let top = (1.0 - dc) * pixel(r0, c0) + dc * pixel(r0, c1);
                let bottom = (1.0 - dc) * pixel(r1, c0) + dc * pixel(r1, c1);
                out.push(((1.0 - dr) * top + dr * bottom).clamp(0.0, hi));
            }
        }
        out
    }

    fn warp(image: &[u8], h: usize, w: usize, map: &Affine) -> Vec<f64> {
        let mut out = vec![0.0; h * w];
        WarpPlan::new(map, h, w).warp_unit(image, |v| v, &mut out);
        out
    }

    fn digit(h: usize, w: usize, seed: u64) -> Vec<u8> {
        // Sparse bright strokes on black, like a digit.
        (0..h * w)
            .map(|i| {
                let x = (i as u64 * 2654435761 + seed * 97) % 1009;
                if x < 300 {
                    (x % 256) as u8
                } else {
                    0
                }
            })
            .collect()
    }

    #[test]
    fn plan_equals_the_direct_warp_to_the_bit() {
        let maps = [
            Affine::from_parts((1.0, 1.0), 0.4, 0.0).fixing_centre(13.5),
            Affine::from_parts((1.0, 1.0), -0.4, 0.0).fixing_centre(13.5),
            Affine::from_parts((1.0, 1.0), 0.0, 0.4).fixing_centre(13.5),
            Affine::from_parts((1.0, 1.0), 0.0, -1.0).fixing_centre(13.5),
            Affine::from_parts((1.0 / 0.7, 1.0 / 0.7), 0.0, 0.0).fixing_centre(13.5),
            Affine::from_parts((4.0, 4.0), 0.0, 0.0).fixing_centre(13.5),
            Affine::from_parts((0.3, 0.5), 2.0, 0.7).with_translation(-3.25, 40.0),
            Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(3.0, -3.0),
            Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(0.5, 27.5),
        ];
        for (i, map) in maps.iter().enumerate() {
            for seed in 0..4 {
                let img = digit(28, 28, seed);
                let (ours, want) = (warp(&img, 28, 28, map), direct(&img, 28, 28, map));
                for (k, (a, b)) in ours.iter().zip(&want).enumerate() {
                    assert_eq!(a.to_bits(), b.to_bits(), "map {i} seed {seed} pixel {k}");
                }
            }
        }
        // A non-square size and an all-zero image.
        let map = Affine::from_parts((1.2, 0.9), 0.3, 0.1).fixing_centre(4.0);
        let img = digit(7, 11, 5);
        assert_eq!(warp(&img, 7, 11, &map), direct(&img, 7, 11, &map));
        assert!(warp(&[0; 77], 7, 11, &map).iter().all(|&v| v == 0.0));
    }

    #[test]
    fn identity_map_returns_the_image() {
        let img = digit(5, 7, 1);
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0);
        let want: Vec<f64> = img.iter().map(|&v| v as f64 / 255.0).collect();
        assert_eq!(warp(&img, 5, 7, &map), want);
    }

    #[test]
    fn integer_translation_shifts_and_fills_zero() {
        let img = digit(4, 6, 2);
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(2.0, -1.0);
        let out = warp(&img, 4, 6, &map);
        for r in 0..4i64 {
            for c in 0..6i64 {
                let (sr, sc) = (r - 1, c + 2);
                let want = if (0..4).contains(&sr) && (0..6).contains(&sc) {
                    img[(sr * 6 + sc) as usize] as f64 / 255.0
                } else {
                    0.0
                };
                assert_eq!(out[(r * 6 + c) as usize], want, "({r},{c})");
            }
        }
    }

    #[test]
    fn half_pixel_shift_averages_neighbours() {
        let img = [0, 255, 51, 102];
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(0.5, 0.0);
        let out = warp(&img, 1, 4, &map);
        let unit = |v: f64| v / 255.0;
        assert_eq!(
            out,
            vec![
                0.5 * unit(255.0),
                0.5 * unit(255.0) + 0.5 * unit(51.0),
                0.5 * unit(51.0) + 0.5 * unit(102.0),
                0.5 * unit(102.0)
            ]
        );
    }

    #[test]
    fn output_is_clipped_to_the_input_range() {
        // Bilinear weights sum to 1 up to rounding; the clip keeps results within [0, max].
        let img = [200u8; 16];
        let map = Affine::from_parts((1.0, 1.0), 0.3, 0.0).fixing_centre(1.5);
        let max = 200.0 / 255.0;
        assert!(warp(&img, 4, 4, &map)
            .iter()
            .all(|&v| (0.0..=max).contains(&v)));
    }

    #[test]
    fn centre_fixed_maps_keep_the_centre() {
        let rotation = Affine::from_parts((1.0, 1.0), 0.4, 0.0).fixing_centre(13.5);
        let (c, r) = rotation.source(13.5, 13.5);
        assert!((c - 13.5).abs() < 1e-12 && (r - 13.5).abs() < 1e-12);
        let shear = Affine::from_parts((1.0, 1.0), 0.0, -0.4).fixing_centre(13.5);
        // Shear leaves rows' vertical scale at cos s and shifts columns by −sin(s)·(r − 13.5).
        let (c, r) = shear.source(10.0, 20.0);
        assert!((c - (10.0 - (-0.4f64).portable_sin() * 6.5)).abs() < 1e-12);
        assert!((r - (13.5 + 0.4f64.portable_cos() * 6.5)).abs() < 1e-12);
    }

    #[test]
    fn scikit_image_matrix_layout() {
        let a = Affine::from_parts((2.0, 3.0), 0.3, 0.2);
        assert_eq!(a.m[0][0], 2.0 * 0.3f64.portable_cos());
        assert_eq!(a.m[0][1], -3.0 * 0.5f64.portable_sin());
        assert_eq!(a.m[1][0], 2.0 * 0.3f64.portable_sin());
        assert_eq!(a.m[1][1], 3.0 * 0.5f64.portable_cos());
    }
}
