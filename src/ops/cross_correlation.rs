//! OpenCV 4's `filter2D` for float64 images and kernels of 50 taps or more, which correlates
//! through DFTs (imgproc `crossCorr`) instead of summing taps, reproduced to the last bit.
//!
//! The image is cut into tiles sized from the kernel (4.5 kernel sides, at least 256 − k + 1
//! pixels, grown to the DFT size that the tile plus the kernel's margin rounds up to); each tile
//! with its reflect-101 border, zero-padded to the DFT size, is transformed with OpenCV's own DFT
//! ([`super::dft`]): rows to CCS, then columns. Its spectrum is multiplied by the conjugate of the
//! kernel's (`mulSpectrums` with `conjB`), transformed back (columns, then the rows that are
//! kept) with 1/(W·H) scaling, and its valid part copied out.
//!
//! This is OpenCV's path with its own DFT, as when Intel IPP is disabled. Builds with IPP (the
//! pip wheels) run IPP's 1-D transforms inside the same 2-D scheme, which round differently on
//! each CPU generation by about one unit in the last place: the float64 results then differ, but
//! after the 8-bit truncation of defocus blur they agreed on every value measured (36 million
//! values of photos, IPP's SSE4.2, AVX2 and AVX-512 code against this).

use super::border::reflect_101;
use super::dft::{Lanes, Plan};
use crate::simd;

/// Rows or columns transformed side by side.
const L: usize = 8;

/// The 2-D transform of one DFT size, in OpenCV's CCS packing, row-major.
struct Transform2d {
    rows: usize,
    cols: usize,
    row_plan: Plan,
    col_plan: Plan,
}

/// Working vectors reused across rows and columns.
struct Scratch {
    line: Vec<Lanes<L>>,
    spectrum: Vec<Lanes<L>>,
    extra: Vec<Lanes<L>>,
}

impl Scratch {
    fn new(longest: usize) -> Self {
        Scratch {
            line: vec![Lanes::ZERO; 2 * longest],
            spectrum: vec![Lanes::ZERO; 2 * longest],
            extra: vec![Lanes::ZERO; 4 * longest],
        }
    }
}

/// Smallest 2^a·3^b·5^c not below `n` (OpenCV's `getOptimalDFTSize`).
fn optimal_dft_size(n: usize) -> usize {
    (n.max(1)..)
        .find(|&m| {
            let mut m = m;
            for p in [2, 3, 5] {
                while m % p == 0 {
                    m /= p;
                }
            }
            m == 1
        })
        .expect("5-smooth numbers are unbounded")
}

/// The real columns of a CCS spectrum: the first, and the last when the width is even.
fn real_columns(cols: usize) -> Vec<usize> {
    if cols.is_multiple_of(2) {
        vec![0, cols - 1]
    } else {
        vec![0]
    }
}

impl Transform2d {
    fn new(rows: usize, cols: usize) -> Self {
        Transform2d {
            rows,
            cols,
            row_plan: Plan::new(cols),
            col_plan: Plan::new(rows),
        }
    }

    /// Forward transform in place: each of the first `nonzero_rows` rows to CCS (the others,
    /// zero in the input, are set to +0 as OpenCV clears them), then the columns: the real ones
    /// through a complex transform with zero imaginary parts, packed CCS down the column; the
    /// others as complex pairs.
    #[inline(always)]
    fn forward(&self, data: &mut [f64], nonzero_rows: usize, scratch: &mut Scratch) {
        let (rows, cols) = (self.rows, self.cols);
        let Scratch {
            line,
            spectrum,
            extra,
        } = &mut *scratch;
        for r0 in (0..nonzero_rows).step_by(L) {
            let live = L.min(rows - r0);
            gather_rows(data, cols, r0, live, &mut line[..cols]);
            self.row_plan
                .real_forward(&line[..cols], &mut spectrum[..cols], extra);
            scatter_rows(
                &spectrum[..cols],
                data,
                cols,
                r0,
                live.min(nonzero_rows - r0),
            );
        }
        data[nonzero_rows * cols..rows * cols].fill(0.0);

        let real = real_columns(cols);
        for r in 0..rows {
            line[2 * r] = Lanes(std::array::from_fn(|l| {
                real.get(l).map_or(0.0, |&c| data[r * cols + c])
            }));
            line[2 * r + 1] = Lanes::ZERO;
        }
        self.col_plan
            .complex_forward(&line[..2 * rows], &mut spectrum[..2 * rows]);
        for (l, &c) in real.iter().enumerate() {
            data[c] = spectrum[0].0[l];
            for r in 1..rows {
                data[r * cols + c] = spectrum[r + 1].0[l];
            }
        }
        self.complex_columns(data, false, scratch);
    }

