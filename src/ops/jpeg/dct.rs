//! The "islow" integer DCTs of libjpeg and the coefficient quantisation.
//!
//! All transforms are the Loeffler–Ligtenberg–Moschytz factorisations with 13-bit fixed-point
//! constants that libjpeg's `jfdctint.c` / `jidctint.c` use, with two passes (columns or rows
//! first as libjpeg does) and one rounding shift at the end of each pass. Within a pass the
//! arithmetic is exact integer arithmetic, so the grouping of sums does not matter, only the set
//! of rounded constants and where the shifts fall.
//!
//! * 8×8 forward and inverse: identical in IJG libjpeg 9 and libjpeg-turbo (`jpeg_fdct_islow`,
//!   `jpeg_idct_islow`).
//! * 16×16 forward and 16×16 / 16×8 / 8×16 inverse: libjpeg 9's scaled DCTs
//!   (`jpeg_fdct_16x16`, `jpeg_idct_16x16`, `jpeg_idct_16x8`, `jpeg_idct_8x16`), which libjpeg 9
//!   uses instead of resampling for chroma subsampled by 2.
//! * Quantisation (`jcdctmgr.c`): libjpeg 9 divides with rounding, libjpeg-turbo multiplies by
//!   a rounded reciprocal; the results are the same (see [`Quantiser`]).
//!
//! Intermediate sums are `i64`, as libjpeg's `INT32` is a C `long` on 64-bit Linux; the
//! between-pass workspace is `i32` like libjpeg's `int` workspace.

use std::num::Wrapping;
use std::ops::{Add, Mul, Neg, Shl, Shr, Sub};

const CONST_BITS: usize = 13;
const PASS1_BITS: usize = 2;

/// libjpeg's `FIX(x)`: x in 13-bit fixed point, rounded.
const fn fix(x: f64) -> i64 {
    (x * 8192.0 + 0.5) as i64
}

const C0_298: i64 = fix(0.298631336);
const C0_390: i64 = fix(0.390180644);
const C0_541: i64 = fix(0.541196100);
const C0_765: i64 = fix(0.765366865);
const C0_899: i64 = fix(0.899976223);
const C1_175: i64 = fix(1.175875602);
const C1_501: i64 = fix(1.501321110);
const C1_847: i64 = fix(1.847759065);
const C1_961: i64 = fix(1.961570560);
const C2_053: i64 = fix(2.053119869);
const C2_562: i64 = fix(2.562915447);
const C3_072: i64 = fix(3.072711026);

/// The integers a transform computes in: `i64`, libjpeg's `INT32` on 64-bit Linux, or 32-bit
/// lanes that wrap around, which vectorise twice as wide. Sums, differences, products and left
/// shifts are exact modulo 2^32, so the 32-bit results equal the 64-bit ones whenever every value
/// that is shifted right (the rounded descalings) fits in 32 bits; [`forward_8x8`],
/// [`forward_16x16`] and [`inverse`] use them only where that holds.
trait Lane:
    Copy
    + Add<Output = Self>
    + Sub<Output = Self>
    + Mul<Output = Self>
    + Neg<Output = Self>
    + Shl<usize, Output = Self>
    + Shr<usize, Output = Self>
{
    fn constant(c: i64) -> Self;
    /// The low 32 bits, as libjpeg's `int` workspace and outputs keep them.
    fn low32(self) -> i32;
}

impl Lane for i64 {
    #[inline(always)]
    fn constant(c: i64) -> Self {
        c
    }
    #[inline(always)]
    fn low32(self) -> i32 {
        self as i32
    }
}

impl Lane for Wrapping<i32> {
    #[inline(always)]
    fn constant(c: i64) -> Self {
        Wrapping(c as i32)
    }
    #[inline(always)]
    fn low32(self) -> i32 {
        self.0
    }
}

/// `x >> n` rounded half up, libjpeg's `DESCALE`.
#[inline(always)]
fn descale<T: Lane>(x: T, n: usize) -> T {
    (x + T::constant(1 << (n - 1))) >> n
}

/// The 8-point forward kernel. Outputs 0 and 4 are at the input's scale, the others carry the
/// 2^13 of the fixed-point constants.
#[inline(always)]
fn forward8<T: Lane>(x: [T; 8]) -> [T; 8] {
    let k = T::constant;
    let s = [x[0] + x[7], x[1] + x[6], x[2] + x[5], x[3] + x[4]];
    let d = [x[0] - x[7], x[1] - x[6], x[2] - x[5], x[3] - x[4]];
    // Even half.
    let (e0, e1) = (s[0] + s[3], s[1] + s[2]);
    let (e2, e3) = (s[0] - s[3], s[1] - s[2]);
    let rot = (e2 + e3) * k(C0_541);
    // Odd half.
    let (a, b) = (d[0] + d[2], d[1] + d[3]);
    let common = (a + b) * k(C1_175);
    let a = common - a * k(C0_390);
    let b = common - b * k(C1_961);
    let w = -(d[0] + d[3]) * k(C0_899);
    let v = -(d[1] + d[2]) * k(C2_562);
    [
        e0 + e1,
        d[0] * k(C1_501) + w + a,
        rot + e2 * k(C0_765),
        d[1] * k(C3_072) + v + b,
        e0 - e1,
        d[2] * k(C2_053) + v + a,
        rot - e3 * k(C1_847),
        d[3] * k(C0_298) + w + b,
    ]
}

