//! Reading and writing single images, with PIL's `convert('RGB')` semantics on the way in.

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use std::path::Path;

/// Reads a PNG or JPEG file as 8-bit RGB, converting other modes as PIL's `convert('RGB')` does
/// (gray replicated, alpha dropped without compositing, palette expanded, 16-bit samples as
/// Pillow opens them: 16-bit gray clipped to 255, 16-bit colour by its high byte).
pub fn read_rgb(path: &Path) -> Result<Image> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_rgb(path, &bytes)
}

/// [`read_rgb`] of a file's bytes already in memory (`path` names it in errors).
pub fn decode_rgb(path: &Path, bytes: &[u8]) -> Result<Image> {
    let rgb = decode_bytes(path, bytes)?.to_rgb8();
    let (w, h) = rgb.dimensions();
    Image::new(w as usize, h as usize, 3, rgb.into_raw())
}

/// Reads a PNG or JPEG file as one gray channel (colour images through the image crate's luma).
pub fn read_gray(path: &Path) -> Result<Image> {
    let gray = decode_file(path)?.to_luma8();
    let (w, h) = gray.dimensions();
    Image::new(w as usize, h as usize, 1, gray.into_raw())
}

fn decode_file(path: &Path) -> Result<image::DynamicImage> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode_bytes(path, &bytes)
}

fn decode_bytes(path: &Path, bytes: &[u8]) -> Result<image::DynamicImage> {
    let cannot = |e: &dyn std::fmt::Display| Error::file(path, format!("cannot decode image: {e}"));
    refuse_truncated_jpeg(bytes).map_err(|e| cannot(&e))?;
    let image = image::load_from_memory(bytes).map_err(|e| cannot(&e))?;
    Ok(as_pillow_opens(image, is_gray16_png(bytes)))
}

/// Whether `bytes` are a PNG of 16-bit gray samples without an alpha channel (colour type 0 in
/// its header, which the PNG format puts first). The image crate gives such a file an alpha
/// channel when it has a transparent colour (tRNS), so only the header tells it from gray+alpha.
fn is_gray16_png(bytes: &[u8]) -> bool {
    bytes.starts_with(b"\x89PNG\r\n\x1a\n")
        && bytes.get(12..16) == Some(b"IHDR")
        && bytes.get(24..26) == Some(&[16, 0])
}

/// 16-bit samples the way Pillow opens them, before `convert`: a 16-bit gray PNG becomes mode
/// 'I;16' (once 'I'), whose conversion to 'RGB' or 'L' clips values above 255 to 255 (any tRNS
/// transparency is dropped); 16-bit colour and gray+alpha files become 8-bit modes holding each
/// sample's high byte. The image crate would scale all of them by 255/65535 instead.
fn as_pillow_opens(image: image::DynamicImage, gray16: bool) -> image::DynamicImage {
    use image::{DynamicImage as D, ImageBuffer, Luma, LumaA, Rgb, Rgba};
    let high = |v: u16| (v >> 8) as u8;
    let (w, h) = (image.width(), image.height());
    match image {
        D::ImageLuma16(_) | D::ImageLumaA16(_) if gray16 => {
            let gray = image.to_luma16();
            D::ImageLuma8(ImageBuffer::from_fn(w, h, |x, y| {
                Luma([gray.get_pixel(x, y)[0].min(255) as u8])
            }))
        }
        D::ImageLumaA16(la) => D::ImageLumaA8(ImageBuffer::from_fn(w, h, |x, y| {
            LumaA(la.get_pixel(x, y).0.map(high))
        })),
        D::ImageRgb16(rgb) => D::ImageRgb8(ImageBuffer::from_fn(w, h, |x, y| {
            Rgb(rgb.get_pixel(x, y).0.map(high))
        })),
        D::ImageRgba16(rgba) => D::ImageRgba8(ImageBuffer::from_fn(w, h, |x, y| {
            Rgba(rgba.get_pixel(x, y).0.map(high))
        })),
        other => other,
    }
}

/// Pillow refuses a JPEG whose data ends before the image does ("image file is truncated"),
/// while the image crate fills the missing rows with gray. blight's own decoder stops at the
/// same point, so it reads the file first; its other verdicts (processes it does not handle,
/// damaged data that libjpeg only warns about) are left to the image crate, which decodes.
fn refuse_truncated_jpeg(bytes: &[u8]) -> std::result::Result<(), jpeg::JpegError> {
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return Ok(());
    }
    match jpeg::decode_luma(bytes) {
        Err(e @ jpeg::JpegError::Truncated(_)) => Err(e),
        _ => Ok(()),
    }
}

/// Writes an image as PNG (lossless), atomically: a temporary file beside the target is renamed
/// into place only once complete, so a failure never leaves a partial file.
pub fn write_png(path: &Path, image: &Image) -> Result<()> {
    let bytes = encode_png(image).map_err(|e| Error::file(path, e.to_string()))?;
    write_atomic(path, &bytes)
}

/// The PNG file of a gray or RGB 8-bit image.
pub fn encode_png(image: &Image) -> Result<Vec<u8>> {
    let color = match image.channels {
        1 => png::ColorType::Grayscale,
        3 => png::ColorType::Rgb,
        n => return Err(Error::Invalid(format!("cannot write {n}-channel PNG"))),
    };
    let mut bytes = Vec::new();
    {
        let mut encoder = png::Encoder::new(&mut bytes, image.width as u32, image.height as u32);
        encoder.set_color(color);
        encoder.set_depth(png::BitDepth::Eight);
        encoder.set_compression(png::Compression::Fast);
        let invalid = |e: png::EncodingError| Error::Invalid(format!("cannot encode PNG: {e}"));
        let mut writer = encoder.write_header().map_err(invalid)?;
        writer.write_image_data(&image.data).map_err(invalid)?;
    }
    Ok(bytes)
}

