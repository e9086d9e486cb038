//! OpenCV 4's own float64 discrete Fourier transform (core `dxt.cpp`), reproduced operation for
//! operation: the same factorisation, the same twiddle tables built by the same recurrence, the
//! same radix-2/3/4/5 butterflies in the same order, the same packing of real spectra ("CCS").
//! [`super::cross_correlation`] builds OpenCV's 2-D transform and DFT-based `filter2D` on it.
//!
//! It is written out by hand because its purpose is exactness, not speed: OpenCV correlates
//! through this transform for large kernels, and the last bits of its results (which decide an
//! occasional ±1 after truncation to 8 bits) are the rounding of exactly these operations; no FFT
//! crate rounds the same way. Data movement (the digit-reversal permutation, which OpenCV does in
//! place or out of place) does not round, so it is done the simplest way here; only the
//! arithmetic follows OpenCV step by step.
//!
//! Complex vectors are interleaved (re, im, re, im, …). Every transform runs on [`Lanes`]: `L`
//! independent vectors side by side, so that the compiler vectorises across them without
//! changing any lane's arithmetic. Lengths are the 5-smooth ones (2^a·3^b·5^c) that
//! `getOptimalDFTSize` picks, from 6 on.

use crate::ops::portable::Portable;
use std::f64::consts::{FRAC_1_SQRT_2, PI};
use std::ops::{Add, Mul, Neg, Sub};

/// `L` independent transforms' values at one position, computed side by side: every operation
/// is the same IEEE operation per lane, so a lane's result is the one-at-a-time result, while
/// the compiler vectorises across lanes.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Lanes<const L: usize>(pub [f64; L]);

impl<const L: usize> Lanes<L> {
    pub const ZERO: Self = Lanes([0.0; L]);
}

/// Lane-wise `Add`, `Sub` and `Mul` of two vectors: each lane's operation on its own, in order.
macro_rules! lane_wise {
    ($($trait:ident $method:ident $op:tt),*) => {$(
        impl<const L: usize> $trait for Lanes<L> {
            type Output = Self;
            #[inline(always)]
            fn $method(mut self, rhs: Self) -> Self {
                for (a, b) in self.0.iter_mut().zip(rhs.0) {
                    *a $op b;
                }
                self
            }
        }
    )*};
}

lane_wise!(Add add +=, Sub sub -=, Mul mul *=);

impl<const L: usize> Mul<f64> for Lanes<L> {
    type Output = Self;
    #[inline(always)]
    fn mul(mut self, rhs: f64) -> Self {
        for a in self.0.iter_mut() {
            *a *= rhs;
        }
        self
    }
}

impl<const L: usize> Neg for Lanes<L> {
    type Output = Self;
    #[inline(always)]
    fn neg(mut self) -> Self {
        for a in self.0.iter_mut() {
            *a = -*a;
        }
        self
    }
}

/// The factorisation, permutation and twiddle table of one transform length.
#[derive(Clone, Debug)]
pub struct Plan {
    n: usize,
    /// The power of two first (when even), then the odd factors, in OpenCV's order.
    factors: Vec<usize>,
    /// Digit-reversed order: butterfly input `i` is natural element `order[i]`.
    order: Vec<usize>,
    /// The factors of the half-length complex transform inside a real one (even n).
    half_factors: Vec<usize>,
    /// exp(−2πik/n) for k < n, interleaved, from OpenCV's recurrence.
    twiddles: Vec<f64>,
}

/// OpenCV's factor order: the largest power-of-two divisor as one factor, then the odd primes
/// ascending, with all but the power of two reversed (so the largest odd factor comes first).
fn factorize(mut n: usize) -> Vec<usize> {
    let mut factors = Vec::new();
    let two = 1 << n.trailing_zeros();
    if two > 1 {
        factors.push(two);
        n /= two;
    }
    let mut f = 3;
    while n > 1 {
        if n.is_multiple_of(f) {
            factors.push(f);
            n /= f;
        } else {
            f += 2;
            if f * f > n {
                break;
            }
        }
    }
    if n > 1 {
        factors.push(n);
    }
    let skip = usize::from(factors[0] % 2 == 0);
    factors[skip..].reverse();
    factors
}

