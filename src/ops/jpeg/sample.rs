//! Sample planes and the chroma resampling of libjpeg-turbo (`jcsample.c`, `jdsample.c`), with
//! libjpeg's edge handling: planes are padded by repeating the last column and row
//! (`expand_right_edge` / `expand_bottom_edge`), and the upsamplers treat samples beyond the
//! component's real size as copies of the edge samples (libjpeg's context-row duplication).
//!
//! libjpeg 9 needs none of the resamplers here: it folds factor-2 subsampling into its scaled
//! DCTs (see `dct.rs`).

use crate::simd;
use std::cell::RefCell;

/// One component's samples, row-major with stride `width`.
#[derive(Clone, Debug)]
pub struct Plane {
    pub width: usize,
    pub height: usize,
    pub data: Vec<u8>,
}

/// The most sample bytes a thread keeps in [`SPARE`].
const SPARE_BYTES: usize = 32 << 20;

thread_local! {
    /// Buffers of dropped planes, for the next planes on this thread: a fresh large buffer
    /// costs the kernel's zeroing of its pages, each time an image is coded.
    static SPARE: RefCell<Vec<Vec<u8>>> = const { RefCell::new(Vec::new()) };
}

impl Plane {
    /// A plane whose samples are unspecified (left over from an earlier plane): every caller
    /// writes all of them.
    pub fn new(width: usize, height: usize) -> Self {
        let n = width * height;
        let reused = SPARE.with_borrow_mut(|spare| {
            let best = (0..spare.len())
                .filter(|&i| spare[i].capacity() >= n)
                .min_by_key(|&i| spare[i].capacity())?;
            Some(spare.swap_remove(best))
        });
        let mut data = reused.unwrap_or_default();
        data.resize(n, 0);
        Plane {
            width,
            height,
            data,
        }
    }

    /// The first `w`×`h` samples of `self` (w ≤ width, h ≤ height) extended to
    /// `width`×`height` by repeating the last real column and row.
    pub fn padded(&self, w: usize, h: usize, width: usize, height: usize) -> Plane {
        let mut out = Plane::new(width, height);
        for y in 0..height {
            let src = &self.data[y.min(h - 1) * self.width..][..w];
            let dst = &mut out.data[y * width..(y + 1) * width];
            dst[..w].copy_from_slice(src);
            let last = src[w - 1];
            dst[w..].fill(last);
        }
        out
    }
}

impl Drop for Plane {
    fn drop(&mut self) {
        let data = std::mem::take(&mut self.data);
        // `try_with`: a plane dropped while the thread's storage is torn down is just freed.
        let _ = SPARE.try_with(|spare| {
            let mut spare = spare.borrow_mut();
            let kept: usize = spare.iter().map(Vec::capacity).sum();
            if kept + data.capacity() <= SPARE_BYTES {
                spare.push(data);
            }
        });
    }
}

/// libjpeg-turbo's `h2v2_downsample`: each output sample is the mean of a 2×2 input group,
/// `(sum + bias) >> 2`, with the bias alternating 1, 2, 1, ... along each output row. Inputs
/// beyond the `w`×`h` real samples repeat the edge. The output is `out_width` × ⌈h/2⌉.
pub fn downsample_h2v2(full: &Plane, w: usize, h: usize, out_width: usize) -> Plane {
    let out_height = h.div_ceil(2);
    let mut out = Plane::new(out_width, out_height);
    let mean = |ox: usize, a: u8, b: u8, c: u8, d: u8| {
        let sum = u32::from(a) + u32::from(b) + u32::from(c) + u32::from(d);
        let bias = 1 + (ox as u32 & 1);
        ((sum + bias) >> 2) as u8
    };
    simd::dispatch(
        #[inline(always)]
        |_| {
            for (oy, row) in out.data.chunks_exact_mut(out_width).enumerate() {
                let r0 = &full.data[(2 * oy).min(h - 1) * full.width..][..w];
                let r1 = &full.data[(2 * oy + 1).min(h - 1) * full.width..][..w];
                // Whole pairs of real columns, then the edge repeated.
                let pairs = w / 2;
                let inner = row
                    .iter_mut()
                    .zip(r0.chunks_exact(2).zip(r1.chunks_exact(2)));
                for (ox, (o, (a, b))) in inner.enumerate() {
                    *o = mean(ox, a[0], a[1], b[0], b[1]);
                }
                for (ox, o) in row.iter_mut().enumerate().skip(pairs) {
                    let (c0, c1) = ((2 * ox).min(w - 1), (2 * ox + 1).min(w - 1));
                    *o = mean(ox, r0[c0], r0[c1], r1[c0], r1[c1]);
                }
            }
        },
    );
    out
}

