//! The JPEG codec against the libraries it reproduces: Pillow 13 (libjpeg-turbo) and IJG libjpeg
//! 9b (Pillow 5.0.0's), on the fixtures in tests/fixtures/jpeg (see its README).

mod common;

use blight::ops::jpeg::{self, Profile};

/// Reads a fixture PNG keeping gray images single-channel.
fn read_png(path: &std::path::Path) -> blight::Image {
    let decoded = image::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    match decoded {
        image::DynamicImage::ImageLuma8(g) => {
            let (w, h) = g.dimensions();
            blight::Image::new(w as usize, h as usize, 1, g.into_raw()).expect("gray")
        }
        other => {
            let rgb = other.to_rgb8();
            let (w, h) = rgb.dimensions();
            blight::Image::new(w as usize, h as usize, 3, rgb.into_raw()).expect("rgb")
        }
    }
}

fn jpeg_fixtures() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/jpeg")
}

fn input(name: &str) -> blight::Image {
    if name == "astronaut" {
        read_png(&common::imagenet_c_fixtures().join("astronaut/clean.png"))
    } else {
        read_png(&jpeg_fixtures().join(format!("inputs/{name}.png")))
    }
}

/// Asserts that our pixels equal the fixture's exactly, reporting the figures.
fn assert_identical(label: &str, ours: &blight::Image, reference: &blight::Image) {
    let a = common::compare(ours, reference);
    println!(
        "{label}: {:.5} identical, max diff {}",
        a.fraction(),
        a.max_diff
    );
    assert_eq!(a.identical, a.total, "{label}: {a:?}");
}

#[test]
fn round_trips_match_pillow_with_libjpeg_turbo() {
    let cases = [
        ("astronaut", [25, 18, 15, 10, 7, 85].as_slice()),
        ("rgb-37x23", &[50, 90]),
        ("gray-29x19", &[50, 90]),
    ];
    for (name, qualities) in cases {
        let image = input(name);
        for &q in qualities {
            let reference = read_png(&jpeg_fixtures().join(format!("turbo/{name}-q{q}.png")));
            let ours =
                blight::ops::jpeg::round_trip(&image, q, Profile::Turbo).expect("round trip");
            assert_identical(&format!("turbo {name} q{q}"), &ours, &reference);
        }
    }
}

#[test]
fn round_trips_match_libjpeg_9() {
    for (name, q) in [("astronaut", 85), ("rgb-37x23", 50), ("gray-29x19", 50)] {
        let image = input(name);
        let reference = read_png(&jpeg_fixtures().join(format!("ijg9/{name}-q{q}.png")));
        let ours = blight::ops::jpeg::round_trip(&image, q, Profile::Ijg9).expect("round trip");
        assert_identical(&format!("ijg9 {name} q{q}"), &ours, &reference);
    }
}

#[test]
fn decoding_our_files_gives_the_round_trip() {
    for name in ["astronaut", "rgb-37x23", "gray-29x19"] {
        let image = input(name);
        for profile in [Profile::Ijg9, Profile::Turbo] {
            for (q, optimize) in [(7, false), (50, true), (85, true), (95, false)] {
                let bytes = jpeg::encode(&image, q, profile, optimize).expect("encode");
                let decoded = jpeg::decode(&bytes, profile).expect("decode");
                let expected = jpeg::round_trip(&image, q, profile).expect("round trip");
                assert_identical(
                    &format!("{profile:?} {name} q{q} optimize={optimize}"),
                    &decoded,
                    &expected,
                );
            }
        }
    }
}