/// The digit-reversal permutation for `factors` (OpenCV's `itab`): the power-of-two factor by
/// bit reversal, the odd factors by a mixed-radix counter.
fn digit_reversal(n: usize, factors: &[usize]) -> Vec<usize> {
    let nf = factors.len();
    // radix[i] = product of factors[i..]; two extra slots keep the carry loop in bounds.
    let mut radix = vec![0usize; nf + 2];
    radix[nf] = 1;
    for i in (0..nf).rev() {
        radix[i] = radix[i + 1] * factors[i];
    }
    let mut digits = vec![0usize; nf + 1];
    let mut order = vec![0usize; n];
    let first = factors[0];
    if first.is_multiple_of(2) {
        let a = radix[1];
        let half = first * a / 2;
        let quarter = half / 2;
        let bits = first.trailing_zeros();
        if first <= 2 {
            order[0] = 0;
            order[1] = half;
        } else {
            for i in (0..first).step_by(4) {
                // Bit reversal of i/4 within the bits − 2 bits that index the groups of four.
                let j = ((i >> 2) as u32)
                    .reverse_bits()
                    .checked_shr(34 - bits)
                    .unwrap_or(0) as usize
                    * a;
                order[i] = j;
                order[i + 1] = j + half;
                order[i + 2] = j + quarter;
                order[i + 3] = j + half + quarter;
            }
        }
        digits[1] += 1;
        if nf >= 2 {
            let mut i = first;
            let mut j = radix[2];
            while i < n {
                for k in 0..first {
                    order[i + k] = order[k] + j;
                }
                i += first;
                if i >= n {
                    break;
                }
                j += radix[2];
                let mut k = 1;
                loop {
                    digits[k] += 1;
                    if digits[k] < factors[k] {
                        break;
                    }
                    digits[k] = 0;
                    j = j + radix[k + 2] - radix[k];
                    k += 1;
                }
            }
        }
    } else {
        let mut j = 0;
        for (i, slot) in order.iter_mut().enumerate() {
            *slot = j;
            if i + 1 >= n {
                break;
            }
            j += radix[1];
            let mut k = 0;
            loop {
                digits[k] += 1;
                if digits[k] < factors[k] {
                    break;
                }
                digits[k] = 0;
                j = j + radix[k + 2] - radix[k];
                k += 1;
            }
        }
    }
    order
}

/// (cos, sin) of 2π/2^m as OpenCV tabulates them, for m ≤ 14: 17-decimal constants whose last
/// digit is not always the correctly rounded one (m ≥ 7), and exact zeros where libm's cos(π/2)
/// and sin(π) are 1e-16 off, so computing them would change the twiddles.
const POWER_OF_TWO_ROOTS: [(f64, f64); 15] = [
    (1.0, 0.0),
    (-1.0, 0.0),
    (0.0, 1.0),
    // sin(π/4) one unit in the last place below 1/√2, as tabulated.
    (FRAC_1_SQRT_2, f64::from_bits(0x3fe6_a09e_667f_3bcc)),
    (0.923_879_532_511_286_7, 0.382_683_432_365_089_8),
    (0.980_785_280_403_230_4, 0.195_090_322_016_128_25),
    (0.995_184_726_672_196_9, 0.098_017_140_329_560_6),
    (0.998_795_456_205_172_4, 0.049_067_674_327_418_02),
    (0.999_698_818_696_204_2, 0.024_541_228_522_912_29),
    (0.999_924_701_839_144_5, 0.012_271_538_285_719_93),
    (0.999_981_175_282_601_1, 0.006_135_884_649_154_48),
    (0.999_995_293_809_576_2, 0.003_067_956_762_965_98),
    (0.999_998_823_451_701_9, 0.001_533_980_186_284_77),
    (0.999_999_705_862_882_2, 0.000_766_990_318_742_7),
    (0.999_999_926_465_717_9, 0.000_383_495_187_571_4),
];

/// exp(−2πik/n) by OpenCV's recurrence from one root: for powers of two the root is
/// (cos, −sin) of 2π/n, otherwise sin of −2π/n with the cosine from √(1 − sin²); each next power
/// is one complex multiplication on, and the upper half mirrors the lower.
fn twiddles(n: usize) -> Vec<f64> {
    let (re1, im1) = if n.is_power_of_two() {
        let (re, im) = POWER_OF_TWO_ROOTS[n.trailing_zeros() as usize];
        (re, -im)
    } else {
        let im = (-PI * 2.0 / n as f64).portable_sin();
        ((1.0 - im * im).sqrt(), im)
    };
    let mut wave = vec![0.0; 2 * n];
    wave[0] = 1.0;
    let half = n.div_ceil(2);
    if n.is_multiple_of(2) {
        wave[2 * half] = -1.0;
    }
    let (mut re, mut im) = (re1, im1);
    for i in 1..half {
        wave[2 * i] = re;
        wave[2 * i + 1] = im;
        wave[2 * (n - i)] = re;
        wave[2 * (n - i) + 1] = -im;
        let t = re * re1 - im * im1;
        im = re * im1 + im * re1;
        re = t;
    }
    wave
}

