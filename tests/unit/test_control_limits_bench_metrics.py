"""The scoring of bench/bench_stages_real.py (van den Burg & Williams 2020), on hand-worked cases.

The benchmark's tables are only as honest as these two functions.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import numpy as np
import pytest

_PATH = Path(__file__).resolve().parents[2] / "bench" / "bench_stages_real.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_stages_real", _PATH)
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod  # dataclasses look their module up
    spec.loader.exec_module(mod)
    return mod


def test_f1_counts_index_zero_and_uses_a_margin(bench) -> None:
    assert bench.f1_score([10, 20], [10, 20]) == 1.0
    assert bench.f1_score([10, 20], []) == pytest.approx(0.5)  # P = 1/1, R = 1/3
    assert bench.f1_score([10, 20], [12, 40]) == pytest.approx(2 / 3)  # 12 within 5 of 10; 40 is false
    assert bench.f1_score([10, 20], [16, 26]) == pytest.approx(2 / 3)  # 16 is 6 from 10, 4 from 20 only
    assert bench.f1_score([], []) == 1.0
    # one prediction matches at most one annotation
    assert bench.f1_score([10, 12], [11]) == pytest.approx(2 * (2 / 2) * (2 / 3) / (1 + 2 / 3))


def test_covering(bench) -> None:
    assert bench.covering([50], [50], 100) == 1.0
    assert bench.covering([50], [], 100) == pytest.approx(0.5)
    assert bench.covering([50], [60], 100) == pytest.approx((50 * 50 / 60 + 50 * 40 / 50) / 100)
    assert bench.covering([], [], 100) == 1.0


def test_loaders_read_the_public_formats(bench, tmp_path: Path) -> None:
    tssb = tmp_path / "tssb"
    tssb.mkdir()
    (tssb / "desc.txt").write_text("Alpha,10,30\nBeta,5,20,40\n")
    np.savetxt(tssb / "Alpha.txt", np.r_[np.zeros(30), np.ones(30)])
    np.savetxt(tssb / "Beta.txt", np.arange(60.0))
    series = bench.load_tssb(tssb)
    assert [(s.name, s.cps, len(s.values)) for s in series] == [("Alpha", [30], 60), ("Beta", [20, 40], 60)]
    assert {s.group for s in series} <= {"dev", "held-out"}

    skab = tmp_path / "skab" / "valve9"
    skab.mkdir(parents=True)
    rng = np.random.default_rng(0)
    flow = np.r_[rng.normal(30, 0.1, 40), rng.normal(20, 0.1, 20), rng.normal(30, 0.1, 40)]
    other = rng.normal(5, 0.1, 100)
    cp = np.zeros(100)
    cp[[40, 60]] = 1
    lines = ["datetime;Flow;Other;anomaly;changepoint"] + [
        f"2024-01-01 00:00:{i:02d};{flow[i]};{other[i]};0;{cp[i]}" for i in range(100)
    ]
    (skab / "1.csv").write_text("\n".join(lines))
    (s,) = bench.load_skab(tmp_path / "skab")
    assert s.name == "valve9/1:Flow" and s.cps == [40, 60] and len(s.values) == 100


# --------------------------------------------------------------------------- #
# The chart-judged set: TCPD's multi-annotator scores and the agreement ceiling
# --------------------------------------------------------------------------- #


def test_multi_annotator_f1_uses_the_union_for_precision_and_averages_recall() -> None:
    from bench.stages_annotated import f1_multi

    marks = {"a": [30], "b": [30, 70], "c": []}
    # prediction 30: precision 2/2 against the union {0, 30, 70}; recall a 2/2, b 2/3, c 1/1
    r = (1 + 2 / 3 + 1) / 3
    assert f1_multi(marks, [30]) == pytest.approx(2 * r / (1 + r))
    # 70 is only b's, but the union makes it a true positive: precision 3/3, every recall 1
    assert f1_multi(marks, [30, 70]) == pytest.approx(1.0)
    # a false stage costs precision only: recall unchanged
    p3 = 2 / 3
    assert f1_multi(marks, [30, 150]) == pytest.approx(2 * p3 * r / (p3 + r))
    # the margin: 35 is 5 from 30 (match), 36 is 6 (no match)
    assert f1_multi({"a": [30]}, [35]) == 1.0
    assert f1_multi({"a": [30]}, [36]) == pytest.approx(2 * 0.5 * 0.5 / 1.0)


def test_multi_annotator_cover_averages_over_annotators() -> None:
    from bench.stages_annotated import cover_multi

    assert cover_multi({"a": [50], "b": [50]}, [50], 100) == 1.0
    # a nothing, b 50: predicting nothing covers a fully and b by 1/2 each half
    assert cover_multi({"a": [], "b": [50]}, [], 100) == pytest.approx((1.0 + 0.5) / 2)


def test_annotated_table_scores_methods_and_the_annotators_ceiling(bench, monkeypatch) -> None:
    # two series, marked identically by three annotators: the ceiling is perfect, a method that finds
    # the break scores 1 where "zero" does not, and a series nobody marked counts false stages
    rng = np.random.default_rng(4)
    step = np.r_[rng.normal(0, 1, 60), rng.normal(8, 1, 60)]
    flat = rng.normal(0, 1, 120)
    data = [("svc:step", step, {"x": [60], "y": [60], "z": [60]}), ("svc:flat", flat, {"x": [], "y": [], "z": []})]
    monkeypatch.setattr(bench, "METHODS", {"finds": lambda v: [60] if v[90] > 4 else [], "zero": lambda v: [],
                                           "noisy": lambda v: [30]})
    monkeypatch.setattr(bench, "_half", lambda name: "dev" if name == "svc:step" else "held-out")
    table = bench.annotated_table(data)
    rows = {line.split(" | ")[0].strip("| "): line for line in table.splitlines() if line.startswith("| ")}
    assert "1.000 / 1.000 | 1.000 / 1.000 | 1.000 / 1.000" in rows["finds"]
    assert rows["zero"].split(" | ")[1].startswith("0.667")  # dev: P 1/1, R 1/2
    assert "0 of 0 / 1 of 1 / 1 of 1" in rows["noisy"]  # the series nobody marked got a stage
    assert "0 of 0 / 0 of 1 / 0 of 1" in rows["finds"]
    ceiling = next(v for k, v in rows.items() if k.startswith("annotators"))
    assert "1.000 / 1.000 | 1.000 / 1.000 | 1.000 / 1.000" in ceiling


def test_nab_loader_resamples_a_work_tree(tmp_path: Path) -> None:
    from bench.stages_annotated import load_nab_series

    folder = tmp_path / "data" / "realKnownCause"
    folder.mkdir(parents=True)
    stamps = np.arange("2021-03-01T00:00", "2021-03-04T00:00", np.timedelta64(5, "m"), dtype="datetime64[m]")
    values = np.where(np.arange(stamps.size) < stamps.size // 2, 10.0, 30.0)
    lines = ["timestamp,value", *(f"{str(t).replace('T', ' ')}:00,{v}" for t, v in zip(stamps, values, strict=True))]
    (folder / "queue_depth.csv").write_text("\n".join(lines) + "\n")
    (tmp_path / "data" / "realTweets").mkdir()
    (tmp_path / "data" / "realTweets" / "tw.csv").write_text("\n".join(lines) + "\n")  # skipped
    out = load_nab_series(tmp_path)
    assert list(out) == ["nab:queue_depth"]
    hourly = out["nab:queue_depth"]
    assert hourly.size == 72 and hourly[0] == 10.0 and hourly[-1] == 30.0
