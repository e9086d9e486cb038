//! Exact building blocks shared by the corruptions, each matching one reference library function.

pub mod disk;
pub mod filter2d;
pub mod gaussian;
pub mod hsv;
pub mod jpeg;
pub mod motion;
pub mod numeric;
pub mod plasma;
pub mod resample;
pub mod zoom;