impl Plan {
    /// The plan for length `n`, a 5-smooth number of at least 6.
    pub fn new(n: usize) -> Plan {
        assert!(n >= 6, "DFT length {n} below 6");
        assert!(
            !n.is_power_of_two() || n < 1 << POWER_OF_TWO_ROOTS.len(),
            "DFT length {n} beyond the tabulated powers of two"
        );
        let factors = factorize(n);
        assert!(
            factors.iter().all(|&f| f % 2 == 0 || f == 3 || f == 5),
            "DFT length {n} is not 5-smooth"
        );
        let mut half_factors = factors.clone();
        half_factors[0] /= 2;
        if half_factors[0] == 1 {
            half_factors.remove(0);
        }
        Plan {
            n,
            order: digit_reversal(n, &factors),
            twiddles: twiddles(n),
            half_factors,
            factors,
        }
    }

    /// Forward complex DFT of `src` (n complex values, interleaved) into `dst`.
    #[inline(always)]
    pub fn complex_forward<const L: usize>(&self, src: &[Lanes<L>], dst: &mut [Lanes<L>]) {
        self.permute(src, dst, self.n, false);
        butterflies(dst, self.n, &self.factors, &self.twiddles, self.n);
    }

    /// Inverse complex DFT without scaling, as OpenCV computes it: the conjugate of the forward
    /// transform of the conjugate.
    #[inline(always)]
    pub fn complex_inverse<const L: usize>(&self, src: &[Lanes<L>], dst: &mut [Lanes<L>]) {
        self.permute(src, dst, self.n, true);
        butterflies(dst, self.n, &self.factors, &self.twiddles, self.n);
        for im in dst[..2 * self.n].iter_mut().skip(1).step_by(2) {
            *im = -*im;
        }
    }

    /// `dst[i] = src[order[i·step]]` for the first `len` complex values (conjugated when
    /// `conjugate`); `step` = n/len reads the table of a longer transform, as the half-length
    /// transform inside a real one does.
    #[inline(always)]
    fn permute<const L: usize>(
        &self,
        src: &[Lanes<L>],
        dst: &mut [Lanes<L>],
        len: usize,
        conjugate: bool,
    ) {
        let step = self.n / len;
        for i in 0..len {
            let k = self.order[i * step];
            dst[2 * i] = src[2 * k];
            dst[2 * i + 1] = if conjugate {
                -src[2 * k + 1]
            } else {
                src[2 * k + 1]
            };
        }
    }

    /// Forward DFT of the real vector `src` into CCS order in `dst` (both n long): re0, re1,
    /// im1, re2, im2, …, and re(n/2) last when n is even. `scratch` holds 2n values.
    #[inline(always)]
    pub fn real_forward<const L: usize>(
        &self,
        src: &[Lanes<L>],
        dst: &mut [Lanes<L>],
        scratch: &mut [Lanes<L>],
    ) {
        let n = self.n;
        if n % 2 == 1 {
            // A complex transform of the real values, its first half repacked.
            for i in 0..n {
                scratch[2 * i] = src[self.order[i]];
                scratch[2 * i + 1] = Lanes::ZERO;
            }
            butterflies(scratch, n, &self.factors, &self.twiddles, n);
            dst[0] = scratch[0];
            dst[1..n].copy_from_slice(&scratch[2..n + 1]);
            return;
        }
        // The even and odd samples as one complex vector of half the length, transformed with
        // this length's tables, then split into the spectrum of the real vector.
        let n2 = n / 2;
        self.permute(src, dst, n2, false);
        butterflies(dst, n2, &self.half_factors, &self.twiddles, n);
        let t = dst[0] - dst[1];
        dst[0] = dst[0] + dst[1];
        dst[1] = t;
        let middle = dst[n2];
        let mut t = dst[n - 1];
        dst[n - 1] = dst[1];
        let mut j = 2;
        while j < n2 {
            let (wr, wi) = (self.twiddles[j], self.twiddles[j + 1]);
            let h2_re = (dst[j + 1] + t) * 0.5;
            let h2_im = (dst[n - j] - dst[j]) * 0.5;
            let h1_re = (dst[j] + dst[n - j]) * 0.5;
            let h1_im = (dst[j + 1] - t) * 0.5;
            let r = h2_re * wr - h2_im * wi;
            let i = h2_re * wi + h2_im * wr;
            t = dst[n - j - 1];
            dst[j - 1] = h1_re + r;
            dst[n - j - 1] = h1_re - r;
            dst[j] = h1_im + i;
            dst[n - j] = i - h1_im;
            j += 2;
        }
        if j <= n2 {
            dst[n2 - 1] = middle;
            dst[n2] = -t;
        }
    }

