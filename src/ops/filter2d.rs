//! 2-D correlation with OpenCV `filter2D` semantics: kernel anchor at the centre,
//! BORDER_REFLECT_101. Two uses: float64 images per channel, as defocus blur calls it (spec §1.3),
//! and 8-bit single-channel images with a small integer kernel, as spatter calls it (§2.18).
//!
//! For kernels of 50 taps or more OpenCV computes this correlation through DFTs (`crossCorr`), so
//! its last bits carry transform rounding noise that no direct sum reproduces; here the sum is
//! direct, in float64, which agrees with it to about 1e-16 relative. Kernels that are symmetric top
//! to bottom (all of defocus blur's) are folded: rows y−i and y+i are added before weighting.
//! The tap loop keeps a block of outputs in registers and runs on the widest vector unit present.

use super::border::reflect_101;

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

/// Correlates every channel of an H×W×C float64 image with `kernel` (reflect-101 border) and
/// returns the result in the same layout.
pub fn filter2d(data: &[f64], shape: (usize, usize, usize), kernel: &Kernel2d) -> Vec<f64> {
    let (h, w, c) = shape;
    assert_eq!(data.len(), h * w * c);
    let (ry, rx) = (kernel.rows / 2, kernel.cols / 2);
    let (ph, pw) = (h + 2 * ry, w + 2 * rx);
    let folded = kernel.symmetric_top_to_bottom();
    // The lines each output row reads: with folding, line i is padded rows y+ry−i and y+ry+i
    // added (line 0 the centre row alone); without, line i is padded row y+i.
    let kernel_rows: Vec<usize> = if folded {
        (0..=ry).map(|i| ry - i).collect()
    } else {
        (0..kernel.rows).collect()
    };
    // Nonzero taps as (offset into the stacked lines, weight), line by line, left to right.
    let taps: Vec<(usize, f64)> = kernel_rows
        .iter()
        .enumerate()
        .flat_map(|(line, &i)| {
            kernel
                .row(i)
                .iter()
                .enumerate()
                .filter(|(_, &k)| k != 0.0)
                .map(move |(j, &k)| (line * pw + j, k))
        })
        .collect();
    let row_index: Vec<usize> = (0..ph)
        .map(|i| reflect_101(i as isize - ry as isize, h))
        .collect();
    let col_index: Vec<usize> = (0..pw)
        .map(|j| reflect_101(j as isize - rx as isize, w))
        .collect();
    let accumulate = Accumulate::detect();

    let mut out = vec![0.0; data.len()];
    let mut padded = vec![0.0; ph * pw];
    let mut lines = vec![0.0; kernel_rows.len() * pw];
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
            if folded {
                lines[..pw].copy_from_slice(padded_row(y + ry));
                for i in 1..=ry {
                    let (above, below) = (padded_row(y + ry - i), padded_row(y + ry + i));
                    let line = &mut lines[i * pw..(i + 1) * pw];
                    for ((l, a), b) in line.iter_mut().zip(above).zip(below) {
                        *l = a + b;
                    }
                }
            } else {
                lines.copy_from_slice(&padded[y * pw..(y + kernel.rows) * pw]);
            }
            accumulate.run(&mut acc, &lines, &taps);
            for (x, &v) in acc.iter().enumerate() {
                out[(y * w + x) * c + ch] = v;
            }
        }
    }
    out
}

/// The widest vector unit the CPU offers for the tap loop. Every variant adds the same products
/// in the same order per output value, so all give identical bits.
#[derive(Clone, Copy)]
enum Accumulate {
    Baseline,
    #[cfg(target_arch = "x86_64")]
    Avx2,
    #[cfg(target_arch = "x86_64")]
    Avx512,
}

impl Accumulate {
    fn detect() -> Self {
        #[cfg(target_arch = "x86_64")]
        {
            if std::arch::is_x86_feature_detected!("avx512f") {
                return Accumulate::Avx512;
            }
            if std::arch::is_x86_feature_detected!("avx2") {
                return Accumulate::Avx2;
            }
        }
        Accumulate::Baseline
    }

