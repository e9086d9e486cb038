//! numpy's legacy `RandomState`: MT19937 seeded as `np.random.seed(S)` with an integer, and the
//! polar Gaussian with its cached second value. Bit-exact with numpy (tests use values numpy made).

use super::Random;
use crate::error::{Error, Result};
use crate::ops::portable::Portable;

/// Words of MT19937 state, the length of the key in `np.random.get_state()`.
const STATE_LEN: usize = 624;

/// The Mersenne Twister state of `np.random.RandomState`.
#[derive(Clone)]
pub struct NumpyRandom {
    key: [u32; STATE_LEN],
    pos: usize,
    /// The second value of the last polar-method pair, handed out by the next normal draw.
    cached_gauss: Option<f64>,
}

impl NumpyRandom {
    /// The state `np.random.seed(seed)` leaves (numpy's `init_genrand`; no Gaussian cached).
    pub fn new(seed: u32) -> Self {
        let mut key = [0u32; STATE_LEN];
        let mut s = seed;
        for (pos, slot) in key.iter_mut().enumerate() {
            *slot = s;
            s = 1812433253u32
                .wrapping_mul(s ^ (s >> 30))
                .wrapping_add(pos as u32 + 1);
        }
        NumpyRandom {
            key,
            pos: STATE_LEN,
            cached_gauss: None,
        }
    }

    /// The generator `np.random.set_state(('MT19937', key, pos, has_gauss, cached_gaussian))`
    /// leaves, so a draw can continue a Python session's global stream where it stands.
    /// `cached_gauss` is the second value of the last polar pair (`has_gauss` = 1), which the next
    /// legacy normal draw hands out first.
    pub fn from_state(key: &[u32], pos: usize, cached_gauss: Option<f64>) -> Result<Self> {
        let key: [u32; STATE_LEN] = key.try_into().map_err(|_| {
            Error::Invalid(format!(
                "an MT19937 state has {STATE_LEN} key words, not {}",
                key.len()
            ))
        })?;
        if pos > STATE_LEN {
            return Err(Error::Invalid(format!(
                "an MT19937 position is at most {STATE_LEN}, not {pos}"
            )));
        }
        Ok(NumpyRandom {
            key,
            pos,
            cached_gauss,
        })
    }

    /// The state as `np.random.get_state()` gives it: key words, position and cached Gaussian,
    /// ready for `np.random.set_state` after a corruption has drawn.
    pub fn state(&self) -> (&[u32; STATE_LEN], usize, Option<f64>) {
        (&self.key, self.pos, self.cached_gauss)
    }

    /// Regenerates the 624 words of state (the MT19937 "twist"). Word i mixes words i and i + 1
    /// with word i + 397, all indices modulo 624; the loop is split where those indices wrap, so
    /// no index needs a remainder.
    fn twist(&mut self) {
        const SHIFT: usize = 397;
        let k = &mut self.key;
        for i in 0..STATE_LEN - SHIFT {
            k[i] = twisted(k[i], k[i + 1], k[i + SHIFT]);
        }
        for i in STATE_LEN - SHIFT..STATE_LEN - 1 {
            k[i] = twisted(k[i], k[i + 1], k[i + SHIFT - STATE_LEN]);
        }
        k[STATE_LEN - 1] = twisted(k[STATE_LEN - 1], k[0], k[SHIFT - 1]);
        self.pos = 0;
    }
}

/// MT19937's output tempering of one state word.
#[inline(always)]
fn temper(mut y: u32) -> u32 {
    y ^= y >> 11;
    y ^= (y << 7) & 0x9d2c_5680;
    y ^= (y << 15) & 0xefc6_0000;
    y ^ (y >> 18)
}

/// One word of the twist: the upper bit of `word`, the lower 31 of `next`, mixed into `far`.
#[inline(always)]
fn twisted(word: u32, next: u32, far: u32) -> u32 {
    const UPPER: u32 = 0x8000_0000;
    const LOWER: u32 = 0x7fff_ffff;
    const MATRIX_A: u32 = 0x9908_b0df;
    let y = (word & UPPER) | (next & LOWER);
    far ^ (y >> 1) ^ ((y & 1).wrapping_neg() & MATRIX_A)
}