    /// Inverse DFT of the CCS vector `src` to the real vector `dst` (both n long), each value
    /// multiplied by `scale`. `scratch` holds 4n values.
    #[inline(always)]
    pub fn real_inverse<const L: usize>(
        &self,
        src: &[Lanes<L>],
        dst: &mut [Lanes<L>],
        scale: f64,
        scratch: &mut [Lanes<L>],
    ) {
        let n = self.n;
        let (packed, out) = scratch.split_at_mut(2 * n);
        if n % 2 == 1 {
            // The conjugate of the Hermitian spectrum, permuted and transformed forward; the
            // real parts are the result.
            packed[0] = src[0];
            packed[1] = Lanes::ZERO;
            for j in 1..n.div_ceil(2) {
                let (re, im) = (src[2 * j - 1], src[2 * j]);
                packed[2 * j] = re;
                packed[2 * j + 1] = -im;
                packed[2 * (n - j)] = re;
                packed[2 * (n - j) + 1] = im;
            }
            self.permute(packed, out, n, false);
            butterflies(out, n, &self.factors, &self.twiddles, n);
            for (i, value) in dst[..n].iter_mut().enumerate() {
                *value = out[2 * i] * scale;
            }
            return;
        }
        let n2 = n / 2;
        let mut t = src[1];
        packed[0] = src[0] + src[n - 1];
        packed[1] = src[n - 1] - src[0];
        let mut j = 2;
        while j < n2 {
            let (wr, wi) = (self.twiddles[j], self.twiddles[j + 1]);
            let h1_re = t + src[n - j - 1];
            let h1_im = src[j] - src[n - j];
            let h2_re = t - src[n - j - 1];
            let h2_im = src[j] + src[n - j];
            let r = h2_re * wr + h2_im * wi;
            let i = h2_im * wr - h2_re * wi;
            t = src[j + 1];
            packed[j] = h1_re - i;
            packed[j + 1] = -h1_im - r;
            packed[n - j] = h1_re + i;
            packed[n - j + 1] = h1_im - r;
            j += 2;
        }
        if j <= n2 {
            packed[n2] = t * 2.0;
            packed[n2 + 1] = src[n2] * 2.0;
        }
        self.permute(packed, out, n2, false);
        butterflies(out, n2, &self.half_factors, &self.twiddles, n);
        for j in (0..n).step_by(2) {
            dst[j] = out[j] * scale;
            dst[j + 1] = out[j + 1] * -scale;
        }
    }
}

const SIN_120: f64 = 0.866_025_403_784_438_6;
const FFT5_2: f64 = 0.559_016_994_374_947_5;
const FFT5_3: f64 = -0.951_056_516_295_153_5;
const FFT5_4: f64 = -1.538_841_768_587_626_8;
const FFT5_5: f64 = 0.363_271_264_002_680_45;

