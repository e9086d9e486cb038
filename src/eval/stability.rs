//! ImageNet-P's stability metrics (spec §7.3; `ImageNet-P/test.py`, `cifar-p-eval.py`): flip
//! probability FP, top-5 distance T5D and the "Zipf distance", per video and over a dataset, and
//! their normalisation by a baseline model (FR, mFR, T5D, mT5D).
//!
//! * Every frame's scores are ranked as `scipy.stats.rankdata(-scores, method='ordinal')` ranks
//!   them: rank 1 is the highest score, ties go to the lower class index first ([`Ranking`]).
//!   The frame's prediction is its rank-1 class (`argmax`, the first of equal maxima).
//! * The frames compared are [`Pairing::pairs`]: for the noises (names containing "noise") every
//!   frame j ≥ 1 against frame 0, whatever the difficulty (which selects the `_d` data instead);
//!   for the others every pair (j − d, j) at difficulty d, i.e. consecutive frames at d = 1.
//! * A video's value is the mean over its pairs; a dataset's is the mean over its videos, every
//!   video weighing the same.
//! * T5D's distance between frames x and x′: σ(i) is the rank in x′ of the class of rank i in x,
//!   and d(x, x′) = Σ_{i=1..5} |min(i − 1, 5) − min(σ(i) − 1, 5)| (0 to 15). The Zipf distance
//!   is Σ_{r=1..C} |1/r − 1/σ(r)| · 1/r.
//! * FR = FP / FP_baseline and T5D = uT5D / uT5D_baseline per perturbation and difficulty;
//!   mFR and mT5D are their means over the 10 test perturbations, in percent. The AlexNet
//!   numbers the paper normalised by were never published, so the baseline is whatever model
//!   the user measured with `blight evaluate --write-baseline` ([`Baseline`]).

use crate::error::{Error, Result};
use crate::perturb::Pairing;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// The 10 test perturbations of ImageNet-P and Tiny-ImageNet-P (README, paper), in the
/// reference's order; the 4 others (speckle_noise, gaussian_blur, spatter, shear) are validation
/// sequences, reported but not in the means.
pub const TEST_PERTURBATIONS: [&str; 10] = [
    "gaussian_noise",
    "shot_noise",
    "motion_blur",
    "zoom_blur",
    "snow",
    "brightness",
    "translate",
    "rotate",
    "tilt",
    "scale",
];

/// The 10 perturbations `cifar-p-eval.py` averages for CIFAR-10-P: spatter in place of snow
/// (spec §6.1's caveat), kept as the script has it.
pub const CIFAR_TEST_PERTURBATIONS: [&str; 10] = [
    "gaussian_noise",
    "shot_noise",
    "motion_blur",
    "zoom_blur",
    "spatter",
    "brightness",
    "translate",
    "rotate",
    "tilt",
    "scale",
];

/// The perturbations the means of `suite` run over.
pub fn test_perturbations(suite: &str) -> &'static [&'static str; 10] {
    if suite.starts_with("cifar") {
        &CIFAR_TEST_PERTURBATIONS
    } else {
        &TEST_PERTURBATIONS
    }
}

/// How the reference pairs a perturbation's frames: against frame 0 for the noises.
pub fn pairing_of(perturbation: &str) -> Pairing {
    if perturbation.contains("noise") {
        Pairing::AgainstFirst
    } else {
        Pairing::Stride
    }
}

/// One frame's classes in rank order, and each class's rank.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ranking {
    /// `order[r]`: the class of rank r + 1.
    order: Vec<u32>,
    /// `rank[c]`: the rank (1-based) of class c.
    rank: Vec<u32>,
}

