//! `ln`, `sin`, `cos`, `powf`, `atan` and `atan2` with bits that do not depend on the
//! vendor's C library.
//!
//! Rust's float methods call the platform's C library, and their last bit differs between
//! glibc, Apple's libm and Windows' CRT. On Linux with glibc these are glibc's own: the library
//! numpy, SciPy and OpenCV used for the reference data, so the outputs stay exact there.
//! Elsewhere they are the `libm` crate's, pure Rust, so a Windows or macOS build computes what
//! the Windows build tested under Wine computes (`scripts/windows-test.sh`, where every parity
//! suite passes), whichever C runtime the machine has. Their last bit differs from glibc's for a
//! few percent of arguments (7 % of `log`'s on (0, 1)), which moves an output byte only where a
//! value falls within about 1e-14 of a rounding boundary. `exp`, on which every kernel weight
//! depends, and `hypot` are glibc's everywhere (`ops::exp`, `ops::hypot`).

/// The functions, as methods, called where `f64`'s and `f32`'s own would be.
pub trait Portable {
    fn portable_ln(self) -> Self;
    fn portable_sin(self) -> Self;
    fn portable_cos(self) -> Self;
    fn portable_powf(self, n: Self) -> Self;
    fn portable_atan(self) -> Self;
    fn portable_atan2(self, other: Self) -> Self;
}

/// glibc's own on Linux.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
macro_rules! portable_impl {
    ($t:ty, $($libm:ident),*) => {
        impl Portable for $t {
            fn portable_ln(self) -> $t {
                self.ln()
            }
            fn portable_sin(self) -> $t {
                self.sin()
            }
            fn portable_cos(self) -> $t {
                self.cos()
            }
            fn portable_powf(self, n: $t) -> $t {
                self.powf(n)
            }
            fn portable_atan(self) -> $t {
                self.atan()
            }
            fn portable_atan2(self, other: $t) -> $t {
                self.atan2(other)
            }
        }
    };
}

/// The `libm` crate's elsewhere.
#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
macro_rules! portable_impl {
    ($t:ty, $log:ident, $sin:ident, $cos:ident, $pow:ident, $atan:ident, $atan2:ident) => {
        impl Portable for $t {
            fn portable_ln(self) -> $t {
                libm::$log(self)
            }
            fn portable_sin(self) -> $t {
                libm::$sin(self)
            }
            fn portable_cos(self) -> $t {
                libm::$cos(self)
            }
            fn portable_powf(self, n: $t) -> $t {
                libm::$pow(self, n)
            }
            fn portable_atan(self) -> $t {
                libm::$atan(self)
            }
            fn portable_atan2(self, other: $t) -> $t {
                libm::$atan2(self, other)
            }
        }
    };
}

portable_impl!(f64, log, sin, cos, pow, atan, atan2);
portable_impl!(f32, logf, sinf, cosf, powf, atanf, atan2f);
