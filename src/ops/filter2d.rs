//! 2-D correlation with OpenCV `filter2D` semantics: kernel anchor at the centre,
//! BORDER_REFLECT_101. Two uses: 8-bit images scaled to [0, 1] and filtered per channel in float64,
//! as defocus blur calls it (spec §1.3), and 8-bit single-channel images with a small integer
//! kernel, as spatter calls it (§2.18).
//!
//! For kernels of 50 taps or more OpenCV computes the float correlation through DFTs (`crossCorr`),
//! so its last bits carry transform rounding noise that no direct sum reproduces. Here the sum is
//! as exact as float64 allows: taps are grouped by weight (a blurred disk has few distinct
//! weights), each group's 8-bit values are summed exactly in 16-bit integers, and only the group
//! sums are weighted in float64. The result, Σ k·v = 255·Σ k·x for 8-bit values v, is within a
//! few units in the last place of the exact value, as the DFT result is (and is exact when the
//! weights' exponents span a narrow range, as those of defocus blur's alias_blur 0.5 disks do).

use super::border::reflect_101;
use crate::simd::{self, Isa};

/// A correlation kernel, row-major, with odd sides so that its centre is the anchor.
#[derive(Clone, Debug, PartialEq)]
pub struct Kernel2d {
    rows: usize,
    cols: usize,
    weights: Vec<f64>,
}

impl Kernel2d {
    /// A kernel of `rows`×`cols` weights; `None` when the sides are even or do not match.
    pub fn new(rows: usize, cols: usize, weights: Vec<f64>) -> Option<Self> {
        (rows % 2 == 1 && cols % 2 == 1 && weights.len() == rows * cols).then_some(Kernel2d {
            rows,
            cols,
            weights,
        })
    }

    fn row(&self, i: usize) -> &[f64] {
        &self.weights[i * self.cols..(i + 1) * self.cols]
    }

    fn symmetric_top_to_bottom(&self) -> bool {
        (0..self.rows / 2).all(|i| self.row(i) == self.row(self.rows - 1 - i))
    }
}

/// The nonzero taps of one kernel row: (column offset into the padded row, weight).
type Taps = Vec<(usize, f64)>;

/// Correlates every channel of an H×W×C float64 image with `kernel` (reflect-101 border) and
/// returns the float64 result in the same layout, for callers that round it on their own terms
/// (MNIST-C's defocus blur goes through float32). Kernels symmetric top to bottom are folded:
/// rows y−i and y+i are added before weighting.
pub fn filter2d(data: &[f64], shape: (usize, usize, usize), kernel: &Kernel2d) -> Vec<f64> {
    let (h, w, c) = shape;
    assert_eq!(data.len(), h * w * c);
    let (ry, rx) = (kernel.rows / 2, kernel.cols / 2);
    let (ph, pw) = (h + 2 * ry, w + 2 * rx);
    let taps: Vec<Taps> = (0..kernel.rows)
        .map(|i| {
            kernel
                .row(i)
                .iter()
                .enumerate()
                .filter(|(_, &k)| k != 0.0)
                .map(|(j, &k)| (j, k))
                .collect()
        })
        .collect();
    let folded = kernel.symmetric_top_to_bottom();
    let row_index: Vec<usize> = (0..ph)
        .map(|i| reflect_101(i as isize - ry as isize, h))
        .collect();
    let col_index: Vec<usize> = (0..pw)
        .map(|j| reflect_101(j as isize - rx as isize, w))
        .collect();

    let mut out = vec![0.0; data.len()];
    let mut padded = vec![0.0; ph * pw];
    let mut pair = vec![0.0; pw];
    let mut acc = vec![0.0; w];
    for ch in 0..c {
        for (py, &sy) in row_index.iter().enumerate() {
            let src = &data[sy * w * c..(sy + 1) * w * c];
            let dst = &mut padded[py * pw..(py + 1) * pw];
            for (d, &sx) in dst.iter_mut().zip(&col_index) {
                *d = src[sx * c + ch];
            }
        }
        let padded_row = |r: usize| &padded[r * pw..(r + 1) * pw];
        for y in 0..h {
            acc.fill(0.0);
            if folded {
                accumulate(&mut acc, padded_row(y + ry), &taps[ry]);
                for i in 1..=ry {
                    let (above, below) = (padded_row(y + ry - i), padded_row(y + ry + i));
                    for ((p, a), b) in pair.iter_mut().zip(above).zip(below) {
                        *p = a + b;
                    }
                    accumulate(&mut acc, &pair, &taps[ry - i]);
                }
            } else {
                for (i, row_taps) in taps.iter().enumerate() {
                    accumulate(&mut acc, padded_row(y + i), row_taps);
                }
            }
            for (x, &v) in acc.iter().enumerate() {
                out[(y * w + x) * c + ch] = v;
            }
        }
    }
    out
}

