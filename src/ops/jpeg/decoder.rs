//! Reading JPEG files: the marker syntax of ITU T.81 Annex B and Huffman-coded sequential
//! (baseline / extended, 8-bit) and progressive scans (Annex F.2, G.2), as libjpeg's
//! `jdmarker.c`, `jdhuff.c` and `jdphuff.c` read them. The coefficients then go through
//! [`super::frame::reconstruct`], so a file decodes to the pixels Pillow gets with the same
//! libjpeg. Corrupt or truncated data is an error rather than libjpeg's warn-and-fill.

use super::frame::{self, ColorModel, Frame};
use super::huffman::{self, BitReader, DecodeTable};
use super::tables::{HuffmanSpec, ZIGZAG};
use super::{JpegError, Profile};
use crate::raster::Image;

/// Decodes a baseline or progressive JPEG file to the pixels Pillow gets from it with
/// `profile`'s libjpeg: one channel for gray files, RGB for three components, and for CMYK or
/// YCCK files the four channels of Pillow's mode "CMYK" (which always unpacks a four-component
/// JPEG as Adobe-inverted "CMYK;I").
pub fn decode(bytes: &[u8], profile: Profile) -> Result<Image, JpegError> {
    frame::reconstruct(&parse(bytes)?, profile)
}

/// Decodes only the luma of a baseline or progressive JPEG file, one channel, as libjpeg's
/// grayscale output gives it (the same in libjpeg 9 and libjpeg-turbo: the full-resolution
/// luma goes through the same ISLOW IDCT).
pub fn decode_luma(bytes: &[u8]) -> Result<Image, JpegError> {
    frame::reconstruct_luma(&parse(bytes)?)
}

/// Big-endian field reader over one marker segment.
struct Fields<'a> {
    data: &'a [u8],
    pos: usize,
}

impl<'a> Fields<'a> {
    fn u8(&mut self) -> Result<u8, JpegError> {
        let v = *self
            .data
            .get(self.pos)
            .ok_or_else(|| JpegError::Corrupt("marker segment too short".into()))?;
        self.pos += 1;
        Ok(v)
    }

    fn u16(&mut self) -> Result<u16, JpegError> {
        Ok(u16::from(self.u8()?) << 8 | u16::from(self.u8()?))
    }

    fn bytes(&mut self, n: usize) -> Result<&'a [u8], JpegError> {
        let s = self
            .data
            .get(self.pos..self.pos + n)
            .ok_or_else(|| JpegError::Corrupt("marker segment too short".into()))?;
        self.pos += n;
        Ok(s)
    }

    fn done(&self) -> bool {
        self.pos >= self.data.len()
    }
}

/// One component of a scan: index into the frame, and its DC / AC table selectors.
#[derive(Clone, Copy)]
struct ScanComponent {
    index: usize,
    dc: usize,
    ac: usize,
}

/// A scan header (B.2.3).
struct Scan {
    components: Vec<ScanComponent>,
    ss: usize,
    se: usize,
    ah: u32,
    al: u32,
}

/// Decoder state between markers.
struct Decoder {
    quant: [Option<[u16; 64]>; 4],
    dc: [Option<DecodeTable>; 4],
    ac: [Option<DecodeTable>; 4],
    restart_interval: usize,
    frame: Option<Frame>,
    progressive: bool,
    /// Whether each component's quantisation table has been latched by its first scan.
    latched: Vec<bool>,
    scans: usize,
    jfif: bool,
    adobe_transform: Option<u8>,
}

/// Finds the next marker at or after `pos`, skipping anything that is not one (as libjpeg's
/// `next_marker` does after entropy-coded data). Returns the marker code and the position after it.
fn next_marker(data: &[u8], mut pos: usize) -> Result<(u8, usize), JpegError> {
    loop {
        match (data.get(pos), data.get(pos + 1)) {
            (Some(0xFF), Some(&m)) if m != 0x00 && m != 0xFF => return Ok((m, pos + 2)),
            (Some(_), Some(_)) => pos += 1,
            _ => return Err(JpegError::Truncated("no end-of-image marker")),
        }
    }
}