/// The partial 16-point forward kernel of libjpeg 9: the lowest 8 of 16 frequencies, scaled to
/// the 8-point level. Output 0 is at the input's scale, the others carry 2^13.
#[inline(always)]
fn forward16<T: Lane>(x: [T; 16]) -> [T; 8] {
    let k = |c: f64| T::constant(fix(c));
    let (mut s, mut d) = ([x[0]; 8], [x[0]; 8]);
    for i in 0..8 {
        s[i] = x[i] + x[15 - i];
        d[i] = x[i] - x[15 - i];
    }
    // Even half: an 8-point problem on the sums.
    let (p0, p1, p2, p3) = (s[0] + s[7], s[1] + s[6], s[2] + s[5], s[3] + s[4]);
    let (q0, q1, q2, q3) = (s[0] - s[7], s[1] - s[6], s[2] - s[5], s[3] - s[4]);
    let y4 = (p0 - p3) * k(1.306562965) + (p1 - p2) * T::constant(C0_541);
    let u = (q3 - q1) * k(0.275899379) + (q0 - q2) * k(1.387039845);
    let y2 = u + q1 * k(1.451774982) + q2 * k(2.172734804);
    let y6 = u - q0 * k(0.211164243) - q3 * k(1.061594338);
    // Odd half.
    let r1 = (d[0] + d[1]) * k(1.353318001) + (d[6] - d[7]) * k(0.410524528);
    let r2 = (d[0] + d[2]) * k(1.247225013) + (d[5] + d[7]) * k(0.666655658);
    let r3 = (d[0] + d[3]) * k(1.093201867) + (d[4] - d[7]) * k(0.897167586);
    let r4 = (d[1] + d[2]) * k(0.138617169) + (d[6] - d[5]) * k(1.407403738);
    let r5 = -(d[1] + d[3]) * k(0.666655658) - (d[4] + d[6]) * k(1.247225013);
    let r6 = -(d[2] + d[3]) * k(1.353318001) + (d[5] - d[4]) * k(0.410524528);
    let y1 = r1 + r2 + r3 - d[0] * k(2.286341144) + d[7] * k(0.779653625);
    let y3 = r1 + r4 + r5 + d[1] * k(0.071888074) - d[6] * k(1.663905119);
    let y5 = r2 + r4 + r6 - d[2] * k(1.125726048) + d[5] * k(1.227391138);
    let y7 = r3 + r5 + r6 + d[3] * k(1.065388962) + d[4] * k(2.167985692);
    [p0 + p1 + p2 + p3, y1, y2, y3, y4, y5, y6, y7]
}

/// The 8-point inverse kernel; all outputs carry 2^13 relative to the inputs.
#[inline(always)]
fn inverse8<T: Lane>(z: [T; 8]) -> [T; 8] {
    let k = T::constant;
    let a0 = (z[0] + z[4]) << CONST_BITS;
    let a1 = (z[0] - z[4]) << CONST_BITS;
    let rot = (z[2] + z[6]) * k(C0_541);
    let e2 = rot + z[2] * k(C0_765);
    let e3 = rot - z[6] * k(C1_847);
    let (t10, t13, t11, t12) = (a0 + e2, a0 - e2, a1 + e3, a1 - e3);
    // Odd half from z7, z5, z3, z1.
    let (q0, q1, q2, q3) = (z[7], z[5], z[3], z[1]);
    let common = (q0 + q1 + q2 + q3) * k(C1_175);
    let m2 = common - (q0 + q2) * k(C1_961);
    let m3 = common - (q1 + q3) * k(C0_390);
    let w = -(q0 + q3) * k(C0_899);
    let v = -(q1 + q2) * k(C2_562);
    let o0 = q0 * k(C0_298) + w + m2;
    let o3 = q3 * k(C1_501) + w + m3;
    let o1 = q1 * k(C2_053) + v + m3;
    let o2 = q2 * k(C3_072) + v + m2;
    [
        t10 + o3,
        t11 + o2,
        t12 + o1,
        t13 + o0,
        t13 - o0,
        t12 - o1,
        t11 - o2,
        t10 - o3,
    ]
}

