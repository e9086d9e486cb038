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
    out.push_str(&format!("{:<20} {:>8} {:>12}\n", "corruption", "CE", "relative CE"));
    for (name, ce) in &summary.ce {
        out.push_str(&format!(
            "{:<20} {:>8.2} {:>12.2}\n",
            name, ce, summary.relative_ce[name]
        ));
    }
    out.push_str(&format!("mCE {:.2}\n", summary.mce));
    out.push_str(&format!("relative mCE {:.2}\n", summary.relative_mce));
    out.push_str(&format!("unnormalized mCE {:.2}\n", summary.unnormalized_mce));
    out
}
