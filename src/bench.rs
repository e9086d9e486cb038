//! `blight bench`: single-threaded median time of every corruption × severity on one image, the
//! figure the speed goal is stated in (all 95 ImageNet-C variants of a 224×224 image; for
//! imagecorruptions, of given photos such as its 427×640 and 1024×2048 fixtures, `--image`).
//!
//! For a perturbation suite (`--suite imagenet-p`) it times one whole sequence of every
//! perturbation instead (31 frames at 224, translate 41), made from the built-in photo after the
//! suite's input preparation, which is done once beforehand as the reference does it once per
//! image.
//!
//! Times are the thread's CPU time, as the reference's speed was measured (process CPU time), so
//! other work on a shared machine does not inflate them; wall time is reported beside.

use crate::corrupt::Context;
use crate::error::{Error, Result};
use crate::perturb::{Clean, PerturbSuite};
use crate::raster::Image;
use crate::rng::{self, RngKind, StreamKey};
use crate::suite::{Suite, SEVERITIES};
use std::time::{Duration, Instant};

/// The largest side `blight bench` times: an 8192×8192 photo is 200 MB and the corruptions'
/// float64 intermediates are eight times that each, so larger sides only exhaust the memory.
pub const MAX_SIZE: usize = 8192;

/// The image a suite is timed on: the built-in photo resampled to `size`×`size` (default: the
/// suite's image size), or for the mnist-c suite the built-in 28×28 digit. A side of 0 or above
/// [`MAX_SIZE`] is refused before anything is allocated.
pub fn test_image(suite: &Suite, size: Option<usize>) -> Result<Image> {
    let size = size.unwrap_or(suite.image_size);
    if suite.engine == "mnist-c" {
        if size != 28 {
            return Err(Error::Invalid(format!(
                "the mnist-c suite works on 28×28 digits, not {size}×{size}"
            )));
        }
        return Ok(crate::builtin::digit());
    }
    if size == 0 || size > MAX_SIZE {
        return Err(Error::Invalid(format!(
            "bench size {size} is outside 1..={MAX_SIZE}"
        )));
    }
    Ok(crate::builtin::photo_sized(size))
}

/// An image file to time on (`--image`), read as RGB; a side above [`MAX_SIZE`] is refused for
/// the memory reason above.
pub fn image_file(path: &std::path::Path) -> Result<Image> {
    let image = crate::io::read_rgb(path)?;
    if image.width > MAX_SIZE || image.height > MAX_SIZE {
        return Err(Error::file(
            path,
            format!(
                "{}×{} has a side above the bench maximum {MAX_SIZE}",
                image.width, image.height
            ),
        ));
    }
    Ok(image)
}

/// The median time of one corruption at one severity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Timing {
    pub corruption: String,
    pub severity: u32,
    /// Median CPU time of this thread.
    pub median_ms: f64,
    /// Median wall-clock time.
    pub median_wall_ms: f64,
}

/// CPU time consumed by the calling thread.
#[cfg(unix)]
fn thread_cpu_time() -> Duration {
    let mut t = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime only writes the timespec we pass; CLOCK_THREAD_CPUTIME_ID exists on
    // every Linux and macOS this builds for.
    let rc = unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
}

/// Without a thread CPU clock the "CPU" figures are wall time: the time since a fixed instant,
/// so differences of two readings are the elapsed time.
#[cfg(not(unix))]
fn thread_cpu_time() -> Duration {
    static START: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();
    START.get_or_init(Instant::now).elapsed()
}

/// The median, as numpy gives it: the mean of the middle two for an even count; NaN for none.
/// `blight bench` and `evaluate --bench` both report it.
pub fn median(values: impl IntoIterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => v[n / 2],
        _ => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// Times every corruption × severity `repeats` times (each on a fresh stream) on one thread and
/// returns the medians, in suite order.
pub fn run(
    suite: &Suite,
    image: &Image,
    kind: RngKind,
    repeats: usize,
    context: &Context,
) -> Result<Vec<Timing>> {
    // A one-thread pool keeps any data-parallel code inside a corruption on this thread too.
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| crate::Error::Invalid(format!("cannot start the benchmark thread: {e}")))?;
    pool.install(|| time_all(suite, image, kind, repeats, context))
}

