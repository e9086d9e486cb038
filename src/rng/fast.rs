//! The `fast` source: ChaCha8, a counter-based generator, keyed by everything that identifies one
//! sample's draws. Two runs with the same key give the same stream whatever the thread count, order
//! or shard split, and streams with different keys are independent.
//!
//! The keystream is made in 4 KiB batches (sixteen blocks per step in AVX-512 registers where the
//! processor has them, otherwise by `rand_chacha`; the words are the same either way) and read
//! as 32-bit words, two words (low first) to a 64-bit draw.
//!
//! It draws the same distributions as numpy, by faster methods where no numpy stream has to be
//! replayed: normals by the ziggurat method (exactly `rand_distr::StandardNormal` on the same
//! 64-bit draws), and Poisson counts from an alias table per rate when rates recur (as they do for
//! 8-bit images: at most 256 rates), one 64-bit draw per count.

#[cfg(target_arch = "x86_64")]
mod chacha;
mod ziggurat;
mod ziggurat_table;

use super::Random;
use crate::ops::exp::exp;
use crate::ops::portable::Portable;
use crate::simd;
use rand_chacha::ChaCha8Rng;
use rand_core::{Rng, SeedableRng};
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::rc::Rc;

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

/// Keystream words made per batch (64 blocks, 4 KiB).
const BATCH_WORDS: usize = 1024;
/// Words of one group of sixteen blocks, the least the wide generator makes at a time.
const GROUP_WORDS: usize = 256;

/// Where the keystream's blocks come from.
enum Blocks {
    /// Sixteen blocks per step in AVX-512 registers, from `block` on.
    #[cfg(target_arch = "x86_64")]
    Wide { key: [u32; 8], block: u64 },
    /// `rand_chacha`'s generator, on processors without AVX-512.
    Portable(Box<ChaCha8Rng>),
}

/// The ChaCha8 keystream of one key as 32-bit words, made a batch at a time.
struct KeyStream {
    blocks: Blocks,
    words: Box<[u32; BATCH_WORDS]>,
    /// Index of the next unread word in `words`; `BATCH_WORDS` when all are read.
    next: usize,
}

impl KeyStream {
    fn new(key: [u8; 32]) -> Self {
        #[cfg(target_arch = "x86_64")]
        if chacha::available() {
            return Self::with_blocks(Blocks::Wide {
                key: std::array::from_fn(|i| {
                    u32::from_le_bytes([key[4 * i], key[4 * i + 1], key[4 * i + 2], key[4 * i + 3]])
                }),
                block: 0,
            });
        }
        Self::with_blocks(Blocks::Portable(Box::new(ChaCha8Rng::from_seed(key))))
    }

    fn with_blocks(blocks: Blocks) -> Self {
        KeyStream {
            blocks,
            words: Box::new([0; BATCH_WORDS]),
            next: BATCH_WORDS,
        }
    }

    /// Makes the next batch of words.
    #[cold]
    fn refill(&mut self) {
        make(&mut self.blocks, &mut self.words[..]);
        self.next = 0;
    }

    /// Moves `words` words on. The groups of sixteen blocks passed over entirely are never
    /// made, and the one landed in is made alone, as the batch's last words.
    fn skip(&mut self, words: u64) {
        let left = (BATCH_WORDS - self.next) as u64;
        if words <= left {
            self.next += words as usize;
            return;
        }
        // Counted from the start of the next batch, which the generator is positioned at.
        let beyond = words - left;
        let groups = beyond / GROUP_WORDS as u64;
        match &mut self.blocks {
            #[cfg(target_arch = "x86_64")]
            Blocks::Wide { block, .. } => {
                *block = block.wrapping_add(groups * chacha::BLOCKS as u64);
            }
            Blocks::Portable(rng) => {
                let position = rng.get_word_pos() + groups as u128 * GROUP_WORDS as u128;
                rng.set_word_pos(position);
            }
        }
        self.next = BATCH_WORDS;
        let within = (beyond % GROUP_WORDS as u64) as usize;
        if within > 0 {
            make(
                &mut self.blocks,
                &mut self.words[BATCH_WORDS - GROUP_WORDS..],
            );
            self.next = BATCH_WORDS - GROUP_WORDS + within;
        }
    }