fn parse(data: &[u8]) -> Result<Frame, JpegError> {
    if data.len() < 2 || data[0] != 0xFF || data[1] != 0xD8 {
        return Err(JpegError::NotJpeg);
    }
    let mut d = Decoder {
        quant: [None; 4],
        dc: [None, None, None, None],
        ac: [None, None, None, None],
        restart_interval: 0,
        frame: None,
        progressive: false,
        latched: Vec::new(),
        scans: 0,
        jfif: false,
        adobe_transform: None,
    };
    let mut pos = 2;
    loop {
        let (marker, after) = next_marker(data, pos)?;
        pos = after;
        match marker {
            0xD9 => break,
            0xD8 => return Err(JpegError::Corrupt("second start-of-image marker".into())),
            0xD0..=0xD7 => {
                return Err(JpegError::Corrupt("restart marker outside a scan".into()));
            }
            0x01 => continue, // TEM has no segment
            _ => {}
        }
        let len = match (data.get(pos), data.get(pos + 1)) {
            (Some(&a), Some(&b)) => usize::from(u16::from_be_bytes([a, b])),
            _ => return Err(JpegError::Truncated("marker segment length")),
        };
        if len < 2 {
            return Err(JpegError::Corrupt(format!(
                "marker {marker:#04X} has length {len}"
            )));
        }
        let body = data
            .get(pos + 2..pos + len)
            .ok_or(JpegError::Truncated("marker segment"))?;
        pos += len;
        let mut f = Fields { data: body, pos: 0 };
        match marker {
            0xC0..=0xC2 => d.start_frame(&mut f, marker == 0xC2)?,
            0xC3 | 0xC5..=0xC7 | 0xC9..=0xCB | 0xCD..=0xCF => {
                return Err(JpegError::Unsupported(format!(
                    "coding process of SOF{} (only Huffman baseline, extended and progressive)",
                    marker - 0xC0
                )));
            }
            0xC4 => d.define_huffman(&mut f)?,
            0xCC => return Err(JpegError::Unsupported("arithmetic coding".into())),
            0xDB => d.define_quant(&mut f)?,
            0xDD => d.restart_interval = usize::from(f.u16()?),
            0xDC => return Err(JpegError::Unsupported("DNL marker".into())),
            0xDA => pos = d.scan(&mut f, data, pos)?,
            0xE0 => d.jfif |= body.starts_with(b"JFIF\0"),
            0xEE if body.len() >= 12 && body.starts_with(b"Adobe") => {
                d.adobe_transform = Some(body[11]);
            }
            0xE1..=0xEF | 0xFE => {}
            _ => {
                return Err(JpegError::Corrupt(format!("unknown marker {marker:#04X}")));
            }
        }
    }
    let mut frame = d
        .frame
        .ok_or_else(|| JpegError::Corrupt("no frame header".into()))?;
    if d.scans == 0 || d.latched.iter().any(|&l| !l) {
        return Err(JpegError::Corrupt("a component has no scan data".into()));
    }
    if frame.components.len() == 3 {
        // libjpeg's guess at the colour space (jdapimin.c default_decompress_parms).
        let ids: Vec<u8> = frame.components.iter().map(|c| c.id).collect();
        frame.color = match d.adobe_transform {
            _ if d.jfif => ColorModel::YCbCr,
            Some(0) => ColorModel::Rgb,
            Some(_) => ColorModel::YCbCr,
            None if ids == b"RGB" => ColorModel::Rgb,
            None => ColorModel::YCbCr,
        };
    } else if frame.components.len() == 4 {
        // libjpeg: YCCK unless an Adobe marker says transform 0 or there is none.
        frame.color = match d.adobe_transform {
            None | Some(0) => ColorModel::Cmyk,
            Some(_) => ColorModel::Ycck,
        };
    }
    Ok(frame)
}

impl Decoder {
    fn start_frame(&mut self, f: &mut Fields, progressive: bool) -> Result<(), JpegError> {
        if self.frame.is_some() {
            return Err(JpegError::Corrupt("second frame header".into()));
        }
        let precision = f.u8()?;
        if precision != 8 {
            return Err(JpegError::Unsupported(format!("{precision}-bit samples")));
        }
        let height = usize::from(f.u16()?);
        let width = usize::from(f.u16()?);
        if height == 0 {
            return Err(JpegError::Unsupported(
                "height given by a DNL marker".into(),
            ));
        }
        let n = f.u8()?;
        let color = match n {
            1 => ColorModel::Gray,
            3 => ColorModel::YCbCr,
            4 => ColorModel::Cmyk,
            _ => return Err(JpegError::Unsupported(format!("{n} components"))),
        };
        let mut spec: Vec<(u8, usize, usize, u8)> = Vec::new();
        for _ in 0..n {
            let (id, sampling, table) = (f.u8()?, f.u8()?, f.u8()?);
            let (h, v) = (usize::from(sampling >> 4), usize::from(sampling & 15));
            if !(1..=4).contains(&h) || !(1..=4).contains(&v) || table > 3 {
                return Err(JpegError::Corrupt("bad component in frame header".into()));
            }
            if spec.iter().any(|&(other, ..)| other == id) {
                return Err(JpegError::Corrupt("duplicate component id".into()));
            }
            spec.push((id, h, v, table));
        }
        let frame = Frame::new(width, height, color, &spec)?;
        self.latched = vec![false; frame.components.len()];
        self.frame = Some(frame);
        self.progressive = progressive;
        Ok(())
    }

