//! Dataset images decoded as the reference decodes them: Pillow's `Image.open(path)` followed by
//! `convert('RGB')`. JPEGs go through the project's libjpeg-exact decoder with the suite's profile
//! (IJG 9b for ImageNet-C's Pillow 5.0.0), gray JPEGs replicated to three channels as `convert`
//! does, CMYK and YCCK JPEGs through Pillow's CMYK → RGB conversion; other formats through
//! [`crate::io`]'s PIL-compatible conversion.
//!
//! A header claiming more pixels than Pillow itself opens (its decompression-bomb limit,
//! 2 × 89,478,485) is refused before anything is allocated.

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use std::path::Path;

/// Pillow's `Image.MAX_IMAGE_PIXELS` doubled: past this, `Image.open` raises
/// `DecompressionBombError`.
pub const MAX_PIXELS: u64 = 2 * 89_478_485;

/// `bytes` (the file at `path`, named in errors) as 8-bit RGB.
pub fn decode_rgb(path: &Path, bytes: &[u8], profile: jpeg::Profile) -> Result<Image> {
    decode_as_opened(path, bytes, profile).map(to_rgb)
}

/// `bytes` as Pillow's `Image.open` holds it: a JPEG as gray, RGB or CMYK (1, 3 or 4 channels);
/// other formats already converted to RGB (their modes are not kept).
pub fn decode_as_opened(path: &Path, bytes: &[u8], profile: jpeg::Profile) -> Result<Image> {
    if bytes.is_empty() {
        return Err(Error::file(path, "empty file, not an image"));
    }
    if bytes.starts_with(&[0xff, 0xd8]) {
        let (width, height) =
            jpeg_size(bytes).ok_or_else(|| Error::file(path, "JPEG without a frame header"))?;
        check_pixels(path, width, height)?;
        return jpeg::decode(bytes, profile)
            .map_err(|e| Error::file(path, format!("cannot decode image: {e}")));
    }
    let reader = image::ImageReader::new(std::io::Cursor::new(bytes))
        .with_guessed_format()
        .map_err(|e| Error::file(path, format!("cannot read image: {e}")))?;
    if reader.format().is_none() {
        return Err(Error::file(path, "not an image (unknown format)"));
    }
    let (width, height) = reader
        .into_dimensions()
        .map_err(|e| Error::file(path, format!("cannot decode image: {e}")))?;
    check_pixels(path, width as usize, height as usize)?;
    crate::io::decode_rgb(path, bytes)
}

fn check_pixels(path: &Path, width: usize, height: usize) -> Result<()> {
    let pixels = width as u64 * height as u64;
    if pixels > MAX_PIXELS {
        return Err(Error::file(
            path,
            format!(
                "{width}×{height} pixels ({pixels}) exceeds the limit of {MAX_PIXELS} \
                 (Pillow refuses such a file as a decompression bomb)"
            ),
        ));
    }
    Ok(())
}

/// The frame size of a JPEG from its first SOF marker, read without decoding.
fn jpeg_size(bytes: &[u8]) -> Option<(usize, usize)> {
    let mut at = 2;
    while at + 4 <= bytes.len() {
        if bytes[at] != 0xff {
            return None;
        }
        let marker = bytes[at + 1];
        if marker == 0xff {
            at += 1;
            continue;
        }
        let length = u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]) as usize;
        let is_sof = matches!(marker, 0xc0..=0xcf) && !matches!(marker, 0xc4 | 0xc8 | 0xcc);
        if is_sof {
            let header = bytes.get(at + 4..at + 9)?;
            let height = u16::from_be_bytes([header[1], header[2]]) as usize;
            let width = u16::from_be_bytes([header[3], header[4]]) as usize;
            return Some((width, height));
        }
        at += 2 + length;
    }
    None
}

/// Pillow's `convert('RGB')` of an image [`decode_as_opened`] made.
pub fn to_rgb(image: Image) -> Image {
    match image.channels {
        1 => gray_to_rgb(&image),
        4 => cmyk_to_rgb(&image),
        _ => image,
    }
}

fn gray_to_rgb(gray: &Image) -> Image {
    Image {
        width: gray.width,
        height: gray.height,
        channels: 3,
        data: gray.data.iter().flat_map(|&v| [v, v, v]).collect(),
    }
}

