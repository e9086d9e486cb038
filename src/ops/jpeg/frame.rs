//! The pixel side of the codec: images to quantised DCT coefficients and back, without entropy
//! coding. [`forward`] is libjpeg's compression front end with Pillow's default settings
//! (`jccolor.c`, `jcprepct.c`, `jcsample.c`, `jcdctmgr.c`, `jccoefct.c`); [`reconstruct`] is
//! its decompression back end with Pillow's settings (ISLOW IDCT, fancy upsampling;
//! `jddctmgr.c`, `jdsample.c`, `jdcolor.c`).
//!
//! The profiles differ in how they treat chroma subsampled by 2 (chosen in each library's
//! `jcmaster.c` / `jdmaster.c`): libjpeg-turbo downsamples 2×2 and uses 8×8 DCTs, then upsamples
//! with triangle filters; libjpeg 9 keeps chroma at full resolution and uses a 16×16 forward DCT
//! (8×8 coefficients) and a 16×16 (or 16×8 / 8×16) inverse DCT instead.

use super::color::ColorFactors;
use super::dct::{self, Quantiser};
use super::sample::{self, Plane};
use super::tables;
use super::{JpegError, Profile};
use crate::raster::Image;
use crate::simd;

/// One colour component of a frame and its coefficients.
#[derive(Clone, Debug)]
pub struct Component {
    /// Component identifier from the frame header.
    pub id: u8,
    /// Horizontal and vertical sampling factors.
    pub h: usize,
    pub v: usize,
    /// Quantisation table selector.
    pub table: u8,
    /// The quantisation table (natural order) the coefficients were quantised with.
    pub quant: [u16; 64],
    /// Blocks that cover the component's samples.
    pub blocks_w: usize,
    pub blocks_h: usize,
    /// Blocks in the coefficient grid: whole MCUs of the interleaved scan.
    pub grid_w: usize,
    pub grid_h: usize,
    /// Quantised coefficients, natural order, `grid_w × grid_h` blocks row by row.
    pub coefs: Vec<[i16; 64]>,
}

/// How the component values map to output pixels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColorModel {
    Gray,
    YCbCr,
    Rgb,
    /// Four components stored as CMYK (Adobe transform 0, or no Adobe marker).
    Cmyk,
    /// Four components stored as YCbCr plus K (Adobe transform 2).
    Ycck,
}

/// A decoded or about-to-be-encoded image as quantised DCT coefficients.
#[derive(Clone, Debug)]
pub struct Frame {
    pub width: usize,
    pub height: usize,
    pub color: ColorModel,
    pub components: Vec<Component>,
}

impl Frame {
    /// An all-zero frame for the given dimensions and (id, h, v, table) components, with the grid
    /// geometry of ITU T.81 A.1.1 (components' sizes rounded up, grids padded to whole MCUs).
    pub fn new(
        width: usize,
        height: usize,
        color: ColorModel,
        spec: &[(u8, usize, usize, u8)],
    ) -> Result<Frame, JpegError> {
        Ok(Frame::layout(width, height, color, spec)?.with_coefs())
    }

    /// `self` with zero coefficients for every grid block.
    fn with_coefs(mut self) -> Frame {
        for comp in &mut self.components {
            comp.coefs = vec![[0; 64]; comp.grid_w * comp.grid_h];
        }
        self
    }

    /// [`Frame::new`]'s geometry without the coefficients.
    fn layout(
        width: usize,
        height: usize,
        color: ColorModel,
        spec: &[(u8, usize, usize, u8)],
    ) -> Result<Frame, JpegError> {
        if width == 0 || height == 0 || width > 65535 || height > 65535 {
            return Err(JpegError::Unsupported(format!(
                "image size {width}×{height} (JPEG needs 1..=65535)"
            )));
        }
        let max_h = spec.iter().map(|c| c.1).max().unwrap_or(1);
        let max_v = spec.iter().map(|c| c.2).max().unwrap_or(1);
        let (mcus_x, mcus_y) = (width.div_ceil(8 * max_h), height.div_ceil(8 * max_v));
        let components = spec
            .iter()
            .map(|&(id, h, v, table)| Component {
                id,
                h,
                v,
                table,
                quant: [1; 64],
                blocks_w: (width * h).div_ceil(max_h).div_ceil(8),
                blocks_h: (height * v).div_ceil(max_v).div_ceil(8),
                grid_w: mcus_x * h,
                grid_h: mcus_y * v,
                coefs: Vec::new(),
            })
            .collect();
        Ok(Frame {
            width,
            height,
            color,
            components,
        })
    }