    fn define_quant(&mut self, f: &mut Fields) -> Result<(), JpegError> {
        while !f.done() {
            let pq_tq = f.u8()?;
            let (precision, index) = (pq_tq >> 4, usize::from(pq_tq & 15));
            if precision > 1 || index > 3 {
                return Err(JpegError::Corrupt("bad quantisation table header".into()));
            }
            let mut table = [0u16; 64];
            for &pos in &ZIGZAG {
                table[pos] = if precision == 0 {
                    u16::from(f.u8()?)
                } else {
                    f.u16()?
                };
            }
            self.quant[index] = Some(table);
        }
        Ok(())
    }

    fn define_huffman(&mut self, f: &mut Fields) -> Result<(), JpegError> {
        while !f.done() {
            let tc_th = f.u8()?;
            let (class, index) = (tc_th >> 4, usize::from(tc_th & 15));
            if class > 1 || index > 3 {
                return Err(JpegError::Corrupt("bad Huffman table header".into()));
            }
            let mut counts = [0u8; 16];
            counts.copy_from_slice(f.bytes(16)?);
            let n = counts.iter().map(|&c| usize::from(c)).sum();
            let spec = HuffmanSpec {
                counts,
                symbols: f.bytes(n)?.to_vec(),
            };
            huffman::validate(&spec)?;
            let table = Some(DecodeTable::new(&spec));
            if class == 0 {
                self.dc[index] = table;
            } else {
                self.ac[index] = table;
            }
        }
        Ok(())
    }

    /// Reads a scan header and its entropy-coded data starting at `pos`; returns where the data
    /// ends.
    fn scan(&mut self, f: &mut Fields, data: &[u8], pos: usize) -> Result<usize, JpegError> {
        let frame = self
            .frame
            .as_mut()
            .ok_or_else(|| JpegError::Corrupt("scan before frame header".into()))?;
        let n = usize::from(f.u8()?);
        if n == 0 || n > frame.components.len() {
            return Err(JpegError::Corrupt("bad component count in scan".into()));
        }
        let mut components = Vec::with_capacity(n);
        for _ in 0..n {
            let (id, tables) = (f.u8()?, f.u8()?);
            let index = frame
                .components
                .iter()
                .position(|c| c.id == id)
                .ok_or_else(|| JpegError::Corrupt(format!("scan names unknown component {id}")))?;
            let (dc, ac) = (usize::from(tables >> 4), usize::from(tables & 15));
            if dc > 3 || ac > 3 || components.iter().any(|c: &ScanComponent| c.index == index) {
                return Err(JpegError::Corrupt("bad scan component".into()));
            }
            components.push(ScanComponent { index, dc, ac });
        }
        let (ss, se, a) = (usize::from(f.u8()?), usize::from(f.u8()?), f.u8()?);
        let scan = Scan {
            components,
            ss,
            se,
            ah: u32::from(a >> 4),
            al: u32::from(a & 15),
        };
        let valid = if self.progressive {
            let dc_scan = scan.ss == 0 && scan.se == 0;
            let ac_scan = scan.ss >= 1 && scan.ss <= scan.se && scan.se <= 63 && n == 1;
            (dc_scan || ac_scan) && scan.al <= 13 && scan.ah <= 13
        } else {
            scan.ss == 0 && scan.se == 63 && a == 0
        };
        if !valid {
            return Err(JpegError::Corrupt(
                "bad spectral selection or approximation".into(),
            ));
        }
        // libjpeg latches each component's quantisation table at its first scan.
        for c in &scan.components {
            if !self.latched[c.index] {
                let comp = &mut frame.components[c.index];
                comp.quant = self.quant[usize::from(comp.table)]
                    .ok_or_else(|| JpegError::Corrupt("missing quantisation table".into()))?;
                self.latched[c.index] = true;
            }
        }
        // Check that the Huffman tables the scan needs exist.
        for c in &scan.components {
            let needs_dc = scan.ss == 0 && scan.ah == 0;
            let needs_ac = scan.ss > 0 || !self.progressive;
            if (needs_dc && self.dc[c.dc].is_none()) || (needs_ac && self.ac[c.ac].is_none()) {
                return Err(JpegError::Corrupt("missing Huffman table".into()));
            }
        }
        self.scans += 1;
        decode_scan(
            frame,
            &scan,
            &self.dc,
            &self.ac,
            self.restart_interval,
            self.progressive,
            data,
            pos,
        )
    }
}

