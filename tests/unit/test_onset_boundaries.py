"""Onsets that do not hang on one stage boundary being placed exactly (tools/changes/onset.py): a burst the stage
search cuts out as a stage of its own is still the spike, and a boundary pushed by the window's edge (a minimum
stage length) or a short stage is re-placed where the raw values changed. Seeded synthetic series, with the learned
stage acceptance off and on."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import tools.control_limits.analysis as analysis
from tools.changes import onset_index as onset_mod
from tools.changes.models import MetricOnset
from tools.changes.onset import detect_onset, refine_boundary

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)


def _grid(n: int, minutes: int) -> list[dt.datetime]:
    return [T0 + dt.timedelta(minutes=minutes * i) for i in range(n)]


def _onset(values: np.ndarray, minutes: int, metric: str, first: int = 0, shape=None) -> MetricOnset:
    grid = _grid(len(values), minutes)
    r = MetricOnset(service="till-sync", metric=metric, start=grid[first], end=grid[-1], n_points=len(values))
    detect_onset(r, grid, values, None, first=first, shape=shape)
    return r


@pytest.mark.parametrize("learned", [False, True])
@pytest.mark.parametrize("seed", range(6))
def test_a_step_at_the_windows_left_edge_is_dated_where_it_happened(seed, learned, monkeypatch):
    """Hourly failures at ~3/h, then ~40/h from the 6th point of the window: the first stage cannot be shorter than
    the search's minimum, so its boundary sat a few hours late (the changes just before the real step looked
    'hours before the onset')."""
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", learned)
    rng = np.random.default_rng(seed)
    x = np.concatenate([3 + rng.normal(0, 0.15, 5), 40 + rng.normal(0, 3.0, 200)])
    r = _onset(x, 60, "upload_failures")
    assert r.onset == T0 + dt.timedelta(hours=5), (r.onset, r.stages)
    assert r.before_level is not None and r.before_level < 4 and r.after_level is not None and r.after_level > 35


def test_refine_boundary_moves_only_to_where_the_values_changed():
    x = np.array([1.0, 1.1, 0.9, 1.0, 5.0, 5.1, 4.9, 5.0, 5.2, 4.8])
    assert refine_boundary(x, 7, 0, 9) == 4 and refine_boundary(x, 4, 0, 9) == 4 and refine_boundary(x, 2, 0, 9) == 4
    assert refine_boundary(np.array([1.0, np.nan, 1.0, np.nan]), 2, 0, 3) == 2  # too few points: left alone
    far = np.concatenate([np.ones(20), 5 * np.ones(20)])
    assert refine_boundary(far, 10, 0, 39) == 14  # at most REFINE_SHIFT points away
    rng = np.random.default_rng(3)
    for _ in range(20):  # a shift of a fifth of the noise: where the boundary falls is noise, so it stays
        wobble = np.concatenate([rng.normal(0, 1, 20), rng.normal(0.2, 1, 20)])
        assert refine_boundary(wobble, 20, 0, 39) == 20


def _burst_series(seed: int) -> tuple[np.ndarray, int]:
    """A day of 5-minute network-in bytes: a 40-minute burst ~50x the level at 14:00, back to normal, then a
    modest 3x rise for half an hour at 17:30 (the later, smaller episode)."""
    rng = np.random.default_rng(seed)
    x = 1.0e6 * np.exp(rng.normal(0, 0.25, 288))
    start = 168
    x[start:start + 8] *= 50 * np.exp(rng.normal(0, 0.2, 8))
    x[210:216] *= 3
    return x, start


@pytest.mark.parametrize("learned", [False, True])
@pytest.mark.parametrize("seed", range(4))
def test_a_spike_cut_out_as_a_stage_is_still_the_spike(seed, learned, monkeypatch):
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", learned)
    x, start = _burst_series(seed)
    r = _onset(x, 5, "net_in_bytes", shape="spike")
    assert r.onset is not None and abs((r.onset - (T0 + dt.timedelta(minutes=5 * start))).total_seconds()) <= 600, (
        r.onset, [(s.start, s.cl) for s in r.stages])


def test_bursts_are_short_same_side_excursions_that_return():
    x, start = _burst_series(0)
    an = analysis.analyze_series(x, higher_is_better=None, trend_breaks=False)
    found = onset_mod.bursts(an, None, onset_mod._Scale.of(5))
    for k, ref in found.items():  # each short, away from both neighbours the same way, back to the level after it
        st, before, after = an.stages[k], an.stages[k - 1], an.stages[k + 1]
        assert ref == k - 1 and st.end - st.start + 1 <= 12
        assert (st.cl - before.cl) * (st.cl - after.cl) > 0 and abs(after.cl - before.cl) <= 0.5 * abs(st.cl - before.cl)
    assert all(an.stages[k].start > start + 8 or abs(an.stages[k].start - start) <= 2 for k in found)
