//! OpenCV 3.4 `Canny(src, low, high)` with the defaults (3×3 Sobel, L1 gradient norm) on an 8-bit
//! single-channel image.
//!
//! Gradients are Sobel with `BORDER_REPLICATE`; the magnitude is |dx| + |dy|. Non-maximum
//! suppression compares along the gradient direction, binned with tan 22.5° in 15-bit fixed point
//! (strictly greater than one neighbour, at least equal to the other; both strict on diagonals),
//! with zero magnitude outside the image. Pixels above `low` that survive are candidates; those
//! above `high` seed the hysteresis, which spreads through 8-connected candidates. The result
//! depends only on those rules, not on the scan order OpenCV uses.

use crate::simd;

/// Edge map of `src` (H×W): 255 on edges, 0 elsewhere, as `cv2.Canny(src, low, high)`.
pub fn canny_l1(src: &[u8], width: usize, height: usize, low: f64, high: f64) -> Vec<u8> {
    assert_eq!(src.len(), width * height);
    simd::dispatch(
        #[inline(always)]
        |_| canny(src, width, height, low, high),
    )
}

#[inline(always)]
fn canny(src: &[u8], width: usize, height: usize, low: f64, high: f64) -> Vec<u8> {
    if src.is_empty() {
        return Vec::new();
    }
    let (low, high) = if low > high { (high, low) } else { (low, high) };
    let (low, high) = (low.floor() as i32, high.floor() as i32);
    let (dx, dy) = sobel_replicate(src, width, height);

    // Magnitudes padded by one zero pixel on every side.
    let step = width + 2;
    let mut mag = vec![0i32; step * (height + 2)];
    let lines = dx.chunks_exact(width).zip(dy.chunks_exact(width));
    for (row, (gx, gy)) in mag[step..].chunks_exact_mut(step).zip(lines) {
        for ((m, x), y) in row[1..=width].iter_mut().zip(gx).zip(gy) {
            *m = x.abs() + y.abs();
        }
    }

    const SHIFT: u32 = 15;
    let tg22 = (0.414_213_562_373_095_05 * (1u32 << SHIFT) as f64 + 0.5) as i32;

    // 0: not an edge, 1: candidate, 2: edge.
    let mut state = vec![0u8; width * height];
    let mut stack = Vec::new();
    for y in 0..height {
        for x in 0..width {
            let c = (y + 1) * step + x + 1;
            let m = mag[c];
            if m <= low {
                continue;
            }
            let i = y * width + x;
            let (xs, ys) = (dx[i], dy[i]);
            let ax = xs.abs();
            let ay = ys.abs() << SHIFT;
            let tg22x = ax * tg22;
            let is_max = if ay < tg22x {
                m > mag[c - 1] && m >= mag[c + 1]
            } else {
                let tg67x = tg22x + (ax << (SHIFT + 1));
                if ay > tg67x {
                    m > mag[c - step] && m >= mag[c + step]
                } else {
                    let s: isize = if (xs ^ ys) < 0 { -1 } else { 1 };
                    let up = (c - step) as isize - s;
                    let down = (c + step) as isize + s;
                    m > mag[up as usize] && m > mag[down as usize]
                }
            };
            if is_max {
                if m > high {
                    state[i] = 2;
                    stack.push(i);
                } else {
                    state[i] = 1;
                }
            }
        }
    }

    // Hysteresis: grow the edges through 8-connected candidates.
    while let Some(i) = stack.pop() {
        let (y, x) = ((i / width) as isize, (i % width) as isize);
        for ny in y - 1..=y + 1 {
            for nx in x - 1..=x + 1 {
                if ny < 0 || nx < 0 || ny >= height as isize || nx >= width as isize {
                    continue;
                }
                let j = ny as usize * width + nx as usize;
                if state[j] == 1 {
                    state[j] = 2;
                    stack.push(j);
                }
            }
        }
    }
    state
        .into_iter()
        .map(|s| if s == 2 { 255 } else { 0 })
        .collect()
}

