//! numpy's legacy `RandomState`: MT19937 seeded as `np.random.seed(S)` with an integer, and the
//! polar Gaussian with its cached second value. Bit-exact with numpy (tests use values numpy made).

use super::Random;

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

    /// Regenerates the 624 words of state (the MT19937 "twist").
    fn twist(&mut self) {
        const UPPER: u32 = 0x8000_0000;
        const LOWER: u32 = 0x7fff_ffff;
        const MATRIX_A: u32 = 0x9908_b0df;
        const SHIFT: usize = 397;
        let k = &mut self.key;
        for i in 0..STATE_LEN {
            let y = (k[i] & UPPER) | (k[(i + 1) % STATE_LEN] & LOWER);
            let mag = if y & 1 == 1 { MATRIX_A } else { 0 };
            k[i] = k[(i + SHIFT) % STATE_LEN] ^ (y >> 1) ^ mag;
        }
        self.pos = 0;
    }
}

impl Random for NumpyRandom {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        if self.pos == STATE_LEN {
            self.twist();
        }
        let mut y = self.key[self.pos];
        self.pos += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^ (y >> 18)
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