    /// Largest sampling factors.
    pub fn max_sampling(&self) -> (usize, usize) {
        let h = self.components.iter().map(|c| c.h).max().unwrap_or(1);
        let v = self.components.iter().map(|c| c.v).max().unwrap_or(1);
        (h, v)
    }
}

/// Compresses `image` (gray or RGB) to quantised coefficients as Pillow's
/// `save(format='JPEG', quality=quality)` does with `profile`'s libjpeg: K.1 tables at the IJG
/// quality, YCbCr with 2×2 chroma subsampling for RGB, one component for gray.
pub fn forward(image: &Image, quality: u8, profile: Profile) -> Result<Frame, JpegError> {
    let tables = tables::quant_tables(quality);
    let layout = encoder_layout(image)?;
    let planes = encoder_planes(image, &layout, profile);
    let mut frame = layout.with_coefs();
    for (comp, (plane, size)) in frame.components.iter_mut().zip(&planes) {
        encode_component(comp, plane, *size, &tables[usize::from(comp.table)]);
    }
    Ok(frame)
}

/// The components libjpeg writes: Y at 2×2 with table 0, Cb and Cr at 1×1 with table 1; a gray
/// image's only component is the first of these at 1×1.
const ENCODER_SPECS: [(u8, usize, usize, u8); 3] = [(1, 2, 2, 0), (2, 1, 1, 1), (3, 1, 1, 1)];

/// The frame geometry [`forward`] encodes `image` with (no coefficients).
fn encoder_layout(image: &Image) -> Result<Frame, JpegError> {
    let (w, h) = (image.width, image.height);
    match image.channels {
        1 => Frame::layout(w, h, ColorModel::Gray, &[(1, 1, 1, 0)]),
        3 => Frame::layout(w, h, ColorModel::YCbCr, &ENCODER_SPECS),
        n => Err(JpegError::Unsupported(format!("{n}-channel image"))),
    }
}

/// The sample planes of `layout`'s components and the block size each is transformed in:
/// colour-converted, downsampled for libjpeg-turbo, and padded by edge repetition to at least
/// the component's whole blocks.
fn encoder_planes(image: &Image, layout: &Frame, profile: Profile) -> Vec<(Plane, usize)> {
    let (w, h) = (image.width, image.height);
    let luma = &layout.components[0];
    if image.channels == 1 {
        let plane = Plane {
            width: w,
            height: h,
            data: image.data.clone(),
        }
        .padded(w, h, luma.blocks_w * 8, luma.blocks_h * 8);
        return vec![(plane, 8)];
    }
    let chroma = &layout.components[1];
    let pw = (luma.blocks_w * 8).max(chroma.blocks_w * 16);
    let ph = (luma.blocks_h * 8).max(chroma.blocks_h * 16);
    let mut planes = [Plane::new(pw, ph), Plane::new(pw, ph), Plane::new(pw, ph)];
    let colors = ColorFactors::get(profile);
    let [y_plane, cb_plane, cr_plane] = &mut planes;
    let rows = y_plane
        .data
        .chunks_exact_mut(pw)
        .zip(cb_plane.data.chunks_exact_mut(pw))
        .zip(cr_plane.data.chunks_exact_mut(pw))
        .zip(image.data.chunks_exact(w * 3));
    simd::dispatch(
        #[inline(always)]
        |_| {
            for (((y, cb), cr), rgb) in rows {
                colors.row_to_ycc(rgb, &mut y[..w], &mut cb[..w], &mut cr[..w]);
                for samples in [y, cb, cr] {
                    let last = samples[w - 1];
                    samples[w..].fill(last);
                }
            }
        },
    );
    for plane in &mut planes {
        let last_row = (h - 1) * pw;
        for row in h..ph {
            plane.data.copy_within(last_row..last_row + pw, row * pw);
        }
    }
    let [y_plane, cb_plane, cr_plane] = planes;
    let mut out = vec![(y_plane, 8)];
    for plane in [cb_plane, cr_plane] {
        out.push(match profile {
            // Full-resolution chroma through the 16×16 DCT.
            Profile::Ijg9 => (plane, 16),
            Profile::Turbo => {
                let small = sample::downsample_h2v2(&plane, w, h, chroma.blocks_w * 8);
                let (sw, sh) = (small.width, small.height);
                (small.padded(sw, sh, sw, chroma.blocks_h * 8), 8)
            }
        });
    }
    out
}