    /// Inverse transform in place with 1/(rows·cols) scaling, columns first; only the first
    /// `kept_rows` rows are transformed back (the others are left as they are).
    #[inline(always)]
    fn inverse(&self, data: &mut [f64], kept_rows: usize, scratch: &mut Scratch) {
        let (rows, cols) = (self.rows, self.cols);
        let real = real_columns(cols);
        {
            let Scratch { line, spectrum, .. } = &mut *scratch;
            // Each packed real column expanded to its full Hermitian-symmetric complex vector.
            let at = |r: usize| {
                Lanes(std::array::from_fn(|l| {
                    real.get(l).map_or(0.0, |&c| data[r * cols + c])
                }))
            };
            line[0] = at(0);
            line[1] = Lanes::ZERO;
            for k in 1..rows.div_ceil(2) {
                let (re, im) = (at(2 * k - 1), at(2 * k));
                line[2 * k] = re;
                line[2 * k + 1] = im;
                line[2 * (rows - k)] = re;
                line[2 * (rows - k) + 1] = -im;
            }
            if rows % 2 == 0 {
                line[rows] = at(rows - 1);
                line[rows + 1] = Lanes::ZERO;
            }
            self.col_plan
                .complex_inverse(&line[..2 * rows], &mut spectrum[..2 * rows]);
            for (l, &c) in real.iter().enumerate() {
                for r in 0..rows {
                    data[r * cols + c] = spectrum[2 * r].0[l];
                }
            }
        }
        self.complex_columns(data, true, scratch);

        let Scratch {
            line,
            spectrum,
            extra,
        } = scratch;
        let scale = 1.0 / (rows * cols) as f64;
        for r0 in (0..kept_rows).step_by(L) {
            let live = L.min(rows - r0);
            gather_rows(data, cols, r0, live, &mut line[..cols]);
            self.row_plan
                .real_inverse(&line[..cols], &mut spectrum[..cols], scale, extra);
            scatter_rows(&spectrum[..cols], data, cols, r0, live.min(kept_rows - r0));
        }
    }

    /// Transforms every complex column pair (real parts in column c, imaginary parts in c + 1,
    /// for c = 1, 3, …), `L` pairs at a time.
    #[inline(always)]
    fn complex_columns(&self, data: &mut [f64], inverse: bool, scratch: &mut Scratch) {
        let (rows, cols) = (self.rows, self.cols);
        let Scratch { line, spectrum, .. } = scratch;
        let pairs = cols.div_ceil(2) - 1;
        for first in (0..pairs).step_by(L) {
            let start = 1 + 2 * first;
            let width = 2 * L.min(pairs - first);
            for r in 0..rows {
                let source = &data[r * cols + start..][..width];
                let window: [f64; 2 * L] = match source.try_into() {
                    Ok(full) => full,
                    Err(_) => std::array::from_fn(|i| source.get(i).copied().unwrap_or(0.0)),
                };
                line[2 * r] = Lanes(std::array::from_fn(|l| window[2 * l]));
                line[2 * r + 1] = Lanes(std::array::from_fn(|l| window[2 * l + 1]));
            }
            if inverse {
                self.col_plan
                    .complex_inverse(&line[..2 * rows], &mut spectrum[..2 * rows]);
            } else {
                self.col_plan
                    .complex_forward(&line[..2 * rows], &mut spectrum[..2 * rows]);
            }
            for r in 0..rows {
                let (re, im) = (spectrum[2 * r].0, spectrum[2 * r + 1].0);
                let window: [f64; 2 * L] =
                    std::array::from_fn(|i| if i % 2 == 0 { re[i / 2] } else { im[i / 2] });
                let target = &mut data[r * cols + start..][..width];
                match <&mut [f64; 2 * L]>::try_from(&mut *target) {
                    Ok(full) => *full = window,
                    Err(_) => target.copy_from_slice(&window[..width]),
                }
            }
        }
    }
}