/// The butterfly passes of OpenCV's mixed-radix DFT on `n` complex values already in
/// digit-reversed order: radix 4 (then one radix 2) over the power-of-two factor, then radix 3
/// and 5. Twiddles are read from a table of length `tab_size` (a multiple of `n`).
#[inline(always)]
fn butterflies<const L: usize>(
    v: &mut [Lanes<L>],
    n0: usize,
    factors: &[usize],
    wave: &[f64],
    tab_size: usize,
) {
    let w = |k: usize| (wave[2 * k], wave[2 * k + 1]);
    let mut dw0 = tab_size;
    let mut n = 1;
    let mut first_odd = 0;
    if factors[0].is_multiple_of(2) {
        first_odd = 1;
        let f0 = factors[0];
        while n * 4 <= f0 {
            let nx = n;
            n *= 4;
            dw0 /= 4;
            for i in (0..n0).step_by(n) {
                let (a, b, c, d) = (2 * i, 2 * (i + nx), 2 * (i + 2 * nx), 2 * (i + 3 * nx));
                let (r0, i0) = (v[c], v[c + 1]);
                let (r4, i4) = (v[d], v[d + 1]);
                let (r1, i1) = (r0 + r4, i0 + i4);
                let (r3, i3) = (i0 - i4, r4 - r0);
                let (r2, i2) = (v[a], v[a + 1]);
                let (r4, i4) = (v[b], v[b + 1]);
                let (r0, i0) = (r2 + r4, i2 + i4);
                let (r2, i2) = (r2 - r4, i2 - i4);
                v[a] = r0 + r1;
                v[a + 1] = i0 + i1;
                v[c] = r0 - r1;
                v[c + 1] = i0 - i1;
                v[b] = r2 + r3;
                v[b + 1] = i2 + i3;
                v[d] = r2 - r3;
                v[d + 1] = i2 - i3;
                let mut dw = dw0;
                for j in 1..nx {
                    let (a, b, c, d) = (
                        2 * (i + j),
                        2 * (i + j + nx),
                        2 * (i + j + 2 * nx),
                        2 * (i + j + 3 * nx),
                    );
                    let (w1r, w1i) = w(dw);
                    let (w2r, w2i) = w(2 * dw);
                    let (w3r, w3i) = w(3 * dw);
                    let r2 = v[b] * w2r - v[b + 1] * w2i;
                    let i2 = v[b] * w2i + v[b + 1] * w2r;
                    let r0 = v[c] * w1i + v[c + 1] * w1r;
                    let i0 = v[c] * w1r - v[c + 1] * w1i;
                    let r3 = v[d] * w3i + v[d + 1] * w3r;
                    let i3 = v[d] * w3r - v[d + 1] * w3i;
                    let (r1, i1) = (i0 + i3, r0 + r3);
                    let (r3, i3) = (r0 - r3, i3 - i0);
                    let (r4, i4) = (v[a], v[a + 1]);
                    let (r0, i0) = (r4 + r2, i4 + i2);
                    let (r2, i2) = (r4 - r2, i4 - i2);
                    v[a] = r0 + r1;
                    v[a + 1] = i0 + i1;
                    v[c] = r0 - r1;
                    v[c + 1] = i0 - i1;
                    v[b] = r2 + r3;
                    v[b + 1] = i2 + i3;
                    v[d] = r2 - r3;
                    v[d + 1] = i2 - i3;
                    dw += dw0;
                }
            }
        }
        while n < f0 {
            let nx = n;
            n *= 2;
            dw0 /= 2;
            for i in (0..n0).step_by(n) {
                let (a, b) = (2 * i, 2 * (i + nx));
                let (r0, i0) = (v[a] + v[b], v[a + 1] + v[b + 1]);
                let (r1, i1) = (v[a] - v[b], v[a + 1] - v[b + 1]);
                v[a] = r0;
                v[a + 1] = i0;
                v[b] = r1;
                v[b + 1] = i1;
                let mut dw = dw0;
                for j in 1..nx {
                    let (a, b) = (2 * (i + j), 2 * (i + j + nx));
                    let (wr, wi) = w(dw);
                    let r1 = v[b] * wr - v[b + 1] * wi;
                    let i1 = v[b + 1] * wr + v[b] * wi;
                    let (r0, i0) = (v[a], v[a + 1]);
                    v[a] = r0 + r1;
                    v[a + 1] = i0 + i1;
                    v[b] = r0 - r1;
                    v[b + 1] = i0 - i1;
                    dw += dw0;
                }
            }
        }
    }
    for &factor in &factors[first_odd..] {
        let nx = n;
        n *= factor;
        dw0 /= factor;
        if factor == 3 {
            radix3(v, n0, n, nx, dw0, wave);
        } else {
            radix5(v, n0, n, nx, dw0, wave);
        }
    }
}

