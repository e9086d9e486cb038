//! The natural exponential, with glibc's result on every platform.
//!
//! The reference data were made with numpy, SciPy and OpenCV on x86-64 Linux, whose `exp` is
//! glibc's (2.28 and later; the variant built for FMA, which glibc picks on every CPU with FMA
//! and AVX2). Gaussian, disk and motion-blur kernel weights and Poisson limits come from `exp`,
//! and a kernel weight one unit in the last place off can move an output byte by one. Rust's
//! `f64::exp` calls the platform's C library, whose last bit differs between glibc, Apple's
//! libm and Windows' CRT, so the blurs would differ from the reference off Linux. This is a
//! port of glibc's algorithm, with its constants, table (`exp_table.rs`, made by
//! `scripts/make_exp_table.py`) and fused multiply-adds, so it gives glibc's bits everywhere:
//! a test compares it with the C library's `exp` on Linux over millions of arguments.
//!
//! Method: x = k·ln2/128 + r with |r| ≤ ln2/256; exp(x) = 2^(k/128)·exp(r), where 2^(k/128) is
//! a table entry H·(1 + T) scaled by 2^(k div 128) through the exponent bits, and exp(r) − 1 is
//! a degree-5 polynomial. Arguments whose result may overflow or underflow take a careful path.

use super::exp_table::TABLE;

/// 128/ln2 (log2(e) rounded to a double, times 128).
const INV_LN2_N: f64 = std::f64::consts::LOG2_E * 128.0;
/// −ln2/128 in two parts: the high one ends in 17 zero bits, so k·NEG_LN2_HI_N is exact.
const NEG_LN2_HI_N: f64 = -0.005415212348111709;
const NEG_LN2_LO_N: f64 = -1.2864023111638346e-14;
/// 1.5·2^52: adding it rounds to an integer held in the low mantissa bits.
const SHIFT: f64 = 6755399441055744.0;
/// exp(r) ≈ 1 + r + C2·r² + C3·r³ + C4·r⁴ + C5·r⁵ on |r| ≤ ln2/256.
const C2: f64 = 0.49999999999996786;
const C3: f64 = 0.16666666666665886;
const C4: f64 = 0.0416666808410674;
const C5: f64 = 0.008333335853059549;

/// Sign and exponent bits of `x` (the top 12 of 64).
fn top12(x: f64) -> u32 {
    (x.to_bits() >> 52) as u32
}

/// e^x, equal bit for bit to glibc's `exp` on x86-64 with FMA.
pub fn exp(x: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has FMA.
            return unsafe { exp_fma_instruction(x) };
        }
        // The software fused multiply-add that `ops::fma` falls back to, called directly: the
        // CPU check is made once here, not again inside each of the kernel's six products.
        exp_with(x, libm::fma)
    }
    #[cfg(not(target_arch = "x86_64"))]
    exp_with(x, crate::ops::fma::fma_f64)
}

/// `exp_with` compiled where `mul_add` is one instruction.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn exp_fma_instruction(x: f64) -> f64 {
    exp_with(x, f64::mul_add)
}

/// The algorithm, with `fma(a, b, c)` = a·b + c rounded once wherever glibc's FMA build fuses a
/// product into a sum.
#[inline(always)]
fn exp_with(x: f64, fma: impl Fn(f64, f64, f64) -> f64) -> f64 {
    const TOP_TINY: u32 = 0x3c9; // top12(2^-54)
    const TOP_512: u32 = 0x408;
    const TOP_1024: u32 = 0x409;
    let mut abstop = top12(x) & 0x7ff;
    if abstop.wrapping_sub(TOP_TINY) >= TOP_512 - TOP_TINY {
        if abstop < TOP_TINY {
            // |x| < 2^-54: 1 + x rounds as exp(x) does.
            return 1.0 + x;
        }
        if abstop >= TOP_1024 {
            if x == f64::NEG_INFINITY {
                return 0.0;
            }
            if abstop >= 0x7ff {
                return 1.0 + x; // +inf or NaN
            }
            return if x.is_sign_negative() {
                0.0
            } else {
                f64::INFINITY
            };
        }
        // 512 ≤ |x| < 1024: the result may leave the normal range; see `near_the_limits`.
        abstop = 0;
    }
    let kd = fma(INV_LN2_N, x, SHIFT);
    let ki = kd.to_bits();
    let kd = kd - SHIFT;
    let r = fma(kd, NEG_LN2_LO_N, fma(kd, NEG_LN2_HI_N, x));
    let idx = 2 * (ki % 128) as usize;
    let top = ki << 45;
    let tail = f64::from_bits(TABLE[idx]);
    let sbits = TABLE[idx + 1].wrapping_add(top);
    let r2 = r * r;
    let tmp = fma(r2 * r2, fma(r, C5, C4), fma(r2, fma(r, C3, C2), tail + r));
    if abstop == 0 {
        return near_the_limits(tmp, sbits, ki, &fma);
    }
    let scale = f64::from_bits(sbits);
    fma(scale, tmp, scale)
}