/// [`reconstruct`]`(&`[`forward`]`(..))` without the frame: each real block goes through the
/// forward DCT, quantisation and inverse DCT in place in its sample plane while it is in cache.
/// The frame's padding blocks are left out: only the entropy coder reads them.
pub fn round_trip(image: &Image, quality: u8, profile: Profile) -> Result<Image, JpegError> {
    let tables = tables::quant_tables(quality);
    let layout = encoder_layout(image)?;
    let mut planes = encoder_planes(image, &layout, profile);
    for (comp, (plane, size)) in layout.components.iter().zip(&mut planes) {
        round_trip_component(comp, plane, *size, &tables[usize::from(comp.table)]);
    }
    let (w, h) = (image.width, image.height);
    match &planes[..] {
        [(gray, _)] => Ok(gray_image(gray, w, h)),
        [(luma, _), (cb, _), (cr, _)] => {
            let colors = ColorFactors::get(profile);
            Ok(match profile {
                Profile::Ijg9 => rgb_image(colors, [luma, cb, cr], w, h, true),
                Profile::Turbo => {
                    let (sw, sh) = (w.div_ceil(2), h.div_ceil(2));
                    let cb = sample::upsample(cb, sw, sh, 2, 2);
                    let cr = sample::upsample(cr, sw, sh, 2, 2);
                    rgb_image(colors, [luma, &cb, &cr], w, h, true)
                }
            })
        }
        _ => unreachable!("encoder planes are gray or YCbCr"),
    }
}

/// Replaces the samples of `comp`'s real blocks, `size`×`size` each, with what quantising them
/// with `table` and decoding gives.
fn round_trip_component(comp: &Component, plane: &mut Plane, size: usize, table: &[u16; 64]) {
    simd::dispatch(
        #[inline(always)]
        |_| {
            let quantiser = Quantiser::new(table);
            let stride = plane.width;
            let mut dct_out = [0i32; 64];
            for by in 0..comp.blocks_h {
                for bx in 0..comp.blocks_w {
                    let samples = &mut plane.data[by * size * stride + bx * size..];
                    if size == 16 {
                        dct::forward_16x16(samples, stride, &mut dct_out);
                    } else {
                        dct::forward_8x8(samples, stride, &mut dct_out);
                    }
                    let coefs = quantiser.quantise(&dct_out);
                    dct::inverse(&coefs, table, size, size, samples, stride);
                }
            }
        },
    )
}