/// libjpeg 9's 16-point inverse kernel from 8 coefficients; outputs carry 2^13.
#[inline(always)]
fn inverse16<T: Lane>(z: [T; 8]) -> [T; 16] {
    let k = |c: f64| T::constant(fix(c));
    // Even half.
    let t0 = z[0] << CONST_BITS;
    let (t1, t2) = (z[4] * k(1.306562965), z[4] * T::constant(C0_541));
    let (t10, t11, t12, t13) = (t0 + t1, t0 - t1, t0 + t2, t0 - t2);
    let diff = z[2] - z[6];
    let (lo, hi) = (diff * k(0.275899379), diff * k(1.387039845));
    let e0 = hi + z[6] * T::constant(C2_562);
    let e1 = lo + z[2] * T::constant(C0_899);
    let e2 = hi - z[2] * k(0.601344887);
    let e3 = lo - z[6] * k(0.509795579);
    let even = [
        t10 + e0,
        t12 + e1,
        t13 + e2,
        t11 + e3,
        t11 - e3,
        t13 - e2,
        t12 - e1,
        t10 - e0,
    ];
    // Odd half from z1, z3, z5, z7.
    let (a, b, c, d) = (z[1], z[3], z[5], z[7]);
    let ac = a + c;
    let mut o1 = (a + b) * k(1.353318001);
    let mut o2 = ac * k(1.247225013);
    let mut o3 = (a + d) * k(1.093201867);
    let mut o4 = (a - d) * k(0.897167586);
    let mut o5 = ac * k(0.666655658);
    let mut o6 = (a - b) * k(0.410524528);
    let o0 = o1 + o2 + o3 - a * k(2.286341144);
    let o7 = o4 + o5 + o6 - a * k(1.835730603);
    let m = (b + c) * k(0.138617169);
    o1 = o1 + m + b * k(0.071888074);
    o2 = o2 + m - c * k(1.125726048);
    let m = (c - b) * k(1.407403738);
    o5 = o5 + m - c * k(0.766367282);
    o6 = o6 + m + b * k(1.971951411);
    let bd = b + d;
    let m = -bd * k(0.666655658);
    o1 = o1 + m;
    o3 = o3 + m + d * k(1.065388962);
    let m = -bd * k(1.247225013);
    o4 = o4 + m + d * k(3.141271809);
    o6 = o6 + m;
    let m = -(c + d) * k(1.353318001);
    o2 = o2 + m;
    o3 = o3 + m;
    let m = (d - c) * k(0.410524528);
    o4 = o4 + m;
    o5 = o5 + m;
    let odd = [o0, o1, o2, o3, o4, o5, o6, o7];
    let mut out = [t0; 16];
    for i in 0..8 {
        out[i] = even[i] + odd[i];
        out[15 - i] = even[i] - odd[i];
    }
    out
}

/// 8-point forward kernels side by side: `x[i][lane]` is input i of each lane's transform,
/// `y[k][lane]` its output k. The plain loop over lanes becomes one vector operation per kernel
/// step.
#[inline(always)]
fn forward8_lanes<T: Lane, const L: usize>(x: &[[T; L]; 8]) -> [[T; L]; 8] {
    let mut y = [[T::constant(0); L]; 8];
    for l in 0..L {
        let v = forward8(column(x, l));
        for (yk, vk) in y.iter_mut().zip(v) {
            yk[l] = vk;
        }
    }
    y
}

/// [`forward16`] side by side, as [`forward8_lanes`].
#[inline(always)]
fn forward16_lanes<T: Lane, const L: usize>(x: &[[T; L]; 16]) -> [[T; L]; 8] {
    let mut y = [[T::constant(0); L]; 8];
    for l in 0..L {
        let v = forward16(column(x, l));
        for (yk, vk) in y.iter_mut().zip(v) {
            yk[l] = vk;
        }
    }
    y
}

/// `m` transposed. (Plain loops: `std::array::from_fn` is not always inlined, and a call
/// leaves the vectorised kernel.)
#[inline(always)]
fn transpose<T: Copy, const R: usize, const C: usize>(m: &[[T; C]; R]) -> [[T; R]; C] {
    let mut t = [[m[0][0]; R]; C];
    for (r, row) in m.iter().enumerate() {
        for (c, &v) in row.iter().enumerate() {
            t[c][r] = v;
        }
    }
    t
}

/// Lane `l` of every row of `m`: the inputs of one lane's transform.
#[inline(always)]
fn column<T: Copy, const L: usize, const N: usize>(m: &[[T; L]; N], l: usize) -> [T; N] {
    let mut c = [m[0][l]; N];
    for (ci, row) in c.iter_mut().zip(m) {
        *ci = row[l];
    }
    c
}

/// The `R`×`C` samples at `samples[r * stride + c]` as 32-bit lanes.
#[inline(always)]
fn load<const R: usize, const C: usize>(samples: &[u8], stride: usize) -> [[Wrapping<i32>; C]; R] {
    let mut rows = [[Wrapping(0); C]; R];
    for (r, row) in rows.iter_mut().enumerate() {
        for (v, &s) in row.iter_mut().zip(&samples[r * stride..r * stride + C]) {
            *v = Wrapping(i32::from(s));
        }
    }
    rows
}

/// Forward 8×8 DCT of the samples at `samples[r * stride + c]`, r, c < 8. The output is libjpeg's
/// DCT scaled by 8, natural order, before quantisation. Both passes run side by side over 8
/// lanes (the rows, then the columns), with transposes around the first. Computed in 32-bit
/// lanes: for 8-bit samples every descaled value is below 2^30 in magnitude.
#[inline(always)]
pub fn forward_8x8(samples: &[u8], stride: usize, out: &mut [i32; 64]) {
    // Pass 1 along rows, one lane per row.
    let mut y = forward8_lanes(&transpose(&load::<8, 8>(samples, stride)));
    for (k, yk) in y.iter_mut().enumerate() {
        for v in yk {
            *v = match k {
                // The level shift by 128 is folded into the DC term.
                0 => (*v - Wrapping(8 * 128)) << PASS1_BITS,
                4 => *v << PASS1_BITS,
                _ => descale(*v, CONST_BITS - PASS1_BITS),
            };
        }
    }
    // Pass 2 along columns, one lane per column.
    let y = forward8_lanes(&transpose(&y));
    for (k, (yk, row)) in y.iter().zip(out.chunks_exact_mut(8)).enumerate() {
        let shift = if k == 0 || k == 4 {
            PASS1_BITS
        } else {
            CONST_BITS + PASS1_BITS
        };
        for (o, &v) in row.iter_mut().zip(yk) {
            *o = descale(v, shift).0;
        }
    }
}

