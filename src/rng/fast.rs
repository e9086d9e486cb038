//! The `fast` source: ChaCha8, a counter-based generator, keyed by everything that identifies one
//! sample's draws. Two runs with the same key give the same stream whatever the thread count, order
//! or shard split, and streams with different keys are independent.

use super::Random;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};

/// What one sample's stream is keyed by.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StreamKey<'a> {
    pub seed: u64,
    pub suite: &'a str,
    pub corruption: &'a str,
    pub severity: u32,
    /// A stable name for the sample: its index in the split, or its path relative to the source root.
    pub sample: &'a str,
}

impl StreamKey<'_> {
    /// The 256-bit ChaCha key: sha256 of the fields, each length-prefixed so no two keys collide.
    fn digest(&self) -> [u8; 32] {
        let mut hash = Sha256::new();
        hash.update(b"blight-stream-v1");
        hash.update(self.seed.to_le_bytes());
        for field in [self.suite, self.corruption] {
            hash.update((field.len() as u64).to_le_bytes());
            hash.update(field.as_bytes());
        }
        hash.update(self.severity.to_le_bytes());
        hash.update((self.sample.len() as u64).to_le_bytes());
        hash.update(self.sample.as_bytes());
        hash.finalize().into()
    }
}

/// A per-sample counter-based stream with numpy's distributions on top.
pub struct FastRandom {
    stream: ChaCha8Rng,
    cached_gauss: Option<f64>,
}

impl FastRandom {
    /// The stream for one (seed, suite, corruption, severity, sample).
    pub fn new(key: &StreamKey<'_>) -> Self {
        FastRandom {
            stream: ChaCha8Rng::from_seed(key.digest()),
            cached_gauss: None,
        }
    }
}

impl Random for FastRandom {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.stream.next_u32()
    }

    #[inline]
    fn random_sample(&mut self) -> f64 {
        (self.stream.next_u64() >> 11) as f64 * (1.0 / 9007199254740992.0)
    }

    fn standard_normal(&mut self) -> f64 {
        if let Some(g) = self.cached_gauss.take() {
            return g;
        }
        loop {
            let x1 = 2.0 * self.random_sample() - 1.0;
            let x2 = 2.0 * self.random_sample() - 1.0;
            let r2 = x1 * x1 + x2 * x2;
            if r2 < 1.0 && r2 != 0.0 {
                let f = (-2.0 * r2.ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(sample: &str) -> StreamKey<'_> {
        StreamKey {
            seed: 7,
            suite: "imagenet-c",
            corruption: "gaussian_noise",
            severity: 3,
            sample,
        }
    }

    #[test]
    fn same_key_same_stream_other_key_other_stream() {
        let a: Vec<u32> = {
            let mut r = FastRandom::new(&key("n01440764/a.JPEG"));
            (0..8).map(|_| r.next_u32()).collect()
        };
        let b: Vec<u32> = {
            let mut r = FastRandom::new(&key("n01440764/a.JPEG"));
            (0..8).map(|_| r.next_u32()).collect()
        };
        let c: Vec<u32> = {
            let mut r = FastRandom::new(&key("n01440764/b.JPEG"));
            (0..8).map(|_| r.next_u32()).collect()
        };
        assert_eq!(a, b);
        assert_ne!(a, c);
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut r = FastRandom::new(&key("0"));
        let n = 200_000;
        let draws: Vec<f64> = (0..n).map(|_| r.standard_normal()).collect();
        let mean = draws.iter().sum::<f64>() / n as f64;
        let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n as f64;
        // Standard error of the mean is 1/sqrt(n) ≈ 0.0022; of the variance ≈ 0.0032.
        assert!(mean.abs() < 0.012, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "variance {var}");
    }
}