/// Where the blocks of one MCU lie: (component index, block index in the grid).
fn mcu_blocks(frame: &Frame, scan: &Scan, mcu: usize, out: &mut Vec<(usize, usize)>) {
    out.clear();
    if let [c] = scan.components[..] {
        let comp = &frame.components[c.index];
        let (bx, by) = (mcu % comp.blocks_w, mcu / comp.blocks_w);
        out.push((c.index, by * comp.grid_w + bx));
        return;
    }
    let (max_h, _) = frame.max_sampling();
    let mcus_x = frame.width.div_ceil(8 * max_h);
    let (mx, my) = (mcu % mcus_x, mcu / mcus_x);
    for c in &scan.components {
        let comp = &frame.components[c.index];
        for y in 0..comp.v {
            for x in 0..comp.h {
                out.push((c.index, (my * comp.v + y) * comp.grid_w + mx * comp.h + x));
            }
        }
    }
}

/// Decodes the entropy-coded data of one scan into the frame's coefficients.
#[allow(clippy::too_many_arguments)]
fn decode_scan(
    frame: &mut Frame,
    scan: &Scan,
    dc_tables: &[Option<DecodeTable>; 4],
    ac_tables: &[Option<DecodeTable>; 4],
    restart_interval: usize,
    progressive: bool,
    data: &[u8],
    pos: usize,
) -> Result<usize, JpegError> {
    let total = if let [c] = scan.components[..] {
        let comp = &frame.components[c.index];
        comp.blocks_w * comp.blocks_h
    } else {
        let (max_h, max_v) = frame.max_sampling();
        frame.width.div_ceil(8 * max_h) * frame.height.div_ceil(8 * max_v)
    };
    let mut reader = BitReader::new(data, pos);
    let mut preds = vec![0i32; frame.components.len()];
    let mut eobrun = 0u32;
    let mut blocks = Vec::new();
    let missing = || JpegError::Corrupt("missing Huffman table".into());
    for mcu in 0..total {
        if restart_interval > 0 && mcu > 0 && mcu % restart_interval == 0 {
            reader.discard();
            let expected = 0xD0 + ((mcu / restart_interval - 1) % 8) as u8;
            let (marker, after) = next_marker(data, reader.pos)?;
            if marker != expected {
                return Err(JpegError::Corrupt(format!(
                    "expected restart marker {expected:#04X}, found {marker:#04X}"
                )));
            }
            reader = BitReader::new(data, after);
            preds.fill(0);
            eobrun = 0;
        }
        mcu_blocks(frame, scan, mcu, &mut blocks);
        let decoded = (|| {
            for &(ci, index) in &blocks {
                let sc = scan
                    .components
                    .iter()
                    .find(|c| c.index == ci)
                    .ok_or_else(missing)?;
                let block = &mut frame.components[ci].coefs[index];
                if !progressive {
                    let dc = dc_tables[sc.dc].as_ref().ok_or_else(missing)?;
                    let ac = ac_tables[sc.ac].as_ref().ok_or_else(missing)?;
                    sequential_block(&mut reader, block, &mut preds[ci], dc, ac)?;
                } else if scan.ss == 0 {
                    if scan.ah == 0 {
                        let dc = dc_tables[sc.dc].as_ref().ok_or_else(missing)?;
                        let s = u32::from(reader.symbol(dc)?);
                        if s > 16 {
                            return Err(JpegError::Corrupt("bad DC magnitude category".into()));
                        }
                        preds[ci] = preds[ci].wrapping_add(reader.signed(s));
                        block[0] = (preds[ci] << scan.al) as i16;
                    } else if reader.bits(1) == 1 {
                        block[0] |= 1 << scan.al;
                    }
                } else {
                    let ac = ac_tables[sc.ac].as_ref().ok_or_else(missing)?;
                    if scan.ah == 0 {
                        ac_first(&mut reader, block, ac, scan, &mut eobrun)?;
                    } else {
                        ac_refine(&mut reader, block, ac, scan, &mut eobrun)?;
                    }
                }
            }
            Ok(())
        })();
        // Data that ends early is read as zero bits, which can also look like damage (a
        // refinement running past its band): the missing data is the cause to report.
        if reader.overrun() {
            return Err(reader.overrun_error());
        }
        decoded?;
    }
    reader.discard();
    Ok(reader.pos)
}

