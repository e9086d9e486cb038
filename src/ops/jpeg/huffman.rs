//! Huffman coding of baseline and progressive JPEG (ITU T.81 Annex C, F.1.2, F.2.2, K.2):
//! code tables from DHT specifications, libjpeg's optimal-table construction
//! (`jchuff.c` `jpeg_gen_optimal_table`, which the two libraries share), a bit writer with
//! 0xFF byte stuffing, and a bit reader that stops at markers.

use super::tables::HuffmanSpec;
use super::JpegError;

/// Code lengths 1..=16 with their count of codes → (code, length) of every symbol (C.1–C.2).
fn codes(spec: &HuffmanSpec) -> Vec<(u8, u16, u8)> {
    let mut out = Vec::with_capacity(spec.symbols.len());
    let mut code = 0u32;
    let mut k = 0;
    for (len, &count) in spec.counts.iter().enumerate() {
        for _ in 0..count {
            if let Some(&symbol) = spec.symbols.get(k) {
                out.push((symbol, code as u16, len as u8 + 1));
            }
            k += 1;
            code += 1;
        }
        code <<= 1;
    }
    out
}

/// Checks that a DHT table is a valid prefix code over at most 256 symbols.
pub fn validate(spec: &HuffmanSpec) -> Result<(), JpegError> {
    let total: usize = spec.counts.iter().map(|&c| usize::from(c)).sum();
    if total > 256 || total != spec.symbols.len() {
        return Err(JpegError::Corrupt("bad Huffman table size".into()));
    }
    // Kraft: codes of each length must fit in the space left by shorter ones.
    let mut space = 2u32;
    for &count in &spec.counts {
        if u32::from(count) > space {
            return Err(JpegError::Corrupt(
                "Huffman table is not a prefix code".into(),
            ));
        }
        space = (space - u32::from(count)) * 2;
    }
    Ok(())
}

/// A table for writing: code and length per symbol (length 0 = symbol absent).
#[derive(Clone, Debug)]
pub struct EncodeTable {
    code: [u16; 256],
    len: [u8; 256],
}

impl EncodeTable {
    pub fn new(spec: &HuffmanSpec) -> Self {
        let mut t = EncodeTable {
            code: [0; 256],
            len: [0; 256],
        };
        for (symbol, code, len) in codes(spec) {
            t.code[usize::from(symbol)] = code;
            t.len[usize::from(symbol)] = len;
        }
        t
    }
}

/// The optimal table for symbol frequencies `freq` as libjpeg builds it (Annex K.2): Huffman's
/// procedure with a reserved pseudo-symbol so that no code is all ones, ties broken toward the
/// larger symbol, lengths limited to 16 bits.
pub fn optimal_table(freq: &[u64; 256]) -> HuffmanSpec {
    const MAX_LEN: usize = 32;
    let mut freq: Vec<u64> = freq.to_vec();
    freq.push(1); // the reserved symbol 256
    let mut size = [0usize; 257];
    let mut next: [Option<usize>; 257] = [None; 257];
    // The nonzero frequency that is smallest, last in symbol order, other than `skip`.
    let smallest = |freq: &[u64], skip: Option<usize>| {
        let mut best: Option<usize> = None;
        for (i, &f) in freq.iter().enumerate() {
            if f > 0 && Some(i) != skip && best.is_none_or(|b| f <= freq[b]) {
                best = Some(i);
            }
        }
        best
    };
    while let Some(c1) = smallest(&freq, None) {
        let Some(c2) = smallest(&freq, Some(c1)) else {
            break;
        };
        freq[c1] += freq[c2];
        freq[c2] = 0;
        // Every symbol in both merged subtrees moves one level deeper; chain c2's list to c1's.
        let mut i = c1;
        size[i] += 1;
        while let Some(n) = next[i] {
            i = n;
            size[i] += 1;
        }
        next[i] = Some(c2);
        let mut j = c2;
        size[j] += 1;
        while let Some(n) = next[j] {
            j = n;
            size[j] += 1;
        }
    }
    let mut counts = [0usize; MAX_LEN + 1];
    for &s in &size {
        if s > 0 {
            counts[s.min(MAX_LEN)] += 1;
        }
    }
    // Shorten codes over 16 bits (K.3 "Adjust_BITS").
    for i in (17..=MAX_LEN).rev() {
        while counts[i] > 0 {
            let mut j = i - 2;
            while counts[j] == 0 {
                j -= 1;
            }
            counts[i] -= 2;
            counts[i - 1] += 1;
            counts[j + 1] += 2;
            counts[j] -= 1;
        }
    }
    // Drop the reserved symbol from the longest length in use.
    if let Some(longest) = (1..=16).rev().find(|&l| counts[l] > 0) {
        counts[longest] -= 1;
    }
    let mut symbols = Vec::new();
    for len in 1..=MAX_LEN {
        for (symbol, &s) in size.iter().enumerate().take(256) {
            if s == len {
                symbols.push(symbol as u8);
            }
        }
    }
    HuffmanSpec {
        counts: std::array::from_fn(|i| counts[i + 1] as u8),
        symbols,
    }
}