#[inline(always)]
fn radix3<const L: usize>(
    v: &mut [Lanes<L>],
    n0: usize,
    n: usize,
    nx: usize,
    dw0: usize,
    wave: &[f64],
) {
    for i in (0..n0).step_by(n) {
        let (a, b, c) = (2 * i, 2 * (i + nx), 2 * (i + 2 * nx));
        let r1 = v[b] + v[c];
        let i1 = v[b + 1] + v[c + 1];
        let (mut r0, mut i0) = (v[a], v[a + 1]);
        let r2 = (v[b + 1] - v[c + 1]) * SIN_120;
        let i2 = (v[c] - v[b]) * SIN_120;
        v[a] = r0 + r1;
        v[a + 1] = i0 + i1;
        r0 = r0 - r1 * 0.5;
        i0 = i0 - i1 * 0.5;
        v[b] = r0 + r2;
        v[b + 1] = i0 + i2;
        v[c] = r0 - r2;
        v[c + 1] = i0 - i2;
        let mut dw = dw0;
        for j in 1..nx {
            let (a, b, c) = (2 * (i + j), 2 * (i + j + nx), 2 * (i + j + 2 * nx));
            let (w1r, w1i) = (wave[2 * dw], wave[2 * dw + 1]);
            let (w2r, w2i) = (wave[4 * dw], wave[4 * dw + 1]);
            let r0 = v[b] * w1r - v[b + 1] * w1i;
            let i0 = v[b] * w1i + v[b + 1] * w1r;
            let i2 = v[c] * w2r - v[c + 1] * w2i;
            let r2 = v[c] * w2i + v[c + 1] * w2r;
            let (r1, i1) = (r0 + i2, i0 + r2);
            let r2 = (i0 - r2) * SIN_120;
            let i2 = (i2 - r0) * SIN_120;
            let (mut r0, mut i0) = (v[a], v[a + 1]);
            v[a] = r0 + r1;
            v[a + 1] = i0 + i1;
            r0 = r0 - r1 * 0.5;
            i0 = i0 - i1 * 0.5;
            v[b] = r0 + r2;
            v[b + 1] = i0 + i2;
            v[c] = r0 - r2;
            v[c + 1] = i0 - i2;
            dw += dw0;
        }
    }
}

#[inline(always)]
fn radix5<const L: usize>(
    v: &mut [Lanes<L>],
    n0: usize,
    n: usize,
    nx: usize,
    dw0: usize,
    wave: &[f64],
) {
    let mul = |v: &[Lanes<L>], at: usize, k: usize| {
        let (wr, wi) = (wave[2 * k], wave[2 * k + 1]);
        (v[at] * wr - v[at + 1] * wi, v[at] * wi + v[at + 1] * wr)
    };
    for i in (0..n0).step_by(n) {
        let mut dw = 0;
        for j in 0..nx {
            let p0 = 2 * (i + j);
            let (p1, p2, p3, p4) = (p0 + 2 * nx, p0 + 4 * nx, p0 + 6 * nx, p0 + 8 * nx);
            let (r3, i3) = mul(v, p1, dw);
            let (r2, i2) = mul(v, p4, 4 * dw);
            let (r1, i1) = (r3 + r2, i3 + i2);
            let (r3, i3) = (r3 - r2, i3 - i2);
            let (r4, i4) = mul(v, p3, 3 * dw);
            let (r0, i0) = mul(v, p2, 2 * dw);
            let (r2, i2) = (r4 + r0, i4 + i0);
            let (r4, i4) = (r4 - r0, i4 - i0);
            let (r0, i0) = (v[p0], v[p0 + 1]);
            let (r5, i5) = (r1 + r2, i1 + i2);
            v[p0] = r0 + r5;
            v[p0 + 1] = i0 + i5;
            let (r0, i0) = (r0 - r5 * 0.25, i0 - i5 * 0.25);
            let (r1, i1) = ((r1 - r2) * FFT5_2, (i1 - i2) * FFT5_2);
            let (r2, i2) = ((i3 + i4) * -FFT5_3, (r3 + r4) * FFT5_3);
            let (i3, r3) = (i3 * -FFT5_5, r3 * FFT5_5);
            let (i4, r4) = (i4 * -FFT5_4, r4 * FFT5_4);
            let (r5, i5) = (r2 + i3, i2 + r3);
            let (r2, i2) = (r2 - i4, i2 - r4);
            let (r3, i3) = (r0 + r1, i0 + i1);
            let (r0, i0) = (r0 - r1, i0 - i1);
            v[p1] = r3 + r2;
            v[p1 + 1] = i3 + i2;
            v[p4] = r3 - r2;
            v[p4 + 1] = i3 - i2;
            v[p2] = r0 + r5;
            v[p2 + 1] = i0 + i5;
            v[p3] = r0 - r5;
            v[p3 + 1] = i0 - i5;
            dw += dw0;
        }
    }
}

