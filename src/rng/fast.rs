//! The `fast` source: ChaCha8, a counter-based generator, keyed by everything that identifies one
//! sample's draws. Two runs with the same key give the same stream whatever the thread count, order
//! or shard split, and streams with different keys are independent.
//!
//! It draws the same distributions as numpy, by faster methods where no numpy stream has to be
//! replayed: normals by the ziggurat method, and Poisson counts by inversion of a cached
//! cumulative table when the same rate recurs (as it does for 8-bit images: at most 256 rates).

use super::Random;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use rand_distr::{Distribution, StandardNormal};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

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
}

impl FastRandom {
    /// The stream for one (seed, suite, corruption, severity, sample).
    pub fn new(key: &StreamKey<'_>) -> Self {
        FastRandom {
            stream: ChaCha8Rng::from_seed(key.digest()),
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

    #[inline]
    fn standard_normal(&mut self) -> f64 {
        StandardNormal.sample(&mut self.stream)
    }

    fn fill_poisson_levels(&mut self, rates: &[f64], levels: &[u8], out: &mut [i64]) {
        let mut tables: Vec<Option<PoissonTable>> = vec![None; rates.len()];
        for (o, &level) in out.iter_mut().zip(levels) {
            let lam = rates[level as usize];
            if !(lam > 0.0 && lam <= PoissonTables::MAX_RATE) {
                *o = self.poisson(lam);
                continue;
            }
            let table = tables[level as usize].get_or_insert_with(|| PoissonTable::new(lam));
            *o = table.sample(self.random_sample());
        }
    }

    fn fill_poisson(&mut self, lams: &[f64], out: &mut [i64]) {
        let mut tables = PoissonTables::default();
        for (o, &lam) in out.iter_mut().zip(lams) {
            *o = match tables.get(lam) {
                Some(table) => table.sample(self.random_sample()),
                None => self.poisson(lam),
            };
        }
    }
}

/// Cumulative Poisson tables for the rates seen so far, for sampling by inversion.
#[derive(Default)]
struct PoissonTables {
    index: HashMap<u64, usize, BuildHasherDefault<RateHasher>>,
    tables: Vec<PoissonTable>,
}

/// Rates are hashed by their bit pattern with one multiply: they are few and well spread.
#[derive(Default)]
struct RateHasher(u64);

impl Hasher for RateHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 << 8 | b as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(29);
    }
}

/// Walker's alias table for the Poisson probabilities of one rate: a uniform picks a column and,
/// by its fractional part, either the column's own count or its alias — no search, no branch.
#[derive(Clone)]
struct PoissonTable {
    /// Probability of keeping the column's own count.
    keep: Vec<f64>,
    alias: Vec<u32>,
}

impl PoissonTable {
    /// Vose's construction over the probabilities of counts 0..K (tail beyond K below 1e-17).
    fn new(lam: f64) -> Self {
        let cdf = poisson_cdf(lam);
        let n = cdf.len();
        let total = cdf[n - 1];
        let mut scaled: Vec<f64> = (0..n)
            .map(|k| (cdf[k] - if k == 0 { 0.0 } else { cdf[k - 1] }) / total * n as f64)
            .collect();
        let mut alias: Vec<u32> = (0..n as u32).collect();
        let (mut small, mut large): (Vec<usize>, Vec<usize>) =
            (0..n).partition(|&k| scaled[k] < 1.0);
        while let (Some(s), Some(&l)) = (small.pop(), large.last()) {
            alias[s] = l as u32;
            scaled[l] -= 1.0 - scaled[s];
            if scaled[l] < 1.0 {
                large.pop();
                small.push(l);
            }
        }
        // Columns left in either list keep their own count (rounding leaves them at ≈1).
        for k in small.into_iter().chain(large) {
            scaled[k] = 1.0;
        }
        PoissonTable {
            keep: scaled,
            alias,
        }
    }

    /// The count for a uniform `u` ∈ [0, 1).
    #[inline]
    fn sample(&self, u: f64) -> i64 {
        let x = u * self.keep.len() as f64;
        let column = x as usize;
        let fraction = x - column as f64;
        (if fraction < self.keep[column] {
            column as u32
        } else {
            self.alias[column]
        }) as i64
    }
}

impl PoissonTables {
    /// Rates above this use the rejection sampler (e^−λ would lose precision in the table).
    const MAX_RATE: f64 = 400.0;
    /// More distinct rates than this are not cached.
    const MAX_TABLES: usize = 1024;

    /// The table of P(X ≤ k) for k = 0.. for `lam`, built on first use; `None` when the rate is
    /// not tabulated (zero, too large, or too many distinct rates).
    fn get(&mut self, lam: f64) -> Option<&PoissonTable> {
        if !(lam > 0.0 && lam <= Self::MAX_RATE) {
            return None;
        }
        let index = match self.index.get(&lam.to_bits()) {
            Some(&i) => i,
            None => {
                if self.tables.len() == Self::MAX_TABLES {
                    return None;
                }
                self.tables.push(PoissonTable::new(lam));
                self.index.insert(lam.to_bits(), self.tables.len() - 1);
                self.tables.len() - 1
            }
        };
        Some(&self.tables[index])
    }
}

