"""Writes tests/fixtures/numpy/random_state.json: draws of numpy's legacy RandomState that the
`numpy` random source must reproduce bit for bit. Run with any numpy (the legacy stream is frozen):
    python scripts/make_numpy_rng_fixture.py > tests/fixtures/numpy/random_state.json
"""
import json
import numpy as np


def draws(seed):
    rs = np.random.RandomState(seed)
    out = {"seed": seed}
    out["raw_u32"] = [int(v) for v in rs.randint(0, 2**32, size=6, dtype=np.uint64)]
    out["random_sample"] = rs.random_sample(6).tolist()
    out["standard_normal"] = rs.standard_normal(7).tolist()
    out["normal_0.5_0.08"] = rs.normal(0.5, 0.08, size=5).tolist()
    out["uniform_-45_45"] = rs.uniform(-45, 45, size=4).tolist()
    lam = [0.0, 0.5, 3.5, 9.99, 10.0, 18.0, 60.0, 255.0 * 0.37]
    out["poisson_lam"] = lam
    out["poisson"] = [int(v) for v in rs.poisson(np.array(lam))]
    out["randint_-3_3"] = [int(v) for v in rs.randint(-3, 3, size=9)]
    out["randint_5"] = int(rs.randint(5))
    out["randint_0_377"] = [int(v) for v in rs.randint(0, 377, size=5)]
    out["after_random_sample"] = float(rs.random_sample())
    return out


print(json.dumps({"numpy": np.__version__, "cases": [draws(s) for s in (0, 1001, 12345, 4294967295)]}, indent=1))
