"""Benchmark: stage detection on public annotated series and on a synthetic dev set.

Scored as in van den Burg & Williams (2020), "An Evaluation of Change Point
Detection Algorithms": **F1** with a margin of 5 points (index 0 counts as a
change point in both sets; each annotation matches at most one prediction) and
**covering** of the annotated segmentation by the predicted one.

Methods, run side by side on the same series:

* ``opsgraph`` — :func:`tools.control_limits.detect_stages` with its defaults
  (the starts of the confirmed stages are the predicted change points);
* ``binseg`` / ``pelt`` — ``ruptures.Binseg`` / ``ruptures.Pelt`` with the L2
  cost and ruptures' default ``min_size``/``jump`` on the z-scored series,
  penalty ``3·ln n`` (a common BIC-like default);
* ``zero`` — no change point at all.

Data sets
---------
* **TSSB** — the Time Series Segmentation Benchmark (Ermshaus, Schäfer & Leser
  2023): 75 real recordings (UCR/UEA sensor, motion, ECG, image-outline and
  device series) with annotated state changes.  It is *not* shipped here and not
  downloaded at run time: clone ``github.com/ermshaua/time-series-segmentation-benchmark``
  and point ``--tssb`` (or ``$TSSB_DIR``) at its ``tssb/datasets`` folder (the one
  holding ``desc.txt``).  Series are split into a dev half and a held-out half
  by a hash of their name; both halves are reported.
* **SKAB** — the Skoltech Anomaly Benchmark (Katser & Kozitsin 2020): 34 real
  sensor recordings of a water-circulation test bed with annotated fault
  start/end points; clone ``github.com/waico/SKAB`` and point ``--skab`` (or
  ``$SKAB_DIR``) at its ``data`` folder.  One channel per experiment (see
  :func:`load_skab`), dev / held-out halves as for TSSB.
* **Rdatasets** — public series with documented breaks (coal-mining
  disasters, Nightingale's Crimean data, the Boston marathon, the Ansett
  pilots' dispute) and public series without one, read from a local copy of
  ``github.com/vincentarelbundock/Rdatasets`` (``--rdatasets`` or
  ``$RDATASETS_DIR``); annotations and sources in :mod:`bench.stages_rdatasets`.
* **chart-judged** — 88 public series (53 from Rdatasets, 35 NAB service-telemetry
  series resampled hourly) whose change points four annotators marked from
  the chart alone, TCPD's protocol (:mod:`bench.stages_annotated`; values read
  from ``--rdatasets`` and ``--nab`` / ``$NAB_DIR``, a copy of
  ``github.com/numenta/NAB``).  Scored with TCPD's multi-annotator F1 and
  covering; the annotators' agreement (each scored against the other three)
  is printed as the ceiling.  A second batch (:mod:`bench.stages_annotated_b`,
  50 more series, four other annotators) and a third (:mod:`bench.stages_annotated_c`, 33 more
  Rdatasets series, four more annotators, kept out of the sixth pass's choices) and a fourth
  (:mod:`bench.stages_annotated_d`, 30 more, four more annotators, kept out of the seventh pass's) and a
  fifth (:mod:`bench.stages_annotated_e`, 24 more, kept out of the eighth pass's) and a sixth
  (:mod:`bench.stages_annotated_f`, 27 more, kept out of the ninth pass's) and a seventh
  (:mod:`bench.stages_annotated_g`, 28 more, kept out of the tenth pass's), an eighth
  (:mod:`bench.stages_annotated_h`, 30 more, kept out of the eleventh pass's) and a tenth
  (:mod:`bench.stages_annotated_i`, 28 more, kept out of the twelfth pass's) are scored in tables of their own.
* **synthetic** — a seeded dev set generated here: level shifts under AR(1)
  noise, single spikes, slow trends, variance changes, Poisson counts, short
  and long series, different scales, and shift-free series of each kind (for
  which the false-stage rate is reported).

Usage::

    python bench/bench_stages_real.py --skab /path/to/SKAB/data --tssb /path/to/tssb/datasets \
        --rdatasets /path/to/Rdatasets --nab /path/to/NAB [--synthetic-only | --annotated-only]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import itertools

from bench import (
    stages_annotated,
    stages_annotated_b,
    stages_annotated_c,
    stages_annotated_d,
    stages_annotated_e,
    stages_annotated_f,
    stages_annotated_g,
    stages_annotated_h,
    stages_annotated_i,
)
from bench.stages_baselines import default_binseg
from bench.stages_metrics import MARGIN, covering, f1_score
from bench.stages_rdatasets import load_annotated, load_no_break
from tools.control_limits import detect_stages

# --------------------------------------------------------------------------- #
# Methods
# --------------------------------------------------------------------------- #


def _z(x: np.ndarray) -> np.ndarray:
    sd = x.std()
    return (x - x.mean()) / (sd if sd > 0 else 1.0)


def m_opsgraph(x: np.ndarray) -> list[int]:
    stages, _ = detect_stages(x)
    return [s.start for s in stages[1:]]


def _ruptures(algo: str) -> Callable[[np.ndarray], list[int]]:
    def run(x: np.ndarray) -> list[int]:
        import ruptures as rpt

        z = _z(np.asarray(x, dtype=float)).reshape(-1, 1)
        cls = rpt.Binseg if algo == "binseg" else rpt.Pelt
        try:
            return [int(b) for b in cls(model="l2").fit(z).predict(pen=3.0 * np.log(len(x)))[:-1]]
        except rpt.exceptions.BadSegmentationParameters:  # too short for its min_size/jump
            return []

    return run


def m_zero(x: np.ndarray) -> list[int]:
    return []


METHODS: dict[str, Callable[[np.ndarray], list[int]]] = {
    "opsgraph": m_opsgraph,
    "default_binseg (MBIC)": default_binseg,
    "binseg (3 ln n)": _ruptures("binseg"),
    "pelt (3 ln n)": _ruptures("pelt"),
    "zero": m_zero,
}


# --------------------------------------------------------------------------- #
# Data
# --------------------------------------------------------------------------- #


@dataclass
class Series:
    name: str
    values: np.ndarray
    cps: list[int]
    group: str = ""
    tags: list[str] = field(default_factory=list)


def load_tssb(folder: Path, max_len: int | None = None) -> list[Series]:
    """TSSB series from its ``datasets`` folder (``desc.txt``: name, window, cps...).

    ``max_len`` skips longer series (ruptures' PELT is quadratic in pure Python
    on them); the table states how many series were scored.
    """
    out = []
    for line in (folder / "desc.txt").read_text().splitlines():
        parts = [p.strip() for p in line.split(",") if p.strip()]
        if not parts:
            continue
        name, cps = parts[0], [int(p) for p in parts[2:]]
        values = np.loadtxt(folder / f"{name}.txt", dtype=np.float64)
        if max_len is not None and values.size > max_len:
            continue
        group = "dev" if zlib.crc32(name.encode()) % 2 == 0 else "held-out"
        out.append(Series(name, values, cps, group))
    return out


def load_skab(folder: Path) -> list[Series]:
    """SKAB experiments (``data/<group>/<n>.csv``, ``;``-separated, a ``changepoint`` 0/1 column).

    SKAB records eight sensors of a water-circulation test bed; each experiment
    annotates when an induced fault (a valve closed, a rotor imbalanced, ...)
    starts and ends.  A fault shows in some sensors only, so each experiment is
    scored on **one** channel: the one where the annotated stages differ most
    in level, measured in its own noise — the same channel for every method.
    """
    import pandas as pd

    out = []
    for path in sorted(folder.glob("*/*.csv")):
        df = pd.read_csv(path, sep=";")
        if "changepoint" not in df.columns:
            continue
        cps = [int(i) for i in np.flatnonzero(df["changepoint"].to_numpy() == 1)]
        if not cps:
            continue
        bounds = [0, *cps, len(df)]
        best, best_score = None, -1.0
        for col in df.columns:
            if col in ("datetime", "anomaly", "changepoint"):
                continue
            x = df[col].to_numpy(dtype=np.float64)
            sd = float(np.median(np.abs(np.diff(x)))) * 1.4826 / np.sqrt(2) or float(x.std()) or 1.0
            means = [x[a:b].mean() for a, b in itertools.pairwise(bounds) if b > a]
            score = max(abs(m - means[0]) for m in means) / sd
            if score > best_score:
                best, best_score = col, score
        name = f"{path.parent.name}/{path.stem}"
        group = "dev" if zlib.crc32(name.encode()) % 2 == 0 else "held-out"
        out.append(Series(f"{name}:{best}", df[best].to_numpy(dtype=np.float64), cps, group))
    return out


def synthetic(seed: int = 2020, reps: int = 15) -> list[Series]:
    """Seeded dev set: every kind of nuisance, with and without level shifts."""
    rng = np.random.default_rng(seed)
    out: list[Series] = []

    def ar1(n: int, phi: float) -> np.ndarray:
        e = rng.standard_normal(n) * np.sqrt(1 - phi * phi)
        x = np.empty(n)
        x[0] = rng.standard_normal()
        for t in range(1, n):
            x[t] = phi * x[t - 1] + e[t]
        return x

    kinds = ["white", "ar1-0.3", "ar1-0.6", "spikes", "trend", "variance", "counts", "short"]
    for r in range(reps):
        for kind in kinds:
            for shifted in (False, True):
                n = int(rng.choice([60, 120, 365, 730])) if kind != "short" else int(rng.integers(24, 48))
                scale = float(10 ** rng.uniform(-2, 3))
                level = float(rng.uniform(-5, 5)) * scale
                phi = {"ar1-0.3": 0.3, "ar1-0.6": 0.6}.get(kind, 0.0)
                noise = ar1(n, phi) if phi else rng.standard_normal(n)
                signal = np.zeros(n)
                cps: list[int] = []
                if shifted:
                    k = 1 if n < 100 else int(rng.integers(1, 4))
                    lo = 10
                    cands = np.sort(rng.choice(np.arange(lo, n - lo), size=k, replace=False))
                    cands = [int(c) for c in cands]
                    kept = []
                    for c in cands:
                        if not kept or c - kept[-1] >= 12:
                            kept.append(c)
                    for c in kept:
                        mag = float(rng.uniform(1.5, 4.0)) * (1.0 if phi == 0 else np.sqrt((1 + phi) / (1 - phi)))
                        signal[c:] += rng.choice([-1.0, 1.0]) * mag
                    cps = kept
                if kind == "spikes":
                    for i in rng.choice(n, size=max(1, n // 60), replace=False):
                        noise[i] += rng.choice([-1.0, 1.0]) * rng.uniform(6, 15)
                if kind == "trend":
                    signal += np.linspace(0.0, rng.choice([-1.0, 1.0]) * rng.uniform(1.0, 3.0), n)
                tags = [kind]
                if kind == "variance":
                    at = int(rng.integers(n // 3, 2 * n // 3))
                    noise[at:] *= rng.uniform(2.0, 3.0)
                    tags.append(f"variance_at={at}")  # scored as a change point only by with_variance_changes()
                x = level + scale * (signal + noise)
                if kind == "counts":
                    lam = float(rng.uniform(2, 20))
                    base = lam + np.sqrt(lam) * signal
                    x = rng.poisson(np.maximum(base, 0.1)).astype(float)
                out.append(Series(f"{kind}-{r}-{'shift' if shifted else 'flat'}", x, cps, "synthetic", tags))
    return out


def with_variance_changes(series: list[Series]) -> list[Series]:
    """The synthetic set with each "variance" series' change of noise sd (×2–3) counted as a change point.

    The set was built when a stage was only a change of level; since the ninth
    pass (C) an abrupt change of dispersion is a stage too (``kind`` "dispersion").
    """
    out = []
    for s in series:
        at = [int(t.split("=", 1)[1]) for t in s.tags if t.startswith("variance_at=")]
        out.append(Series(s.name, s.values, sorted({*s.cps, *at}), s.group, s.tags) if at else s)
    return out


# --------------------------------------------------------------------------- #
# Running
# --------------------------------------------------------------------------- #


def evaluate(series: list[Series]) -> dict[str, dict[str, list[float]]]:
    res: dict[str, dict[str, list[float]]] = {m: {"f1": [], "cover": [], "false": [], "secs": []} for m in METHODS}
    for s in series:
        for name, fn in METHODS.items():
            t0 = time.perf_counter()
            pred = fn(s.values)
            res[name]["secs"].append(time.perf_counter() - t0)
            res[name]["f1"].append(f1_score(s.cps, pred))
            res[name]["cover"].append(covering(s.cps, pred, len(s.values)))
            if not s.cps:
                res[name]["false"].append(float(len(pred) > 0))
    return res


def _half(name: str) -> str:
    return "dev" if zlib.crc32(name.encode()) % 2 == 0 else "held-out"


def no_break_table(series: list[tuple[str, np.ndarray]]) -> str:
    """Change points each method puts on real series without a documented level break."""
    lines = [f"**Real series without a documented level break** ({len(series)}: seasonal, trending, "
             "random-walk-like, cyclic) — change points predicted", "",
             "| method | series with ≥ 1 | total | per series |", "|---|---|---|---|"]
    for name, fn in METHODS.items():
        ks = [len(fn(x)) for _, x in series]
        per = ", ".join(f"{nm.split('/')[-1]} {k}" for (nm, _), k in zip(series, ks, strict=True))
        lines.append(f"| {name} | {sum(k > 0 for k in ks)} / {len(ks)} | {sum(ks)} | {per} |")
    return "\n".join(lines)


def table(title: str, series: list[Series]) -> str:
    res = evaluate(series)
    lines = [f"**{title}** ({len(series)} series)", "", "| method | F1 | cover | series with a false stage (of shift-free) | seconds |", "|---|---|---|---|---|"]
    for name, r in res.items():
        nf = len(r["false"])
        false = f"{int(sum(r['false']))} / {nf}" if nf else "–"
        lines.append(
            f"| {name} | {np.mean(r['f1']):.3f} | {np.mean(r['cover']):.3f} | {false} | {sum(r['secs']):.1f} |"
        )
    return "\n".join(lines)


def annotated_table(data: list[tuple[str, np.ndarray, dict[str, list[int]]]],
                    title: str = "Chart-judged series") -> str:
    """Chart-judged set: every method and the annotators' own agreement, per half and in all.

    F1 and cover are TCPD's multi-annotator scores (:mod:`bench.stages_annotated`).
    "no-change series" are those on which no annotator marked anything; the
    column counts the ones where the method opens a stage anyway.  The
    annotators' row scores each annotator's marks against the other three.
    """
    halves = {"dev": [d for d in data if _half(d[0]) == "dev"],
              "held-out": [d for d in data if _half(d[0]) == "held-out"], "all": data}
    flat = {h: [d for d in ds if not any(d[2].values())] for h, ds in halves.items()}
    preds: dict[str, dict[str, list[int]]] = {name: {} for name in METHODS}
    secs: dict[str, float] = dict.fromkeys(METHODS, 0.0)
    for nm, x, _ in data:
        for name, fn in METHODS.items():
            t0 = time.perf_counter()
            preds[name][nm] = [int(p) for p in fn(x)]
            secs[name] += time.perf_counter() - t0
    head = " | ".join(f"{h} ({len(ds)}) F1 / cover" for h, ds in halves.items())
    lines = [f"**{title}** ({len(data)}; TCPD multi-annotator F1, margin {MARGIN}, and covering)", "",
             f"| method | {head} | no-change series with a stage (dev / held-out / all) | seconds |",
             "|---|---|---|---|---|---|"]

    def cell(ds: list[tuple[str, np.ndarray, dict[str, list[int]]]], pred: Callable[[str], list[int]] | None,
             loo: bool = False) -> str:
        if not ds:
            return "–"
        f1s, covs = [], []
        for nm, x, marks in ds:
            if loo:  # each annotator against the others
                for a in marks:
                    others = {b: m for b, m in marks.items() if b != a}
                    f1s.append(stages_annotated.f1_multi(others, marks[a], MARGIN))
                    covs.append(stages_annotated.cover_multi(others, marks[a], len(x)))
            else:
                p = pred(nm) if pred else []
                f1s.append(stages_annotated.f1_multi(marks, p, MARGIN))
                covs.append(stages_annotated.cover_multi(marks, p, len(x)))
        return f"{np.mean(f1s):.3f} / {np.mean(covs):.3f}"

    for name in METHODS:
        cells = " | ".join(cell(ds, preds[name].__getitem__) for ds in halves.values())
        fl = " / ".join(f"{sum(len(preds[name][d[0]]) > 0 for d in fs)} of {len(fs)}" for fs in flat.values())
        lines.append(f"| {name} | {cells} | {fl} | {secs[name]:.1f} |")
    cells = " | ".join(cell(ds, None, loo=True) for ds in halves.values())
    lines.append(f"| annotators (each vs the other {len(data[0][2]) - 1 if data else 0}) | {cells} | – | – |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tssb", default=os.environ.get("TSSB_DIR"), help="TSSB datasets folder (with desc.txt)")
    ap.add_argument("--synthetic-only", action="store_true")
    ap.add_argument("--skab", default=os.environ.get("SKAB_DIR"), help="SKAB data folder (with valve1/, other/, ...)")
    ap.add_argument("--rdatasets", default=os.environ.get("RDATASETS_DIR"),
                    help="Rdatasets copy (work tree or bare git directory)")
    ap.add_argument("--nab", default=os.environ.get("NAB_DIR"),
                    help="NAB copy (work tree or bare git directory), for the chart-judged set")
    ap.add_argument("--annotated-only", action="store_true", help="only the chart-judged set")
    ap.add_argument("--short-levels", action="store_true",
                    help="turn on the ninth pass's level steps on silent rows (tools/control_limits/shortlevel.py)")
    ap.add_argument("--learned", choices=("on", "off"), default=None,
                    help="force the tenth pass's learned acceptance of boundaries (tools/control_limits/learned.py) "
                         "on or off (default: the product default, off)")
    ap.add_argument("--learned-model", choices=("logit", "trees"), default=None,
                    help="which fitted model the learned acceptance uses: the tenth pass's logistic model or the "
                         "eleventh pass's boosted trees (tools/control_limits/learned_trees.py; default: the product's)")
    ap.add_argument("--seed", type=int, default=2020, help="seed of the synthetic dev set")
    ap.add_argument("--held-out-seed", type=int, default=777, help="seed of the synthetic held-out set")
    ap.add_argument("--max-len", type=int, default=4000, help="skip TSSB series longer than this (0: none)")
    ap.add_argument("--trend-breaks", choices=("on", "off"), default=None,
                    help="force the ninth pass's straight-line stages on or off (default: the product default)")
    ap.add_argument("--arma-lrv", choices=("on", "off"), default=None,
                    help="force the tenth pass's ARMA(1,1) long-run noise variance on or off (default: the product default)")
    ap.add_argument("--short-steps", choices=("on", "off"), default=None,
                    help="force the eleventh pass's one-step test on short silent rows (tools/control_limits/shortstep.py) "
                         "on or off (default: the product default)")
    ap.add_argument("--episodes", choices=("on", "off"), default=None,
                    help="force the twelfth pass's two-step (episode) test on short silent rows "
                         "(tools/control_limits/episode.py) on or off (default: the product default)")
    args = ap.parse_args(argv)
    import tools.control_limits.analysis as _analysis

    if args.episodes is not None:
        _analysis.SHORT_EPISODES = args.episodes == "on"

    if args.short_steps is not None:
        _analysis.SHORT_ROW_TEST = args.short_steps == "on"

    if args.trend_breaks is not None:
        _analysis.TREND_BREAKS = args.trend_breaks == "on"
    if args.short_levels:
        _analysis.SHORT_LEVELS = True
    if args.arma_lrv is not None:
        import tools.control_limits.noise as _noise

        _noise.ARMA_LRV = args.arma_lrv == "on"
    if args.learned is not None:
        _analysis.LEARNED_ACCEPT = args.learned == "on"
    if args.learned_model is not None:
        import tools.control_limits.learned as _learned

        _learned.MODEL_KIND = args.learned_model
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}\n")
    if args.annotated_only:
        return _annotated(args)
    syn = synthetic(args.seed)
    print(table("synthetic dev set", syn))
    by_kind: dict[str, list[Series]] = {}
    for s in syn:
        by_kind.setdefault(s.tags[0], []).append(s)
    for kind, ss in by_kind.items():
        r = evaluate(ss)["opsgraph"]
        print(f"  dev set, opsgraph on {kind:9s}: F1 {np.mean(r['f1']):.3f} cover {np.mean(r['cover']):.3f} "
              f"false stages {int(sum(r['false']))}/{len(r['false'])}")
    print()
    print(table("synthetic dev set, variance changes counted as change points", with_variance_changes(syn)))
    print()
    print(table("synthetic held-out set (another seed, never used for a choice)", synthetic(args.held_out_seed)))
    if args.synthetic_only:
        return 0
    sets: list[tuple[str, list[Series]]] = []
    if args.skab:
        sets.append(("SKAB", load_skab(Path(args.skab))))
    else:
        print("\nSKAB skipped: pass --skab or set SKAB_DIR (see the module docstring)")
    if args.rdatasets:
        rd = [Series(nm, x, c, _half(nm)) for nm, x, c in load_annotated(Path(args.rdatasets))]
        sets.append(("Rdatasets", rd))
    else:
        print("\nRdatasets skipped: pass --rdatasets or set RDATASETS_DIR (see the module docstring)")
    if args.tssb:
        sets.append(("TSSB", load_tssb(Path(args.tssb), args.max_len or None)))
    else:
        print("\nTSSB skipped: pass --tssb or set TSSB_DIR (see the module docstring)")
    for label, data in sets:
        print()
        print(table(f"{label}, all", data))
        for group in ("dev", "held-out"):
            print()
            print(table(f"{label}, {group} half", [s for s in data if s.group == group]))
    if args.rdatasets:
        print()
        print(no_break_table(load_no_break(Path(args.rdatasets))))
    return _annotated(args)


def _annotated(args: argparse.Namespace) -> int:
    if not (args.rdatasets and args.nab):
        print("\nChart-judged set skipped: pass --rdatasets and --nab (or set RDATASETS_DIR / NAB_DIR)")
        return 0
    if not stages_annotated.MARKS.is_file():
        print(f"\nChart-judged set skipped: {stages_annotated.MARKS.name} is missing")
        return 0
    print()
    print(annotated_table(stages_annotated.load(Path(args.rdatasets), Path(args.nab)), "Chart-judged series, batch 1"))
    if stages_annotated_b.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_b.load(Path(args.rdatasets), Path(args.nab)),
                              "Chart-judged series, batch 2 (other annotators)"))
    if stages_annotated_c.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_c.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 3 (held out from the sixth pass; four more annotators)"))
    if stages_annotated_d.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_d.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 4 (held out from the seventh pass; four more annotators)"))
    if stages_annotated_e.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_e.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 5 (held out from the eighth pass; four more annotators)"))
    if stages_annotated_f.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_f.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 6 (held out from the ninth pass; four more annotators)"))
    if stages_annotated_g.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_g.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 7 (held out from the tenth pass; four more annotators)"))
    if stages_annotated_h.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_h.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 8 (held out from the eleventh pass; four more annotators)"))
    if stages_annotated_i.MARKS.is_file():
        print()
        print(annotated_table(stages_annotated_i.load(Path(args.rdatasets)),
                              "Chart-judged series, batch 10 (held out from the twelfth pass; four more annotators)"))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
