//! RGB ↔ HSV on float64 values in [0, 1], exactly as scikit-image 0.13's `rgb2hsv` and `hsv2rgb`
//! compute them (spec §1.6), per pixel.
//!
//! Hue rules of `rgb2hsv`: the hue formula of the maximal channel is used, and when channels tie for
//! the maximum the later one wins (blue over green over red), because each mask overwrites the
//! previous one. Hue is then (h / 6) mod 1 with numpy's floored remainder, and 0 where max = min.
//! `hsv2rgb` uses the sextant i = ⌊6h⌋ (taken modulo 6 after a `uint8` cast) and f = 6h − i.
//! [`map_hsv`] is the whole-image pattern of the HSV corruptions (brightness, saturate).

use crate::error::{Error, Result};
use crate::ops::unit_byte::unit_to_byte;
use crate::raster::Image;
use crate::simd;

/// One pixel from RGB to HSV.
#[inline]
pub fn rgb_to_hsv([r, g, b]: [f64; 3]) -> [f64; 3] {
    let value = r.max(g).max(b);
    let delta = value - r.min(g).min(b);
    if delta == 0.0 {
        // Grey: hue and saturation are set to 0 (value = 0 makes 0/0 there, also replaced by 0).
        return [0.0, 0.0, value];
    }
    let saturation = delta / value;
    let sextant = if b == value {
        4.0 + (r - g) / delta
    } else if g == value {
        2.0 + (b - r) / delta
    } else {
        (g - b) / delta
    };
    [floored_unit_remainder(sextant / 6.0), saturation, value]
}

/// One pixel from HSV to RGB.
#[inline]
pub fn hsv_to_rgb([hue, saturation, value]: [f64; 3]) -> [f64; 3] {
    let sector = (hue * 6.0).floor();
    let f = hue * 6.0 - sector;
    let p = value * (1.0 - saturation);
    let q = value * (1.0 - f * saturation);
    let t = value * (1.0 - (1.0 - f) * saturation);
    // numpy's float → uint8 cast of a sector in 0..=6, then % 6.
    match (sector as u8) % 6 {
        0 => [value, t, p],
        1 => [q, value, p],
        2 => [p, value, t],
        3 => [p, q, value],
        4 => [t, p, value],
        _ => [value, p, q],
    }
}

/// The reference's HSV corruption pattern on an RGB image: x = img/255 → HSV → `change` → RGB,
/// clipped to [0, 1] and scaled by 255, then numpy's truncating cast.
///
/// The pixels go through in batches, one channel per array, with the same arithmetic as
/// [`rgb_to_hsv`] and [`hsv_to_rgb`] written without branches so that the loops vectorise (and
/// use the widest vectors the processor has). `change` must be a pure per-pixel function.
pub fn map_hsv(image: &Image, change: impl Fn([f64; 3]) -> [f64; 3]) -> Result<Image> {
    if image.channels != 3 {
        return Err(Error::Invalid(format!(
            "HSV corruptions need RGB images, got {} channel(s)",
            image.channels
        )));
    }
    let mut data = vec![0u8; image.len()];
    simd::dispatch(
        #[inline(always)]
        |_| map_pixels(&image.data, &mut data, &change),
    );
    Ok(Image { data, ..*image })
}

/// Pixels per batch of [`map_pixels`].
const BATCH: usize = 64;

/// [`map_hsv`]'s work on interleaved RGB bytes, a batch of pixels at a time.
#[inline(always)]
fn map_pixels(src: &[u8], dst: &mut [u8], change: &impl Fn([f64; 3]) -> [f64; 3]) {
    let unit: [f64; 256] = std::array::from_fn(|v| v as f64 / 255.0);
    let mut channels = [[0.0f64; BATCH]; 3];
    let mut results = [[0u8; BATCH]; 3];
    for (pixels, out) in src.chunks(3 * BATCH).zip(dst.chunks_mut(3 * BATCH)) {
        for (i, pixel) in pixels.chunks_exact(3).enumerate() {
            for (channel, &v) in channels.iter_mut().zip(pixel) {
                channel[i] = unit[v as usize];
            }
        }
        let [r, g, b] = &channels;
        let [r_out, g_out, b_out] = &mut results;
        // All lanes, also past n in the last batch (stale values, never written out), so the
        // loop has a fixed length.
        for i in 0..BATCH {
            let [r, g, b] = hsv_to_rgb_select(change(hsv_unit([r[i], g[i], b[i]])));
            r_out[i] = unit_to_byte(r);
            g_out[i] = unit_to_byte(g);
            b_out[i] = unit_to_byte(b);
        }
        for (i, pixel) in out.chunks_exact_mut(3).enumerate() {
            for (o, bytes) in pixel.iter_mut().zip(&results) {
                *o = bytes[i];
            }
        }
    }
}