/// acc[x] += Σ k · row[x + j] over the taps, in tap order, over whole contiguous slices.
#[inline]
fn accumulate(acc: &mut [f64], row: &[f64], taps: &Taps) {
    let w = acc.len();
    for &(j, k) in taps {
        for (a, &v) in acc.iter_mut().zip(&row[j..j + w]) {
            *a += k * v;
        }
    }
}

/// The most taps of one group: 257 values of at most 255 sum to at most 65535.
const GROUP_TAPS: usize = 257;

/// The nonzero taps grouped by weight, in order of first appearance (row-major), each group's
/// exact sum written as terms over the window rows and the folded rows of [`fold_rows`].
///
/// A blurred disk is symmetric top to bottom, so most taps come in pairs (row ry − i and ry + i,
/// same column) that one value of the pair row P_i covers, and its flat interior covers whole
/// columns of rows −i..=i, which one value of the window sum Q_i covers (Q_i − Q_{i0−1} for rows
/// i0..=i on both sides). The group sums are integers that fit 16 bits, so wrapping 16-bit
/// arithmetic in any order gives them exactly.
struct TapGroups {
    weights: Vec<f64>,
    /// Per group: offsets into the window (relative to its top-left value) of unpaired taps.
    raw: Vec<Vec<usize>>,
    /// Per group: offsets into the folded rows of the terms to add and to subtract.
    adds: Vec<Vec<usize>>,
    subs: Vec<Vec<usize>>,
}

impl TapGroups {
    fn new(kernel: &Kernel2d, padded_row: usize, channels: usize) -> Self {
        let mut groups: Vec<(f64, Vec<(usize, usize)>)> = Vec::new();
        for (t, &k) in kernel.weights.iter().enumerate() {
            if k == 0.0 {
                continue;
            }
            let tap = (t / kernel.cols, t % kernel.cols);
            // The last group of this weight, unless it is full.
            match groups
                .iter_mut()
                .rev()
                .find(|(w, _)| w.to_bits() == k.to_bits())
            {
                Some((_, taps)) if taps.len() < GROUP_TAPS => taps.push(tap),
                _ => groups.push((k, vec![tap])),
            }
        }
        let ry = kernel.rows / 2;
        let pair = |i: usize, j: usize| (i - 1) * padded_row + j * channels;
        let sum = |i: usize, j: usize| (ry + i) * padded_row + j * channels;
        let mut out = TapGroups {
            weights: groups.iter().map(|g| g.0).collect(),
            raw: Vec::new(),
            adds: Vec::new(),
            subs: Vec::new(),
        };
        for (_, taps) in &groups {
            let (mut raw, mut adds, mut subs) = (Vec::new(), Vec::new(), Vec::new());
            for j in 0..kernel.cols {
                let has = |row: usize| taps.contains(&(row, j));
                // Rows ry ± i both in the group (the centre alone for i = 0), as runs of i.
                let folded = |i: usize| has(ry - i) && has(ry + i);
                let mut i = 0;
                while i <= ry {
                    if !folded(i) {
                        // The centre is folded whenever it is in the group.
                        if i > 0 {
                            for row in [ry - i, ry + i].into_iter().filter(|&row| has(row)) {
                                raw.push(row * padded_row + j * channels);
                            }
                        }
                        i += 1;
                        continue;
                    }
                    let start = i;
                    while i < ry && folded(i + 1) {
                        i += 1;
                    }
                    match (start, i - start) {
                        (0, _) => adds.push(sum(i, j)),
                        (_, 0) => adds.push(pair(start, j)),
                        (_, 1) => adds.extend([pair(start, j), pair(i, j)]),
                        _ => {
                            adds.push(sum(i, j));
                            subs.push(sum(start - 1, j));
                        }
                    }
                    i += 1;
                }
            }
            out.raw.push(raw);
            out.adds.push(adds);
            out.subs.push(subs);
        }
        out
    }
}

