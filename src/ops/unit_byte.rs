//! The last step of the reference's float corruptions: `np.clip(x, 0, 1) * 255` and numpy's
//! truncating `uint8` cast, written so that loops over it vectorise.

use crate::raster::Image;
use crate::rng::Random;
use crate::simd;

/// clip(x, 0, 1)·255 truncated to 8 bits. NaN, which `clip` keeps and the cast makes 0, becomes
/// 0 here by `max` (which ignores NaN); every other value clips as `clamp` does.
#[inline(always)]
#[allow(clippy::manual_clamp)] // `clamp` would keep NaN, which the unchecked cast must not see
pub fn unit_to_byte(x: f64) -> u8 {
    let scaled = x.max(0.0).min(1.0) * 255.0;
    // SAFETY: `scaled` is a number in [0, 255], which an i32 holds.
    unsafe { scaled.to_int_unchecked::<i32>() as u8 }
}

/// [`unit_to_byte`] for a float32 value (the product with 255 in float32, as numpy does it).
#[inline(always)]
#[allow(clippy::manual_clamp)] // as in `unit_to_byte`
pub fn unit_to_byte_f32(x: f32) -> u8 {
    let scaled = x.max(0.0).min(1.0) * 255.0;
    // SAFETY: `scaled` is a number in [0, 255], which an i32 holds.
    unsafe { scaled.to_int_unchecked::<i32>() as u8 }
}

/// Values per noise draw: the noise is made and used a cache-sized piece at a time.
const NOISE_CHUNK: usize = 4096;

/// `unit_to_byte(combine(x / 255, n))` for every value x of `image`, n drawn N(0, σ) as one
/// C-order array of the image's shape (the noise corruptions' draw). It is drawn a chunk at a
/// time, which continues the same stream.
pub fn with_normal_noise(
    image: &Image,
    sigma: f64,
    rng: &mut dyn Random,
    combine: impl Fn(f64, f64) -> f64 + Copy,
) -> Image {
    let mut data = vec![0u8; image.len()];
    let mut noise = vec![0.0; NOISE_CHUNK.min(image.len())];
    for (out, values) in data
        .chunks_mut(NOISE_CHUNK)
        .zip(image.data.chunks(NOISE_CHUNK))
    {
        let noise = &mut noise[..values.len()];
        rng.fill_normal(0.0, sigma, noise);
        combine_with_noise(values, noise, out, combine);
    }
    Image { data, ..*image }
}

/// `out[i] = unit_to_byte(combine(values[i] / 255, noise[i]))`: an 8-bit image and a float
/// array of the same shape combined value by value, compiled for the widest vectors available.
fn combine_with_noise(
    values: &[u8],
    noise: &[f64],
    out: &mut [u8],
    combine: impl Fn(f64, f64) -> f64,
) {
    simd::dispatch(
        #[inline(always)]
        |_| combine_values(values, noise, out, combine),
    )
}

#[inline(always)]
fn combine_values(values: &[u8], noise: &[f64], out: &mut [u8], combine: impl Fn(f64, f64) -> f64) {
    for ((o, &v), &n) in out.iter_mut().zip(values).zip(noise) {
        *o = unit_to_byte(combine(UNIT[v as usize], n));
    }
}

/// v / 255 in float64 for every 8-bit v, as `x / 255.` gives it (evaluated at compile time, IEEE
/// division as at run time).
pub static UNIT: [f64; 256] = {
    let mut table = [0.0; 256];
    let mut v = 0;
    while v < 256 {
        table[v] = v as f64 / 255.0;
        v += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float32_values_clip_scale_and_truncate() {
        assert_eq!(unit_to_byte_f32(-0.5), 0);
        assert_eq!(unit_to_byte_f32(f32::NAN), 0);
        assert_eq!(unit_to_byte_f32(0.999), 254);
        assert_eq!(unit_to_byte_f32(2.0), 255);
    }

    #[test]
    fn clips_scales_and_truncates_like_numpy() {
        let cases = [
            -0.5,
            -0.0,
            0.0,
            0.3,
            0.999,
            1.0,
            7.0,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ];
        for x in cases {
            assert_eq!(unit_to_byte(x), (x.clamp(0.0, 1.0) * 255.0) as u8, "{x}");
        }
        for v in 0..=255u8 {
            assert_eq!(UNIT[v as usize], v as f64 / 255.0);
            assert_eq!(unit_to_byte(v as f64 / 255.0), v);
            let below = (v as f64 + 0.999) / 255.0;
            assert_eq!(unit_to_byte(below), (below.clamp(0.0, 1.0) * 255.0) as u8);
        }
    }
}