    /// out[x] = Σ k · lines[offset + x] over the taps, in tap order.
    fn run(self, out: &mut [f64], lines: &[f64], taps: &[(usize, f64)]) {
        match self {
            Accumulate::Baseline => accumulate::<8>(out, lines, taps),
            // SAFETY: the variant is chosen only after the CPU reported the feature.
            #[cfg(target_arch = "x86_64")]
            Accumulate::Avx2 => unsafe { accumulate_avx2(out, lines, taps) },
            #[cfg(target_arch = "x86_64")]
            Accumulate::Avx512 => unsafe { accumulate_avx512(out, lines, taps) },
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
unsafe fn accumulate_avx2(out: &mut [f64], lines: &[f64], taps: &[(usize, f64)]) {
    accumulate::<16>(out, lines, taps)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn accumulate_avx512(out: &mut [f64], lines: &[f64], taps: &[(usize, f64)]) {
    accumulate::<32>(out, lines, taps)
}

/// The tap loop over blocks of B outputs held in registers (separate multiply and add, no fusion).
#[inline(always)]
fn accumulate<const B: usize>(out: &mut [f64], lines: &[f64], taps: &[(usize, f64)]) {
    let w = out.len();
    let mut x = 0;
    while x + B <= w {
        let mut acc = [0.0f64; B];
        for &(offset, k) in taps {
            let src: &[f64; B] = lines[offset + x..offset + x + B]
                .try_into()
                .expect("block of B values");
            for (a, &v) in acc.iter_mut().zip(src) {
                *a += k * v;
            }
        }
        out[x..x + B].copy_from_slice(&acc);
        x += B;
    }
    for (x, o) in out.iter_mut().enumerate().skip(x) {
        let mut a = 0.0;
        for &(offset, k) in taps {
            a += k * lines[offset + x];
        }
        *o = a;
    }
}

/// With integer weights and 8-bit inputs OpenCV's float accumulation is exact, so integers are used.
/// `cv2.filter2D(src, cv2.CV_8U, kernel)` for a 3×3 integer `kernel` (row-major, `kernel[dy][dx]`).
pub fn filter2d_3x3_u8(src: &[u8], width: usize, height: usize, kernel: [[i32; 3]; 3]) -> Vec<u8> {
    assert_eq!(src.len(), width * height);
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

    /// The correlation written out term by term.
    fn naive(data: &[f64], (h, w, c): (usize, usize, usize), k: &Kernel2d) -> Vec<f64> {
        let (ry, rx) = (k.rows as isize / 2, k.cols as isize / 2);
        let mut out = vec![0.0; data.len()];
        for y in 0..h {
            for x in 0..w {
                for ch in 0..c {
                    let mut s = 0.0;
                    for i in 0..k.rows {
                        for j in 0..k.cols {
                            let sy = reflect_101(y as isize + i as isize - ry, h);
                            let sx = reflect_101(x as isize + j as isize - rx, w);
                            s += k.weights[i * k.cols + j] * data[(sy * w + sx) * c + ch];
                        }
                    }
                    out[(y * w + x) * c + ch] = s;
                }
            }
        }
        out
    }

    fn test_image(h: usize, w: usize, c: usize) -> Vec<f64> {
        (0..h * w * c)
            .map(|i| ((i * 7919) % 255) as f64 / 255.0)
            .collect()
    }

    #[test]
    fn symmetric_and_general_kernels_match_the_direct_sum() {
        // 45 columns: one 32-wide block plus a tail for every vector width.
        let shape = (9, 45, 3);
        let data = test_image(9, 45, 3);
        let symmetric = Kernel2d::new(
            5,
            3,
            vec![
                0.1, 0.2, 0.3, 0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 0.0, 0.5, 0.6, 0.1, 0.2, 0.3,
            ],
        )
        .unwrap();
        let general = Kernel2d::new(3, 5, (0..15).map(|v| v as f64 - 4.0).collect()).unwrap();
        for k in [&symmetric, &general] {
            let ours = filter2d(&data, shape, k);
            for (a, b) in ours.iter().zip(naive(&data, shape, k)) {
                assert!((a - b).abs() < 1e-12, "{a} vs {b}");
            }
        }
    }

    #[test]
    fn every_vector_width_gives_the_same_bits() {
        let lines: Vec<f64> = (0..3 * 80).map(|i| ((i * 31) % 97) as f64 / 97.0).collect();
        let taps: Vec<(usize, f64)> = (0..9).map(|t| (t * 20, 0.1 + t as f64 / 7.0)).collect();
        let mut baseline = vec![0.0; 45];
        Accumulate::Baseline.run(&mut baseline, &lines, &taps);
        let mut best = vec![0.0; 45];
        Accumulate::detect().run(&mut best, &lines, &taps);
        assert_eq!(baseline, best);
        let mut wide = vec![0.0; 45];
        accumulate::<32>(&mut wide, &lines, &taps);
        assert_eq!(baseline, wide);
    }

    #[test]
    fn kernel_larger_than_image_reflects_repeatedly() {
        let data = test_image(3, 4, 1);
        let k = Kernel2d::new(9, 9, (0..81).map(|v| v as f64 / 81.0).collect()).unwrap();
        let ours = filter2d(&data, (3, 4, 1), &k);
        for (a, b) in ours.iter().zip(naive(&data, (3, 4, 1), &k)) {
            assert!((a - b).abs() < 1e-12);
        }
    }

    #[test]
    fn identity_kernel_copies() {
        let data = test_image(6, 5, 3);
        let k = Kernel2d::new(3, 3, vec![0.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0]).unwrap();
        assert_eq!(filter2d(&data, (6, 5, 3), &k), data);
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