impl Random for NumpyRandom {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        if self.pos == STATE_LEN {
            self.twist();
        }
        let y = self.key[self.pos];
        self.pos += 1;
        temper(y)
    }

    /// The same values as one `uniform` call per element, but the pairs of words of each state
    /// block are tempered and combined in one straight loop.
    fn fill_uniform(&mut self, low: f64, high: f64, out: &mut [f64]) {
        let scale = high - low;
        let mut rest = out;
        while !rest.is_empty() {
            if self.pos + 2 > STATE_LEN {
                // A pair would cross the twist: draw this value word by word.
                rest[0] = low + scale * self.random_sample();
                rest = &mut rest[1..];
                continue;
            }
            let pairs = ((STATE_LEN - self.pos) / 2).min(rest.len());
            let words = &self.key[self.pos..self.pos + 2 * pairs];
            for (v, pair) in rest[..pairs].iter_mut().zip(words.chunks_exact(2)) {
                let a = (temper(pair[0]) >> 5) as f64;
                let b = (temper(pair[1]) >> 6) as f64;
                *v = low + scale * ((a * 67108864.0 + b) / 9007199254740992.0);
            }
            self.pos += 2 * pairs;
            rest = &mut rest[pairs..];
        }
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
                let f = (-2.0 * r2.portable_ln() / r2).sqrt();
                self.cached_gauss = Some(f * x1);
                return f * x2;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn state_matches_numpy_get_state_and_continues_its_stream() {
        // numpy 1.23: rs = RandomState(7); rs.standard_normal(3); rs.random_sample(700);
        // st = rs.get_state() gives pos 164, has_gauss 1, the gaussian below, key[0] and
        // key[623] below; the next draws are standard_normal() then random_sample().
        let mut rng = NumpyRandom::new(7);
        for _ in 0..3 {
            rng.standard_normal();
        }
        rng.skip_samples(700);
        let (key, pos, gauss) = rng.state();
        assert_eq!((pos, gauss), (164, Some(0.40751628299650783)));
        assert_eq!((key[0], key[623]), (3140365922, 2054307641));

        let mut resumed = NumpyRandom::from_state(key, pos, gauss).unwrap();
        assert_eq!(resumed.standard_normal(), 0.40751628299650783);
        assert_eq!(resumed.random_sample(), 0.3879894664107344);
        rng.standard_normal();
        rng.random_sample();
        for _ in 0..2000 {
            assert_eq!(resumed.next_u32(), rng.next_u32());
        }
        assert_eq!(resumed.state().1, rng.state().1);
    }

    #[test]
    fn a_state_of_the_wrong_shape_is_refused() {
        let key = [0u32; STATE_LEN];
        let err = NumpyRandom::from_state(&key[..623], 0, None)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "an MT19937 state has 624 key words, not 623"
        );
        let err = NumpyRandom::from_state(&key, 625, None)
            .map(|_| ())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "an MT19937 position is at most 624, not 625"
        );
        // Position 624 is what np.random.seed leaves: the next draw twists first.
        let seeded = NumpyRandom::new(3);
        let (key, pos, _) = seeded.state();
        let mut again = NumpyRandom::from_state(key, pos, None).unwrap();
        assert_eq!(again.next_u32(), NumpyRandom::new(3).next_u32());
    }

    #[test]
    fn bulk_uniforms_equal_single_draws_across_twists() {
        // Start at odd and even positions so that pairs straddle the 624-word blocks.
        for skip in [0usize, 1, 2, 623, 624, 625, 1247] {
            let mut bulk = NumpyRandom::new(42);
            let mut single = NumpyRandom::new(42);
            for _ in 0..skip {
                bulk.next_u32();
                single.next_u32();
            }
            let mut values = vec![0.0; 1500];
            bulk.fill_uniform(-3.0, 5.0, &mut values);
            for (k, &v) in values.iter().enumerate() {
                assert_eq!(v, single.uniform(-3.0, 5.0), "skip {skip}, value {k}");
            }
            assert_eq!(bulk.next_u32(), single.next_u32());
        }
    }
}
