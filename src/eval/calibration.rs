//! Expected calibration error (Guo et al. 2017, "On Calibration of Modern Neural Networks"):
//! predictions are put into 15 equal-width bins of confidence (the top softmax probability),
//! and ECE = Σ_b |B_b|/n · |accuracy(B_b) − mean confidence(B_b)|. A confidence of exactly 1
//! falls into the last bin.

/// The number of confidence bins.
pub const BINS: usize = 15;

/// ECE of predictions given as (confidence, correct) pairs; 0 for none.
pub fn expected_calibration_error(predictions: &[(f32, bool)]) -> f64 {
    if predictions.is_empty() {
        return 0.0;
    }
    let mut count = [0usize; BINS];
    let mut confidence = [0f64; BINS];
    let mut correct = [0usize; BINS];
    for &(c, ok) in predictions {
        let b = ((c.clamp(0.0, 1.0) as f64 * BINS as f64) as usize).min(BINS - 1);
        count[b] += 1;
        confidence[b] += c as f64;
        correct[b] += ok as usize;
    }
    let n = predictions.len() as f64;
    (0..BINS)
        .filter(|&b| count[b] > 0)
        .map(|b| {
            let m = count[b] as f64;
            (m / n) * (correct[b] as f64 / m - confidence[b] / m).abs()
        })
        .sum()
}

/// Softmax of `scores`, unless they already are probabilities (non-negative, summing to 1
/// within 1e-3), as a model with a softmax output gives them.
pub fn probabilities(scores: &[f32]) -> Vec<f32> {
    let sum: f32 = scores.iter().sum();
    if scores.iter().all(|&s| s >= 0.0) && (sum - 1.0).abs() < 1e-3 {
        return scores.to_vec();
    }
    let max = scores.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = scores.iter().map(|&s| (s - max).exp()).collect();
    let total: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / total).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ece_by_hand() {
        // Bin of 0.9 confidence: 2 predictions, 1 right → |0.5 − 0.9| · 2/4.
        // Bin of 0.3 confidence: 2 predictions, 0 right → |0 − 0.3| · 2/4.
        let p = [(0.9, true), (0.9, false), (0.3, false), (0.3, false)];
        let want = 0.5 * 0.4 + 0.5 * 0.3;
        assert!((expected_calibration_error(&p) - want).abs() < 1e-6);
        assert_eq!(expected_calibration_error(&[(1.0, true)]), 0.0);
    }

    #[test]
    fn probabilities_pass_through_and_logits_get_softmax() {
        assert_eq!(probabilities(&[0.25, 0.75]), vec![0.25, 0.75]);
        let p = probabilities(&[0.0, 2.0f32.ln()]);
        assert!((p[1] - 2.0 / 3.0).abs() < 1e-6);
    }
}
