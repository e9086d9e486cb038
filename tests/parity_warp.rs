//! ImageNet-C `elastic_transform` and `spatter` against the reference outputs (numpy-seeded).

mod common;

use blight::corrupt::Context;

#[test]
fn elastic_transform_matches_reference() {
    common::assert_parity("elastic_transform", &Context::default());
}

#[test]
fn spatter_matches_reference() {
    common::assert_parity("spatter", &Context::default());
}
