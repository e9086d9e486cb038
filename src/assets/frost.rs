//! The frost textures that the `frost` corruptions blend over an image (imagenet-c-p.md §2.9,
//! mnist-c.md §5.7): the [`FROST`] asset, decoded.
//!
//! The reference ships six photographs, `frost1.png` … `frost6.jpg`. ImageNet-C reads them with
//! OpenCV as 8-bit BGR (PNG alpha dropped), MNIST-C as 8-bit gray. [`FrostTextures`] decodes a
//! folder once per process and keeps it as RGB and as gray.
//!
//! Without that folder, a built-in procedural texture stands in ([`TextureSource::Procedural`]):
//! deterministic, drawing nothing from the corruption's random stream, and cut to the six
//! reference sizes so the corruption's draws keep the reference's ranges and order. Outputs made
//! with it are plausible frost but are not the reference's.

use super::{cached, frost_procedural, FROST};
use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::ops::{jpeg, png_gray};
use crate::raster::Image;
use std::io::Cursor;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// The decoded (height, width) of each texture, in the asset's file order.
pub const TEXTURE_SIZES: [(usize, usize); 6] = [
    (600, 900),
    (315, 560),
    (315, 560),
    (350, 527),
    (495, 660),
    (323, 485),
];

/// Where the frost textures of a run came from; a manifest records it, the CLI warns on `Procedural`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextureSource {
    /// The six reference files, checked against their sha256: outputs match the reference.
    Reference,
    /// The built-in procedural texture: frost-like, but not the reference's pixels.
    Procedural,
}

impl TextureSource {
    /// The source a corruption run with `context` uses.
    pub fn for_context(context: &Context) -> Self {
        match context.assets.dir(&FROST) {
            Some(_) => TextureSource::Reference,
            None => TextureSource::Procedural,
        }
    }
}

/// The six textures decoded to RGB, and to gray as MNIST-C reads them, indexed as the
/// reference's file list.
#[derive(Debug)]
pub struct FrostTextures {
    source: TextureSource,
    textures: Vec<Image>,
    gray: Vec<Image>,
}

impl FrostTextures {
    /// Reads, checks (sha256) and decodes the six reference textures in `dir`.
    pub fn load(dir: &Path) -> Result<Self> {
        let (textures, gray) = FROST
            .files
            .iter()
            .zip(TEXTURE_SIZES)
            .map(|(file, (height, width))| {
                let bytes = FROST.read(dir, file)?;
                let path = dir.join(file.name);
                let (image, gray) = decode_texture(&path, &bytes)?;
                if (image.height, image.width) != (height, width) {
                    return Err(Error::file(
                        &path,
                        format!(
                            "decoded to {}×{}, expected {height}×{width}",
                            image.height, image.width
                        ),
                    ));
                }
                Ok((image, gray))
            })
            .collect::<Result<(Vec<_>, Vec<_>)>>()?;
        Ok(FrostTextures {
            source: TextureSource::Reference,
            textures,
            gray,
        })
    }

    /// The textures a run with `context` uses: the reference files of its frost folder, loaded
    /// once per folder and process, or the built-in procedural set when it has none.
    pub fn for_context(context: &Context) -> Result<Arc<FrostTextures>> {
        match context.assets.dir(&FROST) {
            Some(dir) => cached(&FROST, dir, Self::load),
            None => Ok(Self::procedural()),
        }
    }

    /// The built-in procedural set, generated once per process: one frost field cut to the six
    /// reference sizes.
    pub fn procedural() -> Arc<FrostTextures> {
        static PROCEDURAL: OnceLock<Arc<FrostTextures>> = OnceLock::new();
        PROCEDURAL
            .get_or_init(|| {
                let field = frost_procedural::field();
                let textures: Vec<Image> = TEXTURE_SIZES
                    .iter()
                    .enumerate()
                    .map(|(i, &(height, width))| {
                        // Different windows of the field, so the six textures are not all alike.
                        let top = (i * 53) % (field.height - height + 1);
                        let left = (i * 97) % (field.width - width + 1);
                        crop(&field, top, left, height, width)
                    })
                    .collect();
                let gray = textures
                    .iter()
                    .map(|t| png_gray::rgb_to_gray(t, None))
                    .collect();
                Arc::new(FrostTextures {
                    source: TextureSource::Procedural,
                    textures,
                    gray,
                })
            })
            .clone()
    }

    /// Where these textures came from.
    pub fn source(&self) -> TextureSource {
        self.source
    }

    /// Texture `index` (0-based, in the reference's list order), RGB.
    pub fn texture(&self, index: usize) -> Option<&Image> {
        self.textures.get(index)
    }

    /// Texture `index` as one gray channel, as OpenCV's `imread(path, IMREAD_GRAYSCALE)` reads
    /// it (MNIST-C's frost).
    pub fn gray(&self, index: usize) -> Option<&Image> {
        self.gray.get(index)
    }
}