/// scale·(1 + tmp) where scale's exponent (in `sbits`) may have wrapped past the double range:
/// k > 0 may overflow, k < 0 may underflow into the subnormals, rounded once as glibc does.
#[inline(always)]
fn near_the_limits(tmp: f64, sbits: u64, ki: u64, fma: &impl Fn(f64, f64, f64) -> f64) -> f64 {
    if ki & 0x8000_0000 == 0 {
        let scale = f64::from_bits(sbits.wrapping_sub(1009 << 52));
        return f64::from_bits(0x7f00_0000_0000_0000) * fma(scale, tmp, scale); // 2^1009
    }
    // Here glibc's build rounds the product: it is also used in the branch below, and its
    // compiler fuses a product into sums only within one basic block.
    let scale = f64::from_bits(sbits.wrapping_add(1022 << 52));
    let product = scale * tmp;
    let mut y = scale + product;
    if y < 1.0 {
        // Round to the subnormal precision before scaling, so the result is rounded once.
        let lo = scale - y + product;
        let hi = 1.0 + y;
        let lo = 1.0 - hi + y + lo;
        y = (hi + lo) - 1.0;
    }
    f64::from_bits(0x0010_0000_0000_0000) * y // 2^-1022
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64: a cheap, well-spread stream of test arguments.
    #[cfg(target_arch = "x86_64")]
    fn stream(mut state: u64) -> impl FnMut() -> u64 {
        move || {
            state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = state;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    /// On x86-64 Linux the C library is glibc, and this CPU class has FMA: the port must give
    /// its bits for every argument, over the whole range and densely where the kernels and
    /// Poisson limits live (|x| < 64), plus the edges of every special path.
    #[cfg(all(target_os = "linux", target_env = "gnu", target_arch = "x86_64"))]
    #[test]
    fn equals_glibc() {
        if !std::arch::is_x86_feature_detected!("fma") {
            eprintln!("skipped: glibc's exp without FMA is a different build");
            return;
        }
        let mut next = stream(7);
        let mut checked = 0u64;
        let mut check = |x: f64| {
            let (ours, libc) = (exp(x), x.exp());
            assert!(
                ours.to_bits() == libc.to_bits() || (ours.is_nan() && libc.is_nan()),
                "exp({x:e}) = {ours:e}, glibc {libc:e}"
            );
            checked += 1;
        };
        for _ in 0..2_000_000 {
            let u = next();
            // Uniform in (-64, 64), and any finite or special bit pattern.
            check(((u >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 128.0);
            check(f64::from_bits(next()));
            // Gaussian-kernel arguments: −i²/(2σ²) for small integers and fractional σ.
            let (i, sigma) = ((u % 64) as f64, ((u >> 8) % 4000) as f64 / 100.0 + 0.01);
            check(-(i * i) / (2.0 * sigma * sigma));
        }
        for x in [
            0.0,
            -0.0,
            1.0,
            -1.0,
            2f64.powi(-54),
            -(2f64.powi(-54)),
            2f64.powi(-55),
            512.0,
            -512.0,
            708.0,
            709.78,
            709.782712893384,
            709.79,
            1024.0,
            -708.4,
            -708.5,
            -744.44,
            -745.13,
            -745.2,
            -1024.0,
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::NAN,
            f64::MIN_POSITIVE,
            f64::MAX,
            f64::MIN,
        ] {
            check(x);
            check(x.next_up());
            check(x.next_down());
        }
        // The subnormal results, where rounding needs the careful path.
        let mut x = -745.2;
        while x < -700.0 {
            check(x);
            x += 0.0037;
        }
        assert!(checked > 6_000_000);
    }

    #[test]
    fn known_values() {
        assert_eq!(exp(0.0), 1.0);
        assert_eq!(exp(1.0), std::f64::consts::E);
        assert_eq!(exp(f64::NEG_INFINITY), 0.0);
        assert_eq!(exp(f64::INFINITY), f64::INFINITY);
        assert!(exp(f64::NAN).is_nan());
        assert_eq!(exp(710.0), f64::INFINITY);
        assert_eq!(exp(-746.0), 0.0);
        assert!(exp(-745.0) > 0.0 && exp(-745.0) < f64::MIN_POSITIVE);
        assert_eq!(exp(2f64.ln()), 2.0);
    }

    /// The software and instruction paths fuse the same products, so they agree on every
    /// argument (what a CPU without FMA computes).
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn software_fma_path_equals_the_instruction_path() {
        if !std::arch::is_x86_feature_detected!("fma") {
            return;
        }
        let mut next = stream(11);
        for _ in 0..200_000 {
            for x in [
                ((next() >> 11) as f64 / (1u64 << 53) as f64 - 0.5) * 1500.0,
                f64::from_bits(next()),
            ] {
                let a = exp_with(x, libm::fma);
                // SAFETY: checked above.
                let b = unsafe { exp_fma_instruction(x) };
                assert!(
                    a.to_bits() == b.to_bits() || (a.is_nan() && b.is_nan()),
                    "{x:e}"
                );
            }
        }
    }
}