impl Ranking {
    /// The ordinal ranking of `scores`, highest first, ties to the lower class index (a NaN
    /// score ranks below every number).
    pub fn new(scores: &[f32]) -> Ranking {
        let key = |v: f32| {
            if v.is_nan() {
                f32::NEG_INFINITY
            } else {
                // −0.0 and 0.0 tie, as numpy compares them.
                v + 0.0
            }
        };
        let mut order: Vec<u32> = (0..scores.len() as u32).collect();
        // A stable sort keeps equal scores in class order.
        order.sort_by(|&a, &b| {
            let (a, b) = (key(scores[a as usize]), key(scores[b as usize]));
            b.partial_cmp(&a).unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut rank = vec![0u32; scores.len()];
        for (r, &c) in order.iter().enumerate() {
            rank[c as usize] = r as u32 + 1;
        }
        Ranking { order, rank }
    }

    /// The number of classes ranked.
    pub fn classes(&self) -> usize {
        self.order.len()
    }

    /// The predicted class (rank 1).
    pub fn top1(&self) -> usize {
        self.order.first().map_or(0, |&c| c as usize)
    }

    /// The rank (1-based) of class `c`.
    pub fn rank(&self, c: usize) -> usize {
        self.rank[c] as usize
    }

    /// The class of rank `r` (1-based).
    pub fn class_at(&self, r: usize) -> usize {
        self.order[r - 1] as usize
    }
}

/// T5D's distance from frame `x` to frame `y`: Σ_{i=1..5} |min(i−1, 5) − min(σ(i)−1, 5)|, σ(i)
/// the rank in `y` of the class of rank i in `x`.
pub fn top5_distance(x: &Ranking, y: &Ranking) -> u32 {
    (1..=x.classes().min(5))
        .map(|i| {
            let sigma = y.rank(x.class_at(i));
            ((i - 1) as i64 - (sigma - 1).min(5) as i64).unsigned_abs() as u32
        })
        .sum()
}

/// The Zipf distance from `x` to `y`: Σ_{r=1..C} |1/r − 1/σ(r)| · 1/r.
pub fn zipf_distance(x: &Ranking, y: &Ranking) -> f64 {
    (1..=x.classes())
        .map(|r| {
            let inv = 1.0 / r as f64;
            let sigma = y.rank(x.class_at(r)) as f64;
            (inv - 1.0 / sigma).abs() * inv
        })
        .sum()
}

/// One video's values: the means over its compared pairs.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct VideoStability {
    /// The fraction of pairs whose predictions differ.
    pub flip: f64,
    /// The mean top-5 distance.
    pub top5: f64,
    /// The mean Zipf distance.
    pub zipf: f64,
    pub pairs: usize,
}

/// The values of one video of `frames` (in order), comparing the frames `pairing` pairs at
/// difficulty `difficulty`.
pub fn video(frames: &[Ranking], pairing: Pairing, difficulty: u32) -> Result<VideoStability> {
    let pairs = pairing.pairs(frames.len(), difficulty as usize);
    if pairs.is_empty() {
        return Err(Error::Invalid(format!(
            "a sequence of {} frames has no pair of frames {difficulty} apart to compare",
            frames.len()
        )));
    }
    let (mut flips, mut top5, mut zipf) = (0usize, 0u64, 0f64);
    for &(a, b) in &pairs {
        let (x, y) = (&frames[a], &frames[b]);
        flips += (x.top1() != y.top1()) as usize;
        top5 += top5_distance(x, y) as u64;
        zipf += zipf_distance(x, y);
    }
    let n = pairs.len() as f64;
    Ok(VideoStability {
        flip: flips as f64 / n,
        top5: top5 as f64 / n,
        zipf: zipf / n,
        pairs: pairs.len(),
    })
}

/// The running sums over the videos of one perturbation at one difficulty.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Tally {
    pub videos: usize,
    /// Frames per video (the last video's; every video of a part has the same count).
    pub frames: usize,
    /// Pairs compared per video.
    pub pairs: usize,
    flip: f64,
    top5: f64,
    zipf: f64,
}

impl Tally {
    pub fn add(&mut self, frames: usize, v: &VideoStability) {
        self.videos += 1;
        self.frames = frames;
        self.pairs = v.pairs;
        self.flip += v.flip;
        self.top5 += v.top5;
        self.zipf += v.zipf;
    }

    /// FP: the mean over videos of each video's flip fraction.
    pub fn flip_probability(&self) -> f64 {
        self.flip / self.videos as f64
    }

