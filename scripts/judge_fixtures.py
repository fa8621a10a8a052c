#!/usr/bin/env python3
"""Reference values for the canary judge's statistics, from scipy.

Produces tests/fixtures/judge/*.json with:

    pip install scipy numpy
    python3 scripts/judge_fixtures.py

(run from the repository root; the output is deterministic for a given
numpy/scipy, whose versions are recorded in every file).

Each case holds the inputs `x` (canary) and `y` (baseline) as strings:
Python's shortest round-trip repr, which Rust's `str::parse::<f64>` reads
back exactly (JSON numbers would go through serde_json's faster, not always
correctly rounded float parser), and "NaN", "inf", "-inf" for the
non-finite values JSON cannot hold. Then:

* `mwu`: for each alternative ("two-sided", "less", "greater"), U and p from
  `scipy.stats.mannwhitneyu(x, y, alternative=alt, method="asymptotic",
  use_continuity=True)` computed on the finite values only (non-finite
  samples are dropped first, as the judge does; `dropped` says how many).
  `null` when a sample is empty after dropping.
* `hl`: for each confidence level, the Hodges-Lehmann estimate (numpy median
  of all pairwise differences x_i - y_j, built and sorted in full) and the
  interval [D(k), D(mn + 1 - k)] of the ordered differences, with
  k = floor(mn/2 - z*sqrt(mn(m + n + 1)/12) + 1/2), z = Phi^-1((1 + c)/2),
  clamped to 1 <= k <= ceil(mn/2) -- the rule documented in
  src/canary/shift.rs. `null` when a sample is empty.
"""

import json
import math
import os
import sys

import numpy as np
import scipy
from scipy import stats

OUT = os.path.join("tests", "fixtures", "judge")
COMMAND = "python3 scripts/judge_fixtures.py"
ALTERNATIVES = ["two-sided", "less", "greater"]
CONFIDENCES = [0.95, 0.9]


def encode(values):
    # repr gives "nan", "inf", "-inf" for the non-finite values; Rust parses
    # "NaN"/"inf"/"-inf" case-insensitively.
    return [repr(float(v)) for v in values]


def ci_rank(m, n, confidence):
    total = m * n
    z = stats.norm.ppf((1.0 + confidence) / 2.0)
    sigma = math.sqrt(m * n * (m + n + 1) / 12.0)
    k = math.floor(m * n / 2.0 - z * sigma + 0.5)
    k = max(k, 1)
    return min(k, (total + 1) // 2)


def reference(name, x, y, note):
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    xf = x[np.isfinite(x)]
    yf = y[np.isfinite(y)]
    case = {
        "name": name,
        "note": note,
        "x": encode(x),
        "y": encode(y),
        "dropped": int(len(x) - len(xf) + len(y) - len(yf)),
        "mwu": None,
        "hl": None,
    }
    if len(xf) == 0 or len(yf) == 0:
        return case
    mwu = {}
    for alt in ALTERNATIVES:
        res = stats.mannwhitneyu(
            xf, yf, alternative=alt, method="asymptotic", use_continuity=True
        )
        p = float(res.pvalue)
        if math.isnan(p):
            # scipy gives 0/0 when every value is tied and U = mu exactly
            # never happens (continuity makes it -0.5/0 = -inf -> p = 1);
            # keep the guard so a scipy change shows up as a diff.
            raise SystemExit(f"{name}/{alt}: scipy returned NaN")
        mwu[alt] = {"u": float(res.statistic), "p": p}
    case["mwu"] = mwu
    diffs = np.sort(np.subtract.outer(xf, yf).ravel())
    total = diffs.size
    hl = []
    for c in CONFIDENCES:
        k = ci_rank(len(xf), len(yf), c)
        hl.append(
            {
                "confidence": c,
                "k": int(k),
                "estimate": float(np.median(diffs)),
                "low": float(diffs[k - 1]),
                "high": float(diffs[total - k]),
            }
        )
    case["hl"] = hl
    return case


def write(file, description, cases):
    doc = {
        "generated_by": COMMAND,
        "description": description,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "cases": cases,
    }
    path = os.path.join(OUT, file)
    with open(path, "w") as f:
        json.dump(doc, f, indent=1, allow_nan=False)
        f.write("\n")
    print(f"wrote {path}: {len(cases)} cases", file=sys.stderr)


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(20260401)

    ties = [
        reference(
            "five_levels_30x40",
            rng.integers(0, 5, 30),
            rng.integers(0, 5, 40),
            "integers 0..4: almost every value tied",
        ),
        reference(
            "three_levels_shifted_200x150",
            rng.integers(1, 4, 200),
            rng.integers(0, 3, 150),
            "canary one level higher, three levels each",
        ),
        reference(
            "binary_25x25",
            rng.integers(0, 2, 25),
            rng.integers(0, 2, 25),
            "0/1 samples (error flags)",
        ),
        reference(
            "rounded_latency_60x80",
            np.round(rng.lognormal(3.0, 0.3, 60)),
            np.round(rng.lognormal(2.9, 0.3, 80)),
            "latencies rounded to whole ms",
        ),
    ]
    write("ties.json", "heavily tied samples", ties)

    small = []
    for m, n in [(3, 3), (3, 5), (4, 7), (5, 5), (6, 8), (8, 8), (8, 3)]:
        small.append(
            reference(
                f"normal_{m}x{n}",
                rng.normal(1.0, 1.0, m),
                rng.normal(0.0, 1.0, n),
                "small continuous samples, canary shifted by +1",
            )
        )
    small.append(
        reference(
            "disjoint_4x4",
            [10.0, 11.0, 12.0, 13.0],
            [1.0, 2.0, 3.0, 4.0],
            "no overlap",
        )
    )
    write("small.json", "small samples, n = 3..8", small)

    large = [
        reference(
            "lognormal_shifted_2000x2000",
            rng.lognormal(3.05, 0.4, 2000),
            rng.lognormal(3.0, 0.4, 2000),
            "latency-like, canary ~5% slower",
        ),
        reference(
            "normal_same_2000x1500",
            rng.normal(100.0, 15.0, 2000),
            rng.normal(100.0, 15.0, 1500),
            "same distribution",
        ),
    ]
    write("large.json", "large samples with a fixed seed", large)

    identical = [
        reference(
            "all_equal_12x9",
            [0.25] * 12,
            [0.25] * 9,
            "every value equal: p = 1, no shift",
        ),
        reference(
            "same_values_20x20",
            np.arange(20.0),
            np.arange(20.0),
            "the same sample twice",
        ),
    ]
    write("identical.json", "identical data", identical)

    empty = [
        reference("empty_canary", [], [1.0, 2.0, 3.0], "no canary sample"),
        reference("empty_baseline", [1.0, 2.0], [], "no baseline sample"),
        reference(
            "only_nan_canary",
            [float("nan")] * 3,
            [1.0, 2.0],
            "canary all NaN: empty after dropping",
        ),
    ]
    write("empty.json", "an empty sample", empty)

    x = rng.normal(5.0, 1.0, 40)
    y = rng.normal(4.0, 1.0, 35)
    x[[3, 17]] = float("nan")
    x[25] = float("inf")
    y[[0]] = float("nan")
    y[30] = float("-inf")
    nonfinite = [
        reference(
            "nan_and_inf_40x35",
            x,
            y,
            "NaN and +-inf present: dropped first (5 samples)",
        )
    ]
    write("nonfinite.json", "non-finite samples, dropped before the test", nonfinite)


if __name__ == "__main__":
    main()
