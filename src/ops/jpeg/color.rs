//! RGB ↔ YCbCr in 16-bit fixed point, as libjpeg's `jccolor.c` (`rgb_ycc_convert`) and
//! `jdcolor.c` (`ycc_rgb_convert`) compute it. The two libraries differ only in the constants:
//! libjpeg 9 uses the exact JFIF/sYCC factors (0.168735892, ...), libjpeg-turbo the rounded
//! five-digit ones (0.16874, ...). The forward results coincide; decoding moves some green
//! values by one.

use super::Profile;
use std::sync::OnceLock;

const SCALE_BITS: u32 = 16;
const ONE_HALF: i32 = 1 << (SCALE_BITS - 1);

/// `x` in 16-bit fixed point, rounded (libjpeg's `FIX` in the colour modules).
const fn fix(x: f64) -> i32 {
    (x * 65536.0 + 0.5) as i32
}

/// Precomputed per-value products of one library's conversions.
pub struct ColorTables {
    /// R, G, B contributions to Y (B's includes the rounding half).
    y: [[i32; 256]; 3],
    /// R, G, B contributions to Cb (B's includes the 128 offset and rounding).
    cb: [[i32; 256]; 3],
    /// R, G, B contributions to Cr (R's includes the 128 offset and rounding).
    cr: [[i32; 256]; 3],
    /// Cr → R and Cb → B, already rounded.
    cr_r: [i32; 256],
    cb_b: [i32; 256],
    /// Cr → G and Cb → G in fixed point (Cb's includes the rounding half).
    cr_g: [i32; 256],
    cb_g: [i32; 256],
}

impl ColorTables {
    fn build(profile: Profile) -> Self {
        // (Cb from R, Cb from G, Cr from G, Cr from B, G from Cr, G from Cb)
        let (cb_r, cb_g, cr_g, cr_b, g_cr, g_cb) = match profile {
            Profile::Ijg9 => (
                fix(0.168735892),
                fix(0.331264108),
                fix(0.418687589),
                fix(0.081312411),
                fix(0.714136286),
                fix(0.344136286),
            ),
            Profile::Turbo => (
                fix(0.16874),
                fix(0.33126),
                fix(0.41869),
                fix(0.08131),
                fix(0.71414),
                fix(0.34414),
            ),
        };
        let offset = (128 << SCALE_BITS) + ONE_HALF - 1;
        let mut t = ColorTables {
            y: [[0; 256]; 3],
            cb: [[0; 256]; 3],
            cr: [[0; 256]; 3],
            cr_r: [0; 256],
            cb_b: [0; 256],
            cr_g: [0; 256],
            cb_g: [0; 256],
        };
        for i in 0..256 {
            let v = i as i32;
            t.y[0][i] = fix(0.299) * v;
            t.y[1][i] = fix(0.587) * v;
            t.y[2][i] = fix(0.114) * v + ONE_HALF;
            t.cb[0][i] = -cb_r * v;
            t.cb[1][i] = -cb_g * v;
            t.cb[2][i] = fix(0.5) * v + offset;
            t.cr[0][i] = fix(0.5) * v + offset;
            t.cr[1][i] = -cr_g * v;
            t.cr[2][i] = -cr_b * v;
            let x = v - 128;
            t.cr_r[i] = (fix(1.402) * x + ONE_HALF) >> SCALE_BITS;
            t.cb_b[i] = (fix(1.772) * x + ONE_HALF) >> SCALE_BITS;
            t.cr_g[i] = -g_cr * x;
            t.cb_g[i] = -g_cb * x + ONE_HALF;
        }
        t
    }

    /// The tables of `profile`, built once.
    pub fn get(profile: Profile) -> &'static ColorTables {
        static IJG9: OnceLock<ColorTables> = OnceLock::new();
        static TURBO: OnceLock<ColorTables> = OnceLock::new();
        match profile {
            Profile::Ijg9 => IJG9.get_or_init(|| ColorTables::build(profile)),
            Profile::Turbo => TURBO.get_or_init(|| ColorTables::build(profile)),
        }
    }

    /// One pixel RGB → (Y, Cb, Cr). The sums never leave 0..=255·2^16, so no clamping is needed.
    #[inline(always)]
    pub fn to_ycc(&self, r: u8, g: u8, b: u8) -> (u8, u8, u8) {
        let (r, g, b) = (r as usize, g as usize, b as usize);
        let y = (self.y[0][r] + self.y[1][g] + self.y[2][b]) >> SCALE_BITS;
        let cb = (self.cb[0][r] + self.cb[1][g] + self.cb[2][b]) >> SCALE_BITS;
        let cr = (self.cr[0][r] + self.cr[1][g] + self.cr[2][b]) >> SCALE_BITS;
        (y as u8, cb as u8, cr as u8)
    }

    /// One pixel (Y, Cb, Cr) → RGB, clamped to 0..=255.
    #[inline(always)]
    pub fn to_rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let (y, cb, cr) = (i32::from(y), cb as usize, cr as usize);
        let clamp = |v: i32| v.clamp(0, 255) as u8;
        [
            clamp(y + self.cr_r[cr]),
            clamp(y + ((self.cb_g[cb] + self.cr_g[cr]) >> SCALE_BITS)),
            clamp(y + self.cb_b[cb]),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grays_map_to_neutral_chroma_and_back() {
        for profile in [Profile::Ijg9, Profile::Turbo] {
            let t = ColorTables::get(profile);
            for v in [0u8, 1, 127, 128, 200, 255] {
                assert_eq!(t.to_ycc(v, v, v), (v, 128, 128));
                assert_eq!(t.to_rgb(v, 128, 128), [v, v, v]);
            }
        }
    }

    #[test]
    fn primaries_follow_jfif() {
        let t = ColorTables::get(Profile::Turbo);
        // Y = 0.299·255 = 76.2, Cb = 128 - 0.16874·255 = 84.97 → 85, Cr = 255.5 (rounded down
        // by the 0.5 - ε fudge).
        assert_eq!(t.to_ycc(255, 0, 0), (76, 85, 255));
        assert_eq!(t.to_rgb(76, 85, 255), [254, 0, 0]);
    }

    #[test]
    fn profiles_differ_only_in_decoding() {
        // The differing Cb factors sum to 0.5 in both libraries, which keeps every forward
        // result equal (checked over all 2^24 colours during development; a slice here).
        let (a, b) = (
            ColorTables::get(Profile::Ijg9),
            ColorTables::get(Profile::Turbo),
        );
        for r in 0..=255u8 {
            for g in 0..=255u8 {
                assert_eq!(a.to_ycc(r, g, 100), b.to_ycc(r, g, 100));
            }
        }
        // Cb → G differs (0.344136286 vs 0.34414 rounds to 22553 vs 22554).
        let mut differing = 0;
        for cb in 0..=255u8 {
            for cr in 0..=255u8 {
                let (p, q) = (a.to_rgb(128, cb, cr), b.to_rgb(128, cb, cr));
                assert!(p[0] == q[0] && p[1].abs_diff(q[1]) <= 1 && p[2] == q[2]);
                differing += (p != q) as usize;
            }
        }
        assert!(differing > 0);
    }
}
