//! ImageNet-C's corruption metrics from a table of top-1 errors (spec §7.1).
//!
//! With E_{s,c} the top-1 error on corruption c at severity s and A the AlexNet baseline
//! ([`super::alexnet`]):
//! * CE_c = Σ_s E_{s,c} / Σ_s A_{s,c}; mCE = mean of CE_c over the 15 common corruptions;
//! * relative CE_c = Σ_s (E_{s,c} − E_clean) / Σ_s (A_{s,c} − A_clean); relative mCE = its mean
//!   over the 15;
//! * unnormalised mCE = the mean error over every corruption in the table and all severities
//!   (what `ImageNet-C/test.py` prints; with all 19 in the table it averages all 19).
//!
//! Everything is reported in percent. The table is what `blight metrics` reads and what
//! `blight evaluate` measures, so a published table can be checked without running a model.

use super::alexnet;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;

/// Top-1 errors as fractions in [0, 1]: the clean error and five severities per corruption.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErrorTable {
    pub clean: f64,
    pub errors: BTreeMap<String, [f64; 5]>,
}

/// The headline numbers, in percent.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    #[serde(rename = "mCE")]
    pub mce: f64,
    #[serde(rename = "relative_mCE")]
    pub relative_mce: f64,
    #[serde(rename = "unnormalized_mCE")]
    pub unnormalized_mce: f64,
    #[serde(rename = "CE")]
    pub ce: BTreeMap<String, f64>,
    #[serde(rename = "relative_CE")]
    pub relative_ce: BTreeMap<String, f64>,
}

impl ErrorTable {
    /// Reads and checks the JSON table at `path` (format in the README: `{"clean": 0.2387,
    /// "errors": {"gaussian_noise": [e1, e2, e3, e4, e5], ...}}`).
    pub fn read(path: &Path) -> Result<ErrorTable> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let table: ErrorTable = serde_json::from_str(&text)
            .map_err(|e| Error::file(path, format!("not an error table: {e}")))?;
        table
            .check()
            .map_err(|message| Error::file(path, message))?;
        Ok(table)
    }

    /// Refuses errors outside [0, 1], names without an AlexNet baseline and a table that lacks
    /// one of the 15 common corruptions.
    pub fn check(&self) -> std::result::Result<(), String> {
        let in_unit = |e: f64| (0.0..=1.0).contains(&e);
        if !in_unit(self.clean) {
            return Err(format!(
                "clean error {} is outside [0, 1] (errors are fractions, not percent)",
                self.clean
            ));
        }
        for (name, errors) in &self.errors {
            if alexnet::errors(name).is_none() {
                return Err(unknown(name));
            }
            if let Some((s, e)) = errors.iter().enumerate().find(|(_, e)| !in_unit(**e)) {
                return Err(format!(
                    "{name} severity {}: error {e} is outside [0, 1] (errors are fractions, not percent)",
                    s + 1
                ));
            }
        }
        let missing: Vec<&str> = alexnet::common()
            .filter(|c| !self.errors.contains_key(*c))
            .collect();
        if !missing.is_empty() {
            return Err(format!(
                "missing corruption(s) {} (mCE needs all 15 common corruptions)",
                missing.join(", ")
            ));
        }
        Ok(())
    }

    /// CE, relative CE and their means. The table must have passed [`ErrorTable::check`].
    pub fn summary(&self) -> Summary {
        let mut ce = BTreeMap::new();
        let mut relative_ce = BTreeMap::new();
        for (name, errors) in &self.errors {
            if let Some((c, r)) = corruption_error(name, errors, self.clean) {
                ce.insert(name.clone(), c);
                relative_ce.insert(name.clone(), r);
            }
        }
        let common_mean = |m: &BTreeMap<String, f64>| {
            alexnet::common().map(|c| m[c]).sum::<f64>() / alexnet::COMMON as f64
        };
        let all: Vec<f64> = self.errors.values().flatten().copied().collect();
        Summary {
            mce: common_mean(&ce),
            relative_mce: common_mean(&relative_ce),
            unnormalized_mce: 100.0 * all.iter().sum::<f64>() / all.len() as f64,
            ce,
            relative_ce,
        }
    }
}

/// CE and relative CE (percent) of corruption `name`, given its five severities' errors and
/// the clean error; `None` for a corruption without an AlexNet baseline.
pub fn corruption_error(name: &str, errors: &[f64; 5], clean: f64) -> Option<(f64, f64)> {
    let baseline = alexnet::errors(name)?;
    let sum: f64 = errors.iter().sum();
    let base: f64 = baseline.iter().sum();
    let relative = sum - 5.0 * clean;
    let base_relative = base - 5.0 * alexnet::CLEAN_ERROR;
    Some((100.0 * sum / base, 100.0 * relative / base_relative))
}

/// Why `name` cannot be scored: not a corruption at all, or one without an AlexNet baseline.
fn unknown(name: &str) -> String {
    let in_a_suite = crate::suite::Suite::built_in_names().any(|suite| {
        crate::suite::Suite::built_in(suite)
            .map(|s| s.corruptions.iter().any(|c| c.name == name))
            .unwrap_or(false)
    });
    if in_a_suite {
        format!("{name} has no AlexNet baseline (CE is defined for the 19 ImageNet-C corruptions)")
    } else {
        format!("unknown corruption '{name}' (try `blight list`)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alexnet_table() -> ErrorTable {
        ErrorTable {
            clean: alexnet::CLEAN_ERROR,
            errors: alexnet::ERRORS
                .iter()
                .map(|(n, e)| (n.to_string(), *e))
                .collect(),
        }
    }

    /// AlexNet scored against itself: every CE and relative CE is exactly 100.
    #[test]
    fn alexnet_scores_one_hundred() {
        let s = alexnet_table().summary();
        assert!((s.mce - 100.0).abs() < 1e-9);
        assert!((s.relative_mce - 100.0).abs() < 1e-9);
        assert_eq!(s.ce.len(), 19);
    }

    /// Halving every error halves CE; relative CE follows its own formula.
    #[test]
    fn ce_and_relative_ce_follow_the_formulas() {
        let mut t = alexnet_table();
        t.clean = 0.2;
        for e in t.errors.values_mut() {
            for x in e.iter_mut() {
                *x *= 0.5;
            }
        }
        let s = t.summary();
        assert!((s.ce["fog"] - 50.0).abs() < 1e-9);
        let fog = alexnet::errors("fog").unwrap();
        let want = (fog.iter().sum::<f64>() * 0.5 - 1.0)
            / (fog.iter().sum::<f64>() - 5.0 * alexnet::CLEAN_ERROR);
        assert!((s.relative_ce["fog"] - 100.0 * want).abs() < 1e-9);
    }

    #[test]
    fn bad_tables_are_refused() {
        let mut t = alexnet_table();
        t.errors.remove("fog");
        assert!(t.check().unwrap_err().contains("missing corruption(s) fog"));
        let mut t = alexnet_table();
        t.errors.get_mut("snow").unwrap()[2] = 45.0;
        assert!(t.check().unwrap_err().contains("snow severity 3"));
        let mut t = alexnet_table();
        t.errors.insert("rain".into(), [0.5; 5]);
        assert!(t.check().unwrap_err().contains("unknown corruption 'rain'"));
    }
}
