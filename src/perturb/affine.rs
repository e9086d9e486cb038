//! torchvision 0.2's `transforms.functional.affine(img, angle, translate, scale, shear,
//! resample)`, the version ImageNet-P was made with (spec §6.4): the inverse matrix it hands to
//! PIL's `Image.transform(AFFINE)` ([`crate::ops::pil_transform`]), in its float64 order.
//!
//! The centre is (w·0.5 + 0.5, h·0.5 + 0.5). With a = angle and s = shear in radians and
//! k = (1/scale)/d, d = cos(a + s)·cos a + sin(a + s)·sin a, the matrix is
//! k·[cos(a + s), sin(a + s), 0; −sin a, cos a, 0], then its translation column gets
//! m₀·(−cx − tx) + m₁·(−cy − ty) (likewise for the second row) and then the centre added.
//! Later torchvision releases changed the shear and dropped the +0.5.

use super::Clean;
use crate::error::Result;
use crate::ops::pil_transform::{transform_affine_window, Resample};
use crate::ops::portable::Portable;
use crate::raster::Image;

/// The parameters of one `affine` call: degrees, pixels, a factor, degrees.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct AffineParams {
    pub angle: f64,
    pub translate: (f64, f64),
    pub scale: f64,
    pub shear: f64,
}

/// torchvision 0.2's `_get_inverse_affine_matrix(center, angle, translate, scale, shear)`.
pub fn inverse_matrix(center: (f64, f64), p: &AffineParams) -> [f64; 6] {
    let angle = p.angle.to_radians();
    let shear = p.shear.to_radians();
    let scale = 1.0 / p.scale;
    let d = (angle + shear).portable_cos() * angle.portable_cos()
        + (angle + shear).portable_sin() * angle.portable_sin();
    let k = scale / d;
    let mut m = [
        k * (angle + shear).portable_cos(),
        k * (angle + shear).portable_sin(),
        k * 0.0,
        k * -angle.portable_sin(),
        k * angle.portable_cos(),
        k * 0.0,
    ];
    let (tx, ty) = p.translate;
    m[2] += m[0] * (-center.0 - tx) + m[1] * (-center.1 - ty);
    m[5] += m[3] * (-center.0 - tx) + m[4] * (-center.1 - ty);
    m[2] += center.0;
    m[5] += center.1;
    m
}

/// `CenterCrop(affine(prepared, …, resample))`: the prepared image mapped about its centre,
/// outside filled with 0, then centre-cropped (only the kept pixels are computed).
pub fn affine_cropped(clean: &Clean<'_>, p: &AffineParams, resample: Resample) -> Result<Image> {
    let image = clean.prepared;
    let center = (
        image.width as f64 * 0.5 + 0.5,
        image.height as f64 * 0.5 + 0.5,
    );
    let matrix = inverse_matrix(center, p);
    clean.rendered_cropped(|window| transform_affine_window(image, &matrix, resample, window))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pure_translation_inverts_the_shift() {
        let p = AffineParams {
            angle: 0.0,
            translate: (-20.0, 0.0),
            scale: 1.0,
            shear: 0.0,
        };
        let m = inverse_matrix((171.0, 128.5), &p);
        assert_eq!(m, [1.0, 0.0, 20.0, -0.0, 1.0, 0.0]);
    }

    #[test]
    fn scale_shrinks_about_the_centre() {
        // Scale 2 reads the input at half the distance from the centre.
        let p = AffineParams {
            angle: 0.0,
            translate: (0.0, 0.0),
            scale: 2.0,
            shear: 0.0,
        };
        let m = inverse_matrix((10.5, 10.5), &p);
        assert_eq!(m[0], 0.5);
        assert_eq!(m[4], 0.5);
        assert_eq!(m[0] * 10.5 + m[2], 10.5);
    }
}
