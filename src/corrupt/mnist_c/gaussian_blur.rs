//! MNIST-C `gaussian_blur` (spec §5.4, a leftover): out = clip(vblur_σ(img/255), 0, 1)·255. The
//! reference's `gaussian(x, σ, multichannel=True)` on the 2-D digit blurs only vertically
//! (spec §2.2), unlike ImageNet-C's gaussian_blur, which blurs both axes of an RGB image.

use super::{check_digit, finish, vertical_blur, SIDE};
use crate::corrupt::imagenet_c;
use crate::corrupt::{Context, Corruption};
use crate::error::Result;
use crate::raster::Image;
use crate::rng::Random;
use serde::Deserialize;

/// ImageNet-C's gaussian_blur parameters.
#[derive(Debug, Deserialize)]
#[serde(transparent)]
pub struct GaussianBlur(pub imagenet_c::GaussianBlur);

impl Corruption for GaussianBlur {
    fn check(&self) -> std::result::Result<(), String> {
        self.0.check()
    }

    fn apply(&self, image: &Image, _: &mut dyn Random, _: &Context) -> Result<Image> {
        check_digit(image, "gaussian_blur")?;
        let mut values = image.to_unit_f64();
        vertical_blur(&mut values, SIDE, SIDE, self.0.sigma);
        Ok(finish(image, &values))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::gaussian::gaussian_kernel;
    use crate::rng::NumpyRandom;

    #[test]
    fn a_dot_spreads_along_its_column_with_the_scipy_kernel() {
        let mut data = vec![0u8; 784];
        data[14 * 28 + 9] = 255;
        let digit = Image::new(28, 28, 1, data).unwrap();
        let out = GaussianBlur(imagenet_c::GaussianBlur { sigma: 2.0 })
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        let k = gaussian_kernel(2.0, 4.0);
        assert_eq!(k.len(), 17);
        for r in 0..28 {
            for c in 0..28 {
                let want = if c == 9 && (6..=22).contains(&r) {
                    ((k[r + 8 - 14] * 255.0) as f32) as u8
                } else {
                    0
                };
                assert_eq!(out.data[r * 28 + c], want, "({r}, {c})");
            }
        }
    }

    #[test]
    fn edges_repeat_the_border_row() {
        // A white top row: nearest mode keeps row 0 fully white, since every tap above reads it.
        let mut data = vec![0u8; 784];
        data[..28].fill(255);
        let digit = Image::new(28, 28, 1, data).unwrap();
        let out = GaussianBlur(imagenet_c::GaussianBlur { sigma: 1.0 })
            .apply(&digit, &mut NumpyRandom::new(0), &Context::default())
            .unwrap();
        let k = gaussian_kernel(1.0, 4.0);
        // scipy's order: the centre tap, then the pairs from the outermost inwards.
        let top = k[4] + k[0] + k[1] + k[2] + k[3];
        assert_eq!(out.data[0], ((top * 255.0) as f32) as u8);
        assert!(out.data[..28].iter().all(|&v| v == out.data[0]));
        assert_eq!(out.data[5 * 28], 0);
    }

    #[test]
    fn negative_sigma_is_refused_as_scikit_image_refuses_it() {
        for sigma in [-0.1, -1e-300] {
            let err = GaussianBlur(imagenet_c::GaussianBlur { sigma })
                .check()
                .unwrap_err();
            assert!(err.starts_with(&format!("sigma = {sigma} is ")), "{err}");
        }
        for sigma in [0.0, 0.5] {
            assert_eq!(
                GaussianBlur(imagenet_c::GaussianBlur { sigma }).check(),
                Ok(())
            );
        }
    }
}
