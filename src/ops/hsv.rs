//! RGB ↔ HSV on float64 values in [0, 1], exactly as scikit-image 0.13's `rgb2hsv` and `hsv2rgb`
//! compute them (spec §1.6), per pixel.
//!
//! Hue rules of `rgb2hsv`: the hue formula of the maximal channel is used, and when channels tie for
//! the maximum the later one wins (blue over green over red), because each mask overwrites the
//! previous one. Hue is then (h / 6) mod 1 with numpy's floored remainder, and 0 where max = min.
//! `hsv2rgb` uses the sextant i = ⌊6h⌋ (taken modulo 6 after a `uint8` cast) and f = 6h − i.
//! [`map_hsv`] is the whole-image pattern of the HSV corruptions (brightness, saturate).

use crate::error::{Error, Result};
use crate::raster::Image;

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
pub fn map_hsv(image: &Image, change: impl Fn([f64; 3]) -> [f64; 3]) -> Result<Image> {
    if image.channels != 3 {
        return Err(Error::Invalid(format!(
            "HSV corruptions need RGB images, got {} channel(s)",
            image.channels
        )));
    }
    let unit: [f64; 256] = std::array::from_fn(|v| v as f64 / 255.0);
    let mut data = Vec::with_capacity(image.len());
    for pixel in image.data.chunks_exact(3) {
        let rgb = [pixel[0], pixel[1], pixel[2]].map(|v| unit[v as usize]);
        let out = hsv_to_rgb(change(rgb_to_hsv(rgb)));
        data.extend(out.map(|v| (v.clamp(0.0, 1.0) * 255.0) as u8));
    }
    Ok(Image { data, ..*image })
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

    #[test]
    fn hue_of_one_falls_in_the_first_sector() {
        // A hue of exactly 1 gives sector 6, which the cast and % 6 fold into sector 0.
        assert_eq!(hsv_to_rgb([1.0, 1.0, 1.0]), [1.0, 0.0, 0.0]);
    }
}
