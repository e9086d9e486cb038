"""Times bethgelab imagecorruptions==1.1.2 on given images, the figures `blight bench --suite
imagecorruptions --image ...` is compared with.

Run with the environment of requirements-imagecorruptions-1.1.2.txt:

    python time_imagecorruptions.py IMAGE [IMAGE ...] [--repeats N] [--budget SECONDS] [--json OUT]

Each image is read as the fixtures' inputs are (PNG, RGB or gray as stored). For every corruption
and severity: np.random.seed(1000 + severity), then corrupt(image, ...), timed in process CPU
time (as `blight bench` times its thread's CPU) and on the wall clock. Each variant runs up to N
times (default 5) and its best time is kept; a variant stops repeating once its runs have used
BUDGET seconds (default 20), so glass_blur's pure-Python pixel loop at 1024x2048 (minutes per
run) is timed once. OpenCV and the BLAS libraries are held to one thread, like the bench.
"""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402
from imagecorruptions import corrupt, get_corruption_names  # noqa: E402


def option(name, default):
    if name in sys.argv:
        i = sys.argv.index(name)
        value = sys.argv[i + 1]
        del sys.argv[i:i + 2]
        return value
    return default


def time_variant(image, corruption, severity, repeats, budget):
    """(best CPU ms, best wall ms, runs)"""
    best_cpu, best_wall, used, runs = float("inf"), float("inf"), 0.0, 0
    while runs < repeats and (runs == 0 or used < budget):
        np.random.seed(1000 + severity)
        wall, cpu = time.perf_counter(), time.process_time()
        corrupt(image, corruption_name=corruption, severity=severity)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        best_cpu, best_wall = min(best_cpu, cpu * 1e3), min(best_wall, wall * 1e3)
        used += wall
        runs += 1
    return best_cpu, best_wall, runs


def main():
    repeats = int(option("--repeats", "5"))
    budget = float(option("--budget", "20"))
    out = option("--json", None)
    cv2.setNumThreads(1)
    names = get_corruption_names("all")
    report = []
    for path in sys.argv[1:]:
        image = np.asarray(Image.open(path))
        timings = []
        print("%s (H×W %d×%d), best CPU ms" % (path, image.shape[0], image.shape[1]), flush=True)
        print("%-18s %9s %9s %9s %9s %9s %10s" % ("", "s1", "s2", "s3", "s4", "s5", "sum"), flush=True)
        for corruption in names:
            row = []
            for severity in range(1, 6):
                cpu, wall, runs = time_variant(image, corruption, severity, repeats, budget)
                row.append(cpu)
                timings.append({"corruption": corruption, "severity": severity, "best_ms": cpu,
                                "best_wall_ms": wall, "runs": runs})
            print("%-18s %s %10.1f" % (corruption, " ".join("%9.1f" % t for t in row), sum(row)),
                  flush=True)
        total = sum(t["best_ms"] for t in timings)
        print("total of all %d variants: %.1f ms CPU (load average %s)"
              % (len(timings), total, " ".join("%.2f" % v for v in os.getloadavg())), flush=True)
        report.append({"image": path, "height": image.shape[0], "width": image.shape[1],
                       "repeats": repeats, "budget_s": budget, "timings": timings,
                       "total_ms": total, "loadavg": os.getloadavg()})
    if out:
        with open(out, "w") as f:
            json.dump(report, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