    #[inline]
    fn next_u32(&mut self) -> u32 {
        if self.next == BATCH_WORDS {
            self.refill();
        }
        let word = self.words[self.next];
        self.next += 1;
        word
    }

    /// Two words, the first as the low half.
    #[inline]
    fn next_u64(&mut self) -> u64 {
        if self.next + 2 <= BATCH_WORDS {
            let pair = (self.words[self.next], self.words[self.next + 1]);
            self.next += 2;
            pair.0 as u64 | (pair.1 as u64) << 32
        } else {
            let low = self.next_u32();
            low as u64 | (self.next_u32() as u64) << 32
        }
    }

    /// `out[i] = map(next_u64())` in order, a batch's worth of draws per inner loop.
    #[inline(always)]
    fn fill_with<T>(&mut self, mut out: &mut [T], map: impl Fn(u64) -> T) {
        while !out.is_empty() {
            let pairs = ((BATCH_WORDS - self.next) / 2).min(out.len());
            if pairs == 0 {
                // At most one word left in the batch: this draw straddles two batches.
                out[0] = map(self.next_u64());
                out = &mut out[1..];
                continue;
            }
            let (head, tail) = out.split_at_mut(pairs);
            let words = &self.words[self.next..self.next + 2 * pairs];
            for (o, pair) in head.iter_mut().zip(words.chunks_exact(2)) {
                *o = map(pair[0] as u64 | (pair[1] as u64) << 32);
            }
            self.next += 2 * pairs;
            out = tail;
        }
    }
}

/// Fills `out` (a whole number of groups) with the next keystream words and moves the
/// generator past them.
fn make(blocks: &mut Blocks, out: &mut [u32]) {
    match blocks {
        #[cfg(target_arch = "x86_64")]
        Blocks::Wide { key, block } => {
            for group in out.chunks_exact_mut(GROUP_WORDS) {
                let group = group.try_into().expect("chunks are one group");
                // SAFETY: `Wide` is only chosen where `chacha::available()` found AVX-512F.
                unsafe { chacha::blocks16(key, *block, group) };
                *block = block.wrapping_add(chacha::BLOCKS as u64);
            }
        }
        Blocks::Portable(rng) => {
            let mut bytes = [0u8; 4 * BATCH_WORDS];
            let bytes = &mut bytes[..4 * out.len()];
            rng.fill_bytes(bytes);
            for (word, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
                *word = u32::from_le_bytes([b[0], b[1], b[2], b[3]]);
            }
        }
    }
}

/// A per-sample counter-based stream with numpy's distributions on top.
pub struct FastRandom {
    stream: KeyStream,
}

impl FastRandom {
    /// The stream for one (seed, suite, corruption, severity, sample).
    pub fn new(key: &StreamKey<'_>) -> Self {
        FastRandom {
            stream: KeyStream::new(key.digest()),
        }
    }

    /// A double in the open interval (0, 1) from the top 52 bits of a draw.
    #[inline]
    fn open_unit(&mut self) -> f64 {
        f64::from_bits(self.stream.next_u64() >> 12 | EXPONENT_OF_ONE) - (1.0 - f64::EPSILON / 2.0)
    }

    /// A normal beyond ±R, the base strip's tail (Marsaglia's method), on the side of `u`.
    #[cold]
    fn normal_tail(&mut self, u: f64) -> f64 {
        let (mut x, mut y) = (1.0f64, 0.0f64);
        while -2.0 * y < x * x {
            x = self.open_unit().portable_ln() / ziggurat::R;
            y = self.open_unit().portable_ln();
        }
        if u < 0.0 {
            x - ziggurat::R
        } else {
            ziggurat::R - x
        }
    }