fn time_all(
    suite: &Suite,
    image: &Image,
    kind: RngKind,
    repeats: usize,
    context: &Context,
) -> Result<Vec<Timing>> {
    let mut variants = Vec::new();
    for c in &suite.corruptions {
        for severity in SEVERITIES {
            variants.push((c, severity, c.at(severity)?));
        }
    }
    let rounds = repeats.max(1);
    let mut cpu = vec![Vec::with_capacity(rounds); variants.len()];
    let mut wall = vec![Vec::with_capacity(rounds); variants.len()];
    // Rounds run every variant once, so a slow spell of a shared machine spreads over all of
    // them as one sample each, instead of taking over all the samples of a few variants.
    for r in 0..rounds {
        let key = r.to_string();
        for (i, (c, severity, corruption)) in variants.iter().enumerate() {
            let mut source = rng::open(
                kind,
                &StreamKey {
                    seed: r as u64,
                    suite: &suite.name,
                    corruption: &c.name,
                    severity: *severity,
                    sample: &key,
                },
            )?;
            let (start, start_cpu) = (Instant::now(), thread_cpu_time());
            let out = corruption.apply(image, source.as_mut(), context)?;
            cpu[i].push((thread_cpu_time() - start_cpu).as_secs_f64() * 1e3);
            wall[i].push(start.elapsed().as_secs_f64() * 1e3);
            std::hint::black_box(out);
        }
    }
    Ok(variants
        .iter()
        .zip(cpu.into_iter().zip(wall))
        .map(|((c, severity, _), (cpu, wall))| Timing {
            corruption: c.name.clone(),
            severity: *severity,
            median_ms: median(cpu),
            median_wall_ms: median(wall),
        })
        .collect())
}

/// The median time of one perturbation's whole sequence.
#[derive(Debug, Clone, serde::Serialize)]
pub struct SequenceTiming {
    pub perturbation: String,
    pub frames: usize,
    /// Median CPU time of this thread for the whole sequence.
    pub median_ms: f64,
    /// Median wall-clock time.
    pub median_wall_ms: f64,
}

