//! JPEG encoding and decoding, bit-exact with the libjpeg builds the references ran on.

/// Which libjpeg a JPEG step must match, pixel for pixel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Profile {
    /// IJG libjpeg 9b, bundled by Pillow 5.0.0: the ImageNet-C reference environment.
    #[default]
    Ijg9,
    /// libjpeg-turbo, as current Pillow and OpenCV use it.
    Turbo,
}