    /// The slow part of the ziggurat, for a draw outside its box's core: the tail for box 0,
    /// else a wedge test against the density, `None` when rejected.
    #[cold]
    fn normal_edge(&mut self, i: usize, u: f64, x: f64) -> Option<f64> {
        if i == 0 {
            return Some(self.normal_tail(u));
        }
        let f = &ziggurat::tables().f;
        (f[i + 1] + (f[i] - f[i + 1]) * self.random_sample() < exp(-x * x / 2.0)).then_some(x)
    }
}

/// The exponent bits of 1.0: a 52-bit fraction under them is a double in [1, 2).
const EXPONENT_OF_ONE: u64 = 0x3ff0_0000_0000_0000;
/// The exponent bits of 2.0: a 52-bit fraction under them is a double in [2, 4).
const EXPONENT_OF_TWO: u64 = 0x4000_0000_0000_0000;

impl Random for FastRandom {
    #[inline]
    fn next_u32(&mut self) -> u32 {
        self.stream.next_u32()
    }

    #[inline]
    fn random_sample(&mut self) -> f64 {
        unit_interval(self.stream.next_u64())
    }

    /// The ziggurat: the low 8 bits of a draw pick box i, its top 52 bits a u in [−1, 1), and
    /// x = u·X[i] is taken at once when |x| < X[i + 1] (about 99 % of draws).
    #[inline]
    fn standard_normal(&mut self) -> f64 {
        let x_edges = &ziggurat::tables().x;
        loop {
            let bits = self.stream.next_u64();
            let i = (bits & 0xff) as usize;
            let u = f64::from_bits(bits >> 12 | EXPONENT_OF_TWO) - 3.0;
            let x = u * x_edges[i];
            if x.abs() < x_edges[i + 1] {
                return x;
            }
            if let Some(x) = self.normal_edge(i, u, x) {
                return x;
            }
        }
    }

    /// Two words per draw, skipped without being made.
    fn skip_samples(&mut self, n: usize) {
        self.stream.skip(2 * n as u64);
    }

    fn fill_uniform(&mut self, low: f64, high: f64, out: &mut [f64]) {
        simd::dispatch(
            #[inline(always)]
            |_| fill_uniform(&mut self.stream, low, high, out),
        )
    }

    /// The ziggurat's fast path runs over the batch's words in one loop; a draw that needs the
    /// slow part (about 1 %) goes through [`Random::standard_normal`], which continues from it.
    fn fill_normal(&mut self, loc: f64, scale: f64, out: &mut [f64]) {
        let x_edges = &ziggurat::tables().x;
        let mut done = 0;
        while done < out.len() {
            let start = self.stream.next;
            let pairs = ((BATCH_WORDS - start) / 2).min(out.len() - done);
            let words = &self.stream.words[start..start + 2 * pairs];
            let mut taken = 0;
            let mut edge = None;
            for (o, pair) in out[done..done + pairs]
                .iter_mut()
                .zip(words.chunks_exact(2))
            {
                let bits = pair[0] as u64 | (pair[1] as u64) << 32;
                let i = (bits & 0xff) as usize;
                let u = f64::from_bits(bits >> 12 | EXPONENT_OF_TWO) - 3.0;
                let x = u * x_edges[i];
                if x.abs() >= x_edges[i + 1] {
                    edge = Some((i, u, x));
                    break;
                }
                *o = loc + scale * x;
                taken += 1;
            }
            self.stream.next = start + 2 * taken;
            done += taken;
            if let Some((i, u, x)) = edge {
                // The rejected draw is used up; its slow part may draw more.
                self.stream.next += 2;
                let z = match self.normal_edge(i, u, x) {
                    Some(z) => z,
                    None => self.standard_normal(),
                };
                out[done] = loc + scale * z;
                done += 1;
            } else if pairs == 0 {
                // At most one word left in the batch: this draw straddles two batches.
                out[done] = loc + scale * self.standard_normal();
                done += 1;
            }
        }
    }