    /// uT5D: the mean over videos of each video's mean top-5 distance.
    pub fn top5_distance(&self) -> f64 {
        self.top5 / self.videos as f64
    }

    /// The mean over videos of each video's mean Zipf distance.
    pub fn zipf_distance(&self) -> f64 {
        self.zipf / self.videos as f64
    }
}

/// A baseline model's unnormalised numbers, as `--write-baseline` writes them.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    /// Always [`BASELINE_FORMAT`].
    pub format: String,
    /// The suite measured (`imagenet-p`, `tiny-imagenet-p`, `cifar10-p`).
    pub suite: String,
    pub model: BaselineModel,
    /// What was measured on: the report's `dataset.kind`, `path` and `fingerprint`.
    pub dataset: BaselineDataset,
    /// By perturbation, then difficulty (`"1"`..`"3"`).
    pub perturbations: BTreeMap<String, BTreeMap<String, BaselineNumbers>>,
}

/// The `format` of a baseline file.
pub const BASELINE_FORMAT: &str = "blight-stability-baseline-1";

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineModel {
    /// The model file's name.
    pub name: String,
    pub sha256: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineDataset {
    pub kind: String,
    pub path: String,
    pub fingerprint: String,
}

/// One perturbation at one difficulty, unnormalised.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BaselineNumbers {
    pub videos: usize,
    #[serde(rename = "FP")]
    pub fp: f64,
    #[serde(rename = "uT5D")]
    pub ut5d: f64,
    pub zipf: f64,
}

impl Baseline {
    /// The baseline of a run's `measured` tallies.
    pub fn of(
        suite: &str,
        model: BaselineModel,
        dataset: BaselineDataset,
        measured: &BTreeMap<(String, u32), Tally>,
    ) -> Baseline {
        let mut perturbations: BTreeMap<String, BTreeMap<String, BaselineNumbers>> =
            BTreeMap::new();
        for ((name, d), t) in measured {
            perturbations.entry(name.clone()).or_default().insert(
                d.to_string(),
                BaselineNumbers {
                    videos: t.videos,
                    fp: t.flip_probability(),
                    ut5d: t.top5_distance(),
                    zipf: t.zipf_distance(),
                },
            );
        }
        Baseline {
            format: BASELINE_FORMAT.into(),
            suite: suite.into(),
            model,
            dataset,
            perturbations,
        }
    }

    /// Reads and checks the baseline file at `path`.
    pub fn read(path: &Path) -> Result<Baseline> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let baseline: Baseline = serde_json::from_str(&text).map_err(|e| {
            Error::file(
                path,
                format!(
                    "not a baseline file (`blight evaluate --write-baseline` writes them): {e}"
                ),
            )
        })?;
        if baseline.format != BASELINE_FORMAT {
            return Err(Error::file(
                path,
                format!(
                    "baseline format '{}', blight reads '{BASELINE_FORMAT}'",
                    baseline.format
                ),
            ));
        }
        for (name, by_difficulty) in &baseline.perturbations {
            for (d, n) in by_difficulty {
                let fine = |v: f64| v.is_finite() && v >= 0.0;
                let measured = fine(n.fp) && n.fp <= 1.0 && fine(n.ut5d) && n.ut5d <= 15.0;
                let known = matches!(d.as_str(), "1" | "2" | "3");
                if !(measured && fine(n.zipf) && known) {
                    return Err(Error::file(
                        path,
                        format!(
                            "{name} difficulty {d}: FP {} / uT5D {} / zipf {} is not a \
                             measurement (FP in [0, 1], uT5D in [0, 15], difficulty 1..3)",
                            n.fp, n.ut5d, n.zipf
                        ),
                    ));
                }
            }
        }
        Ok(baseline)
    }

    /// Writes the baseline as JSON.
    pub fn write(&self, path: &Path) -> Result<()> {
        let json = serde_json::to_string_pretty(self)
            .map_err(|e| Error::Invalid(format!("cannot serialise the baseline: {e}")))?;
        crate::io::write_atomic(path, (json + "\n").as_bytes())
    }

    fn get(&self, perturbation: &str, difficulty: u32) -> Option<&BaselineNumbers> {
        self.perturbations
            .get(perturbation)?
            .get(&difficulty.to_string())
    }
}

