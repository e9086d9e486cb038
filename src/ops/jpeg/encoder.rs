//! Baseline JFIF files: the marker layout libjpeg's `jcmarker.c` writes (SOI, JFIF APP0 1.01,
//! one DQT per table, SOF0, one DHT per table in component order, SOS, EOI) around one
//! interleaved Huffman-coded scan (`jchuff.c`), with the standard Annex K tables or tables
//! optimised for the image as libjpeg's `optimize_coding` makes them.

use super::frame::{self, Frame};
use super::huffman::{self, BitWriter, EncodeTable};
use super::tables::{standard_huffman, HuffmanSpec, ZIGZAG};
use super::{JpegError, Profile};
use crate::raster::Image;

/// Encodes `image` (gray or RGB) as Pillow's `save(format='JPEG', quality=quality,
/// optimize=optimize)` does with `profile`'s libjpeg; decoding the file with the same libjpeg
/// gives [`super::round_trip`]'s pixels. Fails only for images JPEG cannot hold (empty, over
/// 65535 pixels a side, or not 1 or 3 channels).
pub fn encode(
    image: &Image,
    quality: u8,
    profile: Profile,
    optimize: bool,
) -> Result<Vec<u8>, JpegError> {
    let frame = frame::forward(image, quality, profile)?;
    Ok(write(&frame, optimize))
}

/// Receives the Huffman symbols of a scan: `(table slot, is_ac, symbol, extra bits, count)`.
trait Sink {
    fn emit(&mut self, slot: usize, ac: bool, symbol: u8, bits: u32, n: u32);
}

/// Counts symbol frequencies per table (the first pass of `optimize_coding`).
struct Counter([[[u64; 256]; 2]; 2]);

impl Sink for Counter {
    fn emit(&mut self, slot: usize, ac: bool, symbol: u8, _: u32, _: u32) {
        self.0[slot][usize::from(ac)][usize::from(symbol)] += 1;
    }
}

/// Writes codes and extra bits.
struct Coder<'a> {
    writer: BitWriter<'a>,
    tables: &'a [[EncodeTable; 2]; 2],
}

impl Sink for Coder<'_> {
    fn emit(&mut self, slot: usize, ac: bool, symbol: u8, bits: u32, n: u32) {
        self.writer
            .symbol(&self.tables[slot][usize::from(ac)], symbol);
        if n > 0 {
            self.writer.put(bits, n);
        }
    }
}

/// Magnitude category of a value and its extra bits (F.1.2.1: negative values as v − 1).
#[inline]
fn category(v: i32) -> (u32, u32) {
    let n = 32 - v.unsigned_abs().leading_zeros();
    let bits = if v < 0 { (v - 1) as u32 } else { v as u32 };
    (n, bits & ((1u32 << n) - 1))
}

/// Emits the symbols of one block (F.1.2.1–F.1.2.2).
fn block_symbols(block: &[i16; 64], pred: &mut i32, slot: usize, sink: &mut impl Sink) {
    let dc = i32::from(block[0]);
    let (n, bits) = category(dc - *pred);
    *pred = dc;
    sink.emit(slot, false, n as u8, bits, n);
    let mut run = 0u32;
    for &pos in &ZIGZAG[1..] {
        let v = i32::from(block[pos]);
        if v == 0 {
            run += 1;
            continue;
        }
        while run > 15 {
            sink.emit(slot, true, 0xF0, 0, 0);
            run -= 16;
        }
        let (n, bits) = category(v);
        sink.emit(slot, true, ((run << 4) | n) as u8, bits, n);
        run = 0;
    }
    if run > 0 {
        sink.emit(slot, true, 0x00, 0, 0);
    }
}

/// Runs the single scan of `frame` through `sink`: interleaved MCUs when there are several
/// components, the component's own blocks when there is one.
fn scan(frame: &Frame, sink: &mut impl Sink) {
    let mut preds = vec![0i32; frame.components.len()];
    if let [comp] = &frame.components[..] {
        let slot = usize::from(comp.table.min(1));
        for by in 0..comp.blocks_h {
            for bx in 0..comp.blocks_w {
                block_symbols(
                    &comp.coefs[by * comp.grid_w + bx],
                    &mut preds[0],
                    slot,
                    sink,
                );
            }
        }
        return;
    }
    let (max_h, max_v) = frame.max_sampling();
    let mcus_x = frame.width.div_ceil(8 * max_h);
    let mcus_y = frame.height.div_ceil(8 * max_v);
    for my in 0..mcus_y {
        for mx in 0..mcus_x {
            for (ci, comp) in frame.components.iter().enumerate() {
                let slot = usize::from(comp.table.min(1));
                for y in 0..comp.v {
                    for x in 0..comp.h {
                        let index = (my * comp.v + y) * comp.grid_w + mx * comp.h + x;
                        block_symbols(&comp.coefs[index], &mut preds[ci], slot, sink);
                    }
                }
            }
        }
    }
}