/// P(X ≤ k) for k = 0..K, up to past the mode where the next term is below 1e-17 (the tail
/// beyond is then smaller than a double's resolution near 1).
fn poisson_cdf(lam: f64) -> Vec<f64> {
    let mut p = (-lam).exp();
    let mut total = p;
    let mut cdf = vec![total];
    let mut k = 0.0;
    while k < lam || p > 1e-17 {
        k += 1.0;
        p *= lam / k;
        total += p;
        cdf.push(total);
    }
    cdf
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
        let draw = |sample: &str| -> Vec<u32> {
            let mut r = FastRandom::new(&key(sample));
            (0..8).map(|_| r.next_u32()).collect()
        };
        assert_eq!(draw("n01440764/a.JPEG"), draw("n01440764/a.JPEG"));
        assert_ne!(draw("n01440764/a.JPEG"), draw("n01440764/b.JPEG"));
    }

    fn moments(draws: &[f64]) -> (f64, f64) {
        let n = draws.len() as f64;
        let mean = draws.iter().sum::<f64>() / n;
        let var = draws.iter().map(|d| (d - mean) * (d - mean)).sum::<f64>() / n;
        (mean, var)
    }

    #[test]
    fn normal_draws_have_unit_moments() {
        let mut r = FastRandom::new(&key("0"));
        let mut draws = vec![0.0; 200_000];
        r.fill_normal(0.0, 1.0, &mut draws);
        let (mean, var) = moments(&draws);
        // Standard error of the mean is 1/sqrt(n) ≈ 0.0022; of the variance ≈ 0.0032.
        assert!(mean.abs() < 0.012, "mean {mean}");
        assert!((var - 1.0).abs() < 0.016, "variance {var}");
    }

    #[test]
    fn poisson_tables_give_poisson_moments() {
        let mut r = FastRandom::new(&key("1"));
        for lam in [0.3, 3.0, 47.0, 500.0] {
            let lams = vec![lam; 100_000];
            let mut counts = vec![0i64; lams.len()];
            r.fill_poisson(&lams, &mut counts);
            let draws: Vec<f64> = counts.iter().map(|&c| c as f64).collect();
            let (mean, var) = moments(&draws);
            // Mean and variance are both λ; allow 5 standard errors.
            let se_mean = (lam / 1e5).sqrt();
            let se_var = (lam * (1.0 + 2.0 * lam) / 1e5).sqrt();
            assert!((mean - lam).abs() < 5.0 * se_mean, "λ {lam}: mean {mean}");
            assert!((var - lam).abs() < 5.0 * se_var, "λ {lam}: variance {var}");
        }
        let mut zero = [1i64];
        r.fill_poisson(&[0.0], &mut zero);
        assert_eq!(zero, [0]);
        // The per-level form draws the same distributions.
        let rates = [0.0, 2.5, 40.0];
        let levels: Vec<u8> = (0..90_000).map(|i| (i % 3) as u8).collect();
        let mut counts = vec![0i64; levels.len()];
        r.fill_poisson_levels(&rates, &levels, &mut counts);
        for (level, &lam) in rates.iter().enumerate() {
            let draws: Vec<f64> = counts
                .iter()
                .skip(level)
                .step_by(3)
                .map(|&c| c as f64)
                .collect();
            let (mean, var) = moments(&draws);
            let n = draws.len() as f64;
            assert!(
                (mean - lam).abs() <= 5.0 * (lam / n).sqrt(),
                "λ {lam}: mean {mean}"
            );
            assert!(
                (var - lam).abs() <= 5.0 * (lam * (1.0 + 2.0 * lam) / n).sqrt(),
                "λ {lam}: variance {var}"
            );
        }
    }

    #[test]
    fn alias_table_reproduces_the_probabilities() {
        for lam in [0.2, 7.0, 60.0] {
            let table = PoissonTable::new(lam);
            let n = table.keep.len();
            // Each column contributes keep/n to its own count and the rest to its alias.
            let mut mass = vec![0.0; n];
            for k in 0..n {
                mass[k] += table.keep[k] / n as f64;
                mass[table.alias[k] as usize] += (1.0 - table.keep[k]) / n as f64;
            }
            let cdf = poisson_cdf(lam);
            for k in 0..n {
                let p = cdf[k] - if k == 0 { 0.0 } else { cdf[k - 1] };
                assert!(
                    (mass[k] - p).abs() < 1e-12,
                    "λ {lam}, k {k}: {} vs {p}",
                    mass[k]
                );
            }
        }
    }

    #[test]
    fn cdf_table_ends_at_one() {
        for lam in [0.01, 1.0, 60.0, 400.0] {
            let cdf = poisson_cdf(lam);
            assert!((1.0 - cdf.last().unwrap()).abs() <= 1e-13, "λ {lam}");
            assert!(cdf.windows(2).all(|w| w[0] <= w[1]));
        }
    }
}