/// Appends entropy-coded bits to a byte vector, stuffing a zero after every 0xFF.
pub struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    nbits: u32,
}

impl<'a> BitWriter<'a> {
    pub fn new(out: &'a mut Vec<u8>) -> Self {
        BitWriter {
            out,
            acc: 0,
            nbits: 0,
        }
    }

    /// Writes the low `n` (≤ 16) bits of `bits`, most significant first.
    #[inline]
    pub fn put(&mut self, bits: u32, n: u32) {
        self.acc = (self.acc << n) | u64::from(bits & ((1 << n) - 1));
        self.nbits += n;
        while self.nbits >= 8 {
            self.nbits -= 8;
            let byte = (self.acc >> self.nbits) as u8;
            self.out.push(byte);
            if byte == 0xFF {
                self.out.push(0);
            }
        }
    }

    /// Writes the code of `symbol`. The symbol must be in the table.
    #[inline]
    pub fn symbol(&mut self, table: &EncodeTable, symbol: u8) {
        let s = usize::from(symbol);
        debug_assert!(table.len[s] > 0, "symbol {symbol:#x} missing from table");
        self.put(u32::from(table.code[s]), u32::from(table.len[s]));
    }

    /// Pads the last byte with one bits, as libjpeg does.
    pub fn flush(&mut self) {
        let pad = (8 - self.nbits % 8) % 8;
        self.put((1 << pad) - 1, pad);
    }
}

/// A table for reading: a 9-bit lookahead table plus the canonical-code limits (F.2.2.3).
#[derive(Clone, Debug)]
pub struct DecodeTable {
    /// For each 9-bit prefix: symbol and length, or length 0 if the code is longer.
    fast: Vec<(u8, u8)>,
    /// For each 9-bit prefix that holds a whole AC code and its magnitude bits: the
    /// coefficient, the zero run before it and the bits used, packed by [`FastAc`]; 0 if not.
    /// Most coefficients of a photo are small, so one lookup replaces a symbol and a read.
    fast_ac: Vec<FastAc>,
    /// Largest code of each length 1..=16 (−1 if none), and index of its first symbol.
    max_code: [i32; 17],
    offset: [i32; 17],
    symbols: Vec<u8>,
}

const FAST_BITS: u32 = 9;

