//! Weather corruptions: brightness and atmospheric effects laid over the image.

mod brightness;
mod fog;

pub use brightness::Brightness;
pub use fog::Fog;

mod snow;

pub use snow::Snow;

mod frost;

pub use frost::Frost;