    /// numpy's masked rejection, as [`Random::randint`] draws it value after value, reading the
    /// batch's words in one loop.
    fn fill_randint(&mut self, low: i64, high: i64, out: &mut [i64]) {
        assert!(high > low, "randint needs low < high");
        let range = (high - low - 1) as u64;
        if range == 0 || range > u32::MAX as u64 {
            // No draw at all, or two words per value: the one-at-a-time path.
            for v in out {
                *v = self.randint(low, high);
            }
            return;
        }
        let (range, mask) = (range as u32, super::rejection_mask(range) as u32);
        let mut done = 0;
        while done < out.len() {
            if self.stream.next == BATCH_WORDS {
                self.stream.refill();
            }
            let words = &self.stream.words[self.stream.next..];
            if range == mask {
                // Every word is accepted: one value per word, a loop that vectorises.
                let n = words.len().min(out.len() - done);
                let (out, words) = (&mut out[done..done + n], &words[..n]);
                simd::dispatch(
                    #[inline(always)]
                    |_| {
                        for (o, &word) in out.iter_mut().zip(words) {
                            *o = low + (word & mask) as i64;
                        }
                    },
                );
                done += n;
                self.stream.next += n;
                continue;
            }
            // The value is written at `done` whether kept or not (the next kept one overwrites
            // a rejected one), so the loop has no branch on the random acceptance.
            let mut used = 0;
            for &word in words {
                used += 1;
                let value = word & mask;
                out[done] = low + value as i64;
                done += (value <= range) as usize;
                if done == out.len() {
                    break;
                }
            }
            self.stream.next += used;
        }
    }

    /// Reads the batch's words in one loop; a level whose rate has no table (none drawn for
    /// rate 0, numpy's sampler for the rest) ends the loop and continues the stream after it.
    fn fill_poisson_levels(&mut self, rates: &[f64], levels: &[u8], out: &mut [i64]) {
        let tables = LevelTables::cached(rates);
        let mut done = 0;
        while done < out.len() {
            let start = self.stream.next;
            let pairs = ((BATCH_WORDS - start) / 2).min(out.len() - done);
            let words = self.stream.words[start..start + 2 * pairs].chunks_exact(2);
            let mut used = 0;
            let mut untabulated = None;
            let outs = out[done..done + pairs].iter_mut().zip(&levels[done..]);
            for ((o, &level), pair) in outs.zip(words) {
                let (first, len) = tables.spans[level as usize];
                if len == 0 {
                    untabulated = Some(level as usize);
                    break;
                }
                let columns = &tables.columns[first as usize..(first + len) as usize];
                *o = alias_sample(columns, pair[0] as u64 | (pair[1] as u64) << 32);
                used += 1;
            }
            self.stream.next = start + 2 * used;
            done += used;
            if let Some(level) = untabulated {
                out[done] = self.poisson(rates[level]);
                done += 1;
            } else if pairs == 0 {
                // At most one word left in the batch: this draw straddles two batches.
                let level = levels[done] as usize;
                let (first, len) = tables.spans[level];
                let columns = &tables.columns[first as usize..(first + len) as usize];
                out[done] = match len {
                    0 => self.poisson(rates[level]),
                    _ => alias_sample(columns, self.stream.next_u64()),
                };
                done += 1;
            }
        }
    }

    fn fill_poisson(&mut self, lams: &[f64], out: &mut [i64]) {
        let mut tables = PoissonTables::default();
        for (o, &lam) in out.iter_mut().zip(lams) {
            *o = match tables.get(lam) {
                Some(columns) => alias_sample(columns, self.stream.next_u64()),
                None => self.poisson(lam),
            };
        }
    }
}

/// `uniform(low, high)` draws in order: low + (high − low)·U, U from each 64-bit draw.
#[inline(always)]
fn fill_uniform(stream: &mut KeyStream, low: f64, high: f64, out: &mut [f64]) {
    let scale = high - low;
    stream.fill_with(out, |bits| low + scale * unit_interval(bits));
}

/// numpy's `random_sample` on a 64-bit draw: its top 53 bits over 2⁵³.
#[inline]
fn unit_interval(bits: u64) -> f64 {
    // Below 2⁵³, so the signed conversion (one instruction) is exact.
    ((bits >> 11) as i64) as f64 * (1.0 / 9007199254740992.0)
}