impl DecodeTable {
    pub fn new(spec: &HuffmanSpec) -> Self {
        let mut fast = vec![(0u8, 0u8); 1 << FAST_BITS];
        let mut max_code = [-1i32; 17];
        let mut offset = [0i32; 17];
        let all = codes(spec);
        let mut k = 0usize;
        for len in 1..=16usize {
            let n = usize::from(spec.counts[len - 1]);
            if n > 0 {
                if let Some(&(_, first, _)) = all.get(k) {
                    offset[len] = k as i32 - i32::from(first);
                }
                if let Some(&(_, last, _)) = all.get(k + n - 1) {
                    max_code[len] = i32::from(last);
                }
            }
            k += n;
        }
        for &(symbol, code, len) in &all {
            if u32::from(len) <= FAST_BITS {
                let shift = FAST_BITS - u32::from(len);
                let start = usize::from(code) << shift;
                for e in &mut fast[start..start + (1 << shift)] {
                    *e = (symbol, len);
                }
            }
        }
        let fast_ac = (0..1u32 << FAST_BITS)
            .map(|prefix| {
                let (symbol, len) = fast[prefix as usize];
                let (run, size) = (u32::from(symbol >> 4), u32::from(symbol & 15));
                let used = u32::from(len) + size;
                if len == 0 || size == 0 || used > FAST_BITS {
                    return FastAc(0);
                }
                let bits = (prefix >> (FAST_BITS - used)) & ((1 << size) - 1);
                FastAc::new(extend(bits, size), run, used)
            })
            .collect();
        DecodeTable {
            fast,
            fast_ac,
            max_code,
            offset,
            symbols: spec.symbols.clone(),
        }
    }
}

/// F.2.2.1 EXTEND: the `n`-bit magnitude category value `v` as a signed coefficient.
#[inline]
fn extend(v: u32, n: u32) -> i32 {
    let v = v as i32;
    if v < 1 << (n - 1) {
        v - (1 << n) + 1
    } else {
        v
    }
}

/// An AC coefficient decoded from a lookahead prefix: its value, the run of zeros before it
/// and the number of bits its code and magnitude take, packed in one word (0: none).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FastAc(i32);

impl FastAc {
    fn new(value: i32, run: u32, used: u32) -> FastAc {
        FastAc((value << 8) | (run << 4) as i32 | used as i32)
    }

    pub fn value(self) -> i32 {
        self.0 >> 8
    }

    pub fn run(self) -> usize {
        ((self.0 >> 4) & 15) as usize
    }

    fn used(self) -> u32 {
        (self.0 & 15) as u32
    }
}

/// Reads the entropy-coded data of one scan, undoing byte stuffing. At a marker or the end of
/// the data it supplies zero bits but remembers how many, so a decoder that actually consumes
/// them can report the data as truncated or corrupt.
pub struct BitReader<'a> {
    data: &'a [u8],
    pub pos: usize,
    acc: u64,
    nbits: u32,
    /// Zero bits appended past the real data (they sit at the low end of `acc`).
    padding: u32,
}

impl<'a> BitReader<'a> {
    pub fn new(data: &'a [u8], pos: usize) -> Self {
        BitReader {
            data,
            pos,
            acc: 0,
            nbits: 0,
            padding: 0,
        }
    }

    fn fill(&mut self) {
        while self.nbits <= 56 {
            let mut byte = 0u8;
            let real = self.padding == 0
                && match self.data.get(self.pos) {
                    Some(&0xFF) => match self.data.get(self.pos + 1) {
                        Some(0x00) => {
                            byte = 0xFF;
                            self.pos += 2;
                            true
                        }
                        _ => false, // a marker, or the data ends
                    },
                    Some(&b) => {
                        byte = b;
                        self.pos += 1;
                        true
                    }
                    None => false,
                };
            if !real {
                self.padding += 8;
            }
            self.acc |= u64::from(byte) << (56 - self.nbits);
            self.nbits += 8;
        }
    }

    /// True when more bits were consumed than the data holds.
    pub fn overrun(&self) -> bool {
        self.nbits < self.padding
    }

