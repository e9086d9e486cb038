//! `blight preview`: a labelled contact sheet of every corruption × severity of one image, for a
//! person to look at. Rows are corruptions in suite order; columns are the clean image and
//! severities 1..5.

use crate::corrupt::Context;
use crate::error::Result;
use crate::raster::Image;
use crate::rng::{self, RngKind, StreamKey};
use crate::suite::{Suite, SEVERITIES};
use rayon::prelude::*;

/// Pixels between tiles and around the sheet.
const GAP: usize = 4;
/// Images narrower than this are enlarged by a whole factor to at least this width.
const MIN_TILE: usize = 84;
/// Text is the 8×8 bitmap font scaled by this factor.
const TEXT_SCALE: usize = 2;
const GLYPH: usize = 8 * TEXT_SCALE;

/// Renders the sheet. `sample` names the image in the random streams of the fast source.
pub fn contact_sheet(
    suite: &Suite,
    image: &Image,
    kind: RngKind,
    seed: u64,
    sample: &str,
    context: &Context,
) -> Result<Image> {
    let jobs: Vec<(usize, u32)> = (0..suite.corruptions.len())
        .flat_map(|row| SEVERITIES.map(move |s| (row, s)))
        .collect();
    let tiles: Vec<Image> = jobs
        .par_iter()
        .map(|&(row, severity)| {
            let c = &suite.corruptions[row];
            let mut source = rng::open(
                kind,
                &StreamKey {
                    seed,
                    suite: &suite.name,
                    corruption: &c.name,
                    severity,
                    sample,
                },
            )?;
            c.at(severity)?.apply(image, source.as_mut(), context)
        })
        .collect::<Result<_>>()?;

    let label_width = suite
        .corruptions
        .iter()
        .map(|c| c.name.len())
        .max()
        .unwrap_or(0)
        * GLYPH
        + 2 * GAP;
    let columns = 1 + SEVERITIES.count();
    // Small images (MNIST digits) are shown enlarged, pixel for pixel.
    let zoom = (MIN_TILE / image.width.max(1)).max(1);
    let (tw, th) = (image.width * zoom, image.height * zoom);
    let width = label_width + columns * (tw + GAP) + GAP;
    let header = GLYPH + 2 * GAP;
    let height = header + suite.corruptions.len() * (th + GAP) + GAP;
    let mut sheet = Image {
        width,
        height,
        channels: 3,
        data: vec![255; width * height * 3],
    };
    for col in 0..columns {
        // Narrow tiles get short titles, so neighbours do not overlap.
        let title = match col {
            0 => "clean".to_string(),
            _ if tw < "severity 5".len() * GLYPH => format!("s{col}"),
            _ => format!("severity {col}"),
        };
        draw_text(&mut sheet, &title, label_width + col * (tw + GAP), GAP);
    }
    for (row, c) in suite.corruptions.iter().enumerate() {
        let top = header + row * (th + GAP);
        draw_text(&mut sheet, &c.name, GAP, top + th / 2 - GLYPH / 2);
        blit(&mut sheet, image, zoom, label_width, top);
        for s in 1..columns {
            let tile = &tiles[row * (columns - 1) + s - 1];
            blit(&mut sheet, tile, zoom, label_width + s * (tw + GAP), top);
        }
    }
    Ok(sheet)
}

/// Copies `tile` (gray or RGB), each pixel as a `zoom`×`zoom` block, into `sheet` with its
/// top-left corner at (x, y).
fn blit(sheet: &mut Image, tile: &Image, zoom: usize, x: usize, y: usize) {
    for ty in 0..tile.height * zoom {
        for tx in 0..tile.width * zoom {
            let src = ((ty / zoom) * tile.width + tx / zoom) * tile.channels;
            let dst = ((y + ty) * sheet.width + x + tx) * 3;
            for ch in 0..3 {
                sheet.data[dst + ch] = tile.data[src + ch.min(tile.channels - 1)];
            }
        }
    }
}

/// Draws `text` in black with the 8×8 bitmap font, top-left at (x, y); clipped to the sheet.
fn draw_text(sheet: &mut Image, text: &str, x: usize, y: usize) {
    use font8x8::UnicodeFonts;
    for (i, ch) in text.chars().enumerate() {
        let Some(rows) = font8x8::BASIC_FONTS.get(ch) else {
            continue;
        };
        for (gy, bits) in rows.iter().enumerate() {
            for gx in 0..8 {
                if bits >> gx & 1 == 0 {
                    continue;
                }
                for dy in 0..TEXT_SCALE {
                    for dx in 0..TEXT_SCALE {
                        let px = x + i * GLYPH + gx * TEXT_SCALE + dx;
                        let py = y + gy * TEXT_SCALE + dy;
                        if px < sheet.width && py < sheet.height {
                            let at = (py * sheet.width + px) * 3;
                            sheet.data[at..at + 3].fill(0);
                        }
                    }
                }
            }
        }
    }
}
