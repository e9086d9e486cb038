//! What the evaluator prints and writes: the `blight metrics` output and, after a run,
//! `report.json` (schema in the README), `report.md` and the SVG plots.

use super::metrics::Summary;

/// `blight metrics` output: JSON (`--json`) or an aligned table, numbers in percent.
pub fn metrics_text(summary: &Summary, json: bool) -> String {
    if json {
        // Serialising maps of strings to finite floats cannot fail.
        let mut s = serde_json::to_string_pretty(summary).unwrap_or_default();
        s.push('\n');
        return s;
    }
    let mut out = String::new();
    out.push_str(&format!(
        "{:<20} {:>8} {:>12}\n",
        "corruption", "CE", "relative CE"
    ));
    for (name, ce) in &summary.ce {
        out.push_str(&format!(
            "{:<20} {:>8.2} {:>12.2}\n",
            name, ce, summary.relative_ce[name]
        ));
    }
    out.push_str(&format!("mCE {:.2}\n", summary.mce));
    out.push_str(&format!("relative mCE {:.2}\n", summary.relative_mce));
    out.push_str(&format!(
        "unnormalized mCE {:.2}\n",
        summary.unnormalized_mce
    ));
    out
}

#[cfg(feature = "eval")]
pub use run_report::*;

/// The files a run writes: `report.json`, `report.md`, `plots/<corruption>.svg` (the stability
/// report of a sequence run: `report.json` and `report.md`).
#[cfg(feature = "eval")]
mod run_report {
    use crate::bench::median;
    use crate::error::{Error, Result};
    use crate::eval::stability::StabilityResults;
    use crate::eval::summary::Results;
    use plotters::prelude::*;
    use serde::Serialize;
    use std::path::Path;
    use std::time::Duration;

    /// Version of the `report.json` layout (README: "report.json schema").
    pub const SCHEMA: u32 = 1;

    /// What was run, for the report's header.
    #[derive(Clone, Debug, Serialize)]
    pub struct Setup {
        pub tool: String,
        pub version: String,
        pub model: ModelInfo,
        pub runtime: RuntimeInfo,
        pub dataset: DatasetInfo,
        pub preprocess: crate::eval::preprocess::Preprocess,
        pub batch: usize,
    }

    #[derive(Clone, Debug, Serialize)]
    pub struct ModelInfo {
        pub path: String,
        pub sha256: String,
        pub input: String,
        pub input_shape: Vec<i64>,
        pub output: String,
        pub output_shape: Vec<i64>,
    }

    #[derive(Clone, Debug, Serialize)]
    pub struct RuntimeInfo {
        pub onnxruntime: String,
        pub library: String,
        pub device: String,
        /// Sessions of the model run side by side (`--streams`).
        pub sessions: usize,
        /// Intra-op threads of each session; 0: ONNX Runtime's default.
        pub threads: usize,
    }

    #[derive(Clone, Debug, Serialize)]
    pub struct DatasetInfo {
        pub path: String,
        pub kind: String,
        /// sha256 of the dataset's `manifest.json`, where blight wrote one.
        pub manifest_sha256: Option<String>,
        /// sha256 over every part's source fingerprint, in order.
        pub fingerprint: String,
        pub images: usize,
        pub classes: usize,
    }

    #[derive(Clone, Debug, Serialize)]
    pub struct Throughput {
        pub images: usize,
        pub seconds: f64,
        pub images_per_second: f64,
        /// With `--bench`: the median over its rounds of the sessions' time on the ready-made
        /// tensors.
        pub inference_only_seconds: Option<f64>,
        /// With `--bench`: the median over its rounds of (data_path_seconds /
        /// ready_made_seconds − 1) · 100.
        pub data_path_overhead_percent: Option<f64>,
        /// With `--bench`: each round's two timings.
        pub bench_rounds: Option<Vec<BenchRound>>,
    }

    /// One `--bench` round: the whole dataset through the data path and the sessions (scores
    /// dropped), and through the sessions alone on the tensors kept from the run.
    #[derive(Clone, Debug, Serialize)]
    pub struct BenchRound {
        pub data_path_seconds: f64,
        pub ready_made_seconds: f64,
    }

