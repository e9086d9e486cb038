//! The tables of the 256-box normal ziggurat (Doornik's ZIGNOR layout) under f(x) = exp(−x²/2):
//! box i ≥ 1 spans [0, X[i]] between heights F[i] and F[i + 1]; every box, and the base strip
//! (box 0, with the tail beyond R), has area V = 0.00492867323399.
//!
//! X[1] = R = 3.6541528853610088, X[0] = V / f(R), X[i + 1] = sqrt(−2 ln(V / X[i] + f(X[i]))) in
//! float64, X[256] = 0, and F[i] = f(X[i]). The tables are computed once, on first use, from this
//! recurrence (Marsaglia & Tsang's construction).

use crate::ops::exp::exp;
use std::sync::OnceLock;

/// The start of the tail: X[1].
pub(super) const R: f64 = 3.654152885361009;

/// The area of every box.
const AREA: f64 = 0.00492867323399;

/// The box edges X and the density at them F.
pub(super) struct Tables {
    pub x: [f64; 257],
    pub f: [f64; 257],
}

/// The tables, built on first use.
pub(super) fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let density = |x: f64| exp(-x * x / 2.0);
        let mut x = [0.0f64; 257];
        x[0] = AREA / density(R);
        x[1] = R;
        for i in 1..255 {
            x[i + 1] = (-2.0 * (AREA / x[i] + density(x[i])).ln()).sqrt();
        }
        x[256] = 0.0;
        let f = x.map(density);
        Tables { x, f }
    })
}