/// libjpeg 9's forward DCT of a 16×16 sample block to 8×8 coefficients (the low frequencies,
/// scaled like an 8×8 DCT of the 2×2-averaged block), its passes arranged as in
/// [`forward_8x8`]. Computed in 32-bit lanes: for 8-bit samples every descaled value is below
/// 2^31 in magnitude (the extreme blocks are tested).
#[inline(always)]
pub fn forward_16x16(samples: &[u8], stride: usize, out: &mut [i32; 64]) {
    let mut y = forward16_lanes(&transpose(&load::<16, 16>(samples, stride)));
    for (k, yk) in y.iter_mut().enumerate() {
        for v in yk {
            *v = if k == 0 {
                (*v - Wrapping(16 * 128)) << PASS1_BITS
            } else {
                descale(*v, CONST_BITS - PASS1_BITS)
            };
        }
    }
    // The second pass, one lane per column, also removes the (8/16)² = 2^-2 size scaling.
    let y = forward16_lanes(&transpose(&y));
    for (k, (yk, row)) in y.iter().zip(out.chunks_exact_mut(8)).enumerate() {
        let shift = if k == 0 {
            PASS1_BITS + 2
        } else {
            CONST_BITS + PASS1_BITS + 2
        };
        for (o, &v) in row.iter_mut().zip(yk) {
            *o = descale(v, shift).0;
        }
    }
}

/// Divides DCT outputs by the quantisation steps d = 8·q with rounding, `(|x| + d/2) / d` with
/// the sign restored. libjpeg 9 divides; libjpeg-turbo multiplies by a reciprocal
/// (`compute_reciprocal` / `quantize`). The two agree on every divisor of an 8-bit table and
/// every 16-bit DCT output (a unit test checks this exhaustively), so one implementation, the
/// faster reciprocal one, serves both profiles.
#[derive(Clone, Debug)]
pub struct Quantiser {
    /// (reciprocal, correction, total shift) per coefficient.
    steps: [(u32, u32, u32); 64],
}

impl Quantiser {
    /// The quantiser for one table (natural order).
    pub fn new(table: &[u16; 64]) -> Self {
        Quantiser {
            steps: table.map(|q| reciprocal(u32::from(q) << 3)),
        }
    }

    /// Quantised coefficients of one DCT block.
    #[inline(always)]
    pub fn quantise(&self, dct: &[i32; 64]) -> [i16; 64] {
        let mut out = [0i16; 64];
        for ((o, &x), &(recip, corr, shift)) in out.iter_mut().zip(dct).zip(&self.steps) {
            // libjpeg-turbo's workspace and results are 16-bit.
            let magnitude = (x.unsigned_abs().wrapping_add(corr)).wrapping_mul(recip);
            let q = (magnitude >> shift) as u16 as i16;
            // The sign restored without a branch: all ones for negative x, then q ^ −1 − (−1) = −q.
            let negative = (x >> 31) as i16;
            *o = (q ^ negative).wrapping_sub(negative);
        }
        out
    }
}

/// libjpeg-turbo's `compute_reciprocal` for an 8-bit build: (reciprocal, correction, total shift).
fn reciprocal(divisor: u32) -> (u32, u32, u32) {
    if divisor <= 1 {
        return (1, 0, 0);
    }
    let b = 31 - divisor.leading_zeros(); // floor(log2(divisor))
    let mut r = 16 + b;
    let mut fq = (1u64 << r) / u64::from(divisor);
    let fr = (1u64 << r) % u64::from(divisor);
    let mut c = divisor / 2;
    if fr == 0 {
        fq >>= 1;
        r -= 1;
    } else if fr <= u64::from(divisor / 2) {
        c += 1;
    } else {
        fq += 1;
    }
    (fq as u32, c, r)
}

/// libjpeg's post-IDCT range limit: the low 10 bits of the descaled value as a signed number,
/// shifted by the 128 level offset and clamped to 0..=255 (libjpeg 9's `RANGE_MASK` table and
/// libjpeg-turbo's wrap-around table agree on this).
#[inline(always)]
fn range_limit(v: i32) -> u8 {
    let wrapped = ((v & 1023) ^ 512) - 512;
    (wrapped + 128).clamp(0, 255) as u8
}

/// [`inverse8`] side by side: `z[i][lane]` is input i of each lane, `y[n][lane]` output n.
#[inline(always)]
fn inverse8_lanes<T: Lane, const L: usize>(z: &[[T; L]; 8], y: &mut [[T; L]]) {
    for l in 0..L {
        let v = inverse8(column(z, l));
        for (yn, vn) in y.iter_mut().zip(v) {
            yn[l] = vn;
        }
    }
}