/// One block of a sequential scan (F.2.2).
fn sequential_block(
    reader: &mut BitReader,
    block: &mut [i16; 64],
    pred: &mut i32,
    dc: &DecodeTable,
    ac: &DecodeTable,
) -> Result<(), JpegError> {
    let s = u32::from(reader.symbol(dc)?);
    if s > 16 {
        return Err(JpegError::Corrupt("bad DC magnitude category".into()));
    }
    *pred = pred.wrapping_add(reader.signed(s));
    block[0] = *pred as i16;
    let mut k = 1;
    while k < 64 {
        // `size`: the magnitude bits still to read, 0 when the lookup gave the value too.
        let (run, size, value) = match reader.fast_ac(ac) {
            Some(coefficient) => (coefficient.run(), 0, coefficient.value()),
            None => {
                let rs = reader.symbol(ac)?;
                let (run, size) = (usize::from(rs >> 4), u32::from(rs & 15));
                if size == 0 {
                    if run != 15 {
                        break; // end of block
                    }
                    k += 16;
                    continue;
                }
                (run, size, 0)
            }
        };
        k += run;
        if k > 63 {
            return Err(JpegError::Corrupt(
                "AC coefficients run past the block".into(),
            ));
        }
        block[ZIGZAG[k]] = if size > 0 { reader.signed(size) } else { value } as i16;
        k += 1;
    }
    Ok(())
}

/// First AC scan of a progressive band (G.1.2.2): coefficients scaled by 2^Al, end-of-band runs.
fn ac_first(
    reader: &mut BitReader,
    block: &mut [i16; 64],
    table: &DecodeTable,
    scan: &Scan,
    eobrun: &mut u32,
) -> Result<(), JpegError> {
    if *eobrun > 0 {
        *eobrun -= 1;
        return Ok(());
    }
    let mut k = scan.ss;
    while k <= scan.se {
        let rs = reader.symbol(table)?;
        let (run, size) = (u32::from(rs >> 4), u32::from(rs & 15));
        if size == 0 {
            if run == 15 {
                k += 16;
                continue;
            }
            // A run of 2^run + extra bands ends here, this block included.
            *eobrun = (1 << run) + reader.bits(run) - 1;
            break;
        }
        k += run as usize;
        if k > scan.se {
            return Err(JpegError::Corrupt(
                "AC coefficients run past the band".into(),
            ));
        }
        block[ZIGZAG[k]] = (reader.signed(size) << scan.al) as i16;
        k += 1;
    }
    Ok(())
}