/// Times one sequence (difficulty 1) of every perturbation of `suite` not in `skip`, made from
/// `image` after the suite's input preparation, on one thread; medians over `repeats` rounds,
/// each round running every perturbation once on a fresh stream.
pub fn run_sequences(
    suite: &PerturbSuite,
    image: &Image,
    kind: RngKind,
    repeats: usize,
    skip: &[String],
) -> Result<Vec<SequenceTiming>> {
    if let Some(unknown) = skip.iter().find(|s| suite.get(s).is_err()) {
        return Err(Error::UnknownCorruption {
            suite: suite.name.clone(),
            name: unknown.clone(),
        });
    }
    let prepared = suite.prepare(image)?;
    let clean = Clean {
        original: image,
        prepared: &prepared,
        crop: suite.crop,
        input: &suite.input,
    };
    let names: Vec<&str> = suite
        .names()
        .filter(|n| !skip.iter().any(|s| s == n))
        .collect();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .map_err(|e| Error::Invalid(format!("cannot start the benchmark thread: {e}")))?;
    let rounds = repeats.max(1);
    let mut cpu = vec![Vec::with_capacity(rounds); names.len()];
    let mut wall = vec![Vec::with_capacity(rounds); names.len()];
    pool.install(|| -> Result<()> {
        for r in 0..rounds {
            let key = r.to_string();
            for (i, name) in names.iter().enumerate() {
                let perturbation = suite.get(name)?;
                let mut source = rng::open(
                    kind,
                    &StreamKey {
                        seed: r as u64,
                        suite: &suite.name,
                        corruption: name,
                        severity: 1,
                        sample: &key,
                    },
                )?;
                let (start, start_cpu) = (Instant::now(), thread_cpu_time());
                perturbation.frames(&clean, 1, source.as_mut(), &mut |frame| {
                    std::hint::black_box(frame);
                    Ok(())
                })?;
                cpu[i].push((thread_cpu_time() - start_cpu).as_secs_f64() * 1e3);
                wall[i].push(start.elapsed().as_secs_f64() * 1e3);
            }
        }
        Ok(())
    })?;
    Ok(names
        .iter()
        .zip(cpu.into_iter().zip(wall))
        .map(|(name, (cpu, wall))| SequenceTiming {
            perturbation: name.to_string(),
            frames: suite.get(name).map_or(0, |p| p.frame_count()),
            median_ms: median(cpu),
            median_wall_ms: median(wall),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_is_numpys() {
        assert_eq!(median([3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median([4.0, 1.0, 3.0, 2.0]), 2.5);
        assert!(median([]).is_nan());
    }

    #[test]
    fn thread_cpu_time_advances_with_work_on_every_platform() {
        let (start, wall) = (thread_cpu_time(), Instant::now());
        let mut x = 0u64;
        while thread_cpu_time() < start + Duration::from_millis(2) && wall.elapsed().as_secs() < 5 {
            x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
        }
        assert!(thread_cpu_time() >= start + Duration::from_millis(2));
    }

    #[test]
    fn bench_images_are_read_as_rgb_and_a_missing_file_is_an_error() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/imagecorruptions/inputs");
        let gray = image_file(&dir.join("camera-300x200-gray.png")).unwrap();
        assert_eq!((gray.width, gray.height, gray.channels), (200, 300, 3));
        assert!(image_file(&dir.join("no-such-image.png")).is_err());
    }

    #[test]
    fn bench_sizes_of_zero_or_above_the_maximum_are_refused_before_allocating() {
        let suite = Suite::built_in("imagenet-c").unwrap();
        for size in [0, MAX_SIZE + 1, 100_000, usize::MAX] {
            let err = test_image(&suite, Some(size)).unwrap_err().to_string();
            assert!(
                err.contains(&format!("bench size {size} is outside 1..=8192")),
                "{err}"
            );
        }
        assert_eq!(test_image(&suite, None).unwrap().width, 224);
        assert_eq!(test_image(&suite, Some(1)).unwrap().width, 1);
        let digits = Suite::built_in("mnist-c").unwrap();
        assert!(test_image(&digits, Some(224)).is_err());
        assert_eq!(test_image(&digits, None).unwrap().width, 28);
    }
}

/// What [`dataset_throughput`] measured.
#[derive(Debug, serde::Serialize)]
pub struct Throughput {
    pub samples: usize,
    pub files: usize,
    pub seconds: f64,
    pub files_per_second: f64,
    pub threads: usize,
}

/// The width and height of the benchmark's source images, the most common ImageNet size.
pub const DATASET_IMAGE: (usize, usize) = (500, 375);

/// `generate` end to end, timed on the wall clock: `samples` JPEGs of 500×375 (the built-in photo
/// enlarged and shifted per sample, saved at quality 90) in a class-folder tree under a scratch
/// folder, run through `suite`'s whole dataset pipeline (decode, prepare, every corruption ×
/// severity, encode, write, journal, manifest) on the current rayon pool.
pub fn dataset_throughput(suite: &Suite, samples: usize, context: &Context) -> Result<Throughput> {
    use crate::generate::{generate_suite, OnError, Request};
    use crate::ops::resample::{resize, Filter};
    let scratch = std::env::temp_dir().join(format!("blight-bench-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&scratch);
    let (source_dir, out) = (scratch.join("val"), scratch.join("out"));
    let (w, h) = DATASET_IMAGE;
    let large = resize(&crate::builtin::photo(), w + 40, h + 40, Filter::Bilinear)?;
    for i in 0..samples {
        let (dx, dy) = (i * 7 % 40, i * 13 % 40);
        let mut data = Vec::with_capacity(w * h * 3);
        for row in large.data.chunks_exact(large.width * 3).skip(dy).take(h) {
            data.extend_from_slice(&row[dx * 3..(dx + w) * 3]);
        }
        let image = Image::new(w, h, 3, data)?;
        let bytes = crate::ops::jpeg::encode(&image, 90, crate::ops::jpeg::Profile::Ijg9, false)
            .map_err(|e| Error::Invalid(format!("cannot encode the benchmark image: {e}")))?;
        let path = source_dir.join(format!("n{:08}/bench_{i:05}.JPEG", i % 10));
        std::fs::create_dir_all(path.parent().unwrap_or(&source_dir))
            .map_err(|e| Error::io(&path, e))?;
        std::fs::write(&path, bytes).map_err(|e| Error::io(&path, e))?;
    }
    let source = crate::source::open(&source_dir, None, suite.input.decoder)?;
    let request = Request {
        suite,
        source: source.as_ref(),
        out: &out,
        corruptions: &[],
        severities: &[],
        limit: None,
        shard: crate::sink::journal::Shard::WHOLE,
        seed: 0,
        rng: RngKind::Fast,
        on_error: OnError::Fail,
        context,
        layout: None,
    };
    let start = Instant::now();
    let summary = generate_suite(&request, &|_| {});
    let seconds = start.elapsed().as_secs_f64();
    let _ = std::fs::remove_dir_all(&scratch);
    let files = summary?.files_written;
    Ok(Throughput {
        samples,
        files,
        seconds,
        files_per_second: files as f64 / seconds,
        threads: rayon::current_num_threads(),
    })
}