/// A `height`×`width` window of `image` starting at row `top`, column `left`; the window must fit.
fn crop(image: &Image, top: usize, left: usize, height: usize, width: usize) -> Image {
    let c = image.channels;
    let mut data = Vec::with_capacity(height * width * c);
    for row in top..top + height {
        let start = (row * image.width + left) * c;
        data.extend_from_slice(&image.data[start..start + width * c]);
    }
    Image {
        width,
        height,
        channels: c,
        data,
    }
}

/// Decodes a texture file to RGB as OpenCV's `imread` (8-bit BGR, alpha dropped) followed by the
/// reference's BGR→RGB swap gives it, and to gray as `imread(path, IMREAD_GRAYSCALE)` does:
/// a JPEG's luma, a PNG's colours through libpng's gamma-aware conversion.
fn decode_texture(path: &Path, bytes: &[u8]) -> Result<(Image, Image)> {
    let cannot =
        |e: &dyn std::fmt::Display| Error::file(path, format!("cannot decode frost texture: {e}"));
    if path.extension().is_some_and(|e| e == "jpg") {
        let gray = jpeg::decode_luma(bytes).map_err(|e| cannot(&e))?;
        Ok((decode_jpeg(path, bytes)?, gray))
    } else {
        let rgb = decode_with(path, bytes, image::ImageFormat::Png)?;
        let info = png::Decoder::new(Cursor::new(bytes))
            .read_info()
            .map_err(|e| cannot(&e))?;
        // The file's gamma as libpng sees it: the gAMA chunk, else sRGB's implied 1/2.2.
        let header = info.info();
        let gamma = (header.gama_chunk.or(header.source_gamma))
            .map(|g| g.into_scaled())
            .or(header.srgb.map(|_| 45_455));
        let gray = png_gray::rgb_to_gray(&rgb, gamma);
        Ok((rgb, gray))
    }
}

/// JPEG texture decoding. OpenCV 3.4.2 decodes with libjpeg-turbo (islow IDCT, fancy upsampling),
/// which the `turbo` profile of our decoder reproduces.
fn decode_jpeg(path: &Path, bytes: &[u8]) -> Result<Image> {
    jpeg::decode(bytes, jpeg::Profile::Turbo)
        .map_err(|e| Error::file(path, format!("cannot decode frost texture: {e}")))
}

fn decode_with(path: &Path, bytes: &[u8], format: image::ImageFormat) -> Result<Image> {
    let decoded = image::load_from_memory_with_format(bytes, format)
        .map_err(|e| Error::file(path, format!("cannot decode frost texture: {e}")))?;
    // `to_rgb8` drops alpha without compositing, as imread(IMREAD_COLOR) does.
    let rgb = decoded.to_rgb8();
    let (w, h) = rgb.dimensions();
    Image::new(w as usize, h as usize, 3, rgb.into_raw())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_folder_error_names_it_and_the_fetch_command() {
        let dir = std::env::temp_dir().join(format!("blight-frost-absent-{}", std::process::id()));
        let message = FrostTextures::load(&dir).unwrap_err().to_string();
        assert!(message.contains(&dir.display().to_string()), "{message}");
        assert!(message.contains("blight fetch frost"), "{message}");
    }

    #[test]
    fn modified_texture_is_rejected() {
        let dir = std::env::temp_dir().join(format!("blight-frost-mod-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("frost1.png"), b"not the reference frost").unwrap();
        let message = FrostTextures::load(&dir).unwrap_err().to_string();
        assert!(message.contains("frost1.png"), "{message}");
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(message.contains(FROST.files[0].digest.hex()), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn procedural_field_is_deterministic_and_frost_like() {
        let a = frost_procedural::field();
        let b = frost_procedural::field();
        assert_eq!(a, b);
        assert_eq!((a.height, a.width, a.channels), (600, 900, 3));
        let n = (a.width * a.height) as f64;
        let mean = |c: usize| {
            a.data
                .iter()
                .skip(c)
                .step_by(3)
                .map(|&v| v as f64)
                .sum::<f64>()
                / n
        };
        let (r, g, b) = (mean(0), mean(1), mean(2));
        // Bluish: blue leads red; mid-bright like the reference textures (means 110..215).
        assert!(b > g && g > r, "{r} {g} {b}");
        assert!((100.0..220.0).contains(&b), "{b}");
        let max = *a.data.iter().max().unwrap();
        let min = *a.data.iter().min().unwrap();
        assert!(max >= 235 && min < 120, "range {min}..{max}");
    }

    #[test]
    fn procedural_set_has_the_reference_sizes() {
        let set = FrostTextures::procedural();
        assert_eq!(set.source(), TextureSource::Procedural);
        for (i, &(height, width)) in TEXTURE_SIZES.iter().enumerate() {
            let t = set.texture(i).unwrap();
            assert_eq!((t.height, t.width, t.channels), (height, width, 3));
        }
        assert!(set.texture(6).is_none());
        assert!(Arc::ptr_eq(&set, &FrostTextures::procedural()));
    }
}
