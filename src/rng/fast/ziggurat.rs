//! The tables of the 256-box normal ziggurat (Doornik's ZIGNOR layout) under f(x) = exp(−x²/2):
//! box i ≥ 1 spans [0, X[i]] between heights F[i] and F[i + 1]; every box, and the base strip
//! (box 0, with the tail beyond R), has area V = 0.00492867323399.
//!
//! X[1] = R = 3.6541528853610088, X[0] = V / f(R), X[i + 1] = sqrt(−2 ln(V / X[i] + f(X[i]))) in
//! float64, X[256] = 0, and F[i] = f(X[i]) (Marsaglia & Tsang's construction). X is stored
//! (`ziggurat_table.rs`, made by `scripts/make_ziggurat_table.py` with glibc's `log`) rather than
//! computed, because `ln`'s last bit varies between platforms' C libraries and every draw
//! depends on X; F is computed on first use with `ops::exp`, which is the same everywhere.

use super::ziggurat_table::X_BITS;
use crate::ops::exp::exp;
use std::sync::OnceLock;

/// The start of the tail: X[1].
pub(super) const R: f64 = 3.654152885361009;

/// The box edges X and the density at them F.
pub(super) struct Tables {
    pub x: [f64; 257],
    pub f: [f64; 257],
}

/// The tables, built on first use.
pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let x = X_BITS.map(f64::from_bits);
        let f = x.map(density);
        Tables { x, f }
    })
}

/// f(x) = exp(−x²/2).
fn density(x: f64) -> f64 {
    exp(-x * x / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The stored edges are the recurrence's, evaluated with glibc's `log` and `exp`.
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn stored_edges_follow_the_recurrence() {
        const AREA: f64 = 0.00492867323399;
        let density = |x: f64| (-x * x / 2.0).exp();
        let mut x = [0.0f64; 257];
        x[0] = AREA / density(R);
        x[1] = R;
        for i in 1..255 {
            x[i + 1] = (-2.0 * (AREA / x[i] + density(x[i])).ln()).sqrt();
        }
        assert_eq!(x.map(f64::to_bits), X_BITS);
    }

    #[test]
    fn edges_fall_from_the_base_strip_to_zero() {
        let t = tables();
        assert_eq!(t.x[1], R);
        assert_eq!(t.x[256], 0.0);
        assert!(t.x.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(t.f[256], 1.0);
    }
}