/// Rows `r0 .. r0 + live` of the `cols`-wide `data` as lanes (missing lanes zero).
#[inline(always)]
fn gather_rows(data: &[f64], cols: usize, r0: usize, live: usize, line: &mut [Lanes<L>]) {
    if live < L {
        line.fill(Lanes::ZERO);
    }
    for (l, row) in data[r0 * cols..(r0 + live) * cols]
        .chunks_exact(cols)
        .enumerate()
    {
        for (value, &x) in line.iter_mut().zip(row) {
            value.0[l] = x;
        }
    }
}

/// The first `live` lanes of `line` into rows `r0 ..` of `data`.
#[inline(always)]
fn scatter_rows(line: &[Lanes<L>], data: &mut [f64], cols: usize, r0: usize, live: usize) {
    for (l, row) in data[r0 * cols..(r0 + live) * cols]
        .chunks_exact_mut(cols)
        .enumerate()
    {
        for (out, value) in row.iter_mut().zip(line) {
            *out = value.0[l];
        }
    }
}

/// `image` (a rows×cols CCS spectrum, in place) times the complex conjugate of `kernel`: the
/// real columns pair down the column, all other values along rows.
fn multiply_conjugate(image: &mut [f64], kernel: &[f64], rows: usize, cols: usize) {
    let product = |ar: f64, ai: f64, br: f64, bi: f64| (ar * br + ai * bi, ai * br - ar * bi);
    for c in real_columns(cols) {
        image[c] *= kernel[c];
        if rows.is_multiple_of(2) {
            let last = (rows - 1) * cols + c;
            image[last] *= kernel[last];
        }
        for j in (1..rows.saturating_sub(1)).step_by(2) {
            let (p, q) = (j * cols + c, (j + 1) * cols + c);
            (image[p], image[q]) = product(image[p], image[q], kernel[p], kernel[q]);
        }
    }
    let end = if cols.is_multiple_of(2) {
        cols - 1
    } else {
        cols
    };
    for r in 0..rows {
        for j in (1..end).step_by(2) {
            let (p, q) = (r * cols + j, r * cols + j + 1);
            (image[p], image[q]) = product(image[p], image[q], kernel[p], kernel[q]);
        }
    }
}

/// A correlation kernel: `rows`×`cols` weights, row-major, odd sides (the anchor is the centre).
#[derive(Clone, Copy, Debug)]
pub struct Kernel<'a> {
    pub rows: usize,
    pub cols: usize,
    pub weights: &'a [f64],
}