/// 3×3 Sobel derivatives (x, y) with the edge pixels repeated outside the image.
#[inline(always)]
fn sobel_replicate(src: &[u8], width: usize, height: usize) -> (Vec<i32>, Vec<i32>) {
    // Copy into a buffer padded by one replicated pixel on every side.
    let step = width + 2;
    let mut padded = vec![0i32; step * (height + 2)];
    for py in 0..height + 2 {
        let y = py.saturating_sub(1).min(height - 1);
        let line = &src[y * width..(y + 1) * width];
        let row = &mut padded[py * step..(py + 1) * step];
        row[0] = line[0] as i32;
        row[step - 1] = line[width - 1] as i32;
        for (d, &v) in row[1..=width].iter_mut().zip(line) {
            *d = v as i32;
        }
    }
    let mut dx = vec![0i32; width * height];
    let mut dy = vec![0i32; width * height];
    let lines = dx.chunks_exact_mut(width).zip(dy.chunks_exact_mut(width));
    for (y, (gx, gy)) in lines.enumerate() {
        // Rows of exactly W + 2 values, so the loop below needs no bounds checks.
        let up = &padded[y * step..][..width + 2];
        let mid = &padded[(y + 1) * step..][..width + 2];
        let down = &padded[(y + 2) * step..][..width + 2];
        for x in 0..width {
            gx[x] = (up[x + 2] + 2 * mid[x + 2] + down[x + 2]) - (up[x] + 2 * mid[x] + down[x]);
            gy[x] = (down[x] + 2 * down[x + 1] + down[x + 2]) - (up[x] + 2 * up[x + 1] + up[x + 2]);
        }
    }
    (dx, dy)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vertical_step_gives_one_pixel_wide_edge() {
        // 8×6 image, left half 0, right half 200: the gradient peaks on both sides of the step
        // equally (|dx| = 800 at x = 3 and 4); the ">" on the left and ">=" on the right keep x = 3.
        let (w, h) = (8, 6);
        let src: Vec<u8> = (0..w * h)
            .map(|i| if i % w >= 4 { 200 } else { 0 })
            .collect();
        let e = canny_l1(&src, w, h, 50.0, 150.0);
        for y in 0..h {
            let row: Vec<u8> = e[y * w..(y + 1) * w].to_vec();
            assert_eq!(row, vec![0, 0, 0, 255, 0, 0, 0, 0], "row {y}");
        }
    }

    #[test]
    fn hysteresis_keeps_weak_edges_connected_to_strong_ones() {
        // A step whose height falls from strong to weak along the rows: weak rows survive only
        // while connected to a strong row.
        let (w, h) = (8, 6);
        let heights = [200u8, 200, 20, 20, 20, 20];
        let src: Vec<u8> = (0..w * h)
            .map(|i| if i % w >= 4 { heights[i / w] } else { 0 })
            .collect();
        let e = canny_l1(&src, w, h, 50.0, 150.0);
        // Expected map (as OpenCV gives it): the strong top rows, the horizontal edge where the
        // step drops, and the weak rows 3–5 (|dx| = 80, between the thresholds) kept because they
        // touch the edge at (2, 4).
        let want: [[u8; 8]; 6] = [
            [0, 0, 0, 1, 0, 0, 0, 0],
            [0, 0, 0, 0, 1, 1, 1, 1],
            [0, 0, 0, 0, 1, 0, 0, 0],
            [0, 0, 0, 1, 0, 0, 0, 0],
            [0, 0, 0, 1, 0, 0, 0, 0],
            [0, 0, 0, 1, 0, 0, 0, 0],
        ];
        let got: Vec<u8> = e.iter().map(|&v| v / 255).collect();
        assert_eq!(got, want.concat());
        // Without the strong rows the weak edge alone is dropped.
        let lone = canny_l1(&src[2 * w..], w, h - 2, 50.0, 150.0);
        assert!(lone.iter().all(|&v| v == 0));
    }
}
