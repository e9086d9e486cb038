//! ImageNet-P against the reference frames: every perturbation of the built-in `imagenet-p`
//! recipe, run on five photos (landscape, portrait, gray, two CMYK), of `tiny-imagenet-p` on one, and of
//! `cifar10-p` on a 32×32 image made from it, with numpy's stream seeded 11 (sample 0 of a run
//! seeded 11), must give exactly the frames `make_imagenet_p.py`, `make_tinyimagenet_p.py` and
//! `make_cifar_p.py` write (sha256 of every frame's pixels in tests/fixtures/<case>/frames.txt,
//! made by scripts/reference/make_imagenet_p_fixtures.py).
//!
//! gaussian_noise draws from torch's generator in the reference, which numpy does not replay;
//! its test checks the frames' distribution instead (see `gaussian_noise_follows_its_distribution`).

use blight::ops::jpeg::Profile;
use blight::perturb::{Pairing, PerturbSuite};
use blight::raster::Image;
use blight::rng::NumpyRandom;
use blight::sink::manifest::to_hex;
use blight::source::decode::{decode_as_opened, decode_rgb};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

const SEED: u32 = 11;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

/// The photos the fixtures were made from, JPEGs of the ImageNet-C dataset fixtures: a 500×375
/// landscape, a 333×500 portrait and a 361×241 gray (mode L) photo.
const LANDSCAPE: &str = "n01440764/ILSVRC2012_val_00000293.JPEG";
const PORTRAIT: &str = "n01440764/ILSVRC2012_val_00002138.JPEG";
const GRAY: &str = "n01443537/ILSVRC2012_val_00000262.JPEG";
/// Two CMYK JPEGs as Pillow writes them: 400×270 with K = 0, and 260×360 with black.
const CMYK: &str = "n01484850/ILSVRC2012_val_00002752.JPEG";
const CMYK_BLACK: &str = "n01484850/ILSVRC2012_val_00003014.JPEG";

/// A photo decoded as Pillow 5.0.0 (IJG libjpeg 9b) decodes it, gray replicated to RGB (Resize
/// before or after that conversion gives the same pixels for gray).
fn photo(name: &str) -> Image {
    let path = fixtures().join("imagenet-c-dataset/val").join(name);
    let bytes = std::fs::read(&path).unwrap();
    decode_rgb(&path, &bytes, Profile::Ijg9).unwrap()
}

/// A photo as Pillow's `Image.open` holds it (CMYK stays CMYK), which ImageNet-P resizes before
/// `convert('RGB')`.
fn photo_as_opened(name: &str) -> Image {
    let path = fixtures().join("imagenet-c-dataset/val").join(name);
    let bytes = std::fs::read(&path).unwrap();
    decode_as_opened(&path, &bytes, Profile::Ijg9).unwrap()
}

/// The fixture folders of `suite` and the input each was made from: for CIFAR-10-P the 32×32
/// image the fixture script made from the landscape photo (stored, as Pillow's resize is not
/// what is under test).
fn cases(suite: &str) -> Vec<(String, Image)> {
    match suite {
        "imagenet-p" => vec![
            ("imagenet-p".into(), photo(LANDSCAPE)),
            ("imagenet-p/portrait".into(), photo(PORTRAIT)),
            ("imagenet-p/gray".into(), photo(GRAY)),
            ("imagenet-p/cmyk".into(), photo_as_opened(CMYK)),
            ("imagenet-p/cmyk-black".into(), photo_as_opened(CMYK_BLACK)),
        ],
        "cifar10-p" => vec![(
            "cifar10-p".into(),
            blight::io::read_rgb(&fixtures().join("cifar10-p/input.png")).unwrap(),
        )],
        _ => vec![(suite.to_string(), photo(LANDSCAPE))],
    }
}

/// The reference's sha256 of every frame of `perturbation` in fixture folder `dir`, in order.
fn reference_hashes(dir: &str, perturbation: &str) -> Vec<String> {
    let text = std::fs::read_to_string(fixtures().join(dir).join("frames.txt")).unwrap();
    let mut frames: Vec<(usize, String)> = text
        .lines()
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            (parts.next()? == perturbation)
                .then(|| Some((parts.next()?.parse().ok()?, parts.next()?.to_string())))?
        })
        .collect();
    frames.sort();
    assert!(
        frames.iter().enumerate().all(|(i, (f, _))| *f == i),
        "{dir}/frames.txt lists {perturbation}'s frames with gaps"
    );
    frames.into_iter().map(|(_, h)| h).collect()
}

