//! Random sources. Every corruption draws through [`Random`], in the same order and shapes as the
//! reference code (spec §2.20), so the source decides only *which* numbers come out:
//!
//! * [`NumpyRandom`]: numpy's legacy `RandomState` (MT19937), bit-exact. Seeded `S`, a corruption
//!   gives what the Python reference gives right after `np.random.seed(S)`; that is how parity is proven.
//! * [`FastRandom`]: a counter-based stream keyed by (seed, suite, corruption, severity, sample key),
//!   so a dataset's output never depends on thread count, order or shard split.
//!
//! The distributions (`uniform`, `normal`, `poisson`, `randint`) are numpy's legacy algorithms written
//! once here on top of a source's raw bits; a source only supplies those bits (and may supply a faster
//! normal generator when it has no numpy stream to match).

use crate::ops::exp::exp;
use crate::ops::portable::Portable;

mod fast;
mod numpy;

pub use fast::{FastRandom, StreamKey};
pub use numpy::NumpyRandom;

/// numpy's mask for `randint` over `range + 1` values: the smallest all-ones number ≥ range.
/// A word masked by it is kept when it is ≤ range, else the next word is tried.
pub(crate) fn rejection_mask(range: u64) -> u64 {
    let mut mask = range;
    mask |= mask >> 1;
    mask |= mask >> 2;
    mask |= mask >> 4;
    mask |= mask >> 8;
    mask |= mask >> 16;
    mask |= mask >> 32;
    mask
}

/// A source of random draws with numpy's legacy distributions.
pub trait Random {
    /// The next raw 32-bit word of the underlying generator.
    fn next_u32(&mut self) -> u32;

    /// `random_sample()`: a double in [0, 1) built from two words as numpy does (53 bits).
    fn random_sample(&mut self) -> f64 {
        let a = (self.next_u32() >> 5) as f64;
        let b = (self.next_u32() >> 6) as f64;
        (a * 67108864.0 + b) / 9007199254740992.0
    }

    /// `standard_normal()`: N(0, 1).
    fn standard_normal(&mut self) -> f64;

    /// Moves past `n` `random_sample()` draws as if they were made and discarded, for callers
    /// that need only some values of an array draw. A numpy stream has to draw them; a seekable
    /// source just moves its position.
    fn skip_samples(&mut self, n: usize) {
        for _ in 0..n {
            self.random_sample();
        }
    }

    /// `uniform(low, high)`: low + (high − low)·U, the scale computed once in float64 as numpy does.
    fn uniform(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.random_sample()
    }

    /// `normal(loc, scale)`: loc + scale·N(0, 1).
    fn normal(&mut self, loc: f64, scale: f64) -> f64 {
        loc + scale * self.standard_normal()
    }

    /// `poisson(lam)` with numpy's legacy algorithm: none drawn for λ = 0, multiplication of
    /// uniforms for λ < 10, Hörmann's PTRS rejection for λ ≥ 10.
    fn poisson(&mut self, lam: f64) -> i64 {
        if lam >= 10.0 {
            poisson_ptrs(self, lam)
        } else if lam == 0.0 {
            0
        } else {
            let limit = exp(-lam);
            let mut count = 0;
            let mut product = 1.0;
            loop {
                product *= self.random_sample();
                if product > limit {
                    count += 1;
                } else {
                    return count;
                }
            }
        }
    }

    /// `randint(low, high)`: an integer in the half-open range [low, high), by numpy's masked
    /// rejection sampling on 32-bit words (64-bit words for ranges wider than 2³²).
    fn randint(&mut self, low: i64, high: i64) -> i64 {
        assert!(high > low, "randint needs low < high");
        let range = (high - low - 1) as u64;
        if range == 0 {
            return low;
        }
        let mask = rejection_mask(range);
        loop {
            let value = if range <= 0xffff_ffff {
                (self.next_u32() as u64) & mask
            } else {
                let hi = self.next_u32() as u64;
                let lo = self.next_u32() as u64;
                ((hi << 32) | lo) & mask
            };
            if value <= range {
                return low + value as i64;
            }
        }
    }

    /// Fills `out` with `randint(low, high)` draws in order (`randint(low, high, size=n)`).
    fn fill_randint(&mut self, low: i64, high: i64, out: &mut [i64]) {
        for v in out {
            *v = self.randint(low, high);
        }
    }

    /// Fills `out` with `uniform(low, high)` draws in order (one numpy array draw, C order).
    fn fill_uniform(&mut self, low: f64, high: f64, out: &mut [f64]) {
        let scale = high - low;
        for v in out {
            *v = low + scale * self.random_sample();
        }
    }

