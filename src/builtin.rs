//! The built-in default input: a 224×224 photo compiled into the binary (see assets/README.md),
//! so `blight preview` and `blight bench` work on a fresh machine with no data.

use crate::raster::Image;

const ASTRONAUT_PNG: &[u8] = include_bytes!("../assets/astronaut-224.png");

/// The built-in photo, 224×224 RGB.
pub fn photo() -> Image {
    let decoded = image::load_from_memory(ASTRONAUT_PNG)
        .expect("the built-in photo is a valid PNG")
        .to_rgb8();
    let (w, h) = decoded.dimensions();
    Image::new(w as usize, h as usize, 3, decoded.into_raw()).expect("RGB buffer")
}

/// The built-in photo at `size`×`size`, by nearest-neighbour sampling (for benchmarks at other sizes).
pub fn photo_sized(size: usize) -> Image {
    let base = photo();
    if size == base.width {
        return base;
    }
    let mut data = Vec::with_capacity(size * size * 3);
    for y in 0..size {
        let sy = y * base.height / size;
        for x in 0..size {
            let sx = x * base.width / size;
            let at = (sy * base.width + sx) * 3;
            data.extend_from_slice(&base.data[at..at + 3]);
        }
    }
    Image::new(size, size, 3, data).expect("RGB buffer")
}