/// Where a reference PNG of a frame may be found, to describe a mismatch: the fixtures, or the
/// folder the fixture script wrote (`$BLIGHT_P_FRAMES/<dir>/<perturbation>/img<i>.png`).
fn reference_png(dir: &str, perturbation: &str, frame: usize) -> Option<Image> {
    let name = format!("{perturbation}/img{frame}.png");
    let dirs = [
        Some(fixtures().join(dir)),
        std::env::var_os("BLIGHT_P_FRAMES").map(|d| PathBuf::from(d).join(dir)),
    ];
    dirs.into_iter()
        .flatten()
        .map(|d| d.join(&name))
        .find(|p| p.exists())
        .and_then(|p| blight::io::read_rgb(&p).ok())
}

fn frames(suite: &str, input: &Image, perturbation: &str, difficulty: u32) -> Vec<Image> {
    let suite = PerturbSuite::built_in(suite).unwrap();
    let mut rng = NumpyRandom::new(SEED);
    let mut out = Vec::new();
    suite
        .sequence(perturbation, input, difficulty, &mut rng, &mut |f| {
            out.push(f);
            Ok(())
        })
        .unwrap();
    out
}

/// The frames of `perturbation` in `suite` equal the reference's, and have the `size` given.
fn assert_frames_exact(suite: &str, perturbation: &str, size: (usize, usize)) {
    let mut wrong = Vec::new();
    for (dir, input) in cases(suite) {
        wrong.extend(
            mismatches(suite, &dir, &input, perturbation, size)
                .into_iter()
                .map(|m| format!("{dir}: {m}")),
        );
    }
    assert!(wrong.is_empty(), "{perturbation}: {}", wrong.join("; "));
}

/// The frames of one fixture case that differ from the reference's, described.
fn mismatches(
    suite: &str,
    dir: &str,
    input: &Image,
    perturbation: &str,
    size: (usize, usize),
) -> Vec<String> {
    let expected = reference_hashes(dir, perturbation);
    let ours = frames(suite, input, perturbation, 1);
    assert_eq!(ours.len(), expected.len(), "{perturbation}: frame count");
    let loaded = PerturbSuite::built_in(suite).unwrap();
    assert_eq!(
        loaded.get(perturbation).unwrap().frame_count(),
        expected.len()
    );
    let mut wrong = Vec::new();
    for (i, (frame, hash)) in ours.iter().zip(&expected).enumerate() {
        assert_eq!(
            (frame.width, frame.height, frame.channels),
            (size.0, size.1, 3)
        );
        if to_hex(&Sha256::digest(&frame.data)) == *hash {
            continue;
        }
        let detail = match reference_png(dir, perturbation, i) {
            Some(r) if r.data.len() == frame.data.len() => {
                let diffs: Vec<i32> = frame
                    .data
                    .iter()
                    .zip(&r.data)
                    .map(|(&a, &b)| a as i32 - b as i32)
                    .filter(|&d| d != 0)
                    .collect();
                let max = diffs.iter().map(|d| d.abs()).max().unwrap_or(0);
                format!("{} values differ, by up to {max}", diffs.len())
            }
            _ => "no reference PNG at hand".to_string(),
        };
        wrong.push(format!("frame {i}: {detail}"));
    }
    wrong
}

macro_rules! exact {
    ($suite:literal, $size:expr, $($name:ident $(= $own:expr)?),* $(,)?) => {$(
        #[test]
        fn $name() {
            #[allow(unused_mut, unused_assignments)]
            let mut size = $size;
            $(size = $own;)?
            assert_frames_exact($suite, stringify!($name), size);
        }
    )*};
}

/// ImageNet-P 224: frames 224×224.
mod imagenet_p {
    use super::assert_frames_exact;
    exact!(
        "imagenet-p",
        (224, 224),
        shot_noise,
        motion_blur,
        zoom_blur,
        snow,
        brightness,
        translate,
        rotate,
        tilt,
        scale,
        speckle_noise,
        gaussian_blur,
        spatter,
        shear,
    );
}

/// CIFAR-10-P 32: frames 32×32 (motion_blur 21 frames, translate 16).
mod cifar10_p {
    use super::assert_frames_exact;
    exact!(
        "cifar10-p",
        (32, 32),
        shot_noise,
        motion_blur,
        zoom_blur,
        snow,
        brightness,
        translate,
        rotate,
        tilt,
        scale,
        speckle_noise,
        gaussian_blur,
        spatter,
        shear,
    );
}

