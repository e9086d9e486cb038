//! Sinks: writers of the reference layouts, each file written atomically and recorded with its
//! checksum for the manifest.

pub mod manifest;
pub mod npy;
