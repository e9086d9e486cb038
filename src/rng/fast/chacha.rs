//! ChaCha8 keystream blocks sixteen at a time in AVX-512 registers: word w of all sixteen blocks
//! shares one register, so the rounds are plain lane-wise adds, xors and rotates, and a 16×16
//! transpose puts the words back block after block. The words and their order are those of
//! `rand_chacha::ChaCha8Rng` (IETF constants, 256-bit key, 64-bit block counter in words 12–13,
//! stream id 0 in words 14–15).

use crate::simd::Isa;
use std::arch::x86_64::*;

/// Words per ChaCha block.
pub(super) const BLOCK_WORDS: usize = 16;
/// Blocks per call of [`blocks16`].
pub(super) const BLOCKS: usize = 16;

/// Whether [`blocks16`] runs: the shared dispatch chose AVX-512 (which the CPU then has).
pub(super) fn available() -> bool {
    Isa::active() == Isa::Avx512
}

/// "expand 32-byte k".
const SIGMA: [u32; 4] = [0x6170_7865, 0x3320_646e, 0x7962_2d32, 0x6b20_6574];

/// Blocks `counter .. counter + 16` of the ChaCha8 keystream for `key`, block after block.
#[target_feature(enable = "avx512f")]
pub(super) fn blocks16(key: &[u32; 8], counter: u64, out: &mut [u32; BLOCKS * BLOCK_WORDS]) {
    let splat = |w: u32| _mm512_set1_epi32(w as i32);
    // Lane l holds block counter + l; the low word's carry goes into the high word.
    let low_base = splat(counter as u32);
    let low = _mm512_add_epi32(
        low_base,
        _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
    );
    let carried = _mm512_cmplt_epu32_mask(low, low_base);
    let high_base = splat((counter >> 32) as u32);
    let high = _mm512_mask_add_epi32(high_base, carried, high_base, splat(1));
    let input = [
        splat(SIGMA[0]),
        splat(SIGMA[1]),
        splat(SIGMA[2]),
        splat(SIGMA[3]),
        splat(key[0]),
        splat(key[1]),
        splat(key[2]),
        splat(key[3]),
        splat(key[4]),
        splat(key[5]),
        splat(key[6]),
        splat(key[7]),
        low,
        high,
        _mm512_setzero_si512(),
        _mm512_setzero_si512(),
    ];
    let mut s = input;
    macro_rules! quarter_round {
        ($a:expr, $b:expr, $c:expr, $d:expr) => {
            s[$a] = _mm512_add_epi32(s[$a], s[$b]);
            s[$d] = _mm512_rol_epi32::<16>(_mm512_xor_si512(s[$d], s[$a]));
            s[$c] = _mm512_add_epi32(s[$c], s[$d]);
            s[$b] = _mm512_rol_epi32::<12>(_mm512_xor_si512(s[$b], s[$c]));
            s[$a] = _mm512_add_epi32(s[$a], s[$b]);
            s[$d] = _mm512_rol_epi32::<8>(_mm512_xor_si512(s[$d], s[$a]));
            s[$c] = _mm512_add_epi32(s[$c], s[$d]);
            s[$b] = _mm512_rol_epi32::<7>(_mm512_xor_si512(s[$b], s[$c]));
        };
    }
    // Eight rounds: four column rounds, each followed by a diagonal round.
    for _ in 0..4 {
        quarter_round!(0, 4, 8, 12);
        quarter_round!(1, 5, 9, 13);
        quarter_round!(2, 6, 10, 14);
        quarter_round!(3, 7, 11, 15);
        quarter_round!(0, 5, 10, 15);
        quarter_round!(1, 6, 11, 12);
        quarter_round!(2, 7, 8, 13);
        quarter_round!(3, 4, 9, 14);
    }
    for (word, start) in s.iter_mut().zip(&input) {
        *word = _mm512_add_epi32(*word, *start);
    }

    // Transpose. After the 32- and 64-bit interleaves, pairs[4i + j] holds in its 128-bit lane q
    // the words 4i..4i+4 of block 4q + j.
    let mut pairs = [_mm512_setzero_si512(); 16];
    for i in 0..4 {
        let (w0, w1, w2, w3) = (s[4 * i], s[4 * i + 1], s[4 * i + 2], s[4 * i + 3]);
        let lo01 = _mm512_unpacklo_epi32(w0, w1);
        let hi01 = _mm512_unpackhi_epi32(w0, w1);
        let lo23 = _mm512_unpacklo_epi32(w2, w3);
        let hi23 = _mm512_unpackhi_epi32(w2, w3);
        pairs[4 * i] = _mm512_unpacklo_epi64(lo01, lo23);
        pairs[4 * i + 1] = _mm512_unpackhi_epi64(lo01, lo23);
        pairs[4 * i + 2] = _mm512_unpacklo_epi64(hi01, hi23);
        pairs[4 * i + 3] = _mm512_unpackhi_epi64(hi01, hi23);
    }
    // Two rounds of 128-bit lane shuffles gather the four quarters of each block.
    for j in 0..4 {
        // even_first: words 0–3 and 4–7 of blocks j and 8 + j; odd_first: those of blocks
        // 4 + j and 12 + j; the `second` pair holds words 8–11 and 12–15 of the same blocks.
        let even_first = _mm512_shuffle_i32x4::<0x88>(pairs[j], pairs[4 + j]);
        let odd_first = _mm512_shuffle_i32x4::<0xdd>(pairs[j], pairs[4 + j]);
        let even_second = _mm512_shuffle_i32x4::<0x88>(pairs[8 + j], pairs[12 + j]);
        let odd_second = _mm512_shuffle_i32x4::<0xdd>(pairs[8 + j], pairs[12 + j]);
        let blocks = [
            (j, _mm512_shuffle_i32x4::<0x88>(even_first, even_second)),
            (8 + j, _mm512_shuffle_i32x4::<0xdd>(even_first, even_second)),
            (4 + j, _mm512_shuffle_i32x4::<0x88>(odd_first, odd_second)),
            (12 + j, _mm512_shuffle_i32x4::<0xdd>(odd_first, odd_second)),
        ];
        for (block, words) in blocks {
            let slot = &mut out[block * BLOCK_WORDS..(block + 1) * BLOCK_WORDS];
            // SAFETY: `slot` is 16 writable u32s, the 64 bytes an unaligned store writes.
            unsafe { _mm512_storeu_si512(slot.as_mut_ptr().cast(), words) };
        }
    }
}
