//! The four extra (validation) corruptions: speckle noise, gaussian blur, spatter and saturate.

mod spatter;

pub use spatter::Spatter;
