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