/// Tiny-ImageNet-P 64: frames 64×64, except motion_blur's, which are Resize(64) of the whole
/// blurred photo (500×375 → 85×64), uncropped as in the reference.
mod tiny_imagenet_p {
    use super::assert_frames_exact;
    exact!(
        "tiny-imagenet-p",
        (64, 64),
        shot_noise,
        motion_blur = (85, 64),
        zoom_blur,
        snow,
        brightness,
        translate,
        rotate,
        tilt,
        scale,
        speckle_noise,
        gaussian_blur,
        spatter,
        shear,
    );
}

/// gaussian_noise: frame 0 is the clean crop, and every later frame is
/// trunc(255·clamp(x + σ·n, 0, 1)) for standard normal n. Where x is far from 0 and 1 (no
/// clipping within 5σ), frame − 255·x = 255·σ·n − frac, frac uniform-ish in [0, 1): the residual
/// r = frame − v has mean −0.5 + (the fraction's bias, tiny) and variance (255σ)² + 1/12.
/// The tolerances are 6 standard errors of the estimates over the ~1.1 million values used, so
/// a wrong σ (e.g. the difficulty-2 one), a missing truncation or a bias fails, but noise from a
/// different generator passes, as it must: torch's numbers cannot be replayed here.
#[test]
fn gaussian_noise_follows_its_distribution() {
    let suite = PerturbSuite::built_in("imagenet-p").unwrap();
    let gaussian = suite.get("gaussian_noise").unwrap();
    assert_eq!(gaussian.pairing(), Pairing::AgainstFirst);
    assert_eq!(gaussian.difficulties(), 1..=3);
    for (difficulty, sigma) in [(1, 0.03f64), (3, 0.08)] {
        let frames = frames(
            "imagenet-p",
            &photo(LANDSCAPE),
            "gaussian_noise",
            difficulty,
        );
        assert_eq!(frames.len(), 31);
        let clean = &frames[0];
        let prepared = suite.prepare(&photo(LANDSCAPE)).unwrap();
        let crop = blight::prep::Prep {
            center_crop: Some(224),
            ..Default::default()
        }
        .apply(&prepared)
        .unwrap();
        assert_eq!(clean, &crop, "frame 0 is the clean crop");
        let margin = 5.0 * sigma * 255.0;
        let (mut n, mut sum, mut sum_sq) = (0f64, 0f64, 0f64);
        for frame in &frames[1..] {
            for (&f, &v) in frame.data.iter().zip(&clean.data) {
                let v = v as f64;
                if v > margin && v < 255.0 - margin {
                    let r = f as f64 - v;
                    n += 1.0;
                    sum += r;
                    sum_sq += r * r;
                }
            }
        }
        assert!(n > 500_000.0, "too few unclipped values: {n}");
        let mean = sum / n;
        let variance = sum_sq / n - mean * mean;
        let expected_var = (255.0 * sigma).powi(2) + 1.0 / 12.0;
        let sd = expected_var.sqrt();
        assert!(
            (mean + 0.5).abs() < 6.0 * sd / n.sqrt() + 0.02,
            "difficulty {difficulty}: residual mean {mean}, expected about −0.5"
        );
        // The variance of a variance estimate is about 2σ⁴/n for a near-normal residual.
        let var_tolerance = 6.0 * expected_var * (2.0 / n).sqrt();
        assert!(
            (variance - expected_var).abs() < var_tolerance,
            "difficulty {difficulty}: residual variance {variance}, expected {expected_var}"
        );
    }
}

#[test]
fn noise_difficulties_2_and_3_use_their_strengths() {
    // Stronger noise moves more values: the mean absolute change grows with the difficulty.
    let spread = |name: &str, d: u32| {
        let frames = frames("imagenet-p", &photo(LANDSCAPE), name, d);
        let clean = &frames[0];
        let total: u64 = frames[1..]
            .iter()
            .flat_map(|f| f.data.iter().zip(&clean.data))
            .map(|(&a, &b)| (a as i32 - b as i32).unsigned_abs() as u64)
            .sum();
        total as f64 / (30 * clean.len()) as f64
    };
    for name in ["gaussian_noise", "shot_noise", "speckle_noise"] {
        let (d1, d2, d3) = (spread(name, 1), spread(name, 2), spread(name, 3));
        assert!(d1 < d2 && d2 < d3, "{name}: {d1} {d2} {d3}");
    }
}
