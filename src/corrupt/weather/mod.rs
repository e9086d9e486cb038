//! Weather corruptions: snow, frost, fog and brightness laid over the scene.

mod snow;

pub use snow::Snow;