/// [`inverse16`] side by side, as [`inverse8_lanes`].
#[inline(always)]
fn inverse16_lanes<T: Lane, const L: usize>(z: &[[T; L]; 8], y: &mut [[T; L]]) {
    for l in 0..L {
        let v = inverse16(column(z, l));
        for (yn, vn) in y.iter_mut().zip(v) {
            yn[l] = vn;
        }
    }
}

/// The largest sum of dequantised magnitudes Σ|coefficient · step| that [`inverse`] computes in
/// 32-bit lanes. An output sample is at most a quarter of that sum (the basis functions are
/// bounded by 2/8), so its descaled values stay below 2^12 · 2^18 = 2^30, and the first pass's
/// below 2^28. Blocks of quantised 8-bit images stay under it; larger ones, which only a
/// corrupt or unusual file holds, take the 64-bit path.
const NARROW_LIMIT: u32 = 1 << 14;

/// Inverse DCT of one block of quantised coefficients (natural order) with its quantisation
/// table, writing `width`×`height` samples (each 8 or 16) at `out[r * stride + c]`. 8×8 is
/// `jpeg_idct_islow`; the 16-point sizes are libjpeg 9's scaled IDCTs.
#[inline(always)]
pub fn inverse(
    coefs: &[i16; 64],
    table: &[u16; 64],
    width: usize,
    height: usize,
    out: &mut [u8],
    stride: usize,
) {
    // A block with only a DC term is flat (libjpeg's zero-column and zero-row shortcuts give
    // the same values as the full transforms). The test ORs all terms, which vectorises.
    if coefs[1..].iter().fold(0, |any, &c| any | c) == 0 {
        let ws = (i64::from(coefs[0]) * i64::from(table[0])) << PASS1_BITS;
        let value = range_limit(descale(ws, PASS1_BITS + 3) as i32);
        for r in 0..height {
            out[r * stride..r * stride + width].fill(value);
        }
        return;
    }
    // |coefficient · step| < 2^31 always; each term is capped so the sum cannot overflow.
    let magnitude = coefs.iter().zip(table).fold(0u32, |sum, (&c, &t)| {
        sum + (i32::from(c) * i32::from(t))
            .unsigned_abs()
            .min(NARROW_LIMIT + 1)
    });
    if magnitude <= NARROW_LIMIT {
        let z = dequantise(coefs, table, |v| Wrapping(v as i32));
        inverse_sized(&z, width, height, out, stride);
    } else {
        let z = dequantise(coefs, table, |v| v);
        inverse_sized(&z, width, height, out, stride);
    }
}

/// The products coefficient · step as lanes, row by row.
#[inline(always)]
fn dequantise<T: Lane>(
    coefs: &[i16; 64],
    table: &[u16; 64],
    lane: impl Fn(i64) -> T,
) -> [[T; 8]; 8] {
    let mut z = [[lane(0); 8]; 8];
    for ((zr, cr), tr) in z
        .iter_mut()
        .zip(coefs.chunks_exact(8))
        .zip(table.chunks_exact(8))
    {
        for ((v, &c), &t) in zr.iter_mut().zip(cr).zip(tr) {
            *v = lane(i64::from(c) * i64::from(t));
        }
    }
    z
}

/// [`inverse`] in lanes of `T`, dispatched to the output size.
#[inline(always)]
fn inverse_sized<T: Lane>(
    z: &[[T; 8]; 8],
    width: usize,
    height: usize,
    out: &mut [u8],
    stride: usize,
) {
    match (width, height) {
        (8, 8) => inverse_lanes::<T, 8, 8>(z, out, stride),
        (16, 16) => inverse_lanes::<T, 16, 16>(z, out, stride),
        (16, 8) => inverse_lanes::<T, 16, 8>(z, out, stride),
        _ => inverse_lanes::<T, 8, 16>(z, out, stride),
    }
}