/// The folded rows of the window of one output row (2·ry + 1 padded rows): the pair rows
/// P_i = row(ry − i) + row(ry + i) for i = 1..=ry, then the window sums Q_i = row(ry) + P_1 + … +
/// P_i for i = 0..=ry, each `padded_row` values, in wrapping 16-bit arithmetic.
#[inline(always)]
fn fold_rows(folds: &mut [u16], window: &[u16], padded_row: usize, ry: usize) {
    let (pairs, sums) = folds.split_at_mut(ry * padded_row);
    let row = |k: usize| &window[k * padded_row..(k + 1) * padded_row];
    sums[..padded_row].copy_from_slice(row(ry));
    for i in 1..=ry {
        let pair = &mut pairs[(i - 1) * padded_row..i * padded_row];
        for ((p, &a), &b) in pair.iter_mut().zip(row(ry - i)).zip(row(ry + i)) {
            *p = a.wrapping_add(b);
        }
        let (done, rest) = sums.split_at_mut(i * padded_row);
        let previous = &done[(i - 1) * padded_row..];
        for ((q, &s), &p) in rest[..padded_row].iter_mut().zip(previous).zip(pair.iter()) {
            *q = s.wrapping_add(p);
        }
    }
}

/// Correlates every channel of an H×W×C 8-bit image scaled to [0, 1] (`img / 255.`) with `kernel`
/// in float64 (reflect-101 border), clips to [0, 1], scales by 255 and truncates to 8 bits, as
/// ImageNet-C's defocus blur finishes it.
pub fn filter2d_unit_u8(image: &[u8], shape: (usize, usize, usize), kernel: &Kernel2d) -> Vec<u8> {
    let (h, w, c) = shape;
    assert_eq!(image.len(), h * w * c);
    let mut out = vec![0u8; image.len()];
    if image.is_empty() {
        return out;
    }
    let (ry, rx) = (kernel.rows / 2, kernel.cols / 2);
    let padded_row = (w + 2 * rx) * c;
    let columns: Vec<usize> = (0..w + 2 * rx)
        .map(|j| reflect_101(j as isize - rx as isize, w))
        .collect();
    let mut padded = vec![0u16; (h + 2 * ry) * padded_row];
    for (py, line) in padded.chunks_exact_mut(padded_row).enumerate() {
        let sy = reflect_101(py as isize - ry as isize, h);
        let source = &image[sy * w * c..(sy + 1) * w * c];
        for (pixel, &sx) in line.chunks_exact_mut(c).zip(&columns) {
            for (d, &v) in pixel.iter_mut().zip(&source[sx * c..(sx + 1) * c]) {
                *d = v as u16;
            }
        }
    }
    let groups = TapGroups::new(kernel, padded_row, c);
    let layout = Layout {
        padded_row,
        row: w * c,
        ry,
    };
    correlate(&mut out, &padded, layout, &groups);
    out
}

/// The shape of the padded image that [`correlate`] reads.
#[derive(Clone, Copy)]
struct Layout {
    /// Values per padded row and per output row.
    padded_row: usize,
    row: usize,
    /// The kernel's vertical radius.
    ry: usize,
}

/// Every output row with AVX2 where present; both widths give the same bits. AVX2 also on
/// AVX-512 machines: 512-bit blocks of 32 measured up to twice as slow on the development
/// machine, and their speed swung with the machine's state far more.
fn correlate(out: &mut [u8], padded: &[u16], layout: Layout, groups: &TapGroups) {
    simd::dispatch_at_most(
        Isa::Avx2,
        #[inline(always)]
        |isa| match isa {
            Isa::Baseline => correlate_rows::<8>(out, padded, layout, groups),
            _ => correlate_rows::<16>(out, padded, layout, groups),
        },
    )
}

/// Output row y's window starts at padded row y; blocks of B values, then single values.
#[inline(always)]
fn correlate_rows<const B: usize>(
    out: &mut [u8],
    padded: &[u16],
    Layout {
        padded_row,
        row,
        ry,
    }: Layout,
    groups: &TapGroups,
) {
    let mut folds = vec![0u16; (2 * ry + 1) * padded_row];
    for (y, line) in out.chunks_exact_mut(row).enumerate() {
        let window = &padded[y * padded_row..];
        fold_rows(&mut folds, window, padded_row, ry);
        let mut x = 0;
        while x + B <= line.len() {
            correlate_block::<B>(&mut line[x..x + B], window, &folds, x, groups);
            x += B;
        }
        for x in x..line.len() {
            correlate_block::<1>(&mut line[x..x + 1], window, &folds, x, groups);
        }
    }
}

