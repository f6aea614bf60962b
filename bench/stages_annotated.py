"""Fourth real set for ``bench_stages_real.py``: change points judged on the chart, several annotators per series.

TCPD (held out, never used here) was built by showing people a chart of each
series and asking them to mark where its behaviour changes abruptly; its
scores average over annotators.  This set repeats that protocol on public
series that are neither TCPD series nor its sources:

* 53 series from a local copy of ``github.com/vincentarelbundock/Rdatasets``
  (economic, retail, energy, climate, transport and count series: ``datasets``,
  ``fpp2``, ``AER``, ``boot``, ``quantreg``, ``DAAG`` and ``timeSeriesDataSets``
  packages, plus the coal, Nightingale, marathon and two Ansett series of
  :mod:`bench.stages_rdatasets`);
* 35 **service telemetry** series from a local copy of ``github.com/numenta/NAB``
  (AWS CloudWatch CPU / network / disk / ELB / RDS metrics, request latency, an
  ad exchange's CPC/CPM, road traffic occupancy/speed/travel time, NYC taxi
  demand, machine temperatures), resampled to hourly means (2-hourly or 6-hourly
  for longer spans, daily beyond 700 points) as a KPI would be.

Four annotators (independent assistant sessions that saw only the charts — index
on the x axis — and the instructions quoted in ``docs/benchmarks.md``, never the
code, the method outputs or each other's marks) marked every point where the
behaviour changes abruptly, or nothing.  The marks are in
``bench/stages_annotated.json``; the values are read at run time from the two
local copies (``--rdatasets`` / ``$RDATASETS_DIR``, ``--nab`` / ``$NAB_DIR``: a
work tree or a bare git directory).  Nothing is downloaded or committed.

Scores follow TCPD's multi-annotator definitions: precision against the union of
all annotators' marks, recall averaged over annotators (index 0 in every set),
covering averaged over annotators.
"""

from __future__ import annotations

import io
import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from bench.stages_metrics import covering, true_positives
from bench.stages_rdatasets import _read_csv, load_annotated

MARKS = Path(__file__).with_name("stages_annotated.json")

RDATASETS = """AER/ArgentinaCPI AER/DJFranses AER/DutchSales AER/MarkDollar AER/UKNonDurables AER/MotorCycles2 boot/wool
datasets/AirPassengers datasets/BJsales datasets/JohnsonJohnson datasets/LakeHuron datasets/UKgas datasets/USAccDeaths
datasets/WWWusage datasets/austres datasets/discoveries datasets/ldeaths datasets/lynx datasets/nhtemp datasets/nottem
datasets/sunspot.year fpp2/a10 fpp2/ausbeer fpp2/auscafe fpp2/austourists fpp2/debitcards fpp2/elecequip fpp2/euretail
fpp2/goog200 fpp2/h02 fpp2/hyndsight fpp2/qauselec fpp2/qcement fpp2/qgas fpp2/sunspotarea fpp2/usmelec
quantreg/gasprice timeSeriesDataSets/USgas_ts timeSeriesDataSets/bricksq_ts timeSeriesDataSets/elec_ts
timeSeriesDataSets/gtemp_both_ts timeSeriesDataSets/hsales2_ts timeSeriesDataSets/ibmclose_ts timeSeriesDataSets/milk_ts
timeSeriesDataSets/nail_ts timeSeriesDataSets/wineind_ts timeSeriesDataSets/woolyrnq_ts DAAG/mdbAVtJtoD""".split()
FROM_RDATASETS_SET = ("coal", "nightingale", "marathon", "ansett:MEL-SYD", "ansett:ADL-PER")


def _git_dir(root: Path) -> Path:
    return root if (root / "HEAD").is_file() else root / "repo"


def _nab_files(root: Path) -> list[tuple[str, bytes]]:
    if (root / "data").is_dir():
        paths = sorted(p for p in (root / "data").glob("real*/*.csv"))
        return [(f"data/{p.parent.name}/{p.name}", p.read_bytes()) for p in paths]
    git = _git_dir(root)
    names = subprocess.run(["git", f"--git-dir={git}", "ls-tree", "-r", "--name-only", "HEAD", "data"],
                           capture_output=True, text=True, check=True).stdout.split()
    return [(n, subprocess.run(["git", f"--git-dir={git}", "show", f"HEAD:{n}"], capture_output=True,
                               check=True).stdout) for n in sorted(names) if n.endswith(".csv") and "/real" in n]


def load_rdatasets_series(root: Path) -> dict[str, np.ndarray]:
    out = {}
    for rel in RDATASETS:
        v = _read_csv(root, f"{rel}.csv")["value"].to_numpy(dtype=np.float64)
        out["rd:" + rel.split("/")[1].removesuffix("_ts")] = v
    for name, v, _ in load_annotated(root):
        if name in FROM_RDATASETS_SET:
            out["rd:" + name] = v
    return out


def load_nab_series(root: Path) -> dict[str, np.ndarray]:
    out = {}
    for path, raw in _nab_files(root):
        if "realTweets" in path or "rogue" in path:
            continue
        df = pd.read_csv(io.BytesIO(raw))
        s = df.assign(timestamp=pd.to_datetime(df["timestamp"])).set_index("timestamp")["value"]
        span = (s.index[-1] - s.index[0]).total_seconds() / 3600
        rule = "1h" if span <= 700 else ("2h" if span <= 1400 else "6h")
        h = s.resample(rule).mean().dropna()
        if len(h) > 700:
            h = s.resample("1D").mean().dropna()
        if len(h) >= 40:
            out["nab:" + path.split("/")[-1].removesuffix(".csv")] = h.to_numpy(dtype=np.float64)
    return out


Marked = list[tuple[str, np.ndarray, dict[str, list[int]]]]


def marked(marks_file: Path, values: dict[str, np.ndarray]) -> Marked:
    """``(name, values, {annotator: change points})`` for every series of ``marks_file`` that has values."""
    marks: dict[str, dict[str, list[int]]] = json.loads(marks_file.read_text())["series"]
    return [(name, values[name], marks[name]) for name in sorted(marks) if name in values]


def load(rdatasets: Path | None, nab: Path | None) -> Marked:
    """The marked series whose source is given."""
    values: dict[str, np.ndarray] = {}
    if rdatasets:
        values.update(load_rdatasets_series(rdatasets))
    if nab:
        values.update(load_nab_series(nab))
    return marked(MARKS, values)


# --------------------------------------------------------------------------- #
# TCPD's multi-annotator metrics
# --------------------------------------------------------------------------- #


def f1_multi(marks: dict[str, Sequence[int]], pred: Sequence[int], margin: int = 5) -> float:
    tks = [{0, *(int(x) for x in m)} for m in marks.values()]
    x = {0, *(int(p) for p in pred)}
    union: set[int] = set().union(*tks)
    precision = true_positives(union, x, margin) / len(x)
    recall = float(np.mean([true_positives(t, x, margin) / len(t) for t in tks]))
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def cover_multi(marks: dict[str, Sequence[int]], pred: Sequence[int], n: int) -> float:
    return float(np.mean([covering(m, pred, n) for m in marks.values()]))