/// Which baseline normalised a report.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BaselineInfo {
    /// The baseline file.
    pub path: String,
    /// The baseline model's file name and sha256.
    pub model: String,
    pub sha256: String,
    /// What the baseline was measured on.
    pub dataset: BaselineDataset,
}

/// One perturbation at one difficulty.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DifficultyNumbers {
    pub videos: usize,
    /// Frames per video.
    pub frames: usize,
    /// Pairs of frames compared per video.
    pub pairs: usize,
    /// Flip probability (a fraction).
    #[serde(rename = "FP")]
    pub fp: f64,
    /// Unnormalised top-5 distance (0..15).
    #[serde(rename = "uT5D")]
    pub ut5d: f64,
    /// Zipf distance.
    pub zipf: f64,
    /// Flip rate FP / FP_baseline, percent; null without a baseline entry.
    #[serde(rename = "FR")]
    pub fr: Option<f64>,
    /// uT5D / uT5D_baseline, percent; null without a baseline entry.
    #[serde(rename = "T5D")]
    pub t5d: Option<f64>,
}

/// One perturbation: whether it is one of the 10 in the means, and its difficulties.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PerturbationNumbers {
    pub test: bool,
    /// By difficulty, `"1"`..`"3"`.
    pub difficulties: BTreeMap<String, DifficultyNumbers>,
}

/// The means over the 10 test perturbations at one difficulty: null unless all 10 were run
/// (and, for mFR and mT5D, the baseline has all 10).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MeanNumbers {
    /// Mean FP (a fraction): `cifar-p-eval.py`'s "Mean Flipping Prob".
    #[serde(rename = "mean_FP")]
    pub mean_fp: Option<f64>,
    #[serde(rename = "mean_uT5D")]
    pub mean_ut5d: Option<f64>,
    /// Percent.
    #[serde(rename = "mFR")]
    pub mfr: Option<f64>,
    /// Percent.
    #[serde(rename = "mT5D")]
    pub mt5d: Option<f64>,
}

/// Everything the report states about a sequence run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StabilityResults {
    pub suite: String,
    /// The 10 perturbations the means run over.
    pub test_perturbations: Vec<String>,
    /// Whether FR, T5D, mFR and mT5D were normalised (a baseline was given).
    pub normalised: bool,
    pub baseline: Option<BaselineInfo>,
    pub perturbations: BTreeMap<String, PerturbationNumbers>,
    /// The means at each difficulty run.
    pub difficulties: BTreeMap<String, MeanNumbers>,
    /// Difficulty 1's means (the leaderboard's numbers), repeated here.
    #[serde(rename = "mFR")]
    pub mfr: Option<f64>,
    #[serde(rename = "mT5D")]
    pub mt5d: Option<f64>,
    #[serde(rename = "mean_FP")]
    pub mean_fp: Option<f64>,
    #[serde(rename = "mean_uT5D")]
    pub mean_ut5d: Option<f64>,
}

/// A ratio in percent, or `None` where the baseline's value is 0 or absent.
fn percent_of(value: f64, base: Option<f64>) -> Option<f64> {
    base.filter(|b| *b > 0.0).map(|b| 100.0 * value / b)
}