/// B outputs from value x on: per group the exact 16-bit sum of its taps, then Σ weight·sum in
/// float64 in group order, and the 8-bit cast of clip(x, 0, 1)·255 = clip(Σ, 0, 255).
#[inline(always)]
fn correlate_block<const B: usize>(
    out: &mut [u8],
    window: &[u16],
    folds: &[u16],
    x: usize,
    groups: &TapGroups,
) {
    let block = |values: &[u16], offset: usize| -> [u16; B] {
        values[offset + x..offset + x + B]
            .try_into()
            .expect("block of B values")
    };
    let mut total = [0.0f64; B];
    let terms = groups.raw.iter().zip(&groups.adds).zip(&groups.subs);
    for (&k, ((raw, adds), subs)) in groups.weights.iter().zip(terms) {
        let mut sum = [0u16; B];
        for (values, offsets) in [(window, raw), (folds, adds)] {
            for &offset in offsets {
                for (s, v) in sum.iter_mut().zip(block(values, offset)) {
                    *s = s.wrapping_add(v);
                }
            }
        }
        for &offset in subs {
            for (s, v) in sum.iter_mut().zip(block(folds, offset)) {
                *s = s.wrapping_sub(v);
            }
        }
        // Widened first, so that the 16-bit sums keep full-width vectors.
        let wide = sum.map(i32::from);
        for (t, &s) in total.iter_mut().zip(&wide) {
            *t += k * s as f64;
        }
    }
    for (o, &t) in out.iter_mut().zip(&total) {
        // Truncation of a value in [0, 255]: 2⁵² added leaves it in the lowest mantissa bits.
        let whole = t.clamp(0.0, 255.0).trunc();
        *o = (whole + 4503599627370496.0).to_bits() as u8;
    }
}

/// With integer weights and 8-bit inputs OpenCV's float accumulation is exact, so integers are used.
/// `cv2.filter2D(src, cv2.CV_8U, kernel)` for a 3×3 integer `kernel` (row-major, `kernel[dy][dx]`).
pub fn filter2d_3x3_u8(src: &[u8], width: usize, height: usize, kernel: [[i32; 3]; 3]) -> Vec<u8> {
    assert_eq!(src.len(), width * height);
    simd::dispatch(
        #[inline(always)]
        |_| filter_3x3_u8(src, width, height, kernel),
    )
}

