//! RGB ↔ YCbCr in 16-bit fixed point, as libjpeg's `jccolor.c` (`rgb_ycc_convert`) and
//! `jdcolor.c` (`ycc_rgb_convert`) compute it. The two libraries differ only in the constants:
//! libjpeg 9 uses the exact JFIF/sYCC factors (0.168735892, ...), libjpeg-turbo the rounded
//! five-digit ones (0.16874, ...). The forward results coincide; decoding moves some green
//! values by one.

use super::Profile;

const SCALE_BITS: u32 = 16;
const ONE_HALF: i32 = 1 << (SCALE_BITS - 1);

/// `x` in 16-bit fixed point, rounded (libjpeg's `FIX` in the colour modules).
const fn fix(x: f64) -> i32 {
    (x * 65536.0 + 0.5) as i32
}

/// One library's conversion factors. The products are computed, not looked up, so that a row
/// converts as vector operations; the sums are the same integers libjpeg's tables add.
pub struct ColorFactors {
    /// Cb from R, Cb from G, Cr from G, Cr from B, G from Cr, G from Cb.
    cb_r: i32,
    cb_g: i32,
    cr_g: i32,
    cr_b: i32,
    g_cr: i32,
    g_cb: i32,
}

impl ColorFactors {
    /// The factors of `profile`.
    pub fn get(profile: Profile) -> &'static ColorFactors {
        const IJG9: ColorFactors = ColorFactors {
            cb_r: fix(0.168735892),
            cb_g: fix(0.331264108),
            cr_g: fix(0.418687589),
            cr_b: fix(0.081312411),
            g_cr: fix(0.714136286),
            g_cb: fix(0.344136286),
        };
        const TURBO: ColorFactors = ColorFactors {
            cb_r: fix(0.16874),
            cb_g: fix(0.33126),
            cr_g: fix(0.41869),
            cr_b: fix(0.08131),
            g_cr: fix(0.71414),
            g_cb: fix(0.34414),
        };
        match profile {
            Profile::Ijg9 => &IJG9,
            Profile::Turbo => &TURBO,
        }
    }

    /// One pixel RGB → (Y, Cb, Cr). The sums never leave 0..=255·2^16, so no clamping is needed.
    #[inline(always)]
    pub fn to_ycc(&self, r: u8, g: u8, b: u8) -> (u8, u8, u8) {
        let (r, g, b) = (i32::from(r), i32::from(g), i32::from(b));
        // Cb's and Cr's rounding is ½ − ε, with the 128 offset.
        let offset = (128 << SCALE_BITS) + ONE_HALF - 1;
        let y = (fix(0.299) * r + fix(0.587) * g + (fix(0.114) * b + ONE_HALF)) >> SCALE_BITS;
        let cb = (-self.cb_r * r + -self.cb_g * g + (fix(0.5) * b + offset)) >> SCALE_BITS;
        let cr = ((fix(0.5) * r + offset) + -self.cr_g * g + -self.cr_b * b) >> SCALE_BITS;
        (y as u8, cb as u8, cr as u8)
    }

    /// One pixel (Y, Cb, Cr) → RGB, clamped to 0..=255.
    #[inline(always)]
    pub fn to_rgb(&self, y: u8, cb: u8, cr: u8) -> [u8; 3] {
        let (y, cb, cr) = (i32::from(y), i32::from(cb) - 128, i32::from(cr) - 128);
        let clamp = |v: i32| v.clamp(0, 255) as u8;
        let red = (fix(1.402) * cr + ONE_HALF) >> SCALE_BITS;
        let blue = (fix(1.772) * cb + ONE_HALF) >> SCALE_BITS;
        let green = ((-self.g_cb * cb + ONE_HALF) + -self.g_cr * cr) >> SCALE_BITS;
        [clamp(y + red), clamp(y + green), clamp(y + blue)]
    }

    /// A row of interleaved RGB to Y, Cb and Cr rows.
    #[inline(always)]
    pub fn row_to_ycc(&self, rgb: &[u8], y: &mut [u8], cb: &mut [u8], cr: &mut [u8]) {
        let rows = rgb.chunks_exact(3).zip(y).zip(cb).zip(cr);
        for (((px, y), cb), cr) in rows {
            (*y, *cb, *cr) = self.to_ycc(px[0], px[1], px[2]);
        }
    }

    /// Y, Cb and Cr rows to a row of interleaved RGB.
    #[inline(always)]
    pub fn row_to_rgb(&self, y: &[u8], cb: &[u8], cr: &[u8], rgb: &mut [u8]) {
        let rows = rgb.chunks_exact_mut(3).zip(y).zip(cb).zip(cr);
        for (((px, &y), &cb), &cr) in rows {
            px.copy_from_slice(&self.to_rgb(y, cb, cr));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn computed_products_match_libjpegs_tables() {
        // `rgb_ycc_start` / `build_ycc_rgb_table` tabulate each product per value, with the
        // roundings folded into B's (Y, Cb), R's (Cr) and Cb's (G) entries.
        for profile in [Profile::Ijg9, Profile::Turbo] {
            let f = ColorFactors::get(profile);
            let offset = (128 << SCALE_BITS) + ONE_HALF - 1;
            let y = |v: i32| [fix(0.299) * v, fix(0.587) * v, fix(0.114) * v + ONE_HALF];
            let cb = |v: i32| [-f.cb_r * v, -f.cb_g * v, fix(0.5) * v + offset];
            let cr = |v: i32| [fix(0.5) * v + offset, -f.cr_g * v, -f.cr_b * v];
            for r in (0..=255u8).step_by(3) {
                for g in 0..=255u8 {
                    for b in (0..=255u8).step_by(5) {
                        let (ri, gi, bi) = (i32::from(r), i32::from(g), i32::from(b));
                        let sum = |t: &dyn Fn(i32) -> [i32; 3]| {
                            ((t(ri)[0] + t(gi)[1] + t(bi)[2]) >> SCALE_BITS) as u8
                        };
                        assert_eq!(f.to_ycc(r, g, b), (sum(&y), sum(&cb), sum(&cr)));
                    }
                }
            }
            for cb in 0..=255u8 {
                for cr in 0..=255u8 {
                    let (x, z) = (i32::from(cb) - 128, i32::from(cr) - 128);
                    let cr_r = (fix(1.402) * z + ONE_HALF) >> SCALE_BITS;
                    let cb_b = (fix(1.772) * x + ONE_HALF) >> SCALE_BITS;
                    let g = ((-f.g_cb * x + ONE_HALF) + -f.g_cr * z) >> SCALE_BITS;
                    for y in [0u8, 1, 100, 128, 254, 255] {
                        let yi = i32::from(y);
                        let expected =
                            [yi + cr_r, yi + g, yi + cb_b].map(|v| v.clamp(0, 255) as u8);
                        assert_eq!(f.to_rgb(y, cb, cr), expected);
                    }
                }
            }
        }
    }

    #[test]
    fn grays_map_to_neutral_chroma_and_back() {
        for profile in [Profile::Ijg9, Profile::Turbo] {
            let t = ColorFactors::get(profile);
            for v in [0u8, 1, 127, 128, 200, 255] {
                assert_eq!(t.to_ycc(v, v, v), (v, 128, 128));
                assert_eq!(t.to_rgb(v, 128, 128), [v, v, v]);
            }
        }
    }

    #[test]
    fn primaries_follow_jfif() {
        let t = ColorFactors::get(Profile::Turbo);
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
            ColorFactors::get(Profile::Ijg9),
            ColorFactors::get(Profile::Turbo),
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
