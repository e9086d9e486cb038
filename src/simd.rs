//! The one CPU dispatch of the crate: which vector instruction set the fast kernels use.
//!
//! The set is detected once per process. `BLIGHT_SIMD=baseline|avx2|avx512` lowers it (never
//! above what the CPU has), so the tests can run every path this machine supports and a user
//! can rule out a suspect one. Every kernel performs the same operations in the same order per
//! value on every path (separate multiply and add, never fused), so all paths give the same bytes.
//!
//! A kernel is written once, generic over its block width or as portable code, and run through
//! [`dispatch`]: the closure is inlined into a function compiled for the chosen set, so its
//! `#[inline(always)]` callees are vectorised for it. Kernels written with explicit intrinsics
//! pick them in the closure's `Isa::Avx512` / `Isa::Avx2` arm, which proves the CPU has them.
//!
//! | CPU | path |
//! |---|---|
//! | x86-64 with AVX-512F and AVX-512DQ (Skylake-SP and later servers, Ice Lake, Zen 4 and later) | `avx512` |
//! | x86-64 with AVX2 (Haswell and later, Zen) | `avx2` |
//! | any other CPU (older x86-64, ARM, ...) | `baseline`: portable Rust, auto-vectorised for the target's default features |

use crate::error::{Error, Result};
use std::sync::OnceLock;

/// An instruction-set level, ordered from least to most capable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Isa {
    Baseline,
    Avx2,
    Avx512,
}

/// The environment variable that lowers the instruction set.
pub const OVERRIDE_VAR: &str = "BLIGHT_SIMD";

impl Isa {
    /// Every level, least capable first.
    pub const ALL: [Isa; 3] = [Isa::Baseline, Isa::Avx2, Isa::Avx512];

    /// The name `BLIGHT_SIMD` takes.
    pub fn name(self) -> &'static str {
        match self {
            Isa::Baseline => "baseline",
            Isa::Avx2 => "avx2",
            Isa::Avx512 => "avx512",
        }
    }

    /// The most capable level this CPU has.
    pub fn detected() -> Isa {
        static DETECTED: OnceLock<Isa> = OnceLock::new();
        *DETECTED.get_or_init(|| {
            #[cfg(target_arch = "x86_64")]
            {
                if std::arch::is_x86_feature_detected!("avx512f")
                    && std::arch::is_x86_feature_detected!("avx512dq")
                {
                    return Isa::Avx512;
                }
                if std::arch::is_x86_feature_detected!("avx2") {
                    return Isa::Avx2;
                }
            }
            Isa::Baseline
        })
    }

    /// The levels this CPU can run, least capable first.
    pub fn supported() -> impl Iterator<Item = Isa> {
        let best = Isa::detected();
        Isa::ALL.into_iter().filter(move |&isa| isa <= best)
    }

    /// The level `BLIGHT_SIMD` asks for, if it is set: an unknown name, or a level above the
    /// CPU's, is an error.
    pub fn requested() -> Result<Option<Isa>> {
        let Some(value) = std::env::var_os(OVERRIDE_VAR) else {
            return Ok(None);
        };
        let value = value.to_string_lossy();
        let isa = Isa::ALL
            .into_iter()
            .find(|isa| isa.name() == value)
            .ok_or_else(|| {
                Error::Invalid(format!(
                    "{OVERRIDE_VAR}={value} is not one of baseline, avx2, avx512"
                ))
            })?;
        if isa > Isa::detected() {
            return Err(Error::Invalid(format!(
                "{OVERRIDE_VAR}={value} asks for more than this CPU has ({})",
                Isa::detected().name()
            )));
        }
        Ok(Some(isa))
    }

    /// The level the kernels use: `BLIGHT_SIMD` where it is valid, else the CPU's best. (The
    /// command line refuses an invalid `BLIGHT_SIMD` up front through [`Isa::requested`].)
    pub fn active() -> Isa {
        static ACTIVE: OnceLock<Isa> = OnceLock::new();
        *ACTIVE.get_or_init(|| {
            Isa::requested()
                .ok()
                .flatten()
                .unwrap_or_else(Isa::detected)
        })
    }
}

/// Runs `kernel` inside a function compiled for the active instruction set and hands it that
/// set. Write the closure `#[inline(always)]` so that it, and the `#[inline(always)]` code it
/// calls, is compiled there.
#[inline(always)]
pub fn dispatch<R>(kernel: impl FnOnce(Isa) -> R) -> R {
    dispatch_at_most(Isa::Avx512, kernel)
}

/// [`dispatch`], but never above `ceiling`: for kernels measured slower with wider vectors.
#[inline(always)]
pub fn dispatch_at_most<R>(ceiling: Isa, kernel: impl FnOnce(Isa) -> R) -> R {
    match Isa::active().min(ceiling) {
        // SAFETY: `active` never exceeds what the CPU reported.
        #[cfg(target_arch = "x86_64")]
        Isa::Avx512 => unsafe { on_avx512(kernel) },
        #[cfg(target_arch = "x86_64")]
        Isa::Avx2 => unsafe { on_avx2(kernel) },
        _ => kernel(Isa::Baseline),
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx512dq")]
unsafe fn on_avx512<R>(kernel: impl FnOnce(Isa) -> R) -> R {
    kernel(Isa::Avx512)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn on_avx2<R>(kernel: impl FnOnce(Isa) -> R) -> R {
    kernel(Isa::Avx2)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn supported_levels_end_at_the_detected_one() {
        let levels: Vec<Isa> = Isa::supported().collect();
        assert_eq!(levels.first(), Some(&Isa::Baseline));
        assert_eq!(levels.last(), Some(&Isa::detected()));
        assert!(Isa::active() <= Isa::detected());
    }

    #[test]
    fn dispatch_hands_the_kernel_the_active_level() {
        assert_eq!(dispatch(|isa| isa), Isa::active());
    }
}