fn segment(out: &mut Vec<u8>, marker: u8, body: &[u8]) {
    out.extend_from_slice(&[0xFF, marker]);
    out.extend_from_slice(&((body.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(body);
}

/// The file bytes of `frame` (at most two quantisation tables, slots 0 and 1).
fn write(frame: &Frame, optimize: bool) -> Vec<u8> {
    let standard = standard_huffman();
    let mut specs: [[HuffmanSpec; 2]; 2] = [
        [standard[0].clone(), standard[1].clone()],
        [standard[2].clone(), standard[3].clone()],
    ];
    if optimize {
        let mut counter = Counter([[[0; 256]; 2]; 2]);
        scan(frame, &mut counter);
        for (slot, pair) in specs.iter_mut().enumerate() {
            for (class, spec) in pair.iter_mut().enumerate() {
                *spec = huffman::optimal_table(&counter.0[slot][class]);
            }
        }
    }

    let mut out = vec![0xFF, 0xD8];
    // JFIF 1.01, no density unit, 1:1 aspect, no thumbnail.
    segment(
        &mut out,
        0xE0,
        b"JFIF\0\x01\x01\x00\x00\x01\x00\x01\x00\x00",
    );
    let mut sent = Vec::new();
    for comp in &frame.components {
        if !sent.contains(&comp.table) {
            sent.push(comp.table);
            let mut body = vec![comp.table];
            body.extend(ZIGZAG.iter().map(|&p| comp.quant[p] as u8));
            segment(&mut out, 0xDB, &body);
        }
    }
    let mut sof = vec![8];
    sof.extend_from_slice(&(frame.height as u16).to_be_bytes());
    sof.extend_from_slice(&(frame.width as u16).to_be_bytes());
    sof.push(frame.components.len() as u8);
    for comp in &frame.components {
        sof.extend_from_slice(&[comp.id, ((comp.h as u8) << 4) | comp.v as u8, comp.table]);
    }
    segment(&mut out, 0xC0, &sof);
    let mut sent = Vec::new();
    for comp in &frame.components {
        let slot = comp.table.min(1);
        for class in 0..2u8 {
            if !sent.contains(&(class, slot)) {
                sent.push((class, slot));
                let spec = &specs[usize::from(slot)][usize::from(class)];
                let mut body = vec![(class << 4) | slot];
                body.extend_from_slice(&spec.counts);
                body.extend_from_slice(&spec.symbols);
                segment(&mut out, 0xC4, &body);
            }
        }
    }
    let mut sos = vec![frame.components.len() as u8];
    for comp in &frame.components {
        let slot = comp.table.min(1);
        sos.extend_from_slice(&[comp.id, (slot << 4) | slot]);
    }
    sos.extend_from_slice(&[0, 63, 0]);
    segment(&mut out, 0xDA, &sos);

    let tables = specs
        .each_ref()
        .map(|pair| pair.each_ref().map(EncodeTable::new));
    {
        let mut coder = Coder {
            writer: BitWriter::new(&mut out),
            tables: &tables,
        };
        scan(frame, &mut coder);
        coder.writer.flush();
    }
    out.extend_from_slice(&[0xFF, 0xD9]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn categories_follow_t81() {
        assert_eq!(category(0), (0, 0));
        assert_eq!(category(1), (1, 1));
        assert_eq!(category(-1), (1, 0));
        assert_eq!(category(5), (3, 5));
        assert_eq!(category(-5), (3, 2));
        assert_eq!(category(-1024), (11, 1023));
    }

    #[test]
    fn file_has_the_jfif_layout() {
        let image = Image::new(20, 10, 3, (0..600).map(|i| (i * 7 % 256) as u8).collect()).unwrap();
        let bytes = encode(&image, 75, Profile::Turbo, false).unwrap();
        assert_eq!(&bytes[..4], &[0xFF, 0xD8, 0xFF, 0xE0]);
        assert_eq!(&bytes[6..11], b"JFIF\0");
        assert_eq!(&bytes[bytes.len() - 2..], &[0xFF, 0xD9]);
        let markers: Vec<u8> = bytes
            .windows(2)
            .filter(|w| w[0] == 0xFF && w[1] >= 0xC0 && w[1] != 0xFF)
            .map(|w| w[1])
            .collect();
        assert_eq!(
            &markers[..9],
            &[0xD8, 0xE0, 0xDB, 0xDB, 0xC0, 0xC4, 0xC4, 0xC4, 0xC4]
        );
        assert!(encode(&Image::zeros(0, 5, 3), 75, Profile::Turbo, false).is_err());
    }
}