/// Rates above this use the rejection sampler (e^−λ would lose precision in a table).
const MAX_TABULATED_RATE: f64 = 400.0;

/// Whether `lam` gets an alias table: zero draws nothing, large rates take numpy's sampler.
fn tabulated(lam: f64) -> bool {
    lam > 0.0 && lam <= MAX_TABULATED_RATE
}

/// One column of Walker's alias table: a draw landing in the column keeps its own count when its
/// fraction within the column is below `keep_below` (out of 2⁶⁴), else takes `alias`.
#[derive(Clone, Copy, Debug)]
struct Column {
    keep_below: u64,
    alias: u32,
}

/// The count for a 64-bit draw: its product with the column count splits into a column (the high
/// word) and a uniform fraction within it (the low word). No search, no branch.
#[inline]
fn alias_sample(columns: &[Column], bits: u64) -> i64 {
    let wide = bits as u128 * columns.len() as u128;
    let column = (wide >> 64) as usize;
    let c = columns[column];
    (if (wide as u64) < c.keep_below {
        column as u32
    } else {
        c.alias
    }) as i64
}

/// Appends the alias columns of Poisson(`lam`) over counts 0..K (the tail beyond K is below
/// 1e-17), by Vose's construction.
fn push_alias_columns(lam: f64, columns: &mut Vec<Column>) {
    let pmf = poisson_pmf(lam);
    let n = pmf.len();
    let total: f64 = pmf.iter().sum();
    let mut scaled: Vec<f64> = pmf.iter().map(|p| p / total * n as f64).collect();
    let mut alias: Vec<u32> = (0..n as u32).collect();
    let (mut small, mut large): (Vec<usize>, Vec<usize>) = (0..n).partition(|&k| scaled[k] < 1.0);
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
    // keep·2⁶⁴, saturating at 1 (the column's alias is then itself).
    columns.extend(scaled.iter().zip(alias).map(|(&keep, alias)| Column {
        keep_below: (keep * 18446744073709551616.0) as u64,
        alias,
    }));
}

/// P(X = k) for k = 0..K, up to past the mode where the next term is below 1e-17.
fn poisson_pmf(lam: f64) -> Vec<f64> {
    let mut p = exp(-lam);
    let mut pmf = vec![p];
    let mut k = 0.0;
    while k < lam || p > 1e-17 {
        k += 1.0;
        p *= lam / k;
        pmf.push(p);
    }
    pmf
}

/// The alias tables of one set of per-level rates, all columns in one array.
struct LevelTables {
    /// The rates' bit patterns.
    rates: Vec<u64>,
    /// Per level, the start and length of its columns; length 0 when the rate is not tabulated.
    spans: Vec<(u32, u32)>,
    columns: Vec<Column>,
}

/// How many sets of level tables each thread keeps (e.g. one per severity of a corruption).
const CACHED_LEVEL_TABLES: usize = 8;

thread_local! {
    /// The most recently used level tables first. A table depends on its rate alone, so caching
    /// changes no draw.
    static LEVEL_TABLES: RefCell<Vec<Rc<LevelTables>>> = const { RefCell::new(Vec::new()) };
}

impl LevelTables {
    fn new(rates: &[f64]) -> Self {
        let mut columns = Vec::new();
        let spans = rates
            .iter()
            .map(|&lam| {
                let start = columns.len();
                if tabulated(lam) {
                    push_alias_columns(lam, &mut columns);
                }
                (start as u32, (columns.len() - start) as u32)
            })
            .collect();
        LevelTables {
            rates: rates.iter().map(|r| r.to_bits()).collect(),
            spans,
            columns,
        }
    }

    /// The tables for `rates`, from this thread's cache or made now.
    fn cached(rates: &[f64]) -> Rc<LevelTables> {
        LEVEL_TABLES.with(|cache| {
            let mut cache = cache.borrow_mut();
            let hit = cache.iter().position(|t| {
                t.rates.len() == rates.len()
                    && t.rates.iter().zip(rates).all(|(&a, b)| a == b.to_bits())
            });
            let tables = match hit {
                Some(i) => cache.remove(i),
                None => Rc::new(LevelTables::new(rates)),
            };
            cache.insert(0, Rc::clone(&tables));
            cache.truncate(CACHED_LEVEL_TABLES);
            tables
        })
    }
}

