//! jpeg_compression against the ImageNet-C reference outputs (Pillow 5.0.0 = IJG libjpeg 9b).

mod common;

use blight::corrupt::Context;
use blight::ops::jpeg::Profile;

#[test]
fn jpeg_compression_matches_reference() {
    common::assert_parity(
        "jpeg_compression",
        &Context {
            jpeg: Profile::Ijg9,
            ..Default::default()
        },
    );
}
