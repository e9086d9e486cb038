//! The built-in default inputs: a 224×224 photo compiled into the binary (see assets/README.md),
//! so `blight preview` and `blight bench` work on a fresh machine with no data, and a drawn 28×28
//! digit for benchmarking the MNIST-C suite.

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

/// A 28×28 one-channel "0": a white elliptical ring with soft edges on black, drawn the way MNIST
/// digits look (about a fifth of the pixels inked), for benchmarks of the MNIST-C suite.
pub fn digit() -> Image {
    let data = (0..28 * 28)
        .map(|i| {
            let (y, x) = ((i / 28) as f64 - 13.5, (i % 28) as f64 - 13.5);
            // Distance from the ellipse with semi-axes 6 (across) and 9 (down), in pixels.
            let radius = ((x / 6.0).powi(2) + (y / 9.0).powi(2)).sqrt();
            let off_ring = (radius - 1.0).abs() * 7.5;
            (255.0 * (2.0 - off_ring).clamp(0.0, 1.0)) as u8
        })
        .collect();
    Image::new(28, 28, 1, data).expect("gray buffer")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digit_is_a_ring_of_ink() {
        let d = digit();
        let inked = d.data.iter().filter(|&&v| v > 0).count();
        assert!((100..300).contains(&inked), "{inked} inked pixels");
        // Centre and corners blank, the ring's top and side inked.
        assert_eq!(d.data[13 * 28 + 13], 0);
        assert_eq!(d.data[0], 0);
        assert_eq!(d.data[4 * 28 + 13], 255);
        assert_eq!(d.data[13 * 28 + 7], 255);
    }
}
