//! The image types every corruption works on, and the boundary between 8-bit pixels and floats.
//!
//! Pixels are stored as numpy stores a `uint8` array of shape (H, W, C): rows top to bottom,
//! channels interleaved. The reference code ends every corruption with numpy's `uint8` cast, which
//! **truncates** toward zero; [`truncate_f64`] and [`truncate_f32`] are that cast.

use crate::error::{Error, Result};

/// An 8-bit image, H×W×C in C order (channels interleaved), C = 1 (gray) or 3 (RGB).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub width: usize,
    pub height: usize,
    pub channels: usize,
    pub data: Vec<u8>,
}

impl Image {
    /// Wraps `data`, checking that its length is `width · height · channels`.
    pub fn new(width: usize, height: usize, channels: usize, data: Vec<u8>) -> Result<Self> {
        if data.len() != width * height * channels {
            return Err(Error::Invalid(format!(
                "image buffer holds {} bytes, but {width}×{height}×{channels} needs {}",
                data.len(),
                width * height * channels
            )));
        }
        Ok(Image {
            width,
            height,
            channels,
            data,
        })
    }

    /// An all-zero image.
    pub fn zeros(width: usize, height: usize, channels: usize) -> Self {
        Image {
            width,
            height,
            channels,
            data: vec![0; width * height * channels],
        }
    }

    /// Number of values (H·W·C).
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// True when the image has no pixels.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The values scaled to [0, 1] in float64, as `np.asarray(img) / 255.` gives them.
    pub fn to_unit_f64(&self) -> Vec<f64> {
        self.data.iter().map(|&v| v as f64 / 255.0).collect()
    }

    /// The values scaled to [0, 1] in float32, as `np.array(img, dtype=np.float32) / 255.` gives them.
    pub fn to_unit_f32(&self) -> Vec<f32> {
        self.data.iter().map(|&v| v as f32 / 255.0).collect()
    }

    /// An image of the same shape whose values come from `values` through numpy's truncating cast.
    pub fn with_values_f64(&self, values: &[f64]) -> Image {
        Image {
            width: self.width,
            height: self.height,
            channels: self.channels,
            data: truncate_f64(values),
        }
    }

    /// Like [`Image::with_values_f64`] for float32 results.
    pub fn with_values_f32(&self, values: &[f32]) -> Image {
        Image {
            width: self.width,
            height: self.height,
            channels: self.channels,
            data: truncate_f32(values),
        }
    }
}

/// numpy's `astype(np.uint8)` for values already clipped to [0, 255]: truncation toward zero.
/// NaN maps to 0 and values above 255 saturate, so the cast never panics on odd input.
pub fn truncate_f64(values: &[f64]) -> Vec<u8> {
    // `as u8` on a float truncates toward zero and saturates, which is the cast we want.
    values.iter().map(|&v| v as u8).collect()
}

/// numpy's `astype(np.uint8)` for float32 values already clipped to [0, 255].
pub fn truncate_f32(values: &[f32]) -> Vec<u8> {
    values.iter().map(|&v| v as u8).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncation_floors_like_numpy() {
        assert_eq!(
            truncate_f64(&[0.0, 0.999, 1.0, 254.9999, 255.0, f64::NAN]),
            vec![0, 0, 1, 254, 255, 0]
        );
        assert_eq!(truncate_f32(&[12.7, 200.5]), vec![12, 200]);
    }

    #[test]
    fn unit_scaling_round_trips() {
        let img = Image::new(256, 1, 1, (0..=255).collect()).unwrap();
        let back = img.with_values_f32(
            &img.to_unit_f32()
                .iter()
                .map(|v| v * 255.0)
                .collect::<Vec<_>>(),
        );
        // float32 x/255*255 can land just below the integer; numpy's ToPILImage round trip is exact,
        // so check the float64 path, which the corruptions use for it.
        let back64 = img.with_values_f64(
            &img.to_unit_f64()
                .iter()
                .map(|v| v * 255.0)
                .collect::<Vec<_>>(),
        );
        assert_eq!(back64, img);
        assert_eq!(back.data.len(), 256);
    }

    #[test]
    fn new_checks_length() {
        assert!(Image::new(2, 2, 3, vec![0; 11]).is_err());
    }
}