/// [`rgb_to_hsv`] for channels in [0, 1], without branches. There the hue sextant/6 lies in
/// (−1, 1), where numpy's `% 1.0` is x + 1 for negative x and x itself otherwise (−0 becoming +0,
/// which adding +0 does). The red case's 0 + (g − b)/Δ equals (g − b)/Δ, never −0 as g − b ≠ −0.
#[inline(always)]
fn hsv_unit([r, g, b]: [f64; 3]) -> [f64; 3] {
    let value = r.max(g).max(b);
    let delta = value - r.min(g).min(b);
    let grey = delta == 0.0;
    let saturation = if grey { 0.0 } else { delta / value };
    let (base, difference) = if b == value {
        (4.0, r - g)
    } else if g == value {
        (2.0, b - r)
    } else {
        (0.0, g - b)
    };
    let hue = (base + difference / delta) / 6.0;
    let hue = if hue < 0.0 { hue + 1.0 } else { hue + 0.0 };
    [if grey { 0.0 } else { hue }, saturation, value]
}

/// [`hsv_to_rgb`] with the sextant's choice made by selects. The sector's `uint8` cast (NaN and
/// negatives to 0, saturating at 255) and `% 6` are done in float64, exactly: for an integer s in
/// 0..=255, ⌊s/6⌋ is exact whatever the quotient's rounding.
#[inline(always)]
fn hsv_to_rgb_select([hue, saturation, value]: [f64; 3]) -> [f64; 3] {
    let sector = (hue * 6.0).floor();
    let f = hue * 6.0 - sector;
    let p = value * (1.0 - saturation);
    let q = value * (1.0 - f * saturation);
    let t = value * (1.0 - (1.0 - f) * saturation);
    #[allow(clippy::manual_clamp)] // NaN must become 0, as numpy's uint8 cast makes it
    let cast = sector.max(0.0).min(255.0);
    let k = cast - 6.0 * (cast / 6.0).floor();
    let r = if k == 0.0 || k == 5.0 {
        value
    } else if k == 1.0 {
        q
    } else if k == 4.0 {
        t
    } else {
        p
    };
    let g = if k == 0.0 {
        t
    } else if k == 1.0 || k == 2.0 {
        value
    } else if k == 3.0 {
        q
    } else {
        p
    };
    let b = if k == 0.0 || k == 1.0 {
        p
    } else if k == 2.0 {
        t
    } else if k == 5.0 {
        q
    } else {
        value
    };
    [r, g, b]
}

