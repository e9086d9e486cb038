//! Constant tables of baseline JPEG: the zigzag scan order, the example quantisation tables of
//! ITU T.81 Annex K.1 scaled by the IJG quality curve (libjpeg `jcparam.c`,
//! `jpeg_quality_scaling` and `jpeg_add_quant_table` with `force_baseline`), and the example
//! Huffman tables of Annex K.3 (libjpeg `jstdhuff.c`).

/// `ZIGZAG[i]` is the natural (row-major) position of the i-th coefficient in scan order.
pub const ZIGZAG: [usize; 64] = [
    0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20,
    13, 6, 7, 14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59,
    52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
];

/// Annex K.1 luminance table, natural order.
const LUMINANCE: [u16; 64] = [
    16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56,
    14, 17, 22, 29, 51, 87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113,
    92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];

/// Annex K.1 chrominance table, natural order.
const CHROMINANCE: [u16; 64] = [
    17, 18, 24, 47, 99, 99, 99, 99, 18, 21, 26, 66, 99, 99, 99, 99, 24, 26, 56, 99, 99, 99, 99, 99,
    47, 66, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
    99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99,
];

/// The IJG quality curve: quality 1..100 (clamped) to a percentage applied to the K.1 tables.
fn quality_scale(quality: u8) -> u32 {
    let q = u32::from(quality.clamp(1, 100));
    if q < 50 {
        5000 / q
    } else {
        200 - 2 * q
    }
}

fn scaled(basic: &[u16; 64], scale: u32) -> [u16; 64] {
    // Rounded percentage, limited to 1..=255 so the table stays baseline (8-bit).
    basic.map(|b| ((u32::from(b) * scale + 50) / 100).clamp(1, 255) as u16)
}

/// The luminance and chrominance quantisation tables (natural order) that libjpeg's
/// `jpeg_set_quality(cinfo, quality, TRUE)` installs.
pub fn quant_tables(quality: u8) -> [[u16; 64]; 2] {
    let scale = quality_scale(quality);
    [scaled(&LUMINANCE, scale), scaled(&CHROMINANCE, scale)]
}

/// A Huffman table as a DHT segment carries it: the number of codes of each length 1..=16 and
/// the symbols in code order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HuffmanSpec {
    pub counts: [u8; 16],
    pub symbols: Vec<u8>,
}

/// Annex K.3 tables: DC luminance, AC luminance, DC chrominance, AC chrominance.
pub fn standard_huffman() -> [HuffmanSpec; 4] {
    let dc_symbols: Vec<u8> = (0..12).collect();
    [
        HuffmanSpec {
            counts: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0],
            symbols: dc_symbols.clone(),
        },
        HuffmanSpec {
            counts: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
            symbols: AC_LUMINANCE_SYMBOLS.to_vec(),
        },
        HuffmanSpec {
            counts: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0],
            symbols: dc_symbols,
        },
        HuffmanSpec {
            counts: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
            symbols: AC_CHROMINANCE_SYMBOLS.to_vec(),
        },
    ]
}

const AC_LUMINANCE_SYMBOLS: [u8; 162] = [
    0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
    0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
    0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
    0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
    0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
    0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
    0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
    0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
    0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
    0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
];

const AC_CHROMINANCE_SYMBOLS: [u8; 162] = [
    0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
    0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
    0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
    0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
    0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
    0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
    0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
    0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
    0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
    0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
    0xf9, 0xfa,
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_is_a_permutation_walking_the_antidiagonals() {
        let mut seen = [false; 64];
        for (i, &p) in ZIGZAG.iter().enumerate() {
            assert!(!seen[p]);
            seen[p] = true;
            if i > 0 {
                let (r0, c0) = (ZIGZAG[i - 1] / 8, ZIGZAG[i - 1] % 8);
                let (r1, c1) = (p / 8, p % 8);
                assert!((r1 + c1) - (r0 + c0) <= 1);
            }
        }
    }

    #[test]
    fn quality_scaling_follows_the_ijg_curve() {
        // Quality 50 keeps K.1; quality 25 doubles it; 100 gives all ones; low qualities clamp.
        assert_eq!(quant_tables(50)[0], LUMINANCE);
        assert_eq!(quant_tables(25)[0][0], 32);
        assert_eq!(quant_tables(100), [[1; 64]; 2]);
        assert_eq!(quant_tables(7)[1][63], 255);
        // 16 · 5000/18 = 16 · 277 % = 44.32 → 44.
        assert_eq!(quant_tables(18)[0][0], 44);
        assert_eq!(quant_tables(0), quant_tables(1));
    }

    #[test]
    fn standard_tables_are_complete() {
        for spec in standard_huffman() {
            let n: usize = spec.counts.iter().map(|&c| c as usize).sum();
            assert_eq!(n, spec.symbols.len());
        }
    }
}