#[test]
fn round_trip_equals_encoding_and_decoding_at_every_edge_case_size() {
    // Sizes around the block and MCU edges, noise (the largest coefficients) and smooth
    // gradients, quality 100 (unit steps) down to 1.
    let mut seed = 11u32;
    for (w, h) in [
        (1, 1),
        (1, 17),
        (9, 8),
        (15, 16),
        (17, 33),
        (40, 7),
        (33, 31),
    ] {
        for channels in [1, 3] {
            for noise in [false, true] {
                let data = (0..w * h * channels)
                    .map(|i| {
                        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                        if noise {
                            (seed >> 16) as u8
                        } else {
                            (i * 255 / (w * h * channels)) as u8
                        }
                    })
                    .collect();
                let image = blight::Image::new(w, h, channels, data).expect("image");
                for profile in [Profile::Ijg9, Profile::Turbo] {
                    for q in [100, 75, 1] {
                        let bytes = jpeg::encode(&image, q, profile, false).expect("encode");
                        let decoded = jpeg::decode(&bytes, profile).expect("decode");
                        let expected = jpeg::round_trip(&image, q, profile).expect("round trip");
                        assert_identical(
                            &format!("{profile:?} {w}x{h}x{channels} noise={noise} q{q}"),
                            &decoded,
                            &expected,
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn pillow_files_decode_as_pillow_decodes_them() {
    let files = [
        "rgb-37x23-420",
        "rgb-37x23-444",
        "rgb-37x23-422",
        "rgb-37x23-420-restart",
        "rgb-37x23-420-optimized",
        "gray-29x19",
    ];
    for name in files {
        let bytes = std::fs::read(jpeg_fixtures().join(format!("files/{name}.jpg"))).expect("file");
        let turbo = read_png(&jpeg_fixtures().join(format!("files/{name}.turbo.png")));
        let ours = jpeg::decode(&bytes, Profile::Turbo).expect("decode");
        assert_identical(&format!("turbo decode {name}"), &ours, &turbo);
        let ijg9_path = jpeg_fixtures().join(format!("files/{name}.ijg9.png"));
        if ijg9_path.exists() {
            let ours = jpeg::decode(&bytes, Profile::Ijg9).expect("decode");
            assert_identical(&format!("ijg9 decode {name}"), &ours, &read_png(&ijg9_path));
        }
    }
}

#[test]
fn progressive_files_decode_as_pillow_decodes_them() {
    for name in [
        "rgb-37x23-420-progressive",
        "gray-29x19-progressive",
        "astronaut-progressive",
    ] {
        let bytes = std::fs::read(jpeg_fixtures().join(format!("files/{name}.jpg"))).expect("file");
        let turbo = read_png(&jpeg_fixtures().join(format!("files/{name}.turbo.png")));
        let ours = jpeg::decode(&bytes, Profile::Turbo).expect("decode");
        assert_identical(&format!("turbo decode {name}"), &ours, &turbo);
    }
}

#[test]
fn encoder_writes_pillows_bytes() {
    // libjpeg-turbo through Pillow 13: same markers, tables and entropy-coded data.
    for (name, input_name, optimize) in [
        ("rgb-37x23-420", "rgb-37x23", false),
        ("rgb-37x23-420-optimized", "rgb-37x23", true),
        ("gray-29x19", "gray-29x19", false),
    ] {
        let pillow =
            std::fs::read(jpeg_fixtures().join(format!("files/{name}.jpg"))).expect("file");
        let ours = jpeg::encode(&input(input_name), 75, Profile::Turbo, optimize).expect("encode");
        assert!(
            ours == pillow,
            "{name}: our {} bytes differ from Pillow's {}",
            ours.len(),
            pillow.len()
        );
    }
}

#[test]
fn ycck_files_decode_as_pillow_5_decodes_them() {
    // A YCCK file (Adobe transform 2, Y and K 2×2): libjpeg 9b's YCCK → CMYK, Pillow 5.0.0's
    // inverted "CMYK;I" unpacking, then its convert('RGB').
    let path = jpeg_fixtures().join("files/ycck-45x29.jpg");
    let bytes = std::fs::read(&path).expect("file");
    let cmyk = std::fs::read(jpeg_fixtures().join("files/ycck-45x29.ijg9.cmyk")).expect("cmyk");
    let reference = blight::Image::new(45, 29, 4, cmyk).expect("cmyk");
    let ours = jpeg::decode(&bytes, Profile::Ijg9).expect("decode");
    assert_identical("ijg9 decode ycck-45x29", &ours, &reference);
    let rgb = blight::source::decode::decode_rgb(&path, &bytes, Profile::Ijg9).expect("rgb");
    let reference = read_png(&jpeg_fixtures().join("files/ycck-45x29.ijg9.png"));
    assert_identical("convert('RGB') of ycck-45x29", &rgb, &reference);
}
