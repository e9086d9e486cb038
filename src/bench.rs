//! `blight bench`: single-threaded median time of every corruption × severity on one image, the
//! figure the speed goal is stated in (all 95 ImageNet-C variants of a 224×224 image).

use crate::corrupt::Context;
use crate::error::Result;
use crate::raster::Image;
use crate::rng::{self, RngKind, StreamKey};
use crate::suite::{Suite, SEVERITIES};
use std::time::Instant;

/// The median time of one corruption at one severity.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Timing {
    pub corruption: String,
    pub severity: u32,
    pub median_ms: f64,
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
    let mut timings = Vec::new();
    for c in &suite.corruptions {
        for severity in SEVERITIES {
            let corruption = c.at(severity)?;
            let mut samples = Vec::with_capacity(repeats);
            for r in 0..repeats.max(1) {
                let key = r.to_string();
                let mut source = rng::open(
                    kind,
                    &StreamKey {
                        seed: r as u64,
                        suite: &suite.name,
                        corruption: &c.name,
                        severity,
                        sample: &key,
                    },
                )?;
                let start = Instant::now();
                let out = corruption.apply(image, source.as_mut(), context)?;
                samples.push(start.elapsed().as_secs_f64() * 1e3);
                std::hint::black_box(out);
            }
            samples.sort_by(f64::total_cmp);
            timings.push(Timing {
                corruption: c.name.clone(),
                severity,
                median_ms: samples[samples.len() / 2],
            });
        }
    }
    Ok(timings)
}