/// Correlates each channel of the H×W×C 8-bit `image`, scaled to [0, 1] (`img / 255.` in
/// float64), with `kernel` as OpenCV's DFT-based `filter2D` does, and hands each finished run
/// of output values to `emit(channel, y, x, values)`.
#[inline(always)]
fn correlate_unit(
    image: &[u8],
    shape: (usize, usize, usize),
    kernel: Kernel,
    mut emit: impl FnMut(usize, usize, usize, &[f64]),
) {
    let (rows, cols, channels) = shape;
    assert_eq!(image.len(), rows * cols * channels);
    let (krows, kcols) = (kernel.rows, kernel.cols);
    assert!(krows % 2 == 1 && kcols % 2 == 1 && kernel.weights.len() == krows * kcols);
    if image.is_empty() {
        return;
    }
    let block = |k: usize, side: usize| {
        let scaled = (k as f64 * 4.5).round_ties_even() as usize;
        scaled.max(257usize.saturating_sub(k)).min(side)
    };
    let dft_cols = optimal_dft_size(block(kcols, cols) + kcols - 1).max(2);
    let dft_rows = optimal_dft_size(block(krows, rows) + krows - 1);
    let block_cols = (dft_cols - kcols + 1).min(cols);
    let block_rows = (dft_rows - krows + 1).min(rows);
    let transform = Transform2d::new(dft_rows, dft_cols);
    let mut scratch = Scratch::new(dft_rows.max(dft_cols));

    let mut kernel_spectrum = vec![0.0; dft_rows * dft_cols];
    for (r, weights) in kernel.weights.chunks_exact(kcols).enumerate() {
        kernel_spectrum[r * dft_cols..][..kcols].copy_from_slice(weights);
    }
    transform.forward(&mut kernel_spectrum, krows, &mut scratch);

    // The float64 value of each byte, v / 255 as numpy divides it.
    let unit: [f64; 256] = std::array::from_fn(|v| v as f64 / 255.0);
    let (ay, ax) = (krows / 2, kcols / 2);
    // Source row and column of each padded position (padded index = image index + anchor).
    let row_index: Vec<usize> = (0..rows + krows)
        .map(|p| reflect_101(p as isize - ay as isize, rows))
        .collect();
    let col_index: Vec<usize> = (0..cols + kcols)
        .map(|p| reflect_101(p as isize - ax as isize, cols))
        .collect();
    let mut tile = vec![0.0; dft_rows * dft_cols];
    for channel in 0..channels {
        for y in (0..rows).step_by(block_rows) {
            for x in (0..cols).step_by(block_cols) {
                let (bh, bw) = (block_rows.min(rows - y), block_cols.min(cols - x));
                let (dh, dw) = (bh + krows - 1, bw + kcols - 1);
                tile.fill(0.0);
                for (r, line) in tile.chunks_exact_mut(dft_cols).take(dh).enumerate() {
                    let source = &image[row_index[y + r] * cols * channels..][..cols * channels];
                    for (value, &sx) in line.iter_mut().zip(&col_index[x..x + dw]) {
                        *value = unit[source[sx * channels + channel] as usize];
                    }
                }
                transform.forward(&mut tile, dh, &mut scratch);
                multiply_conjugate(&mut tile, &kernel_spectrum, dft_rows, dft_cols);
                transform.inverse(&mut tile, bh, &mut scratch);
                for (r, line) in tile.chunks_exact(dft_cols).take(bh).enumerate() {
                    emit(channel, y + r, x, &line[..bw]);
                }
            }
        }
    }
}