/// Refinement AC scan (G.1.2.3): one correction bit for each coefficient already nonzero, new
/// coefficients of ±2^Al placed by zero-run counts over the still-zero ones.
fn ac_refine(
    reader: &mut BitReader,
    block: &mut [i16; 64],
    table: &DecodeTable,
    scan: &Scan,
    eobrun: &mut u32,
) -> Result<(), JpegError> {
    let (plus, minus) = (1i16 << scan.al, (-1i16) << scan.al);
    let refine = |reader: &mut BitReader, coef: &mut i16| {
        if reader.bits(1) == 1 && *coef & plus == 0 {
            *coef = coef.wrapping_add(if *coef >= 0 { plus } else { minus });
        }
    };
    let mut k = scan.ss;
    if *eobrun == 0 {
        while k <= scan.se {
            let rs = reader.symbol(table)?;
            let (mut run, size) = (i32::from(rs >> 4), rs & 15);
            let mut value = 0i16;
            if size != 0 {
                if size != 1 {
                    return Err(JpegError::Corrupt("bad refinement magnitude".into()));
                }
                value = if reader.bits(1) == 1 { plus } else { minus };
            } else if run != 15 {
                *eobrun = (1 << run) + reader.bits(run as u32);
                break;
            }
            // Skip `run` still-zero coefficients, refining the nonzero ones passed on the way;
            // the new value goes to the next still-zero one.
            while k <= scan.se {
                let coef = &mut block[ZIGZAG[k]];
                if *coef != 0 {
                    refine(reader, coef);
                } else {
                    if run == 0 {
                        break;
                    }
                    run -= 1;
                }
                k += 1;
            }
            if value != 0 {
                if k > scan.se {
                    return Err(JpegError::Corrupt("refinement runs past the band".into()));
                }
                block[ZIGZAG[k]] = value;
            }
            k += 1;
        }
    }
    if *eobrun > 0 {
        // Inside an end-of-band run: only correction bits for the nonzero coefficients.
        while k <= scan.se {
            let coef = &mut block[ZIGZAG[k]];
            if *coef != 0 {
                refine(reader, coef);
            }
            k += 1;
        }
        *eobrun -= 1;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample_file() -> Vec<u8> {
        let data = (0..40 * 24 * 3).map(|i| ((i * 13) % 256) as u8).collect();
        let image = Image::new(40, 24, 3, data).unwrap();
        super::super::encode(&image, 80, Profile::Turbo, false).unwrap()
    }

    #[test]
    fn intact_file_decodes() {
        let image = decode(&sample_file(), Profile::Turbo).unwrap();
        assert_eq!((image.width, image.height, image.channels), (40, 24, 3));
    }

    #[test]
    fn every_truncation_is_an_error() {
        let bytes = sample_file();
        for len in 0..bytes.len() - 1 {
            let err = decode(&bytes[..len], Profile::Ijg9).unwrap_err();
            if len < 2 {
                assert_eq!(err, JpegError::NotJpeg);
            } else {
                assert!(matches!(err, JpegError::Truncated(_)), "{len}: {err}");
            }
        }
    }

    #[test]
    fn every_truncation_of_a_progressive_file_is_reported_as_truncated() {
        // Zero bits read past the end can look like a refinement running past its band; the
        // cause is the missing data, which is what Pillow reports ("image file is truncated").
        let files: [&[u8]; 3] = [
            include_bytes!("../../../tests/fixtures/jpeg/files/rgb-37x23-420-progressive.jpg"),
            include_bytes!("../../../tests/fixtures/jpeg/files/gray-29x19-progressive.jpg"),
            include_bytes!("../../../tests/fixtures/jpeg/files/astronaut-progressive.jpg"),
        ];
        for bytes in files {
            assert!(parse(bytes).is_ok());
            for len in 2..bytes.len() - 1 {
                let err = parse(&bytes[..len]).map(drop).unwrap_err();
                assert!(matches!(err, JpegError::Truncated(_)), "{len}: {err}");
            }
        }
    }

    #[test]
    fn corrupt_data_never_panics() {
        let bytes = sample_file();
        let scan = bytes.windows(2).position(|w| w == [0xFF, 0xDA]).unwrap();
        let mut failures = 0;
        for i in 2..bytes.len() {
            for flip in [0x01u8, 0x80, 0xFF] {
                let mut corrupt = bytes.clone();
                corrupt[i] ^= flip;
                // Any outcome but a panic is acceptable; most flips must be caught.
                if decode(&corrupt, Profile::Turbo).is_err() {
                    failures += 1;
                }
            }
        }
        assert!(failures > 0);
        // Damage in the headers is reported as such.
        let mut bad = bytes.clone();
        bad[scan + 4] = 9; // component count of the scan
        assert!(matches!(
            decode(&bad, Profile::Turbo),
            Err(JpegError::Corrupt(_))
        ));
        assert_eq!(decode(b"GIF89a", Profile::Turbo), Err(JpegError::NotJpeg));
    }

    #[test]
    fn unsupported_processes_are_named() {
        let mut bytes = sample_file();
        let sof = bytes.windows(2).position(|w| w == [0xFF, 0xC0]).unwrap();
        bytes[sof + 1] = 0xC9; // arithmetic-coded sequential
        let err = decode(&bytes, Profile::Turbo).unwrap_err();
        assert!(matches!(err, JpegError::Unsupported(_)));
        assert!(err.to_string().contains("SOF9"), "{err}");
    }
}