/// Transforms and quantises the real blocks of one component from its samples, already padded
/// by edge repetition to at least the blocks' extent, each block covering `size`×`size`
/// samples, then fills the grid's padding
/// blocks as libjpeg's `jccoefct.c` does: zero AC, DC copied from the block to the left, or for
/// whole padding rows from the last block of the row above in the same MCU.
fn encode_component(comp: &mut Component, samples: &Plane, size: usize, table: &[u16; 64]) {
    simd::dispatch(
        #[inline(always)]
        |_| {
            comp.quant = *table;
            let quantiser = Quantiser::new(table);
            let stride = samples.width;
            let mut dct_out = [0i32; 64];
            for by in 0..comp.grid_h {
                for bx in 0..comp.grid_w {
                    let block = if by < comp.blocks_h && bx < comp.blocks_w {
                        let start = &samples.data[by * size * stride + bx * size..];
                        if size == 16 {
                            dct::forward_16x16(start, stride, &mut dct_out);
                        } else {
                            dct::forward_8x8(start, stride, &mut dct_out);
                        }
                        quantiser.quantise(&dct_out)
                    } else {
                        let donor = if by < comp.blocks_h {
                            by * comp.grid_w + bx - 1
                        } else {
                            (by - 1) * comp.grid_w + (bx / comp.h) * comp.h + comp.h - 1
                        };
                        let mut b = [0i16; 64];
                        b[0] = comp.coefs[donor][0];
                        b
                    };
                    comp.coefs[by * comp.grid_w + bx] = block;
                }
            }
        },
    )
}

/// Decompresses coefficients to pixels as Pillow's decoder does with `profile`'s libjpeg
/// (ISLOW IDCT, fancy upsampling): one channel for gray frames, RGB for three components, and
/// for four the CMYK values Pillow holds (mode "CMYK", unpacked as "CMYK;I").
pub fn reconstruct(frame: &Frame, profile: Profile) -> Result<Image, JpegError> {
    let (w, h) = (frame.width, frame.height);
    let (max_h, max_v) = frame.max_sampling();
    let mut planes = Vec::with_capacity(frame.components.len());
    for comp in &frame.components {
        let (fh, fv) = (max_h / comp.h, max_v / comp.v);
        if max_h % comp.h != 0 || max_v % comp.v != 0 || fh > 2 || fv > 2 {
            return Err(JpegError::Unsupported(format!(
                "sampling factors {}×{} of {}×{}",
                comp.h, comp.v, max_h, max_v
            )));
        }
        let plane = match profile {
            // Scaled IDCTs produce full resolution directly.
            Profile::Ijg9 => inverse_component(comp, 8 * fh, 8 * fv),
            Profile::Turbo => {
                let small = inverse_component(comp, 8, 8);
                if fh == 1 && fv == 1 {
                    small
                } else {
                    let (sw, sh) = ((w * comp.h).div_ceil(max_h), (h * comp.v).div_ceil(max_v));
                    sample::upsample(&small, sw, sh, fh, fv)
                }
            }
        };
        planes.push(plane);
    }
    match (frame.color, &planes[..]) {
        (ColorModel::Gray, [gray]) => Ok(gray_image(gray, w, h)),
        (ColorModel::YCbCr | ColorModel::Rgb, [a, b, c]) => Ok(rgb_image(
            ColorFactors::get(profile),
            [a, b, c],
            w,
            h,
            frame.color == ColorModel::YCbCr,
        )),
        (ColorModel::Cmyk | ColorModel::Ycck, [c, m, y, k]) => {
            let colors = ColorFactors::get(profile);
            let mut data = vec![0u8; w * h * 4];
            for row in 0..h {
                let samples = row_of(c, row, w)
                    .iter()
                    .zip(row_of(m, row, w))
                    .zip(row_of(y, row, w))
                    .zip(row_of(k, row, w));
                let out = &mut data[row * w * 4..(row + 1) * w * 4];
                for (px, (((&c, &m), &y), &k)) in out.chunks_exact_mut(4).zip(samples) {
                    // libjpeg's CMYK output, then Pillow's "CMYK;I" unpacking inverts every
                    // byte. For YCCK, libjpeg's C, M, Y are 255 minus the clamped YCbCr → RGB
                    // result, so the inversion gives that result back.
                    let cmy = match frame.color {
                        ColorModel::Ycck => colors.to_rgb(c, m, y),
                        _ => [255 - c, 255 - m, 255 - y],
                    };
                    px.copy_from_slice(&[cmy[0], cmy[1], cmy[2], 255 - k]);
                }
            }
            Ok(Image {
                width: w,
                height: h,
                channels: 4,
                data,
            })
        }
        _ => Err(JpegError::Unsupported(format!(
            "{} components",
            frame.components.len()
        ))),
    }
}

