//! Affine inverse warps of a 2-D float64 image, as scikit-image 0.14/0.15 compute them:
//! `transform.AffineTransform(scale, rotation, shear, translation).params` for the matrix and
//! `transform.warp(image, inverse_map=…)` with its defaults (`order=1` bilinear, `mode='constant'`,
//! `cval=0`, `clip=True`), which for a 2-D image takes the compiled `_warp_fast` path.
//!
//! The map is an *inverse* map: output pixel (row r, col c) reads the input at
//! source col = M00·c + M01·r + M02, source row = M10·c + M11·r + M12 (MNIST-C spec §2.3).

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
                [sx * rotation.cos(), -sy * (rotation + shear).sin(), 0.0],
                [sx * rotation.sin(), sy * (rotation + shear).cos(), 0.0],
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

/// `warp(image, inverse_map)` for a `height`×`width` float64 image: bilinear interpolation with
/// zeros outside, then scikit-image's output clip to [min(image min, 0), max(image max, 0)].
pub fn warp_bilinear(image: &[f64], height: usize, width: usize, map: &Affine) -> Vec<f64> {
    assert_eq!(image.len(), height * width, "image size");
    let (h, w) = (height as i64, width as i64);
    let pixel = |r: i64, c: i64| -> f64 {
        if r < 0 || r >= h || c < 0 || c >= w {
            0.0
        } else {
            image[(r * w + c) as usize]
        }
    };
    let mut out = Vec::with_capacity(image.len());
    for row in 0..height {
        for col in 0..width {
            let (sc, sr) = map.source(col as f64, row as f64);
            // The C code truncates floor/ceil to `long`; far-outside coordinates only read zeros.
            let (r0, c0) = (sr.floor() as i64, sc.floor() as i64);
            let (r1, c1) = (sr.ceil() as i64, sc.ceil() as i64);
            let dr = sr - r0 as f64;
            let dc = sc - c0 as f64;
            let top = (1.0 - dc) * pixel(r0, c0) + dc * pixel(r0, c1);
            let bottom = (1.0 - dc) * pixel(r1, c0) + dc * pixel(r1, c1);
            out.push((1.0 - dr) * top + dr * bottom);
        }
    }
    // `_clip_warp_output`: the range of the input extended to the constant value 0.
    let lo = image.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    let hi = image
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max)
        .max(0.0);
    for v in &mut out {
        *v = v.clamp(lo, hi);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ramp(h: usize, w: usize) -> Vec<f64> {
        (0..h * w).map(|i| (i as f64 * 0.37).sin().abs()).collect()
    }

    #[test]
    fn identity_map_returns_the_image() {
        let img = ramp(5, 7);
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0);
        assert_eq!(warp_bilinear(&img, 5, 7, &map), img);
    }

    #[test]
    fn integer_translation_shifts_and_fills_zero() {
        let img = ramp(4, 6);
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(2.0, -1.0);
        let out = warp_bilinear(&img, 4, 6, &map);
        for r in 0..4i64 {
            for c in 0..6i64 {
                let (sr, sc) = (r - 1, c + 2);
                let want = if (0..4).contains(&sr) && (0..6).contains(&sc) {
                    img[(sr * 6 + sc) as usize]
                } else {
                    0.0
                };
                assert_eq!(out[(r * 6 + c) as usize], want, "({r},{c})");
            }
        }
    }

    #[test]
    fn half_pixel_shift_averages_neighbours() {
        let img = vec![0.0, 1.0, 0.5, 0.25];
        let map = Affine::from_parts((1.0, 1.0), 0.0, 0.0).with_translation(0.5, 0.0);
        let out = warp_bilinear(&img, 1, 4, &map);
        assert_eq!(out, vec![0.5, 0.75, 0.375, 0.125]);
    }

    #[test]
    fn centre_fixed_maps_keep_the_centre() {
        let rotation = Affine::from_parts((1.0, 1.0), 0.4, 0.0).fixing_centre(13.5);
        let (c, r) = rotation.source(13.5, 13.5);
        assert!((c - 13.5).abs() < 1e-12 && (r - 13.5).abs() < 1e-12);
        let shear = Affine::from_parts((1.0, 1.0), 0.0, -0.4).fixing_centre(13.5);
        // Shear leaves rows' vertical scale at cos s and shifts columns by −sin(s)·(r − 13.5).
        let (c, r) = shear.source(10.0, 20.0);
        assert!((c - (10.0 - (-0.4f64).sin() * 6.5)).abs() < 1e-12);
        assert!((r - (13.5 + 0.4f64.cos() * 6.5)).abs() < 1e-12);
    }

    #[test]
    fn scikit_image_matrix_layout() {
        let a = Affine::from_parts((2.0, 3.0), 0.3, 0.2);
        assert_eq!(a.m[0][0], 2.0 * 0.3f64.cos());
        assert_eq!(a.m[0][1], -3.0 * 0.5f64.sin());
        assert_eq!(a.m[1][0], 2.0 * 0.3f64.sin());
        assert_eq!(a.m[1][1], 3.0 * 0.5f64.cos());
    }
}
