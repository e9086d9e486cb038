//! Fused multiply-add (a·b + c rounded once) with the same result on every platform.
//!
//! OpenCV's AVX2 filters and glibc's `exp` fuse products into sums, and the ports of them must
//! too. Rust's `mul_add` is exact by definition, but where the CPU feature is not compiled in it
//! calls the C library's `fma`/`fmaf`, and MinGW's `fmaf` goes through a double sum that rounds
//! twice: a Windows build then differed from the reference in a few defocus_blur and snow values.
//! Here the instruction is used where the CPU has it, else the `libm` crate's correctly rounded
//! software version.

/// a·b + c rounded once, in float32.
#[inline]
pub fn fma_f32(a: f32, b: f32, c: f32) -> f32 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has FMA.
            return unsafe { instruction_f32(a, b, c) };
        }
        libm::fmaf(a, b, c)
    }
    // Every other target this builds for (aarch64) has the instruction in its base set.
    #[cfg(not(target_arch = "x86_64"))]
    a.mul_add(b, c)
}

/// a·b + c rounded once, in float64.
#[inline]
pub fn fma_f64(a: f64, b: f64, c: f64) -> f64 {
    #[cfg(target_arch = "x86_64")]
    {
        if std::arch::is_x86_feature_detected!("fma") {
            // SAFETY: the CPU has FMA.
            return unsafe { instruction_f64(a, b, c) };
        }
        libm::fma(a, b, c)
    }
    #[cfg(not(target_arch = "x86_64"))]
    a.mul_add(b, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn instruction_f32(a: f32, b: f32, c: f32) -> f32 {
    a.mul_add(b, c)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "fma")]
fn instruction_f64(a: f64, b: f64, c: f64) -> f64 {
    a.mul_add(b, c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The low bits of the product survive the sum: (1 + 2^-12)² − 1 = 2^-11 + 2^-24 exactly,
    /// which rounding the product first would lose.
    #[test]
    fn rounds_once() {
        let x = 1.0f32 + 2f32.powi(-12);
        assert_eq!(fma_f32(x, x, -1.0), 2f32.powi(-11) + 2f32.powi(-24));
        assert_ne!(x * x - 1.0, 2f32.powi(-11) + 2f32.powi(-24));
        let y = 1.0f64 + 2f64.powi(-30);
        assert_eq!(fma_f64(y, y, -1.0), 2f64.powi(-29) + 2f64.powi(-60));
        assert_ne!(y * y - 1.0, 2f64.powi(-29) + 2f64.powi(-60));
    }

    /// The software path is what a CPU without FMA runs: it must equal the instruction.
    #[cfg(target_arch = "x86_64")]
    #[test]
    fn software_equals_the_instruction() {
        if !std::arch::is_x86_feature_detected!("fma") {
            return;
        }
        let mut state = 1u64;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state
        };
        for _ in 0..1_000_000 {
            let (a, b, c) = (next(), next(), next());
            let f = |w: u64| f32::from_bits((w >> 32) as u32 & 0xbfff_ffff);
            let (x, y, z) = (f(a), f(b), f(c));
            // SAFETY: checked above.
            let hw = unsafe { instruction_f32(x, y, z) };
            let sw = libm::fmaf(x, y, z);
            assert!(hw.to_bits() == sw.to_bits() || (hw.is_nan() && sw.is_nan()));
            let (x, y, z) = (f64::from_bits(a), f64::from_bits(b), f64::from_bits(c));
            let hw = unsafe { instruction_f64(x, y, z) };
            let sw = libm::fma(x, y, z);
            assert!(hw.to_bits() == sw.to_bits() || (hw.is_nan() && sw.is_nan()));
        }
    }
}