/// The report's numbers for `measured` ((perturbation, difficulty) → tally) of `suite`,
/// normalised by `baseline` (with its description `info`) where given.
pub fn summarise(
    suite: &str,
    measured: &BTreeMap<(String, u32), Tally>,
    baseline: Option<(&Baseline, BaselineInfo)>,
) -> StabilityResults {
    let tests = test_perturbations(suite);
    let base = baseline.as_ref().map(|(b, _)| *b);
    let mut perturbations: BTreeMap<String, PerturbationNumbers> = BTreeMap::new();
    for ((name, d), t) in measured {
        if t.videos == 0 {
            continue;
        }
        let reference = base.and_then(|b| b.get(name, *d));
        let (fp, ut5d) = (t.flip_probability(), t.top5_distance());
        perturbations
            .entry(name.clone())
            .or_insert_with(|| PerturbationNumbers {
                test: tests.contains(&name.as_str()),
                difficulties: BTreeMap::new(),
            })
            .difficulties
            .insert(
                d.to_string(),
                DifficultyNumbers {
                    videos: t.videos,
                    frames: t.frames,
                    pairs: t.pairs,
                    fp,
                    ut5d,
                    zipf: t.zipf_distance(),
                    fr: percent_of(fp, reference.map(|r| r.fp)),
                    t5d: percent_of(ut5d, reference.map(|r| r.ut5d)),
                },
            );
    }
    let mut difficulties = BTreeMap::new();
    let run: std::collections::BTreeSet<u32> = measured.keys().map(|(_, d)| *d).collect();
    for d in run {
        let key = d.to_string();
        let of = |name: &str| perturbations.get(name)?.difficulties.get(&key);
        let all: Option<Vec<&DifficultyNumbers>> = tests.iter().map(|n| of(n)).collect();
        let mean = |pick: &dyn Fn(&DifficultyNumbers) -> Option<f64>| -> Option<f64> {
            let values: Option<Vec<f64>> = all.as_ref()?.iter().map(|n| pick(n)).collect();
            values.map(|v| v.iter().sum::<f64>() / v.len() as f64)
        };
        difficulties.insert(
            key.clone(),
            MeanNumbers {
                mean_fp: mean(&|n| Some(n.fp)),
                mean_ut5d: mean(&|n| Some(n.ut5d)),
                mfr: mean(&|n| n.fr),
                mt5d: mean(&|n| n.t5d),
            },
        );
    }
    let first = difficulties.get("1").cloned();
    StabilityResults {
        suite: suite.into(),
        test_perturbations: tests.iter().map(|s| s.to_string()).collect(),
        normalised: baseline.is_some(),
        baseline: baseline.map(|(_, info)| info),
        perturbations,
        difficulties,
        mfr: first.as_ref().and_then(|m| m.mfr),
        mt5d: first.as_ref().and_then(|m| m.mt5d),
        mean_fp: first.as_ref().and_then(|m| m.mean_fp),
        mean_ut5d: first.as_ref().and_then(|m| m.mean_ut5d),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Scores whose ranking is `order` (best first) over `order.len()` classes.
    fn ranked(order: &[u32]) -> Ranking {
        let mut scores = vec![0f32; order.len()];
        for (r, &c) in order.iter().enumerate() {
            scores[c as usize] = (order.len() - r) as f32;
        }
        Ranking::new(&scores)
    }

    #[test]
    fn ranks_are_ordinal_with_ties_to_the_lower_class() {
        // rankdata(-[0.5, 2, 2, -1, 2], 'ordinal') = [4, 1, 2, 5, 3].
        let r = Ranking::new(&[0.5, 2.0, 2.0, -1.0, 2.0]);
        let ranks: Vec<usize> = (0..5).map(|c| r.rank(c)).collect();
        assert_eq!(ranks, vec![4, 1, 2, 5, 3]);
        assert_eq!(r.top1(), 1);
        // −0.0 and 0.0 tie; NaN ranks last.
        let r = Ranking::new(&[f32::NAN, 0.0, -0.0]);
        assert_eq!((r.rank(0), r.rank(1), r.rank(2)), (3, 1, 2));
    }

    /// Spec self-test: identical rankings are 0 apart.
    #[test]
    fn identical_rankings_are_zero_apart() {
        let x = Ranking::new(&[0.3, -1.0, 4.0, 2.0, 2.0, 0.0, 7.0, 1.5]);
        assert_eq!(top5_distance(&x, &x), 0);
        assert_eq!(zipf_distance(&x, &x), 0.0);
    }

    /// Spec self-test: the top 5 all moving to ranks ≥ 6 is distance 15.
    #[test]
    fn top5_all_moved_is_fifteen() {
        let x = ranked(&[0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let y = ranked(&[5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
        assert_eq!(top5_distance(&x, &y), 15);
        // Moving only below rank 6 does not count.
        let z = ranked(&[0, 1, 2, 3, 4, 9, 8, 7, 6, 5]);
        assert_eq!(top5_distance(&x, &z), 0);
    }

    /// Spec self-test: the noise pairs compare every frame with frame 0, never j − 1.
    #[test]
    fn noise_pairs_are_against_frame_zero() {
        assert_eq!(pairing_of("gaussian_noise"), Pairing::AgainstFirst);
        assert_eq!(pairing_of("speckle_noise"), Pairing::AgainstFirst);
        assert_eq!(pairing_of("shear"), Pairing::Stride);
        let a = ranked(&[0, 1, 2, 3, 4, 5]);
        let b = ranked(&[1, 0, 2, 3, 4, 5]);
        // Frames a, b, b: against frame 0 both later frames flip; consecutive, one does.
        let frames = [a.clone(), b.clone(), b.clone()];
        let noise = video(&frames, Pairing::AgainstFirst, 1).unwrap();
        assert_eq!((noise.flip, noise.pairs), (1.0, 2));
        let stride = video(&frames, Pairing::Stride, 1).unwrap();
        assert_eq!((stride.flip, stride.pairs), (0.5, 2));
        // A noise's difficulty selects data, never a stride.
        assert_eq!(video(&frames, Pairing::AgainstFirst, 3).unwrap(), noise);
    }

    /// Spec self-test: translate's 41 frames give 40 pairs at d = 1 (39 at 2, 38 at 3).
    #[test]
    fn translate_has_forty_pairs() {
        let frames = vec![ranked(&[0, 1, 2, 3, 4, 5]); 41];
        for (d, pairs) in [(1, 40), (2, 39), (3, 38)] {
            assert_eq!(video(&frames, Pairing::Stride, d).unwrap().pairs, pairs);
        }
    }

    /// A small example worked by hand: 6 classes, 4 frames.
    ///
    /// Frame rankings (best first): f0 = 0 1 2 3 4 5, f1 = 1 0 2 3 4 5, f2 = 1 0 2 3 5 4,
    /// f3 = 5 4 3 2 1 0.
    /// * f0→f1: σ = (2, 1, 3, 4, 5, 6): top-5 |0−1| + |1−0| = 2; zipf |1 − 1/2|·1 + |1/2 − 1|·1/2
    ///   = 0.75. Prediction 0 → 1: a flip.
    /// * f1→f2: σ = (1, 2, 3, 4, 6, 5): top-5 |4 − 5| = 1; zipf |1/5 − 1/6|·1/5 + |1/6 − 1/5|·1/6
    ///   = 1/150 + 1/180 = 11/900. No flip.
    /// * f0→f2: σ = (2, 1, 3, 4, 6, 5): top-5 2 + 1 = 3; zipf 0.75 + 11/900. Flip.
    /// * f2→f3: σ = (5, 6, 4, 3, 1, 2) (class 1 is at rank 5 in f3, class 0 at 6, 2 at 4, 3 at
    ///   3, 5 at 1): top-5 |0−4| + |1−5| + |2−3| + |3−2| + |4−0| = 14. Flip (1 → 5).
    /// * f1→f3: σ = (5, 6, 4, 3, 2, 1): top-5 4 + 4 + 1 + 1 + |4−1| = 13.
    /// * f0→f3: σ = (6, 5, 4, 3, 2, 1): top-5 5 + 3 + 1 + 1 + 3 = 13.
    ///
    /// Stride d = 1: pairs (0,1), (1,2), (2,3): FP 2/3, T5D (2 + 1 + 14)/3 = 17/3.
    /// Stride d = 2: pairs (0,2), (1,3): FP 1, T5D (3 + 13)/2 = 8.
    /// Against frame 0: (0,1), (0,2), (0,3): FP 1, T5D (2 + 3 + 13)/3 = 6.
    #[test]
    fn hand_checked_example() {
        let frames = [
            ranked(&[0, 1, 2, 3, 4, 5]),
            ranked(&[1, 0, 2, 3, 4, 5]),
            ranked(&[1, 0, 2, 3, 5, 4]),
            ranked(&[5, 4, 3, 2, 1, 0]),
        ];
        assert_eq!(top5_distance(&frames[0], &frames[1]), 2);
        assert!((zipf_distance(&frames[0], &frames[1]) - 0.75).abs() < 1e-15);
        assert_eq!(top5_distance(&frames[1], &frames[2]), 1);
        assert!((zipf_distance(&frames[1], &frames[2]) - 11.0 / 900.0).abs() < 1e-15);
        assert_eq!(top5_distance(&frames[2], &frames[3]), 14);
        assert_eq!(top5_distance(&frames[1], &frames[3]), 13);
        assert_eq!(top5_distance(&frames[0], &frames[3]), 13);

        let one = video(&frames, Pairing::Stride, 1).unwrap();
        assert!((one.flip - 2.0 / 3.0).abs() < 1e-15);
        assert!((one.top5 - 17.0 / 3.0).abs() < 1e-15);
        let two = video(&frames, Pairing::Stride, 2).unwrap();
        assert_eq!((two.flip, two.top5, two.pairs), (1.0, 8.0, 2));
        let noise = video(&frames, Pairing::AgainstFirst, 1).unwrap();
        assert_eq!((noise.flip, noise.top5, noise.pairs), (1.0, 6.0, 3));

        // Two videos weigh the same whatever their pairs: this one and a still one.
        let still = vec![frames[0].clone(); 4];
        let mut tally = Tally::default();
        tally.add(4, &one);
        tally.add(4, &video(&still, Pairing::Stride, 1).unwrap());
        assert!((tally.flip_probability() - 1.0 / 3.0).abs() < 1e-15);
        assert!((tally.top5_distance() - 17.0 / 6.0).abs() < 1e-15);
    }

    fn tallies(fp: f64, names: &[&str]) -> BTreeMap<(String, u32), Tally> {
        names
            .iter()
            .map(|n| {
                let mut t = Tally::default();
                t.add(
                    31,
                    &VideoStability {
                        flip: fp,
                        top5: 10.0 * fp,
                        zipf: fp,
                        pairs: 30,
                    },
                );
                ((n.to_string(), 1), t)
            })
            .collect()
    }

    #[test]
    fn means_need_all_ten_and_the_baseline_normalises() {
        let mut names: Vec<&str> = TEST_PERTURBATIONS.to_vec();
        names.push("shear");
        let measured = tallies(0.1, &names);
        let plain = summarise("imagenet-p", &measured, None);
        assert!(!plain.normalised && plain.mfr.is_none());
        assert!((plain.mean_fp.unwrap() - 0.1).abs() < 1e-12);
        assert!(!plain.perturbations["shear"].test);
        assert!(plain.perturbations["snow"].test);

        let baseline = Baseline::of(
            "imagenet-p",
            BaselineModel {
                name: "alexnet.onnx".into(),
                sha256: "00".into(),
            },
            BaselineDataset {
                kind: "generated".into(),
                path: "val".into(),
                fingerprint: "ff".into(),
            },
            &tallies(0.4, &names),
        );
        let info = BaselineInfo {
            path: "b.json".into(),
            model: "alexnet.onnx".into(),
            sha256: "00".into(),
            dataset: baseline.dataset.clone(),
        };
        let r = summarise("imagenet-p", &measured, Some((&baseline, info)));
        assert!((r.mfr.unwrap() - 25.0).abs() < 1e-9);
        assert!((r.mt5d.unwrap() - 25.0).abs() < 1e-9);
        let shear = &r.perturbations["shear"].difficulties["1"];
        assert!((shear.fr.unwrap() - 25.0).abs() < 1e-9);

        // Nine of the ten: no means.
        let nine = tallies(0.1, &TEST_PERTURBATIONS[..9]);
        assert!(summarise("imagenet-p", &nine, None).mean_fp.is_none());
        // CIFAR-10-P averages spatter, not snow, as cifar-p-eval.py does.
        let cifar = tallies(0.1, &CIFAR_TEST_PERTURBATIONS);
        assert!(summarise("cifar10-p", &cifar, None).mean_fp.is_some());
        assert!(summarise("imagenet-p", &cifar, None).mean_fp.is_none());
    }
}