/// FNV-1a of a byte stream: how the tests fingerprint float outputs (bit for bit) against
/// digests recorded from OpenCV.
#[cfg(test)]
pub(crate) fn fnv1a(bytes: impl Iterator<Item = u8>) -> u64 {
    bytes.fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lanes(values: &[f64]) -> Vec<Lanes<1>> {
        values.iter().map(|&v| Lanes([v])).collect()
    }

    fn values(lanes: &[Lanes<1>]) -> Vec<f64> {
        lanes.iter().map(|l| l.0[0]).collect()
    }

    /// Σ x_k·exp(−2πijk/n) term by term, for checking to rounding.
    fn naive_dft(re: &[f64], im: &[f64]) -> Vec<(f64, f64)> {
        let n = re.len();
        (0..n)
            .map(|j| {
                (0..n).fold((0.0, 0.0), |(sr, si), k| {
                    let a = -2.0 * PI * ((j * k) % n) as f64 / n as f64;
                    let (c, s) = (a.portable_cos(), a.portable_sin());
                    (sr + re[k] * c - im[k] * s, si + re[k] * s + im[k] * c)
                })
            })
            .collect()
    }

    /// The test vectors: real parts and imaginary parts in [−0.5, 0.5).
    fn test_vector(n: usize) -> (Vec<f64>, Vec<f64>) {
        let re = (0..n)
            .map(|i| ((i * 37) % 101) as f64 / 101.0 - 0.5)
            .collect();
        let im = (0..n)
            .map(|i| ((i * 53) % 97) as f64 / 97.0 - 0.5)
            .collect();
        (re, im)
    }

    fn interleave(re: &[f64], im: &[f64]) -> Vec<f64> {
        re.iter().zip(im).flat_map(|(&r, &i)| [r, i]).collect()
    }

    #[test]
    fn factors_come_in_opencvs_order() {
        assert_eq!(factorize(256), [256]);
        assert_eq!(factorize(270), [2, 5, 3, 3, 3]);
        assert_eq!(factorize(75), [5, 5, 3]);
        assert_eq!(factorize(216), [8, 3, 3, 3]);
    }

    #[test]
    fn digit_reversal_is_a_permutation() {
        for n in [6, 8, 50, 64, 75, 216, 256, 270, 1024] {
            let plan = Plan::new(n);
            let mut seen = plan.order.clone();
            seen.sort_unstable();
            assert_eq!(seen, (0..n).collect::<Vec<_>>(), "n = {n}");
        }
        assert_eq!(Plan::new(8).order, [0, 4, 2, 6, 1, 5, 3, 7]);
    }

    #[test]
    fn an_impulse_transforms_to_exact_ones() {
        for n in [8, 12, 30, 75, 256] {
            let mut impulse = vec![0.0; 2 * n];
            impulse[0] = 1.0;
            let mut out = lanes(&impulse);
            Plan::new(n).complex_forward(&lanes(&impulse), &mut out);
            let want: Vec<f64> = (0..n).flat_map(|_| [1.0, 0.0]).collect();
            assert_eq!(values(&out), want, "n = {n}");
        }
    }

    #[test]
    fn transforms_agree_with_the_definition_to_rounding() {
        for n in [
            6, 8, 10, 12, 15, 16, 20, 25, 27, 45, 48, 50, 64, 75, 128, 243, 256, 270,
        ] {
            let plan = Plan::new(n);
            let (re, im) = test_vector(n);
            let close = |a: f64, b: f64| (a - b).abs() < 1e-12 * n as f64;

            let mut out = lanes(&vec![0.0; 2 * n]);
            plan.complex_forward(&lanes(&interleave(&re, &im)), &mut out);
            let want = naive_dft(&re, &im);
            for (k, &(r, i)) in want.iter().enumerate() {
                assert!(
                    close(out[2 * k].0[0], r) && close(out[2 * k + 1].0[0], i),
                    "n = {n}"
                );
            }

            let mut back = lanes(&vec![0.0; 2 * n]);
            plan.complex_inverse(&out, &mut back);
            for (k, (&r, &i)) in re.iter().zip(&im).enumerate() {
                let (br, bi) = (back[2 * k].0[0] / n as f64, back[2 * k + 1].0[0] / n as f64);
                assert!(close(br, r) && close(bi, i), "n = {n}");
            }

            // CCS: re0, then (re, im) pairs, then re(n/2) for even n.
            let mut ccs = lanes(&vec![0.0; n]);
            let mut scratch = lanes(&vec![0.0; 4 * n]);
            plan.real_forward(&lanes(&re), &mut ccs, &mut scratch);
            let want = naive_dft(&re, &vec![0.0; n]);
            let mut packed = vec![want[0].0];
            for &(r, i) in &want[1..n.div_ceil(2)] {
                packed.extend([r, i]);
            }
            if n % 2 == 0 {
                packed.push(want[n / 2].0);
            }
            for (got, want) in values(&ccs).iter().zip(&packed) {
                assert!(close(*got, *want), "n = {n}");
            }

            let mut real = lanes(&vec![0.0; n]);
            plan.real_inverse(&ccs, &mut real, 1.0 / n as f64, &mut scratch);
            for (got, want) in values(&real).iter().zip(&re) {
                assert!(close(*got, *want), "n = {n}");
            }
        }
    }

    /// FNV-1a over the bits of each value.
    fn bits_hash(values: &[f64]) -> u64 {
        fnv1a(values.iter().flat_map(|v| v.to_le_bytes()))
    }

    #[test]
    fn transforms_equal_opencv_bit_for_bit() {
        // cv2.dft of the test vector as one row (DFT_ROWS) with OpenCV 4.5.5's own DFT
        // (OPENCV_IPP=disabled), hashed the same way: the real vector forward, the complex one
        // forward and inverse (unscaled), the real vector read as CCS inverse with 1/n scaling.
        for (n, want) in [
            (
                75,
                [
                    0xf73e_0de9_3b64_d739u64,
                    0x86b8_d4d8_e8e2_97ec,
                    0xa94c_50c4_7ac5_d015,
                    0x0364_8f9a_a1e0_0ae4,
                ],
            ),
            (
                256,
                [
                    0xe61f_a7ef_307c_3d5b,
                    0x9cdf_2712_af93_1a43,
                    0x09cf_e6f9_b266_b14d,
                    0x49b4_cd84_bce5_3524,
                ],
            ),
            (
                270,
                [
                    0xf1e6_c2a6_b2cd_6387,
                    0xddfd_442a_da47_a716,
                    0x4372_8f23_717c_fc28,
                    0xd65b_3127_9be5_8647,
                ],
            ),
        ] {
            let plan = Plan::new(n);
            let (re, im) = test_vector(n);
            let complex = lanes(&interleave(&re, &im));
            let mut scratch = lanes(&vec![0.0; 4 * n]);
            let mut real_out = lanes(&vec![0.0; n]);
            let mut complex_out = lanes(&vec![0.0; 2 * n]);
            plan.real_forward(&lanes(&re), &mut real_out, &mut scratch);
            assert_eq!(
                bits_hash(&values(&real_out)),
                want[0],
                "n = {n} real forward"
            );
            plan.complex_forward(&complex, &mut complex_out);
            assert_eq!(bits_hash(&values(&complex_out)), want[1], "n = {n} forward");
            plan.complex_inverse(&complex, &mut complex_out);
            assert_eq!(bits_hash(&values(&complex_out)), want[2], "n = {n} inverse");
            plan.real_inverse(&lanes(&re), &mut real_out, 1.0 / n as f64, &mut scratch);
            assert_eq!(
                bits_hash(&values(&real_out)),
                want[3],
                "n = {n} real inverse"
            );
        }
    }

    #[test]
    fn lanes_are_independent_transforms() {
        let n = 270;
        let plan = Plan::new(n);
        let vectors: Vec<Vec<f64>> = (0..4)
            .map(|l| {
                (0..n)
                    .map(|i| ((i * (l + 3) * 29) % 89) as f64 / 89.0)
                    .collect()
            })
            .collect();
        let packed: Vec<Lanes<4>> = (0..n)
            .map(|i| Lanes(std::array::from_fn(|l| vectors[l][i])))
            .collect();
        let mut out = vec![Lanes::ZERO; n];
        let mut scratch = vec![Lanes::ZERO; 4 * n];
        plan.real_forward(&packed, &mut out, &mut scratch);
        for (l, vector) in vectors.iter().enumerate() {
            let mut one = lanes(&vec![0.0; n]);
            let mut scratch = lanes(&vec![0.0; 4 * n]);
            plan.real_forward(&lanes(vector), &mut one, &mut scratch);
            let lane: Vec<f64> = out.iter().map(|v| v.0[l]).collect();
            assert_eq!(lane, values(&one));
        }
    }
}
