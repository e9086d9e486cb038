"""Writes src/rng/fast/ziggurat_table.rs: the edges X of the 256-box normal ziggurat.

X[1] = R, X[0] = V / f(R), X[i + 1] = sqrt(-2 ln(V / X[i] + f(X[i]))) in float64 with
f(x) = exp(-x*x/2), X[256] = 0: the recurrence of src/rng/fast/ziggurat.rs, evaluated in the same
order. Run it on x86-64 Linux (glibc's exp and log, as the crate's test of this table does):

    python3 scripts/make_ziggurat_table.py > src/rng/fast/ziggurat_table.rs
"""

import math
import struct

R = 3.654152885361009
AREA = 0.00492867323399


def density(x: float) -> float:
    return math.exp(-x * x / 2.0)


x = [0.0] * 257
x[0] = AREA / density(R)
x[1] = R
for i in range(1, 255):
    x[i + 1] = math.sqrt(-2.0 * math.log(AREA / x[i] + density(x[i])))
x[256] = 0.0

print("//! The ziggurat's box edges X[0..=256] as float64 bits; see `super::ziggurat` and")
print("//! `scripts/make_ziggurat_table.py`, which writes this file.")
print()
print("pub(super) const X_BITS: [u64; 257] = [")
for v in x:
    print(f"    {struct.unpack('<Q', struct.pack('<d', v))[0]:#018x},")
print("];")
