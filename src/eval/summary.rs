//! A run's results as the report states them: per-part errors and calibration, CE per
//! corruption, mCE where all 15 common corruptions were run, and bootstrap 95 % intervals for
//! the headline numbers (clean error, each corruption's mean error, mCE and relative mCE).

use super::alexnet;
use super::bootstrap::{interval, resample, REPLICATES};
use super::evaluate::{error, PartResult};
use super::metrics::corruption_error;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;

/// One part's numbers (errors as fractions).
#[derive(Clone, Debug, Serialize)]
pub struct PartNumbers {
    pub images: usize,
    pub top1_error: f64,
    pub top5_error: f64,
    pub ece: f64,
}

/// One corruption: its severities and, with a clean part and all five severities, CE.
#[derive(Clone, Debug, Serialize)]
pub struct CorruptionNumbers {
    /// By severity (`"1"`..`"5"`; `"-"` for a suite with one severity).
    pub severities: BTreeMap<String, PartNumbers>,
    pub mean_top1_error: f64,
    pub mean_top1_error_ci95: [f64; 2],
    #[serde(rename = "CE")]
    pub ce: Option<f64>,
    pub relative_ce: Option<f64>,
}

/// Everything the report states about the results.
#[derive(Clone, Debug, Serialize)]
pub struct Results {
    pub clean: Option<PartNumbers>,
    pub clean_top1_error_ci95: Option<[f64; 2]>,
    pub corruptions: BTreeMap<String, CorruptionNumbers>,
    /// Percent; present when all 15 common corruptions have five severities and clean is run.
    #[serde(rename = "mCE")]
    pub mce: Option<f64>,
    #[serde(rename = "mCE_ci95")]
    pub mce_ci95: Option<[f64; 2]>,
    #[serde(rename = "relative_mCE")]
    pub relative_mce: Option<f64>,
    #[serde(rename = "relative_mCE_ci95")]
    pub relative_mce_ci95: Option<[f64; 2]>,
    /// Percent: the mean top-1 error over every corruption and severity run.
    #[serde(rename = "unnormalized_mCE")]
    pub unnormalized_mce: Option<f64>,
}

/// The statistics a replicate recomputes: clean error, mean error per corruption, mCE and
/// relative mCE.
struct Headline {
    clean: Option<f64>,
    means: BTreeMap<String, f64>,
    mce: Option<f64>,
    relative_mce: Option<f64>,
}

fn headline(parts: &[PartResult], pick: &dyn Fn(&PartResult) -> f64) -> Headline {
    let clean = parts.iter().find(|p| p.corruption.is_none()).map(pick);
    let mut by_name: BTreeMap<String, Vec<(Option<u32>, f64)>> = BTreeMap::new();
    for p in parts {
        if let Some(c) = &p.corruption {
            by_name
                .entry(c.clone())
                .or_default()
                .push((p.severity, pick(p)));
        }
    }
    let means: BTreeMap<String, f64> = by_name
        .iter()
        .map(|(c, v)| {
            (
                c.clone(),
                v.iter().map(|x| x.1).sum::<f64>() / v.len() as f64,
            )
        })
        .collect();
    let five = |c: &str| -> Option<[f64; 5]> {
        let v = by_name.get(c)?;
        let mut e = [f64::NAN; 5];
        for (s, x) in v {
            e[(*s)?.checked_sub(1)? as usize % 5] = *x;
        }
        (v.len() == 5 && e.iter().all(|x| !x.is_nan())).then_some(e)
    };
    let (mut mce, mut relative_mce) = (None, None);
    if let Some(clean) = clean {
        let ces: Option<Vec<(f64, f64)>> = alexnet::common()
            .map(|c| corruption_error(c, &five(c)?, clean))
            .collect();
        if let Some(ces) = ces {
            mce = Some(ces.iter().map(|x| x.0).sum::<f64>() / ces.len() as f64);
            relative_mce = Some(ces.iter().map(|x| x.1).sum::<f64>() / ces.len() as f64);
        }
    }
    Headline {
        clean,
        means,
        mce,
        relative_mce,
    }
}

/// The report's numbers for `parts`.
pub fn summarise(parts: &[PartResult]) -> Results {
    let numbers = |p: &PartResult| PartNumbers {
        images: p.outcomes.len(),
        top1_error: p.top1_error(),
        top5_error: p.top5_error(),
        ece: p.ece(),
    };
    let point = headline(parts, &|p| p.top1_error());
    let replicates: Vec<Headline> = (0..REPLICATES)
        .into_par_iter()
        .map(|r| {
            let draws: BTreeMap<usize, Vec<usize>> = parts
                .iter()
                .map(|p| p.outcomes.len())
                .map(|n| (n, resample(n, r)))
                .collect();
            headline(parts, &|p| {
                error(
                    draws[&p.outcomes.len()]
                        .iter()
                        .map(|&i| p.outcomes[i].correct),
                )
            })
        })
        .collect();
    let ci = |get: &dyn Fn(&Headline) -> Option<f64>| -> Option<[f64; 2]> {
        let mut v: Vec<f64> = replicates.iter().filter_map(get).collect();
        (!v.is_empty()).then(|| interval(&mut v))
    };
    let mut corruptions = BTreeMap::new();
    for p in parts {
        let Some(c) = &p.corruption else { continue };
        let entry = corruptions
            .entry(c.clone())
            .or_insert_with(|| CorruptionNumbers {
                severities: BTreeMap::new(),
                mean_top1_error: point.means[c],
                mean_top1_error_ci95: ci(&|h| h.means.get(c).copied()).unwrap_or([f64::NAN; 2]),
                ce: None,
                relative_ce: None,
            });
        let key = p.severity.map_or("-".to_string(), |s| s.to_string());
        entry.severities.insert(key, numbers(p));
    }
    if let Some(clean) = point.clean {
        for (name, c) in corruptions.iter_mut() {
            let e: Vec<f64> = c.severities.values().map(|n| n.top1_error).collect();
            if let Ok(e) = <[f64; 5]>::try_from(e) {
                if let Some((ce, rel)) = corruption_error(name, &e, clean) {
                    c.ce = Some(ce);
                    c.relative_ce = Some(rel);
                }
            }
        }
    }
    let all: Vec<f64> = corruptions
        .values()
        .flat_map(|c| c.severities.values().map(|n| n.top1_error))
        .collect();
    Results {
        clean: parts.iter().find(|p| p.corruption.is_none()).map(numbers),
        clean_top1_error_ci95: ci(&|h| h.clean),
        corruptions,
        mce: point.mce,
        mce_ci95: ci(&|h| h.mce),
        relative_mce: point.relative_mce,
        relative_mce_ci95: ci(&|h| h.relative_mce),
        unnormalized_mce: (!all.is_empty())
            .then(|| 100.0 * all.iter().sum::<f64>() / all.len() as f64),
    }
}
