//! OpenCV's `borderInterpolate` for `BORDER_REFLECT_101` (…c b | a b c…, the edge not repeated),
//! the default border of its filters and warps.

/// The index inside `0..len` that position `p` reads under `BORDER_REFLECT_101`, reflecting as
/// often as needed for positions more than one period outside (as OpenCV's loop does).
#[inline]
pub fn reflect_101(p: isize, len: usize) -> usize {
    let n = len as isize;
    if (0..n).contains(&p) {
        return p as usize;
    }
    if len == 1 {
        return 0;
    }
    let period = 2 * n - 2;
    let m = p.rem_euclid(period);
    (if m >= n { period - m } else { m }) as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    /// OpenCV's own loop, kept here only to check the closed form against it.
    fn opencv_loop(mut p: isize, len: isize) -> isize {
        if len == 1 {
            return 0;
        }
        while p < 0 || p >= len {
            if p < 0 {
                p = -p;
            } else {
                p = len - 1 - (p - len) - 1;
            }
        }
        p
    }

    #[test]
    fn matches_opencv_loop_far_outside() {
        for len in 1..6usize {
            for p in -25..25isize {
                assert_eq!(
                    reflect_101(p, len) as isize,
                    opencv_loop(p, len as isize),
                    "{p} {len}"
                );
            }
        }
        assert_eq!(reflect_101(-1, 5), 1);
        assert_eq!(reflect_101(5, 5), 3);
    }
}