/// Alias tables for the rates seen so far in one `fill_poisson` call.
#[derive(Default)]
struct PoissonTables {
    index: HashMap<u64, (usize, usize), BuildHasherDefault<RateHasher>>,
    columns: Vec<Column>,
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

impl PoissonTables {
    /// More distinct rates than this are not cached.
    const MAX_TABLES: usize = 1024;

    /// The alias columns for `lam`, made on first use; `None` when the rate is not tabulated
    /// (zero, too large, or too many distinct rates).
    fn get(&mut self, lam: f64) -> Option<&[Column]> {
        if !tabulated(lam) {
            return None;
        }
        let (start, len) = match self.index.get(&lam.to_bits()) {
            Some(&span) => span,
            None => {
                if self.index.len() == Self::MAX_TABLES {
                    return None;
                }
                let start = self.columns.len();
                push_alias_columns(lam, &mut self.columns);
                let span = (start, self.columns.len() - start);
                self.index.insert(lam.to_bits(), span);
                span
            }
        };
        Some(&self.columns[start..start + len])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_distr::{Distribution, StandardNormal};

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

    #[test]
    fn bulk_randint_draws_as_one_at_a_time() {
        // Ranges without rejection (2, 4 values), with it (6, 1000), one value, and 2³²+ values;
        // 3000 values cross several batches.
        for (low, high) in [(-1, 1), (-2, 2), (-3, 3), (0, 1000), (5, 6), (0, 1 << 33)] {
            let mut bulk = FastRandom::new(&key("randint"));
            let mut single = FastRandom::new(&key("randint"));
            let mut values = vec![0i64; 3000];
            bulk.fill_randint(low, high, &mut values);
            let want: Vec<i64> = (0..3000).map(|_| single.randint(low, high)).collect();
            assert_eq!(values, want, "[{low}, {high})");
            assert_eq!(bulk.next_u32(), single.next_u32(), "[{low}, {high})");
        }
    }

    /// Reads `stream` and `reference` side by side in 32-bit, 64-bit and bulk draws, so words are
    /// met at both alignments and draws straddle batches.
    fn assert_same_words(mut stream: KeyStream, mut reference: ChaCha8Rng) {
        for round in 0..3000 {
            match round % 3 {
                0 => assert_eq!(stream.next_u32(), reference.next_u32(), "round {round}"),
                1 => assert_eq!(stream.next_u64(), reference.next_u64(), "round {round}"),
                _ => {
                    let mut bulk = [0u64; 37];
                    stream.fill_with(&mut bulk, |bits| bits);
                    for bits in bulk {
                        assert_eq!(bits, reference.next_u64(), "round {round}");
                    }
                }
            }
        }
    }

    #[test]
    fn keystream_is_chacha8() {
        let seed = key("words").digest();
        let portable = Blocks::Portable(Box::new(ChaCha8Rng::from_seed(seed)));
        assert_same_words(
            KeyStream::with_blocks(portable),
            ChaCha8Rng::from_seed(seed),
        );
        // Whichever source this processor gets.
        assert_same_words(KeyStream::new(seed), ChaCha8Rng::from_seed(seed));
    }

    /// Skips of every size from every position land where reading the words would.
    fn assert_skips_as_reading(mut skipping: KeyStream, mut reading: KeyStream) {
        for (round, words) in [
            0u64, 1, 2, 5, 1023, 1024, 1, 3000, 4096, 7, 2049, 256, 255, 100_000,
        ]
        .into_iter()
        .enumerate()
        {
            skipping.skip(words);
            for _ in 0..words {
                reading.next_u32();
            }
            // Reading on crosses the end of a batch that a skip made only partly.
            for _ in 0..300 {
                assert_eq!(skipping.next_u32(), reading.next_u32(), "round {round}");
            }
        }
    }

    #[test]
    fn skipping_words_equals_reading_them() {
        let seed = key("skip").digest();
        let portable = || Blocks::Portable(Box::new(ChaCha8Rng::from_seed(seed)));
        assert_skips_as_reading(
            KeyStream::with_blocks(portable()),
            KeyStream::with_blocks(portable()),
        );
        assert_skips_as_reading(KeyStream::new(seed), KeyStream::new(seed));
        let mut skipping = FastRandom::new(&key("skip"));
        let mut reading = FastRandom::new(&key("skip"));
        skipping.skip_samples(777);
        for _ in 0..777 {
            reading.random_sample();
        }
        assert_eq!(skipping.random_sample(), reading.random_sample());
    }

    #[cfg(target_arch = "x86_64")]
    #[test]
    fn wide_blocks_carry_the_counter_into_its_high_word() {
        if !chacha::available() {
            return;
        }
        let seed = key("carry").digest();
        let KeyStream {
            blocks: Blocks::Wide { key, .. },
            ..
        } = KeyStream::new(seed)
        else {
            unreachable!("AVX-512F is available")
        };
        let start = 0xffff_fff8u64;
        let mut reference = ChaCha8Rng::from_seed(seed);
        reference.set_word_pos(start as u128 * 16);
        let stream = KeyStream::with_blocks(Blocks::Wide { key, block: start });
        assert_same_words(stream, reference);
    }

    #[test]
    fn bulk_uniforms_equal_single_draws() {
        let mut bulk = FastRandom::new(&key("u"));
        let mut single = FastRandom::new(&key("u"));
        bulk.next_u32();
        single.next_u32();
        let mut out = vec![0.0; 5000];
        bulk.fill_uniform(-2.0, 3.0, &mut out);
        for (i, &o) in out.iter().enumerate() {
            assert_eq!(o, single.uniform(-2.0, 3.0), "draw {i}");
        }
        assert_eq!(bulk.next_u32(), single.next_u32());
    }

    #[test]
    fn normals_are_rand_distrs_ziggurat() {
        let seed = key("normal").digest();
        let mut ours = FastRandom {
            stream: KeyStream::new(seed),
        };
        let mut draws = vec![0.0; 400_000];
        ours.fill_normal(0.0, 1.0, &mut draws);
        let mut reference = ChaCha8Rng::from_seed(seed);
        // Tail draws take a logarithm: ours is glibc's on Linux and the libm crate's elsewhere,
        // rand_distr's the platform's, so off glibc they may differ in the last bit.
        let same_log = cfg!(all(target_os = "linux", target_env = "gnu"));
        for (i, &d) in draws.iter().enumerate() {
            let want: f64 = StandardNormal.sample(&mut reference);
            if same_log || d.abs() <= ziggurat::R {
                assert_eq!(d.to_bits(), want.to_bits(), "draw {i}");
            } else {
                assert!(
                    d.to_bits().abs_diff(want.to_bits()) <= 2,
                    "draw {i}: {d} vs {want}"
                );
            }
        }
        // P(|z| > R) ≈ 2.6e-4: the tail branch ran about a hundred times.
        assert!(draws.iter().filter(|d| d.abs() > ziggurat::R).count() > 20);
    }

    #[test]
    fn ziggurat_boxes_have_equal_areas() {
        use ziggurat::R;
        let (x_edges, f) = (&ziggurat::tables().x, &ziggurat::tables().f);
        let area = 0.00492867323399;
        assert_eq!((x_edges[1], x_edges[256]), (R, 0.0));
        assert!(x_edges.windows(2).all(|w| w[0] > w[1]), "edges fall");
        for i in 0..257 {
            let density = (-x_edges[i] * x_edges[i] / 2.0).exp();
            assert!(
                (f[i] - density).abs() <= 4.0 * f64::EPSILON * density,
                "F[{i}]"
            );
        }
        for i in 1..256 {
            let box_area = x_edges[i] * (f[i + 1] - f[i]);
            assert!((box_area - area).abs() < 1e-9, "box {i}: {box_area}");
        }
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
    fn level_draws_equal_draws_by_rate() {
        // Rate 0 (nothing drawn), tabulated rates, and one for numpy's sampler, over many batch
        // boundaries: the per-level loop reads the stream as per-value draws do.
        let rates = [0.0, 2.5, 40.0, 450.0];
        let levels: Vec<u8> = (0..20_000).map(|i| (i * 7 % 11 % 4) as u8).collect();
        let lams: Vec<f64> = levels.iter().map(|&l| rates[l as usize]).collect();
        let (mut by_level, mut by_rate) = (vec![0i64; levels.len()], vec![0i64; levels.len()]);
        FastRandom::new(&key("l")).fill_poisson_levels(&rates, &levels, &mut by_level);
        FastRandom::new(&key("l")).fill_poisson(&lams, &mut by_rate);
        assert_eq!(by_level, by_rate);
    }

    #[test]
    fn level_draws_depend_on_the_key_alone() {
        let rates: Vec<f64> = (0..=255).map(|v| v as f64 / 255.0 * 12.0).collect();
        let levels: Vec<u8> = (0..20_000).map(|i| (i * 37 % 256) as u8).collect();
        let draw = |sample: &str| {
            let mut counts = vec![0i64; levels.len()];
            FastRandom::new(&key(sample)).fill_poisson_levels(&rates, &levels, &mut counts);
            counts
        };
        // The second call finds its tables cached; the third makes them again after eviction.
        let first = draw("p");
        assert_eq!(first, draw("p"));
        for photons in 0..CACHED_LEVEL_TABLES {
            let other: Vec<f64> = rates.iter().map(|r| r + photons as f64 + 1.0).collect();
            LevelTables::cached(&other);
        }
        assert_eq!(first, draw("p"));
        assert_ne!(first, draw("q"));
        // Level 0 has rate 0: count 0 and no word drawn.
        assert!(levels.iter().zip(&first).all(|(&l, &c)| l != 0 || c == 0));
    }

    #[test]
    fn alias_table_reproduces_the_probabilities() {
        for lam in [0.2, 7.0, 60.0, 400.0] {
            let mut columns = Vec::new();
            push_alias_columns(lam, &mut columns);
            let n = columns.len();
            // Each column contributes keep/n to its own count and the rest to its alias.
            let mut mass = vec![0.0; n];
            for (k, c) in columns.iter().enumerate() {
                let keep = c.keep_below as f64 / 18446744073709551616.0;
                mass[k] += keep / n as f64;
                mass[c.alias as usize] += (1.0 - keep) / n as f64;
            }
            let pmf = poisson_pmf(lam);
            for k in 0..n {
                assert!(
                    (mass[k] - pmf[k]).abs() < 1e-12,
                    "λ {lam}, k {k}: {} vs {}",
                    mass[k],
                    pmf[k]
                );
            }
        }
    }

    #[test]
    fn alias_sampling_splits_a_draw_into_column_and_fraction() {
        let columns = [
            Column {
                keep_below: 1 << 63,
                alias: 2,
            },
            Column {
                keep_below: u64::MAX,
                alias: 1,
            },
            Column {
                keep_below: 0,
                alias: 1,
            },
        ];
        // bits·3 / 2⁶⁴ picks the column; the low word of bits·3 is the fraction.
        let at = |column: u64, fraction: u64| {
            ((column as u128) << 64 | fraction as u128).div_ceil(3) as u64
        };
        assert_eq!(alias_sample(&columns, at(0, 10)), 0);
        assert_eq!(alias_sample(&columns, at(0, (1 << 63) + 10)), 2);
        assert_eq!(alias_sample(&columns, at(1, 1 << 62)), 1);
        assert_eq!(alias_sample(&columns, at(2, 5)), 1);
        assert_eq!(alias_sample(&columns, u64::MAX), 1);
    }

    #[test]
    fn pmf_sums_to_one() {
        for lam in [0.01, 1.0, 60.0, 400.0] {
            let total: f64 = poisson_pmf(lam).iter().sum();
            assert!((1.0 - total).abs() <= 1e-13, "λ {lam}");
        }
    }
}
