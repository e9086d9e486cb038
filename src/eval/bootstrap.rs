//! Bootstrap 95 % intervals (percentile method, Efron & Tibshirani 1993, §13.3): resample the
//! evaluated images with replacement, recompute the statistic, and take the 2.5th and 97.5th
//! percentiles over the replicates. Parts of equal length (every severity of a corruption, and
//! the clean set, over the same images) draw the same indices in a replicate, so the intervals
//! of CE and mCE keep the pairing of the images. The draws are seeded, so a report is
//! reproducible.

use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};

/// The number of replicates.
pub const REPLICATES: usize = 1000;

/// The seed of replicate r's draws.
const SEED: u64 = 0x626c_6967_6874;

/// Resampled index lists for `len` items, one per replicate, shared by every part of that length.
pub fn resample(len: usize, replicate: usize) -> Vec<usize> {
    let mut rng = ChaCha8Rng::seed_from_u64(SEED ^ (replicate as u64).wrapping_mul(0x9e37_79b9));
    rng.set_stream(len as u64);
    (0..len)
        .map(|_| (rng.next_u64() % len.max(1) as u64) as usize)
        .collect()
}

/// The 2.5th and 97.5th percentiles of `values` (linear interpolation between ranks, numpy's
/// default).
pub fn interval(values: &mut [f64]) -> [f64; 2] {
    values.sort_by(f64::total_cmp);
    let at = |q: f64| {
        let pos = q * (values.len() - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        values[lo] + (values[hi] - values[lo]) * (pos - lo as f64)
    };
    if values.is_empty() {
        return [f64::NAN, f64::NAN];
    }
    [at(0.025), at(0.975)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_match_numpy() {
        // np.percentile(np.arange(101), [2.5, 97.5]) == [2.5, 97.5]
        let mut v: Vec<f64> = (0..=100).map(f64::from).collect();
        assert_eq!(interval(&mut v), [2.5, 97.5]);
    }

    #[test]
    fn draws_are_reproducible_and_in_range() {
        assert_eq!(resample(50, 3), resample(50, 3));
        assert_ne!(resample(50, 3), resample(50, 4));
        assert!(resample(7, 1).iter().all(|&i| i < 7));
    }
}