    /// The error for an overrun: a marker or the end of the data came too early.
    pub fn overrun_error(&self) -> JpegError {
        // A lone 0xFF as the last byte is the start of a stuffed pair or marker cut off.
        if self.pos + 1 >= self.data.len() {
            JpegError::Truncated("entropy-coded data")
        } else {
            JpegError::Corrupt("entropy-coded data runs into a marker".into())
        }
    }

    /// The next `n` (≤ 16) bits without consuming them.
    #[inline]
    fn peek(&mut self, n: u32) -> u32 {
        if self.nbits < n {
            self.fill();
        }
        (self.acc >> (64 - n)) as u32
    }

    #[inline]
    fn consume(&mut self, n: u32) {
        self.acc <<= n;
        self.nbits -= n;
    }

    /// Reads `n` (≤ 16) bits as an unsigned number.
    #[inline]
    pub fn bits(&mut self, n: u32) -> u32 {
        if n == 0 {
            return 0;
        }
        let v = self.peek(n);
        self.consume(n);
        v
    }

    /// Reads an `n`-bit magnitude category value and extends its sign (F.2.2.1 EXTEND).
    #[inline]
    pub fn signed(&mut self, n: u32) -> i32 {
        if n == 0 {
            return 0;
        }
        extend(self.bits(n), n)
    }

    /// The AC coefficient at the reader as one [`DecodeTable`] lookup, consumed, when its code
    /// and magnitude bits fit the lookahead; else `None` and nothing is consumed.
    #[inline]
    pub fn fast_ac(&mut self, table: &DecodeTable) -> Option<FastAc> {
        let entry = table.fast_ac[self.peek(FAST_BITS) as usize];
        if entry.0 == 0 {
            return None;
        }
        self.consume(entry.used());
        Some(entry)
    }

    /// Decodes one Huffman symbol.
    #[inline]
    pub fn symbol(&mut self, table: &DecodeTable) -> Result<u8, JpegError> {
        let prefix = self.peek(16);
        let (symbol, len) = table.fast[(prefix >> (16 - FAST_BITS)) as usize];
        if len > 0 {
            self.consume(u32::from(len));
            return Ok(symbol);
        }
        for len in FAST_BITS + 1..=16 {
            let code = (prefix >> (16 - len)) as i32;
            if code <= table.max_code[len as usize] {
                self.consume(len);
                let index = (code + table.offset[len as usize]) as usize;
                return table
                    .symbols
                    .get(index)
                    .copied()
                    .ok_or_else(|| JpegError::Corrupt("bad Huffman code".into()));
            }
        }
        Err(JpegError::Corrupt("bad Huffman code".into()))
    }