    /// Fills `out` with `normal(loc, scale)` draws in order (one numpy array draw, C order).
    fn fill_normal(&mut self, loc: f64, scale: f64, out: &mut [f64]) {
        for v in out {
            *v = loc + scale * self.standard_normal();
        }
    }

    /// One `poisson(rates[level])` draw per element of `levels`, in order: numpy's
    /// `poisson(array)` when the rates take few distinct values, e.g. one per 8-bit pixel level.
    fn fill_poisson_levels(&mut self, rates: &[f64], levels: &[u8], out: &mut [i64]) {
        for (o, &level) in out.iter_mut().zip(levels) {
            *o = self.poisson(rates[level as usize]);
        }
    }

    /// One `poisson(lam)` draw per element of `lams`, in order (numpy's `poisson(array)`).
    fn fill_poisson(&mut self, lams: &[f64], out: &mut [i64]) {
        for (o, &lam) in out.iter_mut().zip(lams) {
            *o = self.poisson(lam);
        }
    }
}

/// numpy's `loggam`: log Γ(x) by Stirling's series, shifted up to x ≥ 7 for accuracy.
fn log_gamma(x: f64) -> f64 {
    // The digits numpy's source writes; both compilers round them to the same doubles.
    #[allow(clippy::excessive_precision)]
    const COEFFS: [f64; 10] = [
        8.333333333333333e-02,
        -2.777777777777778e-03,
        7.936507936507937e-04,
        -5.952380952380952e-04,
        8.417508417508418e-04,
        -1.917526917526918e-03,
        6.410256410256410e-03,
        -2.955065359477124e-02,
        1.796443723688307e-01,
        -1.39243221690590e+00,
    ];
    if x == 1.0 || x == 2.0 {
        return 0.0;
    }
    let mut x0 = x;
    let mut shift = 0;
    if x <= 7.0 {
        shift = (7.0 - x) as i64;
        x0 = x + shift as f64;
    }
    let x2 = 1.0 / (x0 * x0);
    let mut series = COEFFS[9];
    for k in (0..9).rev() {
        series *= x2;
        series += COEFFS[k];
    }
    let two_pi = 2.0 * std::f64::consts::PI;
    let mut result = series / x0 + 0.5 * two_pi.portable_ln() + (x0 - 0.5) * x0.portable_ln() - x0;
    if x <= 7.0 {
        for _ in 0..shift {
            result -= (x0 - 1.0).portable_ln();
            x0 -= 1.0;
        }
    }
    result
}

/// Hörmann's PTRS Poisson sampler, exactly as numpy's legacy `rk_poisson_ptrs`.
fn poisson_ptrs<R: Random + ?Sized>(rng: &mut R, lam: f64) -> i64 {
    let slam = lam.sqrt();
    let loglam = lam.portable_ln();
    let b = 0.931 + 2.53 * slam;
    let a = -0.059 + 0.02483 * b;
    let invalpha = 1.1239 + 1.1328 / (b - 3.4);
    let vr = 0.9277 - 3.6224 / (b - 2.0);
    loop {
        let u = rng.random_sample() - 0.5;
        let v = rng.random_sample();
        let us = 0.5 - u.abs();
        let k = ((2.0 * a / us + b) * u + lam + 0.43).floor() as i64;
        if us >= 0.07 && v <= vr {
            return k;
        }
        if k < 0 || (us < 0.013 && v > us) {
            continue;
        }
        if v.portable_ln() + invalpha.portable_ln() - (a / (us * us) + b).portable_ln()
            <= -lam + k as f64 * loglam - log_gamma(k as f64 + 1.0)
        {
            return k;
        }
    }
}

/// Which random source a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RngKind {
    /// numpy's legacy MT19937 stream, for parity with the Python reference.
    Numpy,
    /// Counter-based per-sample streams, for datasets.
    Fast,
}

impl std::fmt::Display for RngKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            RngKind::Numpy => "numpy",
            RngKind::Fast => "fast",
        })
    }
}

/// Opens a random source: numpy's stream seeded as `np.random.seed(key.seed)`, or the fast stream
/// for the whole key.
pub fn open(kind: RngKind, key: &StreamKey<'_>) -> crate::Result<Box<dyn Random>> {
    Ok(match kind {
        RngKind::Numpy => {
            let seed = u32::try_from(key.seed).map_err(|_| {
                crate::Error::Invalid(format!(
                    "seed {} is too large for numpy's np.random.seed (at most 2^32 - 1)",
                    key.seed
                ))
            })?;
            Box::new(NumpyRandom::new(seed))
        }
        RngKind::Fast => Box::new(FastRandom::new(key)),
    })
}
