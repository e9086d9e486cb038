//! Exact building blocks shared by the corruptions, each matching one reference library function.

pub mod gaussian;
pub mod jpeg;
pub mod motion;
pub mod numeric;
pub mod zoom;