    /// Drops the buffered bits, at the end of a scan or restart interval. The reader never
    /// buffers past a marker, so `pos` is then where the data after the interval starts.
    pub fn discard(&mut self) {
        self.acc = 0;
        self.nbits = 0;
        self.padding = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::super::tables::standard_huffman;
    use super::*;

    #[test]
    fn written_codes_read_back() {
        let specs = standard_huffman();
        let mut out = Vec::new();
        let symbols = [0x00u8, 0x01, 0xF0, 0xFA, 0x11, 0x7A];
        {
            let mut w = BitWriter::new(&mut out);
            let table = EncodeTable::new(&specs[1]);
            for &s in &symbols {
                w.symbol(&table, s);
                w.put(0b101, 3);
            }
            w.flush();
        }
        let table = DecodeTable::new(&specs[1]);
        let mut r = BitReader::new(&out, 0);
        for &s in &symbols {
            assert_eq!(r.symbol(&table).unwrap(), s);
            assert_eq!(r.bits(3), 0b101);
        }
        assert!(!r.overrun());
    }

    /// Every code of the standard luma AC table, with every magnitude of up to 4 bits: the
    /// combined lookup reads what a symbol and its magnitude read, or declines and reads nothing.
    #[test]
    fn fast_ac_reads_what_symbol_and_magnitude_read() {
        let spec = &standard_huffman()[1];
        let (encode, decode) = (EncodeTable::new(spec), DecodeTable::new(spec));
        let mut written = Vec::new();
        for &symbol in spec.symbols.iter().filter(|&&s| s & 15 != 0 && s & 15 <= 4) {
            let size = u32::from(symbol & 15);
            for magnitude in 0..1 << size {
                written.push((symbol, magnitude));
            }
        }
        let mut out = Vec::new();
        {
            let mut w = BitWriter::new(&mut out);
            for &(symbol, magnitude) in &written {
                w.symbol(&encode, symbol);
                w.put(magnitude, u32::from(symbol & 15));
            }
            w.flush();
        }
        let (mut fast, mut slow) = (BitReader::new(&out, 0), BitReader::new(&out, 0));
        let mut hits = 0;
        for &(symbol, magnitude) in &written {
            let size = u32::from(symbol & 15);
            let want = (usize::from(symbol >> 4), extend(magnitude, size));
            assert_eq!(slow.symbol(&decode).unwrap(), symbol);
            assert_eq!((usize::from(symbol >> 4), slow.signed(size)), want);
            match fast.fast_ac(&decode) {
                Some(c) => {
                    hits += 1;
                    assert_eq!((c.run(), c.value()), want, "symbol {symbol:#04x}");
                }
                None => {
                    assert_eq!(fast.symbol(&decode).unwrap(), symbol);
                    assert_eq!(fast.signed(size), want.1);
                }
            }
        }
        // Short codes with small magnitudes take the lookup.
        assert!(hits > 20, "{hits} of {}", written.len());
        assert!(!fast.overrun());
    }

    #[test]
    fn stuffing_and_sign_extension() {
        let mut out = Vec::new();
        {
            let mut w = BitWriter::new(&mut out);
            w.put(0xFF, 8);
            w.put(0b0110, 4);
            w.flush();
        }
        assert_eq!(out, vec![0xFF, 0x00, 0b0110_1111]);
        let mut r = BitReader::new(&out, 0);
        assert_eq!(r.bits(8), 0xFF);
        // 4-bit category: 0110 = 6 is below 8, so it stands for 6 - 15 = -9.
        assert_eq!(r.signed(4), -9);
        assert_eq!(r.signed(4), 15);
        assert!(!r.overrun());
        assert_eq!(r.bits(1), 0);
        assert!(r.overrun());
    }

    #[test]
    fn optimal_tables_are_valid_and_favour_frequent_symbols() {
        let mut freq = [0u64; 256];
        for (i, f) in freq.iter_mut().enumerate().take(40) {
            *f = 1 + (i as u64 * 7919) % 1000;
        }
        freq[5] = 100_000;
        let spec = optimal_table(&freq);
        validate(&spec).unwrap();
        assert_eq!(spec.symbols.len(), 40);
        assert_eq!(spec.symbols[0], 5);
        // No code may be all ones.
        let all = codes(&spec);
        assert!(all
            .iter()
            .all(|&(_, code, len)| u32::from(code) != (1 << len) - 1));
        // Very skewed statistics force lengths above 16 to be folded back.
        let mut skewed = [0u64; 256];
        let mut f = 1u64;
        for s in skewed.iter_mut().take(30) {
            *s = f;
            f = f * 2 + 1;
        }
        let spec = optimal_table(&skewed);
        validate(&spec).unwrap();
        assert_eq!(spec.symbols.len(), 30);
    }

    #[test]
    fn bad_tables_and_codes_are_errors() {
        let too_many = HuffmanSpec {
            counts: [3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            symbols: vec![1, 2, 3],
        };
        assert!(validate(&too_many).is_err());
        let spec = HuffmanSpec {
            counts: [1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0],
            symbols: vec![7],
        };
        let table = DecodeTable::new(&spec);
        let data = [0xFFu8, 0x00];
        let mut r = BitReader::new(&data, 0);
        assert!(r.symbol(&table).is_err());
    }
}