/// Pillow's `convert('RGB')` of a CMYK image (`cmyk2rgb` in libImaging/Convert.c): each of R, G,
/// B is (255 − K) less the colour's share of it, c·(255 − K)/255 rounded by Pillow's
/// shift-based division.
fn cmyk_to_rgb(cmyk: &Image) -> Image {
    let muldiv255 = |a: u32, b: u32| {
        let t = a * b + 128;
        ((t >> 8) + t) >> 8
    };
    let data = cmyk
        .data
        .chunks_exact(4)
        .flat_map(|px| {
            let nk = 255 - u32::from(px[3]);
            // Never negative: the share is at most nk.
            [0, 1, 2].map(|i| (nk - muldiv255(u32::from(px[i]), nk)) as u8)
        })
        .collect();
    Image {
        width: cmyk.width,
        height: cmyk.height,
        channels: 3,
        data,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg_of(image: &Image) -> Vec<u8> {
        jpeg::encode(image, 90, jpeg::Profile::Ijg9, false).unwrap()
    }

    #[test]
    fn gray_jpeg_becomes_three_equal_channels() {
        let gray = Image::new(9, 5, 1, (0..45).map(|v| (v * 5) as u8).collect()).unwrap();
        let bytes = jpeg_of(&gray);
        let rgb = decode_rgb(Path::new("g.jpg"), &bytes, jpeg::Profile::Ijg9).unwrap();
        let decoded = jpeg::decode(&bytes, jpeg::Profile::Ijg9).unwrap();
        assert_eq!(rgb.channels, 3);
        for (px, &v) in rgb.data.chunks_exact(3).zip(&decoded.data) {
            assert_eq!(px, [v, v, v]);
        }
    }

    #[test]
    fn cmyk_converts_as_pillow_5_does() {
        // (C, M, Y, K) → (R, G, B) from Pillow 5.0.0's `Image.new('CMYK', ...).convert('RGB')`.
        let vectors: [([u8; 4], [u8; 3]); 10] = [
            ([0, 0, 0, 0], [255, 255, 255]),
            ([255, 255, 255, 255], [0, 0, 0]),
            ([255, 0, 0, 0], [0, 255, 255]),
            ([0, 128, 255, 1], [254, 127, 0]),
            ([1, 2, 3, 254], [1, 1, 1]),
            ([200, 100, 50, 77], [38, 108, 143]),
            ([128, 128, 128, 128], [63, 63, 63]),
            ([17, 240, 99, 200], [51, 3, 34]),
            ([255, 255, 255, 0], [0, 0, 0]),
            ([3, 250, 129, 127], [126, 3, 63]),
        ];
        let cmyk = Image::new(10, 1, 4, vectors.iter().flat_map(|v| v.0).collect()).unwrap();
        let rgb = cmyk_to_rgb(&cmyk);
        assert_eq!(rgb.channels, 3);
        for (px, (_, want)) in rgb.data.chunks_exact(3).zip(&vectors) {
            assert_eq!(px, want);
        }
    }

    #[test]
    fn the_frame_size_is_read_from_the_header() {
        let image = Image::zeros(37, 23, 3);
        assert_eq!(jpeg_size(&jpeg_of(&image)), Some((37, 23)));
    }

    #[test]
    fn a_decompression_bomb_is_refused_before_decoding() {
        // A valid small JPEG whose SOF claims 65,000 × 65,000 pixels.
        let mut bytes = jpeg_of(&Image::zeros(8, 8, 3));
        let sof = (0..bytes.len() - 1)
            .find(|&i| bytes[i] == 0xff && bytes[i + 1] == 0xc0)
            .unwrap();
        bytes[sof + 5..sof + 9].copy_from_slice(&[0xfd, 0xe8, 0xfd, 0xe8]);
        let message = decode_rgb(Path::new("bomb.jpg"), &bytes, jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("bomb.jpg"), "{message}");
        assert!(message.contains("65000×65000"), "{message}");
        assert!(message.contains("decompression bomb"), "{message}");
    }

    #[test]
    fn empty_and_unknown_files_are_named() {
        let message = decode_rgb(Path::new("zero.jpg"), b"", jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("zero.jpg: empty file"), "{message}");
        let message = decode_rgb(Path::new("notes.txt"), b"hello, world", jpeg::Profile::Ijg9)
            .unwrap_err()
            .to_string();
        assert!(message.contains("notes.txt: not an image"), "{message}");
    }
}
