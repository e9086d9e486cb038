//! Weather corruptions: snow, frost, fog and brightness laid over the image.

mod frost;

pub use frost::Frost;
