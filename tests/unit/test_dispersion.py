"""Changes of dispersion as stages (``kind`` "dispersion", :mod:`tools.control_limits.dispersion`).

A series whose point-to-point variation doubles or more (a line that became unstable, a noisier sensor) gets a
stage of its own with its own limits; shift-free series of every usual kind, a count whose spread follows its level,
a growing multiplicative process and a burst of spikes get none.
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tools.control_limits import analysis, analyze_many, analyze_series, dispersion
from tools.kpis.analytics import SeriesView
from tools.kpis.shaping import latest_shift


@pytest.fixture(autouse=True)
def _dispersion_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "DISPERSION_BREAKS", True)  # measured, off by default (docs: "Ninth pass (C)")


def _kinds(res) -> list[tuple[int, str]]:
    return [(s.start, s.kind) for s in res.stages[1:]]


def _disp(res) -> list[int]:
    return [s.start for s in res.stages[1:] if s.kind == "dispersion"]


def test_noisier_stretch_opens_a_dispersion_stage_with_wider_limits() -> None:
    # a fill weight (grams) on a packing line whose spread triples at point 180 of 360, the mean unchanged
    found = exact = 0
    for seed in range(20):
        rng = np.random.default_rng(seed)
        x = np.r_[502.0 + 0.8 * rng.standard_normal(180), 502.0 + 2.4 * rng.standard_normal(180)]
        res = analyze_series(x)
        d = _disp(res)
        if len(res.stages) == 2 and d and abs(d[0] - 180) <= 15:
            found += 1
            exact += abs(d[0] - 180) <= 5
            before, after = res.stages
            assert after.confirmed_by == dispersion.RULE_RANGE
            assert (after.ucl - after.lcl) > 2.0 * (before.ucl - before.lcl)
            assert abs(after.cl - before.cl) < 1.0  # same centre: it is the spread that changed
    assert found >= 18 and exact >= 15, (found, exact)


def test_calmer_stretch_opens_a_dispersion_stage() -> None:
    # queue wait (s) that calms down to a third of its swings after a fix at point 150 of 300
    found = 0
    for seed in range(20):
        rng = np.random.default_rng(100 + seed)
        x = np.r_[40.0 + 6.0 * rng.standard_normal(150), 40.0 + 2.0 * rng.standard_normal(150)]
        d = _disp(analyze_series(x))
        if d and abs(d[0] - 150) <= 10:
            found += 1
            assert analyze_series(x).stages[1].confirmed_by == dispersion.RULE_SMALL
    assert found >= 17, found


def test_json_and_stage_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    rng = np.random.default_rng(7)
    x = np.r_[12.0 + 0.5 * rng.standard_normal(200), 12.0 + 2.0 * rng.standard_normal(200)]
    out = analyze_series(x).to_json()
    assert [s["kind"] for s in out["stages"]] == [None, "dispersion"]
    monkeypatch.setattr(analysis, "DISPERSION_BREAKS", False)  # the default
    assert [s["kind"] for s in analyze_series(x).to_json()["stages"]] == [None]


def _ar1(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    e = rng.standard_normal(n)
    y = np.empty(n)
    y[0] = e[0] / np.sqrt(1 - phi * phi)
    for t in range(1, n):
        y[t] = phi * y[t - 1] + e[t]
    return y


@pytest.mark.parametrize("kind", ["gauss", "t3", "ar0.9", "walk", "poisson", "rare"])
def test_shift_free_series_get_no_dispersion_stage(kind: str) -> None:
    rng = np.random.default_rng(hash(kind) % 2**32)
    rows = []
    for _i in range(60):
        n = int(rng.choice([80, 200, 500]))
        draw = {
            "gauss": lambda k: rng.standard_normal(k),
            "t3": lambda k: rng.standard_t(3, k),
            "ar0.9": lambda k: _ar1(rng, k, 0.9),
            "walk": lambda k: np.cumsum(rng.standard_normal(k)),
            "poisson": lambda k: rng.poisson(6.0, k).astype(float),
            "rare": lambda k: rng.poisson(0.5, k).astype(float),
        }[kind]
        x = draw(n)
        rows.append(np.r_[x, np.full(500 - n, np.nan)])
    res = analyze_many(np.array(rows))
    assert sum(bool(_disp(r)) for r in res) <= 1


def test_count_whose_spread_follows_its_level_is_a_level_stage_only() -> None:
    # daily complaints: the rate quadruples at 120 (a level stage); its Poisson spread doubles with it
    for seed in range(10):
        rng = np.random.default_rng(seed)
        x = np.r_[rng.poisson(3.0, 120), rng.poisson(12.0, 120)].astype(float)
        res = analyze_series(x)
        assert res.stages[1].kind == "level" and abs(res.stages[1].start - 120) <= 3
        assert not _disp(res), _kinds(res)


def test_growing_multiplicative_process_and_spike_burst_get_no_dispersion_stage() -> None:
    for seed in range(10):
        rng = np.random.default_rng(seed)
        level = 50.0 * np.exp(np.linspace(0.0, 1.6, 300))  # grows ×5, its noise in proportion
        x = level * (1.0 + 0.03 * rng.standard_normal(300))
        assert not _disp(analyze_series(x)), seed
        y = 20.0 + rng.standard_normal(300)
        y[140:150:2] += rng.choice([-1.0, 1.0], 5) * 9.0  # one burst of spikes, then calm again
        assert not _disp(analyze_series(y)), seed


def test_latest_shift_says_more_variable() -> None:
    rng = np.random.default_rng(3)
    x = np.r_[70.0 + 1.0 * rng.standard_normal(120), 70.0 + 3.0 * rng.standard_normal(120)]
    an = analyze_series(x, higher_is_better=True)
    dates = [dt.date(2026, 1, 1) + dt.timedelta(days=i) for i in range(len(x))]
    view = SeriesView(dates=dates, values=x, yoy_values=np.full(len(x), np.nan), analysis=an, offset=0)
    sh = latest_shift(view, higher_is_better=True)
    assert sh is not None and sh.kind == "dispersion" and sh.direction == "up" and sh.bad
    assert sh.after_mr is not None and sh.before_mr is not None and sh.after_mr > 2 * sh.before_mr


def test_cli_analyze_json_reports_the_kind(tmp_path: Path) -> None:
    rng = np.random.default_rng(12)  # the power over seeds is the first test's business
    x = np.r_[3.2 + 0.05 * rng.standard_normal(150), 3.2 + 0.2 * rng.standard_normal(150)]
    day0 = dt.date(2025, 3, 1)
    csv = tmp_path / "pressure.csv"
    csv.write_text("reading_day,line_pressure_bar\n" + "".join(
        f"{day0 + dt.timedelta(days=i)},{v:.4f}\n" for i, v in enumerate(x)), encoding="utf-8")
    exe = Path(sys.executable).with_name("opsgraph")
    plain = subprocess.run([str(exe), "analyze", str(csv), "--json"], capture_output=True, text=True, check=True)
    assert [s["kind"] for s in json.loads(plain.stdout)["stages"]] == [None]  # off by default
    out = subprocess.run([str(exe), "analyze", str(csv), "--json", "--variability"], capture_output=True, text=True,
                         check=True)
    stages = json.loads(out.stdout)["stages"]
    assert [s["kind"] for s in stages] == [None, "dispersion"], stages
    assert abs(stages[1]["start"] - 150) <= 5 and stages[1]["confirmed_by"] == "range_above_limit"
