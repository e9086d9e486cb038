"""Writes src/ops/exp_table.rs: the 2^(k/128) table of `ops::exp`.

For k in 0..128 the exact value 2^(k/128) is split as H·(1 + T): H is the nearest double to it, T
the nearest double to the relative remainder. The table keeps T's bits, and H's bits less k·2^45
(k/128 in the exponent field), so that adding the shifted k back gives 2^(k/128)·2^(k div 128)
in one integer addition. Both are computed from 60-digit decimals, far beyond double precision.

    python3 scripts/make_exp_table.py > src/ops/exp_table.rs
"""

import struct
from decimal import Decimal, getcontext

getcontext().prec = 60
N = 128


def bits(v: float) -> int:
    return struct.unpack("<Q", struct.pack("<d", v))[0]


print("//! 2^(k/128) for k in 0..128 as (T, H - k·2^45) bit pairs; see `super::exp` and")
print("//! `scripts/make_exp_table.py`, which writes this file.")
print()
print("pub(super) const TABLE: [u64; 2 * 128] = [")
for k in range(N):
    exact = Decimal(2) ** (Decimal(k) / N)
    high = float(exact)  # Decimal -> float rounds to nearest
    tail = float((exact - Decimal(high)) / Decimal(high))
    print(f"    {bits(tail):#018x},")
    print(f"    {(bits(high) - (k << 45)) & (2**64 - 1):#018x},")
print("];")
