"""Unit tests for the Wheeler XmR core (tools.control_limits): pure numpy, no database."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest

from tools.control_limits import (
    D2,
    D2_MEDIAN,
    D4,
    D6,
    E2,
    E5,
    RULES,
    Limits,
    SeriesAnalysis,
    Stage,
    analyze_csv,
    analyze_many,
    analyze_series,
    binseg_l2,
    binseg_l2_many,
    default_penalty,
    detect_signals,
    detect_stages,
    xmr_limits,
    zscore,
)

rpt = pytest.importorskip("ruptures")


# --------------------------------------------------------------------------- #
# helpers
# --------------------------------------------------------------------------- #


def _ruptures_cps(z: np.ndarray, pen: float, min_size: int = 8) -> list[int]:
    return rpt.Binseg(model="l2", min_size=min_size, jump=1).fit(z).predict(pen=pen)[:-1]


def _base_stage(n: int) -> Stage:
    """A stage covering ``0..n-1`` with cl=0 and mR̄=1 (ucl=2.66, quartiles ±1.33)."""
    lim = xmr_limits([0.5, -0.5] * 10)
    assert lim.cl == pytest.approx(0.0) and lim.mr_bar == pytest.approx(1.0)
    return Stage(phase_number=1, start=0, end=n - 1, limits=lim, n=n)


def _alternating(n: int = 30) -> np.ndarray:
    """±0.5 alternating around 0: inside the quartile lines, no run longer than 1."""
    return np.where(np.arange(n) % 2 == 0, 0.5, -0.5).astype(float)


def _rules_at(signals, rule: str) -> list[int]:
    return [s.index for s in signals if s.rule == rule]


# --------------------------------------------------------------------------- #
# XmR limits
# --------------------------------------------------------------------------- #


def test_xmr_limits_mean_formula() -> None:
    x = [1.0, 3.0, 2.0, 5.0, 4.0]  # mean 3, moving ranges 2,1,3,1 -> mR̄ 1.75
    lim = xmr_limits(x)
    assert lim.method == "mean"
    assert lim.cl == pytest.approx(3.0)
    assert lim.mr_bar == pytest.approx(1.75)
    assert lim.ucl == pytest.approx(3.0 + 2.66 * 1.75)
    assert lim.lcl == pytest.approx(3.0 - 2.66 * 1.75)
    assert lim.url == pytest.approx(3.268 * 1.75)
    assert lim.sigma == pytest.approx(1.75 / 1.128)
    assert lim.q_upper == pytest.approx(3.0 + 2.66 * 1.75 / 2)
    assert lim.q_lower == pytest.approx(3.0 - 2.66 * 1.75 / 2)
    assert (E2, D4, D2) == (2.66, 3.268, 1.128)


def test_xmr_limits_median_formula() -> None:
    x = [1.0, 3.0, 2.0, 5.0, 4.0]  # moving ranges 2,1,3,1 -> median 1.5
    lim = xmr_limits(x, method="median")
    assert lim.method == "median"
    assert lim.cl == pytest.approx(3.0)
    assert lim.mr_bar == pytest.approx(1.5)
    assert lim.ucl == pytest.approx(3.0 + 3.145 * 1.5)
    assert lim.lcl == pytest.approx(3.0 - 3.145 * 1.5)
    assert lim.url == pytest.approx(3.865 * 1.5)
    assert lim.sigma == pytest.approx(1.5 / 0.954)
    assert lim.q_upper == pytest.approx((lim.cl + lim.ucl) / 2)
    assert lim.q_lower == pytest.approx((lim.cl + lim.lcl) / 2)
    assert (E5, D6, D2_MEDIAN) == (3.145, 3.865, 0.954)


def test_xmr_limits_skips_gaps_and_degenerate_inputs() -> None:
    lim = xmr_limits([1.0, np.nan, 3.0, np.nan, 2.0])  # mR between successive values: 2, 1
    assert lim.cl == pytest.approx(2.0)
    assert lim.mr_bar == pytest.approx(1.5)
    one = xmr_limits([4.0, np.nan])
    assert one.cl == 4.0 and math.isnan(one.ucl)
    assert math.isnan(xmr_limits([]).cl)
    with pytest.raises(ValueError, match="method"):
        xmr_limits([1.0, 2.0], method="mode")


@pytest.mark.parametrize("method", ["mean", "median"])
def test_moving_ranges_never_cross_stage_boundary(method: str) -> None:
    # two noise-free stages with mR = 1 inside each; the 19-unit jump between
    # them would inflate mR̄ if a moving range crossed the boundary
    x = np.r_[np.tile([10.0, 11.0], 12), np.tile([30.0, 31.0], 12)]
    stages, cands = detect_stages(x, method=method)
    assert cands == [24]
    assert [(s.start, s.end) for s in stages] == [(0, 23), (24, 47)]
    for st in stages:
        assert st.limits.mr_bar == pytest.approx(1.0)
        ref = xmr_limits(x[st.start : st.end + 1], method=method)
        for field in ("cl", "ucl", "lcl", "url", "mr_bar", "sigma", "q_upper", "q_lower"):
            assert getattr(st.limits, field) == pytest.approx(getattr(ref, field))
    # a moving range taken across the boundary (x[23] -> x[24]) would change mR̄
    assert np.abs(np.diff(x[23:])).mean() == pytest.approx(1.75)


# --------------------------------------------------------------------------- #
# Stage detection
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(("seed", "at", "shift"), [(0, 60, 3.0), (1, 100, -2.5), (2, 150, 2.0), (3, 35, 4.0)])
def test_clean_level_shift_is_found(seed: int, at: int, shift: float) -> None:
    rng = np.random.default_rng(seed)
    x = rng.normal(10.0, 1.0, 200)
    x[at:] += shift
    stages, _candidates = detect_stages(x)
    assert len(stages) == 2
    assert abs(stages[1].start - at) <= 3
    assert stages[0].end == stages[1].start - 1 and stages[1].end == 199
    assert stages[1].confirmed_by in RULES
    assert stages[1].evidence_start is not None and stages[1].evidence_start >= stages[1].start
    assert stages[1].cl == pytest.approx(10.0 + shift, abs=0.5)


@pytest.mark.parametrize("seed", range(8))
def test_stable_series_gets_one_stage(seed: int) -> None:
    x = np.random.default_rng(seed).normal(50.0, 3.0, 200)
    stages, _ = detect_stages(x)
    assert len(stages) == 1
    assert (stages[0].start, stages[0].end, stages[0].n) == (0, 199, 200)
    assert stages[0].confirmed_by is None and stages[0].phase_number == 1


@pytest.mark.parametrize(
    ("rule", "new_stage"),
    [
        ("beyond_limits", 3.5 + _alternating(30)),  # far beyond the old limits
        ("three_of_four", np.tile([1.5, 1.5, 1.0], 10)),  # beyond the old upper quartile
        ("run_of_eight", 0.8 + _alternating(30)),  # above the old centre, inside the quartile
    ],
)
def test_boundary_reports_confirming_rule(rule: str, new_stage: np.ndarray) -> None:
    x = np.r_[_alternating(40), new_stage]  # stage 1: cl 0, limits ±2.66, quartiles ±1.33
    stages, cands = detect_stages(x)
    assert cands == [40]
    assert [(s.start, s.end) for s in stages] == [(0, 39), (40, 69)]
    assert stages[1].confirmed_by == rule
    assert stages[1].evidence_start == 40
    assert stages[1].phase_number == 2


def test_unconfirmed_candidates_are_merged() -> None:
    # a low penalty makes the search propose boundaries in pure noise; the
    # ones without Wheeler evidence must be merged into the previous stage
    x = np.random.default_rng(7).normal(0.0, 1.0, 300)
    res = analyze_series(x, penalty=1.0)
    assert len(res.candidates) >= 2
    assert len(res.stages) - 1 < len(res.candidates)
    starts = {s.start for s in res.stages[1:]}
    assert starts <= set(res.candidates)
    for st in res.stages[1:]:
        assert st.confirmed_by in RULES
        assert st.start <= st.evidence_start <= st.end


def test_max_change_points_cap_and_min_size() -> None:
    x = np.concatenate([np.full(20, float(v)) + 0.1 * (np.arange(20) % 2) for v in (0, 5, 0, 5, 0, 5, 0, 5)])
    _, cands = detect_stages(x, penalty=0.5, max_cps=3)
    assert len(cands) == 3
    stages, cands = detect_stages(x, penalty=0.5, max_cps=None)
    assert cands == [20, 40, 60, 80, 100, 120, 140]
    assert len(stages) == 8
    assert all(s.n >= 8 for s in stages)
    _, cands = detect_stages(x, penalty=0.5, min_size=30, max_cps=None)
    assert cands and all(b - a >= 30 for a, b in zip([0, *cands], [*cands, len(x)], strict=True))


def test_point_limits_follow_stages() -> None:
    x = np.r_[np.tile([10.0, 11.0], 12), np.tile([30.0, 31.0], 12)]
    res = analyze_series(x)
    pl = res.point_limits()
    assert set(pl) >= {"cl", "ucl", "lcl", "phase_number"}
    assert pl["phase_number"].tolist() == [1] * 24 + [2] * 24
    assert np.allclose(pl["cl"][:24], 10.5) and np.allclose(pl["cl"][24:], 30.5)
    assert np.allclose(pl["ucl"][24:], 30.5 + 2.66)


# --------------------------------------------------------------------------- #
# Signals
# --------------------------------------------------------------------------- #


def test_beyond_limits_rule() -> None:
    x = _alternating()
    x[10] = 3.0
    x[20] = -2.9
    sig = detect_signals(x, [_base_stage(len(x))])
    beyond = [s for s in sig if s.rule == "beyond_limits"]
    assert [(s.index, s.side, s.state) for s in beyond] == [(10, "above", "critical"), (20, "below", "critical")]
    assert beyond[0].value == 3.0 and beyond[0].phase_number == 1

    y = _alternating()
    y[10] = 2.5  # inside the limits
    assert _rules_at(detect_signals(y, [_base_stage(len(y))]), "beyond_limits") == []


def test_three_of_four_rule() -> None:
    x = _alternating()
    x[[10, 11, 13]] = 1.5  # beyond the upper quartile (1.33); 12 stays at 0.5
    sig = detect_signals(x, [_base_stage(len(x))])
    assert _rules_at(sig, "three_of_four") == [13]
    assert {s.state for s in sig if s.rule == "three_of_four"} == {"warning"}
    assert _rules_at(sig, "beyond_limits") == [] and _rules_at(sig, "run_of_eight") == []

    only_two = _alternating()
    only_two[[10, 13]] = 1.5
    assert _rules_at(detect_signals(only_two, [_base_stage(30)]), "three_of_four") == []

    mixed_sides = _alternating()
    mixed_sides[[10, 13]] = 1.5
    mixed_sides[11] = -1.5  # beyond the *other* quartile line
    assert _rules_at(detect_signals(mixed_sides, [_base_stage(30)]), "three_of_four") == []

    low = -_alternating()
    low[[4, 5, 6]] = -1.4  # 3 successive below the lower quartile
    sig = detect_signals(low, [_base_stage(30)])
    assert [(s.index, s.side) for s in sig if s.rule == "three_of_four"] == [(6, "below")]


def test_run_of_eight_rule() -> None:
    x = _alternating()
    x[10:18] = 0.3  # exactly 8 successive above the centre line
    x[18] = -0.3
    sig = detect_signals(x, [_base_stage(len(x))])
    run = [s for s in sig if s.rule == "run_of_eight"]
    assert [(s.index, s.side, s.state) for s in run] == [(17, "above", "warning")]

    seven = _alternating()
    seven[10:17] = 0.3
    seven[17] = -0.3
    assert _rules_at(detect_signals(seven, [_base_stage(30)]), "run_of_eight") == []

    on_centre = _alternating()
    on_centre[10:19] = 0.3
    on_centre[14] = 0.0  # a point on the centre line breaks the run
    assert _rules_at(detect_signals(on_centre, [_base_stage(30)]), "run_of_eight") == []


def test_runs_and_windows_do_not_span_stages() -> None:
    lim = xmr_limits([0.5, -0.5] * 10)
    stages = [
        Stage(1, 0, 14, lim, 15),
        Stage(2, 15, 29, lim, 15, confirmed_by="beyond_limits", evidence_start=15),
    ]
    x = _alternating()
    x[11:19] = 0.3  # with x[10] = +0.5: 9 successive points, split 5 + 4 by the boundary
    x[19] = -0.3
    x[[13, 14, 15]] = 1.4  # 3 beyond the quartile, split 2 + 1
    sig = detect_signals(x, stages)
    assert _rules_at(sig, "run_of_eight") == []
    assert _rules_at(sig, "three_of_four") == []
    one_stage = detect_signals(x, [Stage(1, 0, 29, lim, 30)])  # one stage: both fire
    assert _rules_at(one_stage, "run_of_eight") == [17, 18]  # run is 10..18 (x[10] = +0.5)
    assert _rules_at(one_stage, "three_of_four") == [15]


@pytest.mark.parametrize(
    ("hib", "high_state", "low_state"),
    [(None, "critical", "critical"), (True, "info", "critical"), (False, "critical", "info")],
)
def test_direction_awareness(hib: bool | None, high_state: str, low_state: str) -> None:
    x = _alternating()
    x[10] = 3.0
    x[20] = -3.0
    sig = detect_signals(x, [_base_stage(len(x))], higher_is_better=hib)
    by_side = {s.side: s for s in sig if s.rule == "beyond_limits"}
    assert by_side["above"].state == high_state
    assert by_side["below"].state == low_state
    assert by_side["above"].direction == ("good" if high_state == "info" else "bad")
    assert by_side["below"].direction == ("good" if low_state == "info" else "bad")


def test_latest_state_is_direction_aware() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(100.0, 1.0, 60)
    x[-1] = 120.0  # last point far above the limits
    up_good = analyze_series(x, higher_is_better=True)
    assert up_good.latest_state() == ("ok", None)
    assert any(s.index == 59 and s.state == "info" for s in up_good.signals)
    assert analyze_series(x).latest_state() == ("critical", "beyond_limits")
    assert analyze_series(x, higher_is_better=False).latest_state() == ("critical", "beyond_limits")
    x[-1] = np.nan  # latest *non-missing* point is now an ordinary one
    assert analyze_series(x).latest_state() == ("ok", None)


def test_signals_in_analyze_series_end_to_end() -> None:
    x = _alternating(60) + 10.0
    x[30] = 14.0
    res = analyze_series(x)
    assert len(res.stages) == 1
    assert [(s.index, s.rule, s.state) for s in res.signals] == [(30, "beyond_limits", "critical")]


# --------------------------------------------------------------------------- #
# Gaps
# --------------------------------------------------------------------------- #


def test_nan_gaps_keep_original_indices() -> None:
    rng = np.random.default_rng(11)
    x = rng.normal(10.0, 1.0, 120)
    x[60:] += 4.0
    x[[5, 30, 59, 61, 100]] = np.nan
    res = analyze_series(x)
    assert len(res.stages) == 2
    assert abs(res.stages[1].start - 60) <= 3
    assert res.stages[-1].end == 119
    assert sum(s.n for s in res.stages) == 115  # n counts non-missing values only
    assert all(np.isfinite(x[s.index]) for s in res.signals)
    for st in res.stages:  # limits of a stage ignore its gaps
        ref = xmr_limits(x[st.start : st.end + 1])
        assert st.limits.cl == pytest.approx(ref.cl)
        assert st.limits.mr_bar == pytest.approx(ref.mr_bar)


def test_run_of_eight_across_a_gap() -> None:
    x = _alternating()
    x[10:19] = 0.3  # 8 points above ...
    x[13] = np.nan  # ... with a gap in the middle
    x[19] = -0.3
    sig = detect_signals(x, [_base_stage(len(x))])
    assert _rules_at(sig, "run_of_eight") == [18]


def test_degenerate_series() -> None:
    empty = analyze_series(np.full(10, np.nan))
    assert len(empty.stages) == 1 and empty.signals == [] and empty.latest_state() == ("ok", None)
    const = analyze_series(np.full(30, 5.0))
    assert len(const.stages) == 1 and const.stages[0].limits.cl == 5.0 and const.stages[0].limits.mr_bar == 0.0
    assert const.candidates == []
    short = analyze_series([1.0, 2.0, 3.0])
    assert len(short.stages) == 1 and short.stages[0].n == 3


# --------------------------------------------------------------------------- #
# Change-point search vs ruptures
# --------------------------------------------------------------------------- #


def _random_series(seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(40, 400))
    x = rng.normal(0.0, 1.0, n)
    for _ in range(int(rng.integers(0, 5))):
        at = int(rng.integers(0, n))
        x[at:] += rng.normal(0.0, 2.0)
    if seed % 5 == 0:
        x = np.round(x)  # integer data: many exact ties in the gains
    return x


@pytest.mark.parametrize("seed", range(40))
def test_binseg_matches_ruptures(seed: int) -> None:
    z = zscore(_random_series(seed))
    for pen, min_size in ((default_penalty(len(z)), 8), (2.0, 3), (8.0, 1)):
        assert binseg_l2(z, pen, min_size=min_size, max_cps=None) == _ruptures_cps(z, pen, min_size)


def test_binseg_matches_ruptures_on_ties() -> None:
    for n in (16, 33, 64):
        for z in (zscore(np.tile([0.0, 0.0, 1.0, 1.0], n)[:n]), zscore(np.arange(n) % 3 == 0)):
            for pen, min_size in ((0.5, 1), (1.0, 2), (0.1, 4)):
                assert binseg_l2(z, pen, min_size=min_size, max_cps=None) == _ruptures_cps(z, pen, min_size)


def test_binseg_cap_matches_ruptures_n_bkps() -> None:
    z = zscore(np.repeat([0.0, 3.0, -1.0, 4.0, 0.5, 6.0, 2.0, -2.0], 25) + np.random.default_rng(0).normal(0, 0.3, 200))
    full = binseg_l2(z, 3.0, max_cps=None)
    assert full == _ruptures_cps(z, 3.0) and len(full) == 7
    capped = binseg_l2(z, 3.0, max_cps=3)
    expect = rpt.Binseg(model="l2", min_size=8, jump=1).fit(z).predict(n_bkps=3)[:-1]
    assert capped == expect


def test_binseg_many_and_validation() -> None:
    rows = [zscore(_random_series(s)) for s in range(6)]
    n = max(len(r) for r in rows)
    Z = np.zeros((len(rows), n))
    for i, r in enumerate(rows):
        Z[i, : len(r)] = r
    pens = [default_penalty(len(r)) for r in rows]
    got = binseg_l2_many(Z, pens, lengths=[len(r) for r in rows], max_cps=None)
    assert got == [_ruptures_cps(r, p) for r, p in zip(rows, pens, strict=True)]
    assert binseg_l2(np.zeros(5), 1.0) == []
    with pytest.raises(ValueError, match="must be finite"):
        binseg_l2(np.array([0.0, np.nan, 1.0]), 1.0)


def test_detect_stages_candidates_match_ruptures_with_gaps() -> None:
    x = _random_series(3)
    x[[2, 17, 18]] = np.nan
    dense = x[np.isfinite(x)]
    valid_idx = np.flatnonzero(np.isfinite(x))
    _, cands = detect_stages(x, max_cps=None)
    expect = _ruptures_cps(zscore(dense), default_penalty(dense.size))
    assert cands == [int(valid_idx[c]) for c in expect]


# --------------------------------------------------------------------------- #
# Batch API
# --------------------------------------------------------------------------- #


def _same(a: SeriesAnalysis, b: SeriesAnalysis) -> None:
    assert a.candidates == b.candidates
    assert a.signals == b.signals
    assert len(a.stages) == len(b.stages)
    for sa, sb in zip(a.stages, b.stages, strict=True):
        assert (sa.phase_number, sa.start, sa.end, sa.n, sa.confirmed_by, sa.evidence_start) == (
            sb.phase_number, sb.start, sb.end, sb.n, sb.confirmed_by, sb.evidence_start,
        )
        np.testing.assert_allclose(
            [sa.limits.cl, sa.limits.ucl, sa.limits.lcl, sa.limits.mr_bar],
            [sb.limits.cl, sb.limits.ucl, sb.limits.lcl, sb.limits.mr_bar],
            rtol=1e-12, equal_nan=True,
        )


@pytest.mark.parametrize("method", ["mean", "median"])
def test_analyze_many_equals_analyze_series(method: str) -> None:
    rng = np.random.default_rng(42)
    M = rng.normal(20.0, 2.0, (12, 150))
    for i in range(0, 12, 2):
        M[i, rng.integers(30, 120) :] += rng.choice([-6.0, 6.0])
    M[rng.random(M.shape) < 0.03] = np.nan
    M[5] = np.nan
    hib = [None, True, False] * 4
    batch = analyze_many(M, higher_is_better=hib, method=method)
    assert len(batch) == 12
    for i, res in enumerate(batch):
        single = analyze_series(M[i], higher_is_better=hib[i], method=method)
        _same(res, single)
        assert res.higher_is_better is hib[i]
    with pytest.raises(ValueError, match="higher_is_better"):
        analyze_many(M, higher_is_better=[True, False])


def test_to_json_shape_and_serialisable() -> None:
    x = np.r_[np.tile([10.0, 11.0], 12), np.tile([30.0, 31.0], 12)]
    x[3] = np.nan
    x[40] = 40.0
    dates = np.arange("2024-01-01", "2024-02-18", dtype="datetime64[D]")
    res = analyze_series(x)
    js = res.to_json(dates=dates)
    json.dumps(js, allow_nan=False)
    st = js["stages"]
    assert [(s["start"], s["end"]) for s in st] == [(0, 23), (24, 47)]
    assert st[1]["start_date"] == "2024-01-25" and st[1]["confirmed_by"] in RULES
    for key in ("cl", "ucl", "lcl", "start_date", "confirmed_by"):
        assert key in st[0]
    sig = js["signals"][0]
    assert {"index", "rule", "state", "date", "value", "side"} <= set(sig)
    assert sig["index"] == 40 and sig["date"] == "2024-02-10"
    no_dates = res.to_json()
    assert no_dates["stages"][0]["start_date"] is None
    with pytest.raises(ValueError, match="dates"):
        res.to_json(dates=dates[:5])


def test_limits_dataclass_is_frozen() -> None:
    lim = xmr_limits([1.0, 2.0, 3.0])
    assert isinstance(lim, Limits)
    with pytest.raises(AttributeError):
        lim.cl = 0.0  # type: ignore[misc]


# --------------------------------------------------------------------------- #
# CSV
# --------------------------------------------------------------------------- #


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def _shift_csv_rows(n: int = 60, at: int = 30) -> list[tuple[str, str]]:
    rng = np.random.default_rng(5)
    vals = rng.normal(100.0, 2.0, n)
    vals[at:] += 15.0
    days = np.datetime64("2024-03-01") + np.arange(n)
    return [(str(d), f"{v:.3f}") for d, v in zip(days, vals, strict=True)]


def test_analyze_csv_json_shape(tmp_path: Path) -> None:
    rows = _shift_csv_rows()
    rows[10] = (rows[10][0], "")  # a gap
    text = "day,orders,region\n" + "\n".join(f"{d},{v},eu" for d, v in rows[::-1]) + "\n"  # unsorted
    out = analyze_csv(_write(tmp_path, "m.csv", text))
    json.dumps(out, allow_nan=False)
    assert out["column"] == "orders" and out["date_column"] == "day"
    assert len(out["stages"]) == 2
    s2 = out["stages"][1]
    assert abs(s2["start"] - 30) <= 3
    assert s2["start_date"] == rows[s2["start"]][0]
    for key in ("start", "end", "cl", "ucl", "lcl", "start_date", "confirmed_by"):
        assert key in s2
    for sig in out["signals"]:
        assert {"index", "rule", "state", "date", "value", "side"} <= set(sig)
        assert sig["date"] == rows[sig["index"]][0]
    assert out["n_points"] == 60


def test_analyze_csv_detects_date_by_parseability_and_direction(tmp_path: Path) -> None:
    rows = _shift_csv_rows()
    text = "when,latency_ms,errors\n" + "\n".join(f"{d}T00:00:00,{v},1" for d, v in rows) + "\n"
    p = _write(tmp_path, "lat.csv", text)
    out = analyze_csv(p, "latency_ms", higher_is_better=False)
    assert out["date_column"] == "when" and out["higher_is_better"] is False
    assert out["stages"][0]["start_date"] == "2024-03-01"
    assert analyze_csv(p, "errors")["column"] == "errors"


def test_analyze_csv_epoch_timestamps_and_gaps(tmp_path: Path) -> None:
    rows = _shift_csv_rows()
    epoch0 = 1_709_251_200  # 2024-03-01T00:00:00Z
    lines = [f"{epoch0 + 86400 * i},{v if i % 7 else 'n/a'}" for i, (_, v) in enumerate(rows)]
    out = analyze_csv(_write(tmp_path, "epoch.csv", "ts,value\n" + "\n".join(lines) + "\n"), "value")
    assert out["date_column"] == "ts"
    assert out["stages"][0]["start_date"] == "2024-03-01"
    assert all(rows[s["index"]][1] != "n/a" for s in out["signals"])


def test_analyze_csv_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not found"):
        analyze_csv(tmp_path / "missing.csv")
    no_date = _write(tmp_path, "nodate.csv", "name,value\na,1\nb,2\nc,3\n")
    with pytest.raises(ValueError, match="no date/timestamp column"):
        analyze_csv(no_date)
    ok = _write(tmp_path, "ok.csv", "date,orders,revenue,label\n2024-01-01,1,2,x\n2024-01-02,3,4,y\n")
    with pytest.raises(ValueError, match=r"column 'visits' not found.*orders, revenue"):
        analyze_csv(ok, "visits")
    with pytest.raises(ValueError, match=r"'label' is not numeric.*orders, revenue"):
        analyze_csv(ok, "label")
    no_num = _write(tmp_path, "nonum.csv", "date,label\n2024-01-01,x\n2024-01-02,y\n")
    with pytest.raises(ValueError, match="no numeric column"):
        analyze_csv(no_num)
    one = _write(tmp_path, "one.csv", "timestamp,value\n2024-01-01 10:00,5\n2024-01-01 11:00,\n2024-01-01 12:00,\n")
    with pytest.raises(ValueError, match="at least 2"):
        analyze_csv(one)
