//! Reading and writing single images, with PIL's `convert('RGB')` semantics on the way in.

use crate::error::{Error, Result};
use crate::ops::jpeg;
use crate::raster::Image;
use std::path::Path;

/// Reads a PNG or JPEG file as 8-bit RGB, converting other modes as PIL's `convert('RGB')` does
/// (gray replicated, alpha dropped without compositing, palette expanded).
pub fn read_rgb(path: &Path) -> Result<Image> {
    let rgb = decode_file(path)?.to_rgb8();
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
    let cannot = |e: &dyn std::fmt::Display| Error::file(path, format!("cannot decode image: {e}"));
    refuse_truncated_jpeg(&bytes).map_err(|e| cannot(&e))?;
    image::load_from_memory(&bytes).map_err(|e| cannot(&e))
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
        let mut writer = encoder
            .write_header()
            .map_err(|e| Error::file(path, e.to_string()))?;
        writer
            .write_image_data(&image.data)
            .map_err(|e| Error::file(path, e.to_string()))?;
    }
    write_atomic(path, &bytes)
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

/// Writes an image in the format its extension names: `.png`, or `.jpg` / `.jpeg` as ImageNet-C
/// saves its images (PIL quality 85 with optimised Huffman tables, IJG libjpeg 9 pixels).
pub fn write_image(path: &Path, image: &Image) -> Result<()> {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "png" => write_png(path, image),
        "jpg" | "jpeg" => {
            let bytes = jpeg::encode(image, 85, jpeg::Profile::Ijg9, true)
                .map_err(|e| Error::file(path, e.to_string()))?;
            write_atomic(path, &bytes)
        }
        _ => Err(Error::file(
            path,
            "unsupported output format (use .png or .jpg)",
        )),
    }
}
