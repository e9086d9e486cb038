//! blight: builds and scores image-corruption robustness benchmarks.
//!
//! The library corrupts images exactly as the reference code of ImageNet-C (and, by suite, its
//! relatives) does, through one random-source trait so a run can replay numpy's stream for parity
//! or use fast per-sample streams for datasets.

pub mod assets;
pub mod bench;
pub mod builtin;
pub mod corrupt;
pub mod error;
pub mod eval;
pub mod generate;
pub mod generate_p;
pub mod io;
pub mod mnist_c;
pub mod ops;
pub mod perturb;
pub mod prep;
pub mod preview;
pub mod raster;
pub mod rng;
pub mod simd;
pub mod sink;
pub mod source;
pub mod suite;
pub mod verify;

pub use error::{Error, Result};
pub use raster::Image;