/// [`inverse`] for one output size: the columns side by side, then the rows side by side
/// after a transpose. libjpeg's zero-column and zero-row shortcuts are left out: they give the
/// same values as the full transforms.
#[inline(always)]
fn inverse_lanes<T: Lane, const W: usize, const H: usize>(
    z: &[[T; 8]; 8],
    out: &mut [u8],
    stride: usize,
) {
    // Pass 1: columns, one lane per column, 8 coefficients each to H values.
    let mut y = [[T::constant(0); 8]; H];
    if H == 16 {
        inverse16_lanes(z, &mut y);
    } else {
        inverse8_lanes(z, &mut y);
    }
    // The rounded pass-1 values go through libjpeg's `int` workspace.
    for v in y.iter_mut().flatten() {
        *v = T::constant(i64::from(descale(*v, CONST_BITS - PASS1_BITS).low32()));
    }
    // Pass 2: rows to W samples, one lane per row, removing the pass-1 scaling and the factor 8.
    let rows = transpose(&y);
    let mut x = [[T::constant(0); H]; W];
    if W == 16 {
        inverse16_lanes(&rows, &mut x);
    } else {
        inverse8_lanes(&rows, &mut x);
    }
    let shift = CONST_BITS + PASS1_BITS + 3;
    let mut samples = [[0u8; H]; W];
    for (sc, xc) in samples.iter_mut().zip(&x) {
        for (s, &v) in sc.iter_mut().zip(xc) {
            *s = range_limit(descale(v, shift).low32());
        }
    }
    for (r, row) in transpose(&samples).iter().enumerate() {
        out[r * stride..r * stride + W].copy_from_slice(row);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The real-valued transform libjpeg approximates: per dimension
    /// y_k = (8/n) · c_k · Σ (x_m − 128) cos(π(2m+1)k / 2n), c_0 = 1, c_k = √2, for k < 8
    /// (8 times the orthonormal DCT for n = 8, rescaled to that level for n = 16).
    fn reference_fdct(samples: &[f64], n: usize) -> [f64; 64] {
        let basis = |k: usize, m: usize| {
            let c = if k == 0 { 1.0 } else { 2f64.sqrt() };
            8.0 / n as f64
                * c
                * (std::f64::consts::PI * (2 * m + 1) as f64 * k as f64 / (2 * n) as f64).cos()
        };
        let mut out = [0.0; 64];
        for u in 0..8 {
            for v in 0..8 {
                let mut s = 0.0;
                for y in 0..n {
                    for x in 0..n {
                        s += (samples[y * n + x] - 128.0) * basis(u, y) * basis(v, x);
                    }
                }
                out[u * 8 + v] = s;
            }
        }
        out
    }

    fn pattern(n: usize) -> Vec<u8> {
        (0..n * n)
            .map(|i| ((i * 37 + (i / n) * 11) % 251) as u8)
            .collect()
    }

    #[test]
    fn forward_transforms_approximate_the_dct() {
        for n in [8, 16] {
            let samples = pattern(n);
            let mut ours = [0; 64];
            if n == 8 {
                forward_8x8(&samples, 8, &mut ours);
            } else {
                forward_16x16(&samples, 16, &mut ours);
            }
            let exact = reference_fdct(&samples.iter().map(|&v| v as f64).collect::<Vec<_>>(), n);
            for i in 0..64 {
                assert!(
                    (ours[i] as f64 - exact[i]).abs() <= 6.0,
                    "n={n} i={i}: {} vs {}",
                    ours[i],
                    exact[i]
                );
            }
        }
    }

    #[test]
    fn flat_block_round_trips_exactly() {
        let samples = [77u8; 256];
        let mut dct = [0; 64];
        forward_16x16(&samples, 16, &mut dct);
        // A flat block has only a DC term, 64·(x − 128) at the 8×8 level.
        assert_eq!(dct[0], (77 - 128) * 64);
        assert!(dct[1..].iter().all(|&c| c == 0));
        let table = [1u16; 64];
        let q = Quantiser::new(&table).quantise(&dct);
        assert_eq!(q[0], (77 - 128) * 8);
        for (w, h) in [(8, 8), (16, 16), (16, 8), (8, 16)] {
            let mut out = [0u8; 256];
            inverse(&q, &table, w, h, &mut out, 16);
            for r in 0..h {
                assert!(out[r * 16..r * 16 + w].iter().all(|&v| v == 77), "{w}x{h}");
            }
        }
    }

    #[test]
    fn inverse_undoes_forward_within_rounding() {
        let samples = pattern(8);
        let mut dct = [0; 64];
        forward_8x8(&samples, 8, &mut dct);
        let table = [1u16; 64];
        let q = Quantiser::new(&table).quantise(&dct);
        let mut out = [0u8; 64];
        inverse(&q, &table, 8, 8, &mut out, 8);
        for (a, b) in out.iter().zip(&samples) {
            assert!(a.abs_diff(*b) <= 1);
        }
    }

    #[test]
    fn quantisers_round_half_away_from_zero() {
        let mut table = [1u16; 64];
        table[0] = 10; // divisor 80
        let quant = Quantiser::new(&table);
        let cases = [
            (39, 0),
            (40, 1),
            (119, 1),
            (120, 2),
            (-40, -1),
            (-39, 0),
            (-1000, -13),
        ];
        for (x, expected) in cases {
            let mut dct = [0; 64];
            dct[0] = x;
            assert_eq!(quant.quantise(&dct)[0], expected, "{x}");
        }
    }

    #[test]
    fn reciprocal_quantiser_matches_division_over_the_dct_range() {
        // libjpeg-turbo's reciprocals are exact for every divisor 8·q and every 16-bit input.
        for q in 1..=255u16 {
            let d = i64::from(q) << 3;
            let (recip, corr, shift) = reciprocal(u32::from(q) << 3);
            for x in 0..=32767u32 {
                let ours = ((x + corr) * recip) >> shift;
                assert_eq!(i64::from(ours), (i64::from(x) + d / 2) / d, "q={q} x={x}");
            }
        }
    }

    /// libjpeg's forward DCTs one row and one column at a time, as `jfdctint.c` writes them.
    fn reference_forward_8x8(samples: &[u8], stride: usize, out: &mut [i32; 64]) {
        let mut ws = [0i64; 64];
        for r in 0..8 {
            let row = &samples[r * stride..r * stride + 8];
            let y = forward8(std::array::from_fn(|c| i64::from(row[c])));
            for (k, &v) in y.iter().enumerate() {
                ws[r * 8 + k] = match k {
                    // The level shift by 128 is folded into the DC term.
                    0 => (v - 8 * 128) << PASS1_BITS,
                    4 => v << PASS1_BITS,
                    _ => descale(v, CONST_BITS - PASS1_BITS),
                };
            }
        }
        for c in 0..8 {
            let y = forward8(std::array::from_fn(|r| ws[r * 8 + c]));
            for (k, &v) in y.iter().enumerate() {
                let shift = if k == 0 || k == 4 {
                    PASS1_BITS
                } else {
                    CONST_BITS + PASS1_BITS
                };
                out[k * 8 + c] = descale(v, shift) as i32;
            }
        }
    }

    /// libjpeg 9's 16×16 forward DCT one row and one column at a time.
    fn reference_forward_16x16(samples: &[u8], stride: usize, out: &mut [i32; 64]) {
        let mut ws = [0i64; 128];
        for r in 0..16 {
            let row = &samples[r * stride..r * stride + 16];
            let y = forward16(std::array::from_fn(|c| i64::from(row[c])));
            for (k, &v) in y.iter().enumerate() {
                ws[r * 8 + k] = if k == 0 {
                    (v - 16 * 128) << PASS1_BITS
                } else {
                    descale(v, CONST_BITS - PASS1_BITS)
                };
            }
        }
        // The second pass also removes the (8/16)² = 2^-2 size scaling.
        for c in 0..8 {
            let y = forward16(std::array::from_fn(|r| ws[r * 8 + c]));
            for (k, &v) in y.iter().enumerate() {
                let shift = if k == 0 {
                    PASS1_BITS + 2
                } else {
                    CONST_BITS + PASS1_BITS + 2
                };
                out[k * 8 + c] = descale(v, shift) as i32;
            }
        }
    }

    /// libjpeg's inverse DCTs one column and one row at a time with its zero-AC shortcuts, as
    /// `jidctint.c` writes them.
    fn reference_inverse(
        coefs: &[i16; 64],
        table: &[u16; 64],
        width: usize,
        height: usize,
        out: &mut [u8],
        stride: usize,
    ) {
        // A block with only a DC term is flat (libjpeg's zero-column and zero-row shortcuts give
        // the same values as the full transforms).
        if coefs[1..].iter().all(|&c| c == 0) {
            let ws = (i64::from(coefs[0]) * i64::from(table[0])) << PASS1_BITS;
            let value = range_limit(descale(ws, PASS1_BITS + 3) as i32);
            for r in 0..height {
                out[r * stride..r * stride + width].fill(value);
            }
            return;
        }
        // Pass 1: columns, 8 coefficients each, to `height` values.
        let mut ws = [0i32; 128];
        let fudge = 1i64 << (CONST_BITS - PASS1_BITS - 1);
        for c in 0..8 {
            let z: [i64; 8] =
                std::array::from_fn(|r| i64::from(coefs[r * 8 + c]) * i64::from(table[r * 8 + c]));
            if z[1..].iter().all(|&v| v == 0) {
                // Only the DC term: every output is z0 scaled by 2^PASS1_BITS.
                for r in 0..height {
                    ws[r * 8 + c] = (z[0] << PASS1_BITS) as i32;
                }
            } else if height == 16 {
                for (r, v) in inverse16(z).into_iter().enumerate() {
                    ws[r * 8 + c] = ((v + fudge) >> (CONST_BITS - PASS1_BITS)) as i32;
                }
            } else {
                for (r, v) in inverse8(z).into_iter().enumerate() {
                    ws[r * 8 + c] = ((v + fudge) >> (CONST_BITS - PASS1_BITS)) as i32;
                }
            }
        }
        // Pass 2: rows to `width` samples, removing the pass-1 scaling and the factor 8.
        let shift = CONST_BITS + PASS1_BITS + 3;
        for r in 0..height {
            let z: [i64; 8] = std::array::from_fn(|c| i64::from(ws[r * 8 + c]));
            let row = &mut out[r * stride..r * stride + width];
            if z[1..].iter().all(|&v| v == 0) {
                row.fill(range_limit(descale(z[0], PASS1_BITS + 3) as i32));
            } else if width == 16 {
                for (o, v) in row.iter_mut().zip(inverse16(z)) {
                    *o = range_limit(descale(v, shift) as i32);
                }
            } else {
                for (o, v) in row.iter_mut().zip(inverse8(z)) {
                    *o = range_limit(descale(v, shift) as i32);
                }
            }
        }
    }

    /// A small deterministic generator (SplitMix64) for the random blocks.
    struct Random(u64);

    impl Random {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    #[test]
    fn forward_matches_libjpegs_loops() {
        let mut random = Random(1);
        for trial in 0..20_000 {
            let samples: Vec<u8> = (0..256)
                .map(|_| match trial % 4 {
                    // Only the extremes, where the sums are largest.
                    0 => [0, 255][(random.next() & 1) as usize],
                    1 => 255,
                    _ => random.next() as u8,
                })
                .collect();
            let (mut ours, mut reference) = ([0; 64], [0; 64]);
            forward_8x8(&samples, 16, &mut ours);
            reference_forward_8x8(&samples, 16, &mut reference);
            assert_eq!(ours, reference, "8x8 {samples:?}");
            forward_16x16(&samples, 16, &mut ours);
            reference_forward_16x16(&samples, 16, &mut reference);
            assert_eq!(ours, reference, "16x16 {samples:?}");
        }
    }

    #[test]
    fn inverse_matches_libjpegs_loops() {
        let mut random = Random(2);
        for trial in 0..20_000 {
            let mut coefs = [0i16; 64];
            let mut table = [0u16; 64];
            for (c, t) in coefs.iter_mut().zip(&mut table) {
                (*c, *t) = match trial % 4 {
                    // Extreme values, whose products overflow libjpeg's `int` workspace.
                    0 => (
                        [i16::MIN, i16::MAX, 0, -1][(random.next() & 3) as usize],
                        [u16::MAX, 1][(random.next() & 1) as usize],
                    ),
                    // Sparse blocks, as quantisation leaves them (zero columns and rows).
                    1 => (
                        if random.next().is_multiple_of(8) {
                            random.next() as i16 % 64
                        } else {
                            0
                        },
                        (random.next() % 100 + 1) as u16,
                    ),
                    _ => (random.next() as i16, random.next() as u16),
                };
            }
            for (w, h) in [(8, 8), (16, 16), (16, 8), (8, 16)] {
                let (mut ours, mut reference) = ([0u8; 256], [0u8; 256]);
                inverse(&coefs, &table, w, h, &mut ours, 16);
                reference_inverse(&coefs, &table, w, h, &mut reference, 16);
                assert_eq!(ours, reference, "{w}x{h} {coefs:?} {table:?}");
            }
        }
    }

    #[test]
    fn forward_is_exact_on_the_extreme_blocks() {
        // The blocks that drive each output furthest up or down: 255 where its basis function
        // is positive, 0 elsewhere, and the opposite.
        for n in [8usize, 16] {
            let basis = |k: usize, m: usize| {
                (std::f64::consts::PI * (2 * m + 1) as f64 * k as f64 / (2 * n) as f64).cos()
            };
            for u in 0..8 {
                for v in 0..8 {
                    for high in [0u8, 255] {
                        let samples: Vec<u8> = (0..n * n)
                            .map(|i| {
                                if basis(u, i / n) * basis(v, i % n) > 0.0 {
                                    high
                                } else {
                                    255 - high
                                }
                            })
                            .collect();
                        let (mut ours, mut reference) = ([0; 64], [0; 64]);
                        if n == 8 {
                            forward_8x8(&samples, n, &mut ours);
                            reference_forward_8x8(&samples, n, &mut reference);
                        } else {
                            forward_16x16(&samples, n, &mut ours);
                            reference_forward_16x16(&samples, n, &mut reference);
                        }
                        assert_eq!(ours, reference, "n={n} u={u} v={v} high={high}");
                    }
                }
            }
        }
    }

    #[test]
    fn narrow_inverse_is_exact_up_to_its_limit() {
        // Every output is linear in the dequantised terms, so over blocks with
        // Σ|term| ≤ NARROW_LIMIT its extremes are at a single term of ±NARROW_LIMIT.
        let limit = NARROW_LIMIT as i32;
        let mut random = Random(3);
        for pos in 0..64 {
            for step in [1u16, 2, 64, 128] {
                for sign in [-1, 1] {
                    let mut coefs = [0i16; 64];
                    let mut table = [1u16; 64];
                    // With a second term of 1, so that no block is DC-only: Σ = limit − step + 1.
                    coefs[pos] = (sign * (limit / i32::from(step) - 1)) as i16;
                    table[pos] = step;
                    coefs[(pos + 1 + (random.next() % 63) as usize) % 64] = 1;
                    for (w, h) in [(8, 8), (16, 16), (16, 8), (8, 16)] {
                        let (mut ours, mut reference) = ([0u8; 256], [0u8; 256]);
                        inverse(&coefs, &table, w, h, &mut ours, 16);
                        reference_inverse(&coefs, &table, w, h, &mut reference, 16);
                        assert_eq!(ours, reference, "{w}x{h} pos={pos} step={step}");
                    }
                }
            }
        }
        // Random blocks just inside the limit.
        for _ in 0..5_000 {
            let mut coefs = [0i16; 64];
            let table = [1u16; 64];
            let mut left = limit;
            while left > 0 {
                let pos = (random.next() % 64) as usize;
                let take = ((random.next() % 4096) as i32 + 1).min(left);
                let magnitude = i32::from(coefs[pos]).abs() + take;
                let sign = if random.next() & 1 == 0 { 1 } else { -1 };
                coefs[pos] = (sign * magnitude) as i16;
                left -= take;
            }
            for (w, h) in [(8, 8), (16, 16)] {
                let (mut ours, mut reference) = ([0u8; 256], [0u8; 256]);
                inverse(&coefs, &table, w, h, &mut ours, 16);
                reference_inverse(&coefs, &table, w, h, &mut reference, 16);
                assert_eq!(ours, reference, "{w}x{h} {coefs:?}");
            }
        }
    }

    #[test]
    fn range_limit_wraps_like_libjpeg() {
        assert_eq!(range_limit(0), 128);
        assert_eq!(range_limit(-128), 0);
        assert_eq!(range_limit(-300), 0);
        assert_eq!(range_limit(127), 255);
        assert_eq!(range_limit(511), 255);
        // Past ±512 the 10-bit mask wraps around.
        assert_eq!(range_limit(1024), 128);
        assert_eq!(range_limit(600), 0);
    }
}
