//! The ImageNet-C corruptions: the functions of hendrycks/robustness `make_imagenet_c.py`
//! (spec imagenet-c-p.md §2), one file per corruption named as the reference names it — the 15
//! common ones (noise: gaussian, shot, impulse; blur: defocus, glass, motion, zoom; weather: snow,
//! frost, fog, brightness; digital: contrast, elastic_transform, pixelate, jpeg_compression) and
//! the 4 extra ones (speckle_noise, gaussian_blur, spatter, saturate). Inputs are 8-bit RGB
//! images; results end in the reference's truncating `uint8` cast. Other suites that run the same
//! functions with other parameter tables (CIFAR-C, Tiny-ImageNet-C) use these.

mod brightness;
mod contrast;
mod defocus_blur;
mod elastic_transform;
mod fog;
mod frost;
mod gaussian_blur;
mod gaussian_noise;
mod glass_blur;
mod impulse_noise;
mod jpeg_compression;
mod motion_blur;
mod pixelate;
mod saturate;
mod shot_noise;
pub(crate) mod snow;
mod spatter;
mod speckle_noise;
mod zoom_blur;

pub use brightness::Brightness;
pub use contrast::Contrast;
pub use defocus_blur::DefocusBlur;
pub use elastic_transform::{displace, ElasticParams, ElasticTransform};
pub use fog::Fog;
pub use frost::Frost;
pub use gaussian_blur::GaussianBlur;
pub use gaussian_noise::GaussianNoise;
pub use glass_blur::GlassBlur;
pub use impulse_noise::ImpulseNoise;
pub use jpeg_compression::JpegCompression;
pub use motion_blur::MotionBlur;
pub use pixelate::Pixelate;
pub use saturate::Saturate;
pub use shot_noise::ShotNoise;
pub use snow::Snow;
pub use spatter::{Liquid, Spatter};
pub use speckle_noise::SpeckleNoise;
pub use zoom_blur::{Arange, ZoomBlur};