#[inline(always)]
fn filter_3x3_u8(src: &[u8], width: usize, height: usize, kernel: [[i32; 3]; 3]) -> Vec<u8> {
    let mut out = vec![0u8; width * height];
    if out.is_empty() {
        return out;
    }
    // Every row padded by one reflected column on each side, as i32.
    let pw = width + 2;
    let mut padded = vec![0i32; pw * height];
    for (line, row) in src.chunks_exact(width).zip(padded.chunks_exact_mut(pw)) {
        row[0] = line[reflect_101(-1, width)] as i32;
        row[pw - 1] = line[reflect_101(width as isize, width)] as i32;
        for (p, &v) in row[1..=width].iter_mut().zip(line) {
            *p = v as i32;
        }
    }
    let taps: Vec<(usize, usize, i32)> = (0..3)
        .flat_map(|dy| (0..3).map(move |dx| (dy, dx, kernel[dy][dx])))
        .filter(|&(_, _, k)| k != 0)
        .collect();
    let mut sum = vec![0i32; width];
    for (y, out) in out.chunks_exact_mut(width).enumerate() {
        let rows = [-1, 0, 1].map(|d| reflect_101(y as isize + d, height) * pw);
        sum.fill(0);
        for &(dy, dx, k) in &taps {
            let run = &padded[rows[dy] + dx..][..width];
            for (s, &v) in sum.iter_mut().zip(run) {
                *s += k * v;
            }
        }
        for (o, &s) in out.iter_mut().zip(&sum) {
            *o = s.clamp(0, 255) as u8;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The correlation of x/255 written out term by term in float64, clipped, scaled, truncated;
    /// also whether each value lies within 1e-9 of an integer, where a last-bit difference in the
    /// sum could flip the truncation.
    fn naive(image: &[u8], (h, w, c): (usize, usize, usize), k: &Kernel2d) -> Vec<(u8, bool)> {
        let (ry, rx) = (k.rows as isize / 2, k.cols as isize / 2);
        let mut out = Vec::with_capacity(image.len());
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    let mut s = 0.0;
                    for i in 0..k.rows {
                        for j in 0..k.cols {
                            let sy = reflect_101(y as isize + i as isize - ry, h);
                            let sx = reflect_101(x as isize + j as isize - rx, w);
                            let v = image[(sy * w + sx) * c + ch] as f64 / 255.0;
                            s += k.weights[i * k.cols + j] * v;
                        }
                    }
                    let scaled = s.clamp(0.0, 1.0) * 255.0;
                    let near = (scaled - scaled.round()).abs() < 1e-9;
                    out.push((scaled as u8, near));
                }
            }
        }
        out
    }

    fn test_image(h: usize, w: usize, c: usize) -> Vec<u8> {
        (0..h * w * c).map(|i| (i * 7919 % 256) as u8).collect()
    }

    fn assert_matches_naive(image: &[u8], shape: (usize, usize, usize), k: &Kernel2d) {
        let ours = filter2d_unit_u8(image, shape, k);
        let mut exact = 0;
        for (&a, (b, near)) in ours.iter().zip(naive(image, shape, k)) {
            assert!(a == b || near, "{a} vs {b}");
            exact += (a == b) as usize;
        }
        assert!(exact * 100 >= ours.len() * 99);
    }

    #[test]
    fn matches_the_direct_sum() {
        // 45 columns: one 32-wide block plus a tail for every vector width.
        let shape = (9, 45, 3);
        let image = test_image(9, 45, 3);
        let repeated = Kernel2d::new(
            5,
            3,
            vec![
                0.1, 0.2, 0.3, 0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.0, 0.5, 0.6, 0.1, 0.2, 0.3,
            ],
        )
        .unwrap();
        let signed = Kernel2d::new(3, 5, (0..15).map(|v| (v as f64 - 4.0) / 17.0).collect());
        for k in [&repeated, &signed.unwrap()] {
            assert_matches_naive(&image, shape, k);
        }
    }

    #[test]
    fn every_vector_width_gives_the_same_bits() {
        let (h, w, c) = (6, 45, 3);
        let image = test_image(h, w, c);
        let disk = crate::ops::disk::disk(4.0, 0.5);
        let disk = Kernel2d::new(17, 17, disk.weights.iter().map(|&v| v as f64).collect());
        let square = Kernel2d::new(3, 3, (1..10).map(|v| v as f64 / 45.0).collect());
        for k in [disk.unwrap(), square.unwrap()] {
            let widest = filter2d_unit_u8(&image, (h, w, c), &k);
            let (ry, rx) = (k.rows / 2, k.cols / 2);
            let padded = padded_image(&image, (h, w, c), (ry, rx));
            let layout = Layout {
                padded_row: (w + 2 * rx) * c,
                row: w * c,
                ry,
            };
            let groups = TapGroups::new(&k, layout.padded_row, c);
            let mut narrow = vec![0u8; image.len()];
            correlate_rows::<8>(&mut narrow, &padded, layout, &groups);
            assert_eq!(widest, narrow);
            let mut single = vec![0u8; image.len()];
            correlate_rows::<1>(&mut single, &padded, layout, &groups);
            assert_eq!(widest, single);
        }
    }

    /// The image as u16 with ry rows and rx columns of reflect-101 border.
    fn padded_image(
        image: &[u8],
        (h, w, c): (usize, usize, usize),
        (ry, rx): (usize, usize),
    ) -> Vec<u16> {
        let mut padded = Vec::new();
        for py in 0..h + 2 * ry {
            for px in 0..w + 2 * rx {
                let sy = reflect_101(py as isize - ry as isize, h);
                let sx = reflect_101(px as isize - rx as isize, w);
                padded.extend((0..c).map(|ch| image[(sy * w + sx) * c + ch] as u16));
            }
        }
        padded
    }

    #[test]
    fn folded_terms_give_the_plain_group_sums() {
        // Per output: each group's taps summed one by one, then Σ weight·sum in group order.
        let plain = |image: &[u8], (h, w, c): (usize, usize, usize), k: &Kernel2d| {
            let mut groups: Vec<(f64, Vec<usize>)> = Vec::new();
            for (t, &v) in k.weights.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                match groups.iter_mut().rev().find(|(g, _)| *g == v) {
                    Some((_, taps)) if taps.len() < GROUP_TAPS => taps.push(t),
                    _ => groups.push((v, vec![t])),
                }
            }
            let (ry, rx) = (k.rows / 2, k.cols / 2);
            let padded = padded_image(image, (h, w, c), (ry, rx));
            let padded_row = (w + 2 * rx) * c;
            let mut out = Vec::new();
            for y in 0..h {
                for x in 0..w * c {
                    let mut total = 0.0;
                    for (v, taps) in &groups {
                        let at = |t: &usize| {
                            padded[(y + t / k.cols) * padded_row + x + t % k.cols * c] as u32
                        };
                        total += v * taps.iter().map(at).sum::<u32>() as f64;
                    }
                    out.push(total.clamp(0.0, 255.0) as u8);
                }
            }
            out
        };
        let shape = (23, 26, 3);
        let image = test_image(23, 26, 3);
        let disks = [(3.0, 0.1), (6.0, 0.5), (10.0, 0.5)].map(|(r, a)| {
            let d = crate::ops::disk::disk(r, a);
            Kernel2d::new(
                d.side,
                d.side,
                d.weights.iter().map(|&v| v as f64).collect(),
            )
        });
        // Equal weights split into two groups mid-kernel, and a kernel with no symmetry.
        let flat = Kernel2d::new(17, 17, vec![1.0 / 400.0; 289]);
        let uneven = Kernel2d::new(5, 3, (0..15).map(|v| (v % 4) as f64 / 9.0).collect());
        for k in disks.into_iter().chain([flat, uneven]) {
            let k = k.unwrap();
            assert_eq!(
                filter2d_unit_u8(&image, shape, &k),
                plain(&image, shape, &k)
            );
        }
    }

    #[test]
    fn large_groups_are_split_before_16_bit_sums_overflow() {
        // 289 equal taps over white: 289·255 = 73695 does not fit 16 bits.
        let image = vec![255u8; 20 * 20];
        let k = Kernel2d::new(17, 17, vec![1.0 / 400.0; 289]).unwrap();
        let out = filter2d_unit_u8(&image, (20, 20, 1), &k);
        assert!(out.iter().all(|&v| v == (289.0 * 255.0 / 400.0) as u8));
        assert_eq!(TapGroups::new(&k, 36, 1).weights.len(), 2);
    }

    #[test]
    fn kernel_larger_than_image_reflects_repeatedly() {
        let image = test_image(3, 4, 1);
        let k = Kernel2d::new(9, 9, (0..81).map(|v| v as f64 / 3321.0).collect()).unwrap();
        assert_matches_naive(&image, (3, 4, 1), &k);
    }

    #[test]
    fn identity_kernel_copies() {
        let image = test_image(6, 5, 3);
        let k = Kernel2d::new(3, 3, vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        assert_eq!(filter2d_unit_u8(&image, (6, 5, 3), &k), image);
        assert!(Kernel2d::new(2, 3, vec![0.0; 6]).is_none());
    }

    #[test]
    fn u8_filter_matches_the_window_written_out() {
        let k = [[-2, -1, 0], [-1, 1, 1], [0, 1, 2]];
        for (w, h) in [(9, 6), (1, 4), (5, 1)] {
            let src: Vec<u8> = (0..w * h).map(|i| ((i * 7919) % 256) as u8).collect();
            let out = filter2d_3x3_u8(&src, w, h, k);
            for y in 0..h {
                for x in 0..w {
                    let mut sum = 0i32;
                    for (dy, krow) in k.iter().enumerate() {
                        for (dx, &kv) in krow.iter().enumerate() {
                            let sy = reflect_101(y as isize + dy as isize - 1, h);
                            let sx = reflect_101(x as isize + dx as isize - 1, w);
                            sum += kv * src[sy * w + sx] as i32;
                        }
                    }
                    assert_eq!(out[y * w + x] as i32, sum.clamp(0, 255));
                }
            }
        }
    }

    #[test]
    fn correlates_not_convolves_and_saturates() {
        // A single bright pixel at the centre of a 3×3 image; a kernel with one weight at the
        // top-left: correlation reads the pixel up-left of each output.
        let mut src = [0u8; 9];
        src[4] = 100;
        let k = [[1, 0, 0], [0, 0, 0], [0, 0, 0]];
        let out = filter2d_3x3_u8(&src, 3, 3, k);
        // output (2,2) reads (1,1); output (0,0) reads (-1,-1) → reflect-101 → (1,1)
        assert_eq!(out[8], 100);
        assert_eq!(out[0], 100);
        assert_eq!(out[4], 0);
        let big = filter2d_3x3_u8(&[200; 9], 3, 3, [[1, 1, 0], [0, 0, 0], [0, 0, -3]]);
        assert!(big.iter().all(|&v| v == 0));
        let sat = filter2d_3x3_u8(&[200; 9], 3, 3, [[1, 1, 0], [0, 0, 0], [0, 0, 0]]);
        assert!(sat.iter().all(|&v| v == 255));
    }
}