/// numpy's `x % 1.0`: the remainder takes the sign of the divisor, so negatives wrap to [0, 1).
#[inline]
fn floored_unit_remainder(x: f64) -> f64 {
    let m = x % 1.0;
    if m < 0.0 {
        m + 1.0
    } else if m == 0.0 {
        0.0
    } else {
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(rgb: [u8; 3]) -> [f64; 3] {
        rgb.map(|v| v as f64 / 255.0)
    }

    #[test]
    fn primaries_and_greys() {
        assert_eq!(rgb_to_hsv([1.0, 0.0, 0.0]), [0.0, 1.0, 1.0]);
        assert_eq!(rgb_to_hsv([0.0, 1.0, 0.0]), [2.0 / 6.0, 1.0, 1.0]);
        assert_eq!(rgb_to_hsv([0.0, 0.0, 1.0]), [4.0 / 6.0, 1.0, 1.0]);
        assert_eq!(rgb_to_hsv([0.5, 0.5, 0.5]), [0.0, 0.0, 0.5]);
        assert_eq!(rgb_to_hsv([0.0, 0.0, 0.0]), [0.0, 0.0, 0.0]);
    }

    #[test]
    fn negative_hue_wraps_like_numpy() {
        // Red is max and blue > green: (g − b)/Δ < 0, so the hue wraps to just below 1.
        let [h, _, _] = rgb_to_hsv([1.0, 0.0, 0.5]);
        assert_eq!(h, -0.5 / 6.0 + 1.0);
        assert_eq!(floored_unit_remainder(-0.25), 0.75);
        assert_eq!(floored_unit_remainder(1.25), 0.25);
        assert_eq!(floored_unit_remainder(-1.0).to_bits(), 0.0f64.to_bits());
    }

    #[test]
    fn ties_take_the_later_channel() {
        // Red and blue tie: blue's formula 4 + (r − g)/Δ = 5 gives 5/6 (red's would wrap −1/6).
        assert_eq!(rgb_to_hsv(unit([200, 100, 200]))[0], 5.0 / 6.0);
        // Green and blue tie: blue's 4 + (r − g)/Δ = 3 → 1/2.
        assert_eq!(rgb_to_hsv(unit([100, 200, 200]))[0], 0.5);
        // Red and green tie: green's 2 + (b − r)/Δ = 1 → 1/6.
        assert_eq!(rgb_to_hsv(unit([200, 200, 100]))[0], 1.0 / 6.0);
    }

    #[test]
    fn round_trip_is_close_for_all_sampled_colours() {
        for r in (0..=255).step_by(15) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(13) {
                    let rgb = unit([r, g, b]);
                    let back = hsv_to_rgb(rgb_to_hsv(rgb));
                    for c in 0..3 {
                        assert!((back[c] - rgb[c]).abs() < 1e-12, "{rgb:?} → {back:?}");
                    }
                }
            }
        }
    }

    /// `map_hsv` against the per-pixel functions, pixel by pixel.
    fn assert_batches_match_per_pixel(change: impl Fn([f64; 3]) -> [f64; 3]) {
        let mut data = Vec::new();
        for r in (0..=255u8).step_by(5) {
            for g in (0..=255u8).step_by(3) {
                for b in (0..=255u8).step_by(7) {
                    data.extend([r, g, b]);
                }
            }
        }
        data.extend([
            0, 0, 0, 255, 255, 255, 9, 9, 9, 255, 0, 0, 0, 255, 0, 0, 0, 255, 7,
        ]);
        data.truncate(data.len() / 3 * 3);
        let image = Image::new(data.len() / 3, 1, 3, data).unwrap();
        let batched = map_hsv(&image, &change).unwrap();
        for (i, (pixel, got)) in image
            .data
            .chunks_exact(3)
            .zip(batched.data.chunks_exact(3))
            .enumerate()
        {
            let rgb = hsv_to_rgb(change(rgb_to_hsv(unit([pixel[0], pixel[1], pixel[2]]))));
            let want = rgb.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8);
            assert_eq!(got, want, "pixel {i}: {pixel:?}");
        }
    }

    #[test]
    fn batches_equal_the_per_pixel_functions() {
        assert_batches_match_per_pixel(|hsv| hsv);
        assert_batches_match_per_pixel(|[h, s, v]| [h, s, (v + 0.3).clamp(0.0, 1.0)]);
        assert_batches_match_per_pixel(|[h, s, v]| [h, (s * 2.0 + 0.1).clamp(0.0, 1.0), v]);
        // Hues outside [0, 1] and NaN exercise the sector's uint8 cast.
        assert_batches_match_per_pixel(|[h, s, v]| [h * 90.0 - 20.0, s, v]);
        assert_batches_match_per_pixel(|[h, s, v]| {
            [if s > 0.5 { f64::NAN } else { h }, s, v * 1.5 - 0.2]
        });
    }

    #[test]
    fn hue_of_one_falls_in_the_first_sector() {
        // A hue of exactly 1 gives sector 6, which the cast and % 6 fold into sector 0.
        assert_eq!(hsv_to_rgb([1.0, 1.0, 1.0]), [1.0, 0.0, 0.0]);
    }
}
