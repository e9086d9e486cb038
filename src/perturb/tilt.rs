//! `tilt` sequence (spec §6.4): the whole prepared image (w × h) seen from a camera turned by
//! φ = θ = degrees_step·(i − centre) degrees about the y and x axes, through OpenCV 3.4's
//! `warpPerspective` ([`crate::ops::warp_perspective`]), then centre-cropped.
//!
//! With f = √(w² + h²): H = P2·T·RX·RY·P1, P1 taking (x, y, 1) to (x − w/2, y − h/2, 1, 1) (z = 1,
//! so even the 0° frame is scaled by f/(f + 1)), RY and RX the rotations, T adding f to z and
//! P2 = [f, 0, w/2, 0; 0, f, h/2, 0; 0, 0, 1, 0]. The products are evaluated left to right, each
//! entry summed in index order. (numpy 1.14's `@` sums some entries in another order, which can
//! change the last bit of a translation term, ~10⁻¹² pixel; no frame of the fixtures moves.)

use super::{Clean, Pairing, Perturbation};
use crate::error::Result;
use crate::ops::portable::Portable;
use crate::ops::warp_perspective::{warp_perspective_window, Homography};
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

#[derive(Clone, Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct TiltSequence {
    pub frames: usize,
    /// The frame seen head-on.
    pub centre: f64,
    /// Degrees per frame.
    pub degrees_step: f64,
}

/// Row-major matrix product of an n×k and a k×m matrix, each entry summed in index order.
fn product(a: &[f64], b: &[f64], n: usize, k: usize, m: usize) -> Vec<f64> {
    let mut out = vec![0.0; n * m];
    for i in 0..n {
        for j in 0..m {
            out[i * m + j] = (0..k).fold(0.0, |s, t| s + a[i * k + t] * b[t * m + j]);
        }
    }
    out
}

/// The homography of a w × h image tilted by `degrees` about both axes.
pub fn tilt_homography(width: usize, height: usize, degrees: f64) -> Homography {
    let (w, h) = (width as f64, height as f64);
    let (phi, theta) = (degrees.to_radians(), degrees.to_radians());
    let f = (w * w + h * h).sqrt();
    let p1 = [
        1.0,
        0.0,
        -w / 2.0, //
        0.0,
        1.0,
        -h / 2.0, //
        0.0,
        0.0,
        1.0, //
        0.0,
        0.0,
        1.0,
    ];
    let rx = [
        1.0,
        0.0,
        0.0,
        0.0, //
        0.0,
        theta.portable_cos(),
        -theta.portable_sin(),
        0.0, //
        0.0,
        theta.portable_sin(),
        theta.portable_cos(),
        0.0, //
        0.0,
        0.0,
        0.0,
        1.0,
    ];
    let ry = [
        phi.portable_cos(),
        0.0,
        -phi.portable_sin(),
        0.0, //
        0.0,
        1.0,
        0.0,
        0.0, //
        phi.portable_sin(),
        0.0,
        phi.portable_cos(),
        0.0, //
        0.0,
        0.0,
        0.0,
        1.0,
    ];
    let t = [
        1.0, 0.0, 0.0, 0.0, //
        0.0, 1.0, 0.0, 0.0, //
        0.0, 0.0, 1.0, f, //
        0.0, 0.0, 0.0, 1.0,
    ];
    let p2 = [
        f,
        0.0,
        w / 2.0,
        0.0, //
        0.0,
        f,
        h / 2.0,
        0.0, //
        0.0,
        0.0,
        1.0,
        0.0,
    ];
    let m = product(&p2, &t, 3, 4, 4);
    let m = product(&m, &rx, 3, 4, 4);
    let m = product(&m, &ry, 3, 4, 4);
    let m = product(&m, &p1, 3, 4, 3);
    std::array::from_fn(|i| m[i])
}

impl TiltSequence {
    /// The tilt of frame `i`, degrees.
    pub fn degrees(&self, i: usize) -> f64 {
        self.degrees_step * (i as f64 - self.centre)
    }
}

impl Perturbation for TiltSequence {
    fn frame_count(&self) -> usize {
        self.frames
    }

    fn pairing(&self) -> Pairing {
        Pairing::Stride
    }

    fn frames(
        &self,
        clean: &Clean<'_>,
        _difficulty: u32,
        _rng: &mut dyn Random,
        emit: &mut dyn FnMut(Image) -> Result<()>,
    ) -> Result<()> {
        let x = clean.prepared;
        for i in 0..self.frames {
            let homography = tilt_homography(x.width, x.height, self.degrees(i));
            emit(
                clean.rendered_cropped(|window| {
                    Ok(warp_perspective_window(x, &homography, window))
                })?,
            )?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_on_tilt_only_shrinks_by_f_over_f_plus_one() {
        let m = tilt_homography(341, 256, 0.0);
        let f = (341.0f64 * 341.0 + 256.0 * 256.0).sqrt();
        // x' = (f·(x − w/2) + (w/2)(f + 1)) / (f + 1): a scale of f/(f + 1) about the centre.
        let (x, y) = (0.0, 0.0);
        let wgt = m[6] * x + m[7] * y + m[8];
        let xp = (m[0] * x + m[1] * y + m[2]) / wgt;
        assert!((wgt - (f + 1.0)).abs() < 1e-9);
        assert!((xp - (170.5 - 170.5 * f / (f + 1.0))).abs() < 1e-9);
    }
}