/// Correlates every channel of an H×W×C 8-bit image scaled to [0, 1] (`img / 255.`) with
/// `kernel` through OpenCV's DFT path (reflect-101 border), clips to [0, 1], scales by 255 and
/// truncates to 8 bits, as imagecorruptions' defocus blur finishes it.
pub fn filter2d_dft_unit_u8(image: &[u8], shape: (usize, usize, usize), kernel: Kernel) -> Vec<u8> {
    let (_, cols, channels) = shape;
    let mut out = vec![0u8; image.len()];
    simd::dispatch(
        #[inline(always)]
        |_| {
            correlate_unit(image, shape, kernel, |channel, y, x, values| {
                let start = (y * cols + x) * channels + channel;
                for (o, &v) in out[start..].iter_mut().step_by(channels).zip(values) {
                    *o = (v.clamp(0.0, 1.0) * 255.0) as u8;
                }
            })
        },
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The float64 correlation of one channel.
    fn correlate_plane(image: &[u8], rows: usize, cols: usize, kernel: Kernel) -> Vec<f64> {
        let mut out = vec![0.0; rows * cols];
        correlate_unit(image, (rows, cols, 1), kernel, |_, y, x, values| {
            out[y * cols + x..][..values.len()].copy_from_slice(values);
        });
        out
    }

    /// A deterministic 8-bit test pattern with edges and flat parts.
    fn pattern(rows: usize, cols: usize) -> Vec<u8> {
        (0..rows * cols)
            .map(|i| {
                let (y, x) = (i / cols, i % cols);
                if (y / 7 + x / 5) % 3 == 0 {
                    200
                } else {
                    ((y * 31 + x * 17) % 256) as u8
                }
            })
            .collect()
    }

    fn box_kernel(side: usize) -> Vec<f64> {
        vec![1.0 / (side * side) as f64; side * side]
    }

    #[test]
    fn optimal_sizes_are_the_next_5_smooth_numbers() {
        let got: Vec<usize> = [49, 50, 63, 97, 241, 256, 257].map(optimal_dft_size).into();
        assert_eq!(got, [50, 50, 64, 100, 243, 256, 270]);
    }

    #[test]
    fn agrees_with_the_direct_sum_to_rounding() {
        // Tiles of several shapes: a 300×260 image with a 9×9 kernel is cut into 248 + 52 rows
        // by 248 + 12 columns, each zero-padded to a 256×256 DFT.
        let (rows, cols, side) = (300, 260, 9);
        let image = pattern(rows, cols);
        let weights = box_kernel(side);
        let kernel = Kernel {
            rows: side,
            cols: side,
            weights: &weights,
        };
        let got = correlate_plane(&image, rows, cols, kernel);
        let r = side as isize / 2;
        for y in 0..rows {
            for x in 0..cols {
                let mut sum = 0.0;
                for i in -r..=r {
                    for j in -r..=r {
                        let sy = reflect_101(y as isize + i, rows);
                        let sx = reflect_101(x as isize + j, cols);
                        sum += image[sy * cols + sx] as f64 / 255.0;
                    }
                }
                let want = sum / (side * side) as f64;
                let diff = (got[y * cols + x] - want).abs();
                assert!(diff < 1e-12, "({y}, {x}): {} vs {want}", got[y * cols + x]);
            }
        }
    }

    /// FNV-1a over the bits of each value.
    fn bits_hash(values: &[f64]) -> u64 {
        crate::ops::dft::fnv1a(values.iter().flat_map(|v| v.to_le_bytes()))
    }

    #[test]
    fn equals_opencv_bit_for_bit() {
        // cv2.filter2D(img / 255., -1, k) with OpenCV 4.5.5's own DFT (OPENCV_IPP=disabled) for
        // this pattern and k the 17×17 box kernel (float32 1/289), hashed the same way. One
        // 50×64 DFT (33×47); one 75×75, odd lengths (59×59); 256×256 DFTs of tiles 240 and 60
        // rows high, 240 and 17 columns wide (300×257).
        let weights = vec![(1.0f32 / 289.0) as f64; 289];
        let kernel = Kernel {
            rows: 17,
            cols: 17,
            weights: &weights,
        };
        for (rows, cols, want) in [
            (33, 47, 0x0845_f87e_d605_2490u64),
            (59, 59, 0xc2d8_dd97_6812_8eac),
            (300, 257, 0xd357_e14b_6c32_6471),
        ] {
            let got = correlate_plane(&pattern(rows, cols), rows, cols, kernel);
            assert_eq!(bits_hash(&got), want, "{rows}×{cols}");
        }
    }

    #[test]
    fn channels_are_filtered_independently() {
        let (rows, cols) = (40, 36);
        let gray = pattern(rows, cols);
        let inverted: Vec<u8> = gray.iter().map(|&v| 255 - v).collect();
        let rgb: Vec<u8> = gray
            .iter()
            .zip(&inverted)
            .flat_map(|(&a, &b)| [a, b, a])
            .collect();
        let weights = box_kernel(9);
        let kernel = Kernel {
            rows: 9,
            cols: 9,
            weights: &weights,
        };
        let one = |plane: &[u8]| filter2d_dft_unit_u8(plane, (rows, cols, 1), kernel);
        let (a, b) = (one(&gray), one(&inverted));
        let all = filter2d_dft_unit_u8(&rgb, (rows, cols, 3), kernel);
        let want: Vec<u8> = a.iter().zip(&b).flat_map(|(&a, &b)| [a, b, a]).collect();
        assert_eq!(all, want);
    }
}