/// Writes `bytes` to `path` through a temporary sibling, fsync and rename.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// Lets `fill` write the file's content into a temporary sibling of `path`, then fsyncs and
/// renames it into place; on any failure the temporary file is removed and `path` is untouched.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    let name = path
        .file_name()
        .ok_or_else(|| Error::file(path, "not a file path"))?;
    let tmp = path.with_file_name(format!(".{}.partial", name.to_string_lossy()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        fill(&mut f)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(path, e));
    }
    Ok(())
}

/// The formats [`write_image`] writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// Lossless.
    Png,
    /// As ImageNet-C saves its images: PIL quality 85 with optimised Huffman tables, IJG libjpeg
    /// 9 pixels.
    Jpeg,
}

impl OutputFormat {
    /// The format `path`'s extension names (`.png`, `.jpg` or `.jpeg`). Callers ask before the
    /// work, so a wrong extension costs nothing.
    pub fn for_path(path: &Path) -> Result<OutputFormat> {
        let ext = path
            .extension()
            .map(|e| e.to_string_lossy().to_ascii_lowercase())
            .unwrap_or_default();
        match ext.as_str() {
            "png" => Ok(OutputFormat::Png),
            "jpg" | "jpeg" => Ok(OutputFormat::Jpeg),
            _ => Err(Error::file(
                path,
                "unsupported output format (use .png or .jpg)",
            )),
        }
    }
}

/// Writes an image in the format its extension names ([`OutputFormat::for_path`]).
pub fn write_image(path: &Path, image: &Image) -> Result<()> {
    match OutputFormat::for_path(path)? {
        OutputFormat::Png => write_png(path, image),
        OutputFormat::Jpeg => {
            let bytes = jpeg::encode(image, 85, jpeg::Profile::Ijg9, true)
                .map_err(|e| Error::file(path, e.to_string()))?;
            write_atomic(path, &bytes)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// Samples straddling the 8-bit range and the high-byte boundaries.
    const SAMPLES: [u16; 10] = [0, 1, 255, 256, 257, 0x00FF, 0x80FF, 0xFF7F, 1000, 65535];

    /// Writes a one-row 16-bit PNG of `color` holding `samples`, with an optional tRNS chunk.
    fn png16(name: &str, color: png::ColorType, samples: &[u16], trns: Option<&[u8]>) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("blight-io-{}-{name}.png", std::process::id()));
        let per_pixel = color.samples();
        let mut bytes = Vec::new();
        {
            let width = (samples.len() / per_pixel) as u32;
            let mut encoder = png::Encoder::new(&mut bytes, width, 1);
            encoder.set_color(color);
            encoder.set_depth(png::BitDepth::Sixteen);
            if let Some(trns) = trns {
                encoder.set_trns(trns.to_vec());
            }
            let mut writer = encoder.write_header().unwrap();
            let data: Vec<u8> = samples.iter().flat_map(|v| v.to_be_bytes()).collect();
            writer.write_image_data(&data).unwrap();
        }
        std::fs::write(&path, bytes).unwrap();
        path
    }

    /// Each value of `values` three times, as convert('RGB') replicates gray.
    fn replicated(values: &[u8]) -> Vec<u8> {
        values.iter().flat_map(|&v| [v, v, v]).collect()
    }

    // The expected values are what Pillow 13.0.0 gives for the same files (checked with
    // Image.open(f).convert('RGB') and convert('L')).

    #[test]
    fn sixteen_bit_gray_png_clips_to_255_like_pillow() {
        let clipped = [0, 1, 255, 255, 255, 255, 255, 255, 255, 255];
        let plain = png16("gray16", png::ColorType::Grayscale, &SAMPLES, None);
        // A transparent colour does not change the pixels.
        let trns = png16(
            "gray16-trns",
            png::ColorType::Grayscale,
            &SAMPLES,
            Some(&[3, 232]),
        );
        for path in [plain, trns] {
            assert_eq!(read_rgb(&path).unwrap().data, replicated(&clipped));
            assert_eq!(read_gray(&path).unwrap().data, clipped);
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn sixteen_bit_colour_png_keeps_the_high_byte_like_pillow() {
        let high = [0, 0, 0, 1, 1, 0, 128, 255, 3, 255];
        let rgb: Vec<u16> = SAMPLES.iter().flat_map(|&v| [v, v, 65535 - v]).collect();
        let rgba: Vec<u16> = SAMPLES
            .iter()
            .flat_map(|&v| [v, v, 65535 - v, 300])
            .collect();
        let want: Vec<u8> = high.iter().flat_map(|&v| [v, v, 255 - v]).collect();
        for path in [
            png16("rgb16", png::ColorType::Rgb, &rgb, None),
            png16("rgba16", png::ColorType::Rgba, &rgba, None),
        ] {
            assert_eq!(read_rgb(&path).unwrap().data, want);
            std::fs::remove_file(path).unwrap();
        }
        let gray_alpha: Vec<u16> = SAMPLES.iter().flat_map(|&v| [v, 65535 - v]).collect();
        let path = png16(
            "gray-alpha16",
            png::ColorType::GrayscaleAlpha,
            &gray_alpha,
            None,
        );
        assert_eq!(read_rgb(&path).unwrap().data, replicated(&high));
        assert_eq!(read_gray(&path).unwrap().data, high);
        std::fs::remove_file(path).unwrap();
    }
}