/// libjpeg-turbo's upsampling of a component subsampled by `fh`×`fv` (each 1 or 2) whose real
/// size is `w`×`h` samples of `plane`: the "fancy" triangle filters (`h2v2_fancy_upsample`,
/// `h2v1_fancy_upsample`, `h1v2_fancy_upsample`), or sample replication where libjpeg-turbo
/// falls back to it (horizontal factor 2 with at most 2 samples per row). The output is
/// `fh·w` × `fv·h`.
pub fn upsample(plane: &Plane, w: usize, h: usize, fh: usize, fv: usize) -> Plane {
    simd::dispatch(
        #[inline(always)]
        |_| upsample_rows(plane, w, h, fh, fv),
    )
}

/// The body of [`upsample`], inlined into each instruction set's version.
#[inline(always)]
fn upsample_rows(plane: &Plane, w: usize, h: usize, fh: usize, fv: usize) -> Plane {
    let (ow, oh) = (w * fh, h * fv);
    let mut out = Plane::new(ow, oh);
    let row_of = |y: usize| &plane.data[y * plane.width..y * plane.width + w];
    let fancy_h = fh == 2 && w > 2;
    // libjpeg-turbo replicates (no filtering in either direction) when it cannot filter a
    // horizontally subsampled row.
    let replicate = fh == 2 && !fancy_h;
    // Vertically weighted input row: 3/4 the nearer row + 1/4 the next nearer (×4), or the row
    // itself (×4) without vertical filtering.
    let mut sums = vec![0i32; w];
    for oy in 0..oh {
        let near = oy / fv;
        let far = if fv == 1 {
            near
        } else if oy % 2 == 0 {
            near.saturating_sub(1) // the row above
        } else {
            (near + 1).min(h - 1) // the row below
        };
        let (a, b) = (row_of(near), row_of(far));
        let row = &mut out.data[oy * ow..(oy + 1) * ow];
        if fv == 2 && !replicate {
            for ((s, &x), &y) in sums.iter_mut().zip(a).zip(b) {
                *s = 3 * i32::from(x) + i32::from(y);
            }
        } else {
            for (s, &x) in sums.iter_mut().zip(a) {
                *s = 4 * i32::from(x);
            }
        }
        match (fh, fancy_h) {
            (1, _) => {
                // 4·x or the vertical sum; `h1v2_fancy_upsample` rounds with bias 1 / 2.
                let bias = if fv == 1 { 0 } else { 1 + (oy % 2) as i32 };
                for (o, &s) in row.iter_mut().zip(&sums) {
                    *o = ((s + bias) >> 2) as u8;
                }
            }
            (_, true) => {
                // Triangle filter along the row; `h2v2_fancy_upsample` rounds with 8 / 7, and
                // `h2v1_fancy_upsample`'s 1 / 2 become 4 / 8 on these ×4 sums.
                let (even, odd) = if fv == 2 { (8, 7) } else { (4, 8) };
                let pair = |left: i32, this: i32, right: i32| {
                    [
                        ((3 * this + left + even) >> 4) as u8,
                        ((3 * this + right + odd) >> 4) as u8,
                    ]
                };
                // The edge samples are their own outer neighbours.
                row[..2].copy_from_slice(&pair(sums[0], sums[0], sums[1]));
                let inner = row[2..2 * w - 2].chunks_exact_mut(2).zip(sums.windows(3));
                for (out, s) in inner {
                    out.copy_from_slice(&pair(s[0], s[1], s[2]));
                }
                row[2 * w - 2..].copy_from_slice(&pair(sums[w - 2], sums[w - 1], sums[w - 1]));
            }
            _ => {
                // Replication (`h2v1_upsample` / `h2v2_upsample`).
                for (pair, &s) in row.chunks_exact_mut(2).zip(&sums) {
                    pair.fill((s >> 2) as u8);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plane(width: usize, height: usize, f: impl Fn(usize, usize) -> u8) -> Plane {
        let mut p = Plane::new(width, height);
        for y in 0..height {
            for x in 0..width {
                p.data[y * width + x] = f(y, x);
            }
        }
        p
    }

    #[test]
    fn padding_repeats_the_edges() {
        let p = plane(3, 2, |y, x| (10 * y + x) as u8);
        let q = p.padded(3, 2, 5, 4);
        assert_eq!(&q.data[..5], &[0, 1, 2, 2, 2]);
        assert_eq!(&q.data[15..], &[10, 11, 12, 12, 12]);
    }

    #[test]
    fn downsampling_alternates_the_bias() {
        // Groups summing to 2 (mod 4): bias 1 rounds down, bias 2 rounds up.
        let p = plane(8, 2, |y, x| if y == 0 && x % 2 == 0 { 2 } else { 0 });
        let d = downsample_h2v2(&p, 8, 2, 4);
        assert_eq!(d.data, vec![0, 1, 0, 1]);
        // Odd sizes repeat the last column and row.
        let p = plane(3, 3, |y, x| (y * 3 + x) as u8 * 10);
        let d = downsample_h2v2(&p, 3, 3, 2);
        assert_eq!(d.height, 2);
        // (0+10+30+40+1)/4, (20+20+50+50+2)/4, (60+70+60+70+1)/4, (4·80+2)/4
        assert_eq!(d.data, vec![20, 35, 65, 80]);
    }

    #[test]
    fn fancy_upsampling_is_a_triangle_filter() {
        let p = plane(4, 2, |y, x| (40 * x + 80 * y) as u8);
        let u = upsample(&p, 4, 2, 2, 2);
        assert_eq!((u.width, u.height), (8, 4));
        // Row 0 is nearest input row 0 with row 0 itself above: a pure horizontal filter.
        assert_eq!(&u.data[..8], &[0, 10, 30, 50, 70, 90, 110, 120]);
        // Row 1 mixes 3/4 of row 0 with 1/4 of row 1 (+20).
        assert_eq!(&u.data[8..16], &[20, 30, 50, 70, 90, 110, 130, 140]);
        // Flat planes stay flat under every filter.
        let flat = plane(5, 3, |_, _| 99);
        for (fh, fv) in [(1, 1), (2, 1), (1, 2), (2, 2)] {
            assert!(upsample(&flat, 5, 3, fh, fv).data.iter().all(|&v| v == 99));
        }
        // Vertical-only filtering weights the nearer row 3/4, rounding with bias 1 then 2.
        let column = plane(1, 2, |y, _| y as u8 * 100);
        assert_eq!(upsample(&column, 1, 2, 1, 2).data, vec![0, 25, 75, 100]);
        // Horizontal-only: (3·near + far + 1 or 2) / 4.
        let row = plane(3, 1, |_, x| x as u8 * 100);
        assert_eq!(
            upsample(&row, 3, 1, 2, 1).data,
            vec![0, 25, 75, 125, 175, 200]
        );
        // Two samples per row fall back to replication.
        let narrow = plane(2, 1, |_, x| x as u8 * 100);
        assert_eq!(upsample(&narrow, 2, 1, 2, 1).data, vec![0, 0, 100, 100]);
    }

    #[test]
    fn resamplers_match_the_per_sample_formulas() {
        // libjpeg-turbo's loops, one sample at a time with the edges clamped.
        let mut seed = 7u32;
        let mut next = || {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
            (seed >> 16) as u8
        };
        for w in 1..20 {
            for h in 1..5 {
                let p = Plane {
                    width: w + 3,
                    height: h,
                    data: (0..(w + 3) * h).map(|_| next()).collect(),
                };
                let out_width = w.div_ceil(2) + 2;
                let d = downsample_h2v2(&p, w, h, out_width);
                for oy in 0..h.div_ceil(2) {
                    for ox in 0..out_width {
                        let (c0, c1) = ((2 * ox).min(w - 1), (2 * ox + 1).min(w - 1));
                        let (r0, r1) = ((2 * oy).min(h - 1), (2 * oy + 1).min(h - 1));
                        let at = |r: usize, c: usize| u32::from(p.data[r * p.width + c]);
                        let sum = at(r0, c0) + at(r0, c1) + at(r1, c0) + at(r1, c1);
                        let bias = 1 + (ox as u32 & 1);
                        assert_eq!(u32::from(d.data[oy * out_width + ox]), (sum + bias) >> 2);
                    }
                }
                if w < 3 {
                    continue;
                }
                for fv in [1, 2] {
                    let u = upsample(&p, w, h, 2, fv);
                    for oy in 0..h * fv {
                        let near = oy / fv;
                        let far = match (fv, oy % 2) {
                            (1, _) => near,
                            (_, 0) => near.saturating_sub(1),
                            _ => (near + 1).min(h - 1),
                        };
                        let sum = |x: usize| {
                            let (a, b) = (p.data[near * p.width + x], p.data[far * p.width + x]);
                            if fv == 2 {
                                3 * i32::from(a) + i32::from(b)
                            } else {
                                4 * i32::from(a)
                            }
                        };
                        let (even, odd) = if fv == 2 { (8, 7) } else { (4, 8) };
                        for x in 0..w {
                            let this = 3 * sum(x);
                            let left = sum(x.saturating_sub(1));
                            let right = sum((x + 1).min(w - 1));
                            let row = &u.data[oy * 2 * w..];
                            assert_eq!(i32::from(row[2 * x]), (this + left + even) >> 4);
                            assert_eq!(i32::from(row[2 * x + 1]), (this + right + odd) >> 4);
                        }
                    }
                }
            }
        }
    }
}
