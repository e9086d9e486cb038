//! numpy's floating-point reduction order, where the last bit of a sum decides a truncated pixel.

/// `np.sum` of a contiguous float64 array: numpy's pairwise summation (blocks of 128 added with
/// eight interleaved accumulators, halves above that added recursively).
pub fn pairwise_sum(values: &[f64]) -> f64 {
    pairwise_sum_strided(values, 0, values.len(), 1)
}

/// The same summation over `count` values starting at `start`, `stride` apart.
pub fn pairwise_sum_strided(values: &[f64], start: usize, count: usize, stride: usize) -> f64 {
    const BLOCK: usize = 128;
    let at = |i: usize| values[start + i * stride];
    if count < 8 {
        let mut sum = 0.0;
        for i in 0..count {
            sum += at(i);
        }
        sum
    } else if count <= BLOCK {
        let mut r = [0.0f64; 8];
        for (k, slot) in r.iter_mut().enumerate() {
            *slot = at(k);
        }
        let mut i = 8;
        while i < count - count % 8 {
            for (k, slot) in r.iter_mut().enumerate() {
                *slot += at(i + k);
            }
            i += 8;
        }
        let mut sum = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]));
        while i < count {
            sum += at(i);
            i += 1;
        }
        sum
    } else {
        let mut half = count / 2;
        half -= half % 8;
        pairwise_sum_strided(values, start, half, stride)
            + pairwise_sum_strided(values, start + half * stride, count - half, stride)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn small_sums_are_sequential() {
        assert_eq!(pairwise_sum(&[1.0, 2.0, 3.0]), 6.0);
    }

    #[test]
    fn pairwise_differs_from_sequential_like_numpy() {
        // 1e16 + 1 + 1 + ... : sequential loses every 1, pairwise keeps groups of them.
        let mut v = vec![1.0; 16];
        v[0] = 1e16;
        let sequential: f64 = v.iter().sum();
        assert_eq!(sequential, 1e16);
        // Accumulators: r0 = 1e16 + 1 = 1e16 (lost), r1..r7 = 2; total 1e16 + 14.
        assert_eq!(pairwise_sum(&v), 1e16 + 14.0);
    }
}