/// The luma (or only) component alone, as libjpeg gives it when asked for `JCS_GRAYSCALE` output
/// (OpenCV's `imread(path, IMREAD_GRAYSCALE)`): for YCbCr files the Y samples, with no chroma
/// decoded. The first component must be at the frame's full sampling, as it is in every file
/// libjpeg writes.
pub fn reconstruct_luma(frame: &Frame) -> Result<Image, JpegError> {
    let (w, h) = (frame.width, frame.height);
    let luma = match (frame.color, frame.components.first()) {
        (ColorModel::Gray | ColorModel::YCbCr, Some(luma)) => luma,
        _ => {
            return Err(JpegError::Unsupported(
                "gray output of a file without a luma component".into(),
            ))
        }
    };
    if frame.max_sampling() != (luma.h, luma.v) {
        return Err(JpegError::Unsupported(format!(
            "gray output of a file whose luma is subsampled ({}×{})",
            luma.h, luma.v
        )));
    }
    let plane = inverse_component(luma, 8, 8);
    let mut data = Vec::with_capacity(w * h);
    for row in plane.data.chunks_exact(plane.width).take(h) {
        data.extend_from_slice(&row[..w]);
    }
    Ok(Image {
        width: w,
        height: h,
        channels: 1,
        data,
    })
}

/// The `w`×`h` image of one plane.
fn gray_image(plane: &Plane, w: usize, h: usize) -> Image {
    let mut data = Vec::with_capacity(w * h);
    for row in 0..h {
        data.extend_from_slice(row_of(plane, row, w));
    }
    Image {
        width: w,
        height: h,
        channels: 1,
        data,
    }
}

/// The `w`×`h` RGB image of three full-resolution planes, YCbCr (`ycc`) or RGB.
fn rgb_image(
    colors: &ColorFactors,
    [a, b, c]: [&Plane; 3],
    w: usize,
    h: usize,
    ycc: bool,
) -> Image {
    let mut data = vec![0u8; w * h * 3];
    simd::dispatch(
        #[inline(always)]
        |_| {
            for (y, out) in data.chunks_exact_mut(w * 3).enumerate() {
                let (ra, rb, rc) = (row_of(a, y, w), row_of(b, y, w), row_of(c, y, w));
                if ycc {
                    colors.row_to_rgb(ra, rb, rc, out);
                } else {
                    let samples = ra.iter().zip(rb).zip(rc);
                    for (px, ((&r, &g), &b)) in out.chunks_exact_mut(3).zip(samples) {
                        px.copy_from_slice(&[r, g, b]);
                    }
                }
            }
        },
    );
    Image {
        width: w,
        height: h,
        channels: 3,
        data,
    }
}

/// The first `w` samples of row `row` of a plane.
fn row_of(plane: &Plane, row: usize, w: usize) -> &[u8] {
    &plane.data[row * plane.width..][..w]
}

/// Inverse-transforms the real blocks of one component, each to `bw`×`bh` samples.
fn inverse_component(comp: &Component, bw: usize, bh: usize) -> Plane {
    simd::dispatch(
        #[inline(always)]
        |_| {
            let mut plane = Plane::new(comp.blocks_w * bw, comp.blocks_h * bh);
            let stride = plane.width;
            for by in 0..comp.blocks_h {
                for bx in 0..comp.blocks_w {
                    let coefs = &comp.coefs[by * comp.grid_w + bx];
                    let out = &mut plane.data[by * bh * stride + bx * bw..];
                    dct::inverse(coefs, &comp.quant, bw, bh, out, stride);
                }
            }
            plane
        },
    )
}