    impl Throughput {
        /// `images` scored in `seconds`, with the `--bench` rounds' (data path, ready-made)
        /// timings if any.
        pub fn new(images: usize, seconds: f64, rounds: &[(Duration, Duration)]) -> Throughput {
            let rounds: Vec<BenchRound> = rounds
                .iter()
                .map(|(d, r)| BenchRound {
                    data_path_seconds: d.as_secs_f64(),
                    ready_made_seconds: r.as_secs_f64(),
                })
                .collect();
            let overheads = rounds
                .iter()
                .map(|r| 100.0 * (r.data_path_seconds / r.ready_made_seconds.max(1e-9) - 1.0));
            let timed = !rounds.is_empty();
            Throughput {
                images,
                seconds,
                images_per_second: images as f64 / seconds.max(1e-9),
                inference_only_seconds: timed
                    .then(|| median(rounds.iter().map(|r| r.ready_made_seconds))),
                data_path_overhead_percent: timed.then(|| median(overheads)),
                bench_rounds: timed.then_some(rounds),
            }
        }
    }

    #[derive(Serialize)]
    struct Report<'a> {
        schema: u32,
        #[serde(flatten)]
        setup: &'a Setup,
        results: &'a Results,
        throughput: &'a Throughput,
    }

    /// What `blight evaluate` prints when it is done.
    pub fn run_text(outcome: &crate::eval::command::Outcome) -> String {
        let r = &outcome.results;
        let t = &outcome.throughput;
        let mut out = format!(
            "{} images on {} in {:.2} s ({:.1} images/s)\n",
            t.images, outcome.device, t.seconds, t.images_per_second
        );
        if let (Some(i), Some(o), Some(rounds)) = (
            t.inference_only_seconds,
            t.data_path_overhead_percent,
            &t.bench_rounds,
        ) {
            out += &format!(
                "bench: {} rounds; the same sessions on ready-made tensors {i:.3} s, data path \
                 overhead {o:.2} % (medians)\n",
                rounds.len()
            );
        }
        if let Some(c) = &r.clean {
            out += &format!("clean top-1 error {}\n", pct(c.top1_error));
        }
        for (name, c) in &r.corruptions {
            out += &format!("{name:<20} mean top-1 error {}\n", pct(c.mean_top1_error));
        }
        if let Some(m) = r.mce {
            out += &format!("mCE {m:.2}\n");
        }
        out
    }

    #[derive(Serialize)]
    struct SequenceReport<'a> {
        schema: u32,
        #[serde(flatten)]
        setup: &'a Setup,
        results: &'a StabilityResults,
        throughput: &'a Throughput,
    }

    /// What `blight evaluate` prints when a sequence run is done.
    pub fn sequence_text(outcome: &crate::eval::command::SequenceOutcome) -> String {
        let r = &outcome.results;
        let t = &outcome.throughput;
        let mut out = format!(
            "{} frames of {} videos on {} in {:.2} s ({:.1} frames/s)\n",
            t.images, outcome.videos, outcome.device, t.seconds, t.images_per_second
        );
        for (name, p) in &r.perturbations {
            for (d, n) in &p.difficulties {
                out += &format!(
                    "{name:<16} d{d} FP {:.5} uT5D {:.5} zipf {:.5}",
                    n.fp, n.ut5d, n.zipf
                );
                if let (Some(fr), Some(t5d)) = (n.fr, n.t5d) {
                    out += &format!(" FR {fr:.2} T5D {t5d:.2}");
                }
                out += "\n";
            }
        }
        for (d, m) in &r.difficulties {
            if let Some(fp) = m.mean_fp {
                out += &format!("difficulty {d}: mean FP {fp:.5} over the 10 test perturbations\n");
            }
            if let (Some(fr), Some(t5d)) = (m.mfr, m.mt5d) {
                out += &format!("difficulty {d}: mFR {fr:.2} mT5D {t5d:.2}\n");
            }
        }
        out += &format!("{}\n", baseline_line(r));
        if let Some(path) = &outcome.baseline_written {
            out += &format!("baseline written to {}\n", path.display());
        }
        out
    }

    /// Which baseline normalised the numbers, or that none did.
    fn baseline_line(r: &StabilityResults) -> String {
        match &r.baseline {
            Some(b) => format!(
                "baseline: {} (model {}, sha256 {}; measured on {} {})",
                b.path, b.model, b.sha256, b.dataset.kind, b.dataset.path
            ),
            None => "baseline: none — FP, uT5D and the Zipf distance are unnormalised; FR, T5D, \
                     mFR and mT5D need --baseline FILE (written by --write-baseline)"
                .into(),
        }
    }

    /// Writes the stability report (`report.json`, `report.md`) into `dir`.
    pub fn write_sequences(
        dir: &Path,
        setup: &Setup,
        results: &StabilityResults,
        throughput: &Throughput,
    ) -> Result<()> {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        let report = SequenceReport {
            schema: SCHEMA,
            setup,
            results,
            throughput,
        };
        write_json_and_markdown(dir, &report, sequence_markdown(setup, results, throughput))
    }

    /// `report.json` (pretty, with a final newline) and `report.md` in `dir`.
    fn write_json_and_markdown(
        dir: &Path,
        report: &impl Serialize,
        markdown: String,
    ) -> Result<()> {
        let json = serde_json::to_string_pretty(report)
            .map_err(|e| Error::Invalid(format!("cannot serialise the report: {e}")))?;
        let path = dir.join("report.json");
        std::fs::write(&path, json + "\n").map_err(|e| Error::io(&path, e))?;
        let path = dir.join("report.md");
        std::fs::write(&path, markdown).map_err(|e| Error::io(&path, e))
    }

    /// The Markdown title and the run's setup lines, one report kind's `title` and `unit` (images
    /// or frames).
    fn setup_header(title: &str, unit: &str, setup: &Setup, t: &Throughput) -> String {
        format!(
            "# {title}\n\n- model: `{}` (sha256 `{}`)\n- dataset: `{}` ({}, {} {unit})\n\
             - preset: {}, batch {}, device {} ({}), ONNX Runtime {}\n- throughput: {:.1} \
             {unit}/s\n",
            setup.model.path,
            setup.model.sha256,
            setup.dataset.path,
            setup.dataset.kind,
            setup.dataset.images,
            setup.preprocess.preset,
            setup.batch,
            setup.runtime.device,
            sessions(&setup.runtime),
            setup.runtime.onnxruntime,
            t.images_per_second
        )
    }

    /// "2 sessions of 1 thread", as the Markdown report says it.
    fn sessions(runtime: &RuntimeInfo) -> String {
        let plural = |n: usize| if n == 1 { "" } else { "s" };
        let threads = match runtime.threads {
            0 => "ONNX Runtime's default threads".to_string(),
            n => format!("{n} thread{}", plural(n)),
        };
        format!(
            "{} session{} of {threads}",
            runtime.sessions,
            plural(runtime.sessions)
        )
    }

    fn sequence_markdown(setup: &Setup, r: &StabilityResults, t: &Throughput) -> String {
        let title = format!("blight evaluation: {} stability", r.suite);
        let mut md = setup_header(&title, "frames", setup, t);
        md += &format!("- {}\n\n", baseline_line(r));
        let opt = |x: Option<f64>, digits: usize| {
            x.map_or("–".to_string(), |v| format!("{v:.digits$}"))
        };
        md += &format!(
            "Means over the 10 test perturbations ({}):\n\n| difficulty | mean FP | mean uT5D | mFR % | \
             mT5D % |\n|---|---|---|---|---|\n",
            r.test_perturbations.join(", ")
        );
        for (d, m) in &r.difficulties {
            md += &format!(
                "| {d} | {} | {} | {} | {} |\n",
                opt(m.mean_fp, 5),
                opt(m.mean_ut5d, 5),
                opt(m.mfr, 2),
                opt(m.mt5d, 2)
            );
        }
        md += "\n| perturbation | test | difficulty | videos | frames | pairs | FP | uT5D | Zipf | FR % | T5D % |\n\
               |---|---|---|---|---|---|---|---|---|---|---|\n";
        for (name, p) in &r.perturbations {
            for (d, n) in &p.difficulties {
                md += &format!(
                    "| {name} | {} | {d} | {} | {} | {} | {:.5} | {:.5} | {:.5} | {} | {} |\n",
                    if p.test { "yes" } else { "no" },
                    n.videos,
                    n.frames,
                    n.pairs,
                    n.fp,
                    n.ut5d,
                    n.zipf,
                    opt(n.fr, 2),
                    opt(n.t5d, 2)
                );
            }
        }
        md
    }

    /// Writes `report.json`, `report.md` and the plots into `dir`.
    pub fn write(
        dir: &Path,
        setup: &Setup,
        results: &Results,
        throughput: &Throughput,
    ) -> Result<()> {
        std::fs::create_dir_all(dir.join("plots")).map_err(|e| Error::io(dir, e))?;
        let report = Report {
            schema: SCHEMA,
            setup,
            results,
            throughput,
        };
        write_json_and_markdown(dir, &report, markdown(setup, results, throughput))?;
        for (name, c) in &results.corruptions {
            if c.severities.len() < 2 {
                continue;
            }
            let clean = results.clean.as_ref().map(|c| c.top1_error);
            let points: Vec<(u32, f64)> = c
                .severities
                .iter()
                .filter_map(|(s, n)| Some((s.parse().ok()?, n.top1_error)))
                .collect();
            plot(
                &dir.join("plots").join(format!("{name}.svg")),
                name,
                &points,
                clean,
            )?;
        }
        Ok(())
    }

    fn pct(x: f64) -> String {
        format!("{:.2}", 100.0 * x)
    }

    fn markdown(setup: &Setup, r: &Results, t: &Throughput) -> String {
        let mut md = setup_header("blight evaluation", "images", setup, t) + "\n";
        if let (Some(c), Some(ci)) = (&r.clean, r.clean_top1_error_ci95) {
            md += &format!(
                "Clean top-1 error {} % (95 % CI {}–{}), top-5 {} %, ECE {}\n\n",
                pct(c.top1_error),
                pct(ci[0]),
                pct(ci[1]),
                pct(c.top5_error),
                pct(c.ece)
            );
        }
        if let (Some(m), Some(ci)) = (r.mce, r.mce_ci95) {
            md += &format!("mCE {m:.2} % (95 % CI {:.2}–{:.2})\n\n", ci[0], ci[1]);
        }
        if let (Some(m), Some(ci)) = (r.relative_mce, r.relative_mce_ci95) {
            md += &format!(
                "Relative mCE {m:.2} % (95 % CI {:.2}–{:.2})\n\n",
                ci[0], ci[1]
            );
        }
        if let Some(u) = r.unnormalized_mce {
            md += &format!("Unnormalised mCE {u:.2} %\n\n");
        }
        md += "| corruption | severity | top-1 error % | top-5 error % | ECE % | images |\n|---|---|---|---|---|---|\n";
        for (name, c) in &r.corruptions {
            for (s, n) in &c.severities {
                md += &format!(
                    "| {name} | {s} | {} | {} | {} | {} |\n",
                    pct(n.top1_error),
                    pct(n.top5_error),
                    pct(n.ece),
                    n.images
                );
            }
        }
        md += "\n| corruption | mean top-1 error % (95 % CI) | CE % | relative CE % |\n|---|---|---|---|\n";
        let opt = |x: Option<f64>| x.map_or("–".to_string(), |v| format!("{v:.2}"));
        for (name, c) in &r.corruptions {
            md += &format!(
                "| {name} | {} ({}–{}) | {} | {} |\n",
                pct(c.mean_top1_error),
                pct(c.mean_top1_error_ci95[0]),
                pct(c.mean_top1_error_ci95[1]),
                opt(c.ce),
                opt(c.relative_ce)
            );
        }
        md
    }

    /// Top-1 error (percent) against severity, with the clean error as a dashed line.
    fn plot(path: &Path, name: &str, points: &[(u32, f64)], clean: Option<f64>) -> Result<()> {
        let fail = |e: String| Error::file(path, format!("cannot draw the plot: {e}"));
        let root = SVGBackend::new(path, (480, 320)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| fail(e.to_string()))?;
        let mut chart = ChartBuilder::on(&root)
            .caption(name, ("sans-serif", 18))
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(40)
            .build_cartesian_2d(0.5f64..5.5f64, 0f64..100f64)
            .map_err(|e| fail(e.to_string()))?;
        chart
            .configure_mesh()
            .x_desc("severity")
            .y_desc("top-1 error %")
            .draw()
            .map_err(|e| fail(e.to_string()))?;
        let series: Vec<(f64, f64)> = points.iter().map(|&(s, e)| (s as f64, 100.0 * e)).collect();
        chart
            .draw_series(LineSeries::new(series.clone(), &BLUE))
            .map_err(|e| fail(e.to_string()))?;
        chart
            .draw_series(series.iter().map(|&p| Circle::new(p, 3, BLUE.filled())))
            .map_err(|e| fail(e.to_string()))?;
        if let Some(c) = clean {
            chart
                .draw_series(LineSeries::new(
                    vec![(0.5, 100.0 * c), (5.5, 100.0 * c)],
                    &RED,
                ))
                .map_err(|e| fail(e.to_string()))?;
        }
        root.present().map_err(|e| fail(e.to_string()))?;
        Ok(())
    }
}
