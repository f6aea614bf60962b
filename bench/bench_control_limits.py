"""Benchmark: vectorised Wheeler XmR + stage detection + signals vs a per-series baseline.

What is measured
----------------
* **ours** — :func:`tools.control_limits.analyze_many` on the whole
  ``(series, points)`` matrix: robust noise scale and outlier clipping,
  ruptures-exact binary segmentation (L2 on the clipped series in robust long-run noise units,
  ``pen = 3·ln n``, ``min_size = 8``, at most 5 change points), local re-validation, Wheeler
  confirmation of every candidate boundary, per-stage XmR limits and the three
  signal rules, building the result objects.  Reported twice: the first
  (cold) call, and the median of ``--repeat`` warm calls.
* **baseline** — what one would write without the vectorised core: per series,
  ``ruptures.Binseg(model="l2", min_size=8, jump=1).fit(z).predict(pen=...)`` on the
  same search input ``z`` (its preparation is not timed for the baseline)
  (``predict(n_bkps=5)`` when more than 5 are found, i.e. the same greedy
  picks under the cap) followed by a pandas XmR per candidate stage
  (``diff().abs()`` moving ranges, per-stage ``groupby`` mean) and pandas
  signal rules (beyond limits, rolling 3-of-4 beyond the quartile lines,
  run-of-8 via run-length groups).  The baseline does *not* do the Wheeler
  confirmation step, so it does strictly less work.  Because it is slow it is
  timed on the first ``--baseline-series`` series and scaled linearly to the
  full count (the table says so).

The series are seeded: random level and noise, about half get 1–3 level
shifts of 1.5–5 noise sd, and a ``--gap-rate`` share of points is set to NaN
(the baseline drops gaps before ruptures/pandas and maps indices back).

Change-point agreement compares, on the baseline subset (or on every series
with ``--check-all``), the raw candidates of our search with ruptures' output
for the same search input; it must be 100 %.

Usage::

    python bench/bench_control_limits.py [--series 2000 --points 730]
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tools.control_limits import analyze_many, default_penalty
from tools.control_limits.noise import refit_phi, search_input

MIN_SIZE = 8
MAX_CPS = 5


def make_series(n_series: int, n_points: int, *, seed: int = 0, gap_rate: float = 0.005) -> np.ndarray:
    """Seeded test matrix: noise around a level, ~half the rows with 1–3 level shifts."""
    rng = np.random.default_rng(seed)
    level = rng.normal(100.0, 20.0, (n_series, 1))
    sd = rng.uniform(1.0, 5.0, (n_series, 1))
    M = level + sd * rng.standard_normal((n_series, n_points))
    for i in np.flatnonzero(rng.random(n_series) < 0.5):
        for _ in range(int(rng.integers(1, 4))):
            at = int(rng.integers(MIN_SIZE * 2, n_points - MIN_SIZE * 2))
            M[i, at:] += rng.choice([-1.0, 1.0]) * rng.uniform(1.5, 5.0) * sd[i, 0]
    if gap_rate > 0:
        M[rng.random(M.shape) < gap_rate] = np.nan
    return M


# --------------------------------------------------------------------------- #
# Baseline: ruptures per series + pandas XmR
# --------------------------------------------------------------------------- #


def ruptures_candidates(values: np.ndarray) -> list[int]:
    """Raw change points (original indices) from ruptures Binseg on the same search input as ours.

    The input is the gap-free series with isolated outliers clipped, in units of
    its robust long-run noise (:func:`tools.control_limits.noise.search_input`).
    """
    import ruptures as rpt

    valid = np.flatnonzero(np.isfinite(values))
    x = values[valid]
    Z, Xc, noise = search_input(x[None, :], np.array([x.size]))
    z = Z[0]
    if x.size < 2 * MIN_SIZE or not np.any(z):
        return []

    def binseg(sig: np.ndarray) -> list[int]:
        algo = rpt.Binseg(model="l2", min_size=MIN_SIZE, jump=1).fit(sig)
        bkps = algo.predict(pen=default_penalty(x.size))[:-1]
        if len(bkps) > MAX_CPS:  # same greedy picks, stopped at the cap
            bkps = algo.predict(n_bkps=MAX_CPS)[:-1]
        return [int(b) for b in bkps]

    bkps = binseg(z)
    # second pass, as ours: the noise autocorrelation re-estimated around those candidates
    noise2 = refit_phi(Xc, np.array([x.size]), [bkps], noise)
    ratio = float(np.sqrt(noise.lrv[0] / noise2.lrv[0])) if noise2.lrv[0] > 0 else 1.0
    if abs(ratio - 1.0) > 1e-3:
        bkps = binseg(z * ratio)
    return [int(valid[b]) for b in bkps]


def pandas_xmr(values: np.ndarray, cps: list[int]) -> tuple[object, int]:
    """Per-stage XmR limits and signal counts with pandas (the conventional way)."""
    import pandas as pd

    s = pd.Series(values)
    stage = pd.Series(np.searchsorted(np.asarray(cps, dtype=int), np.arange(len(values)), side="right"))
    df = pd.DataFrame({"x": s, "stage": stage}).dropna()
    df["mr"] = df.groupby("stage")["x"].diff().abs()
    g = df.groupby("stage")
    lim = pd.DataFrame({"cl": g["x"].mean(), "mr_bar": g["mr"].mean()})
    lim["ucl"] = lim["cl"] + 2.66 * lim["mr_bar"]
    lim["lcl"] = lim["cl"] - 2.66 * lim["mr_bar"]
    lim["url"] = 3.268 * lim["mr_bar"]
    lim["q_upper"] = (lim["cl"] + lim["ucl"]) / 2
    lim["q_lower"] = (lim["cl"] + lim["lcl"]) / 2
    d = df.join(lim, on="stage")
    beyond = (d["x"] > d["ucl"]) | (d["x"] < d["lcl"])
    q_hi = (d["x"] > d["q_upper"]).astype(int)
    q_lo = (d["x"] < d["q_lower"]).astype(int)
    three = (q_hi.groupby(d["stage"]).rolling(4, min_periods=1).sum().to_numpy() >= 3) & (q_hi.to_numpy() == 1)
    three |= (q_lo.groupby(d["stage"]).rolling(4, min_periods=1).sum().to_numpy() >= 3) & (q_lo.to_numpy() == 1)
    side = np.sign(d["x"] - d["cl"])
    run_id = ((side != side.shift()) | (d["stage"] != d["stage"].shift())).cumsum()
    run_len = side.groupby(run_id).cumcount() + 1
    run8 = (run_len >= 8) & (side != 0)
    return lim, int(beyond.sum() + three.sum() + run8.sum())


def baseline(M: np.ndarray) -> list[list[int]]:
    out = []
    for row in M:
        cps = ruptures_candidates(row)
        pandas_xmr(row, cps)
        out.append(cps)
    return out


# --------------------------------------------------------------------------- #
# Reporting
# --------------------------------------------------------------------------- #


@dataclass
class Row:
    implementation: str
    series: int
    seconds: float
    note: str = ""

    @property
    def per_series_ms(self) -> float:
        return 1000.0 * self.seconds / self.series


def print_table(rows: list[Row], reference: float, agreement: str, scaled_note: str) -> None:
    headers = ["implementation", "series", "seconds", "per-series ms", "speedup", "change-point agreement"]
    body = [
        [
            r.implementation + (f" ({r.note})" if r.note else ""),
            f"{r.series:,}",
            f"{r.seconds:.3f}",
            f"{r.per_series_ms:.3f}",
            f"{reference / r.seconds:.1f}x",
            agreement,
        ]
        for r in rows
    ]
    try:
        from rich.console import Console
        from rich.table import Table

        table = Table(title="Wheeler XmR + stage detection + signals")
        for h in headers:
            table.add_column(h, justify="left" if h == "implementation" else "right")
        for line in body:
            table.add_row(*line)
        Console(width=140).print(table)
    except ImportError:  # plain fallback
        widths = [max(len(h), *(len(b[i]) for b in body)) for i, h in enumerate(headers)]
        print(" | ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)))
        print("-+-".join("-" * w for w in widths))
        for line in body:
            print(" | ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)))
    print(scaled_note)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--series", type=int, default=2000)
    ap.add_argument("--points", type=int, default=730)
    ap.add_argument("--baseline-series", type=int, default=200, help="series timed for the baseline (scaled)")
    ap.add_argument("--repeat", type=int, default=5, help="warm repetitions of our path (median reported)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--gap-rate", type=float, default=0.005)
    ap.add_argument("--check-all", action="store_true", help="compare change points with ruptures on every series")
    args = ap.parse_args(argv)

    M = make_series(args.series, args.points, seed=args.seed, gap_rate=args.gap_rate)
    print(
        f"{args.series:,} series x {args.points} points (seed {args.seed}, gap rate {args.gap_rate:.2%}); "
        f"pen = 3 ln n, min_size = {MIN_SIZE}, max_cps = {MAX_CPS}"
    )

    t0 = time.perf_counter()
    results = analyze_many(M, max_cps=MAX_CPS, min_size=MIN_SIZE)
    cold = time.perf_counter() - t0
    warm_times = []
    for _ in range(max(args.repeat, 1)):
        t0 = time.perf_counter()
        results = analyze_many(M, max_cps=MAX_CPS, min_size=MIN_SIZE)
        warm_times.append(time.perf_counter() - t0)
    warm = statistics.median(warm_times)

    nb = min(args.baseline_series, args.series)
    t0 = time.perf_counter()
    base_cps = baseline(M[:nb])
    base_seconds = time.perf_counter() - t0
    scale = args.series / nb
    base_scaled = base_seconds * scale

    check_rows = range(args.series) if args.check_all else range(nb)
    expected = {i: base_cps[i] for i in range(nb)}
    for i in check_rows:
        if i not in expected:
            expected[i] = ruptures_candidates(M[i])
    agree = sum(results[i].candidates == expected[i] for i in check_rows)
    pct = 100.0 * agree / len(check_rows)
    agreement = f"{pct:.1f}% ({agree}/{len(check_rows)})"

    rows = [
        Row("ruptures Binseg + pandas XmR", args.series, base_scaled, f"measured on {nb}, scaled x{scale:g}"),
        Row("ours: analyze_many, cold", args.series, cold, "first call"),
        Row("ours: analyze_many, warm", args.series, warm, f"median of {len(warm_times)}"),
    ]
    note = (
        f"baseline measured: {base_seconds:.2f} s for {nb} series "
        f"({1000 * base_seconds / nb:.1f} ms/series), scaled linearly to {args.series:,}."
    )
    print_table(rows, base_scaled, agreement, note)

    n_stages = sum(len(r.stages) for r in results)
    n_cands = sum(len(r.candidates) for r in results)
    n_signals = sum(len(r.signals) for r in results)
    states = [r.latest_state()[0] for r in results]
    print(
        f"candidates {n_cands:,}, confirmed boundaries {n_stages - len(results):,}, "
        f"signals {n_signals:,}; latest state: "
        + ", ".join(f"{s} {states.count(s)}" for s in ("ok", "warning", "critical"))
    )
    target_ok = warm < 1.0 and base_scaled / warm >= 20 and math.isclose(pct, 100.0)
    print(f"targets (< 1 s, >= 20x, 100% agreement): {'met' if target_ok else 'NOT met'}")
    return 0 if target_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
