//! Weather corruptions: snow, frost, fog and brightness.

mod brightness;
mod fog;
mod frost;
mod snow;

pub use brightness::Brightness;
pub use fog::Fog;
pub use frost::Frost;
pub use snow::Snow;
