"""Spikes in telemetry onsets (tools.changes.spikes / rhythm / onset), on seeded synthetic series of the shapes
real exports fail in: a lone 5-minute spike, a spike inside an earlier level rise, a burst whose tail crosses
into the next stage, noise with no spike at all, a spike at the time of a daily peak."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest

from tools.changes import onset, spikes
from tools.changes.models import MetricOnset
from tools.control_limits import analyze_series

T0 = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=5)
DAY = 288


def _detect(values: np.ndarray, metric: str = "cpu_pct", history: int = 0, shape: spikes.Shape | None = None):
    grid = [T0 + STEP * i for i in range(values.size)]
    r = MetricOnset(service="svc", metric=metric, start=grid[history], end=grid[-1], n_points=0)
    onset.detect_onset(r, grid, values, first=history, shape=shape)
    return r


def _ar(rng: np.random.Generator, n: int, phi: float = 0.3, sd: float = 1.0) -> np.ndarray:
    e = rng.normal(0, sd, n)
    x = np.empty(n)
    x[0] = e[0]
    for i in range(1, n):
        x[i] = phi * x[i - 1] + e[i]
    return x


@pytest.mark.parametrize(("question", "shape"), [
    ("what caused the cpu spike on billing?", "spike"), ("why did p95 spike at noon", "spike"),
    ("any bursts on the gateway?", "spike"), ("traffic surged after the release", "spike"),
    ("what changed before the errors jumped?", None), ("when did disk writes drop?", None),
    ("why is it so high since yesterday", None),
])
def test_the_shape_a_question_names(question, shape):
    assert spikes.shape_of(question) == shape


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_lone_five_minute_spike_is_an_onset(seed):
    """One point nine noise-sigmas up, nothing else: on main a lone 5-minute point was never an episode."""
    rng = np.random.default_rng(seed)
    x = 40 + _ar(rng, 3 * DAY, sd=1.5)
    at = 2 * DAY + 97
    x[at] += 14
    r = _detect(x)
    assert r.onset == T0 + STEP * at and r.method == "critical_signal", (r.onset, r.method)


def test_a_spike_inside_an_earlier_level_rise_when_asked_about_the_spike():
    rng = np.random.default_rng(11)
    x = rng.poisson(120, 3 * DAY).astype(float)
    rise, at = 2 * DAY, 2 * DAY + 40
    x[rise:] = rng.poisson(150, x.size - rise)
    x[at] = 460
    asked = _detect(x, metric="http_requests", shape="spike")
    assert asked.onset == T0 + STEP * at, asked.onset
    plain = _detect(x, metric="http_requests")  # "when did requests go up?": the level rise
    assert plain.onset is not None and abs(plain.onset - (T0 + STEP * rise)) <= dt.timedelta(minutes=30)


@pytest.mark.parametrize("seed", range(8))
def test_noise_has_no_exceptional_point(seed):
    """Gaussian and heavy-tailed noise: the largest point is never 1.5x the next one further than an hour away
    (the 1.25 first tried let a 4.5-sigma noise point of a quiet series through)."""
    rng = np.random.default_rng(seed)
    for x in (30 + 2 * _ar(rng, 3 * DAY, phi=0.0), 30 + rng.standard_t(5, 3 * DAY)):
        an = analyze_series(x, higher_is_better=False)
        crit = [s.index for s in an.signals if s.state == "critical" and s.direction == "bad"]
        assert spikes.exceptional(spikes.point_z(an, False), crit, 12, an) == set()


def test_the_first_point_after_a_burst_is_not_a_spike():
    """An error burst is a stage of its own; the point where it decays lies far above the next stage's centre,
    but below the burst: it is not a lone spike (the onset is the burst's start)."""
    rng = np.random.default_rng(5)
    x = np.abs(0.004 + rng.normal(0, 0.0005, DAY))
    x[200:208] = 0.09 + rng.normal(0, 0.004, 8)
    x[208] = 0.03
    an = analyze_series(x, higher_is_better=False)
    crit = [s.index for s in an.signals if s.state == "critical" and s.direction == "bad"]
    assert 208 not in spikes.exceptional(spikes.point_z(an, False), crit, 12, an)
    r = _detect(x, metric="error_rate")
    assert r.onset is not None and abs(r.onset - (T0 + STEP * 200)) <= dt.timedelta(minutes=10), r.onset


def test_a_spike_at_the_time_of_a_daily_peak_is_no_echo_of_it():
    """Bytes with a daily cycle: yesterday's peak at the same time crossed the limit a little; a point six
    times the usual level today is not "the same thing at the same time yesterday"."""
    rng = np.random.default_rng(8)
    n, hist = 5 * DAY, 2 * DAY
    t = np.arange(n)
    x = 2.0e6 * (1 + 0.2 * np.sin(2 * math.pi * (t % DAY) / DAY)) * np.exp(rng.normal(0, 0.05, n))
    at = 4 * DAY + 60
    x[at] *= 6
    r = _detect(x, metric="egress_bytes", history=hist, shape="spike")
    assert r.onset == T0 + STEP * at, r.onset


def test_the_most_prominent_of_similar_episodes_is_the_latest():
    z = np.zeros(100)
    z[10], z[50], z[80] = 9.0, 5.0, 8.5
    assert spikes.most_prominent([(10, 10), (50, 50), (80, 80)], z) == (80, 80)
    z[80] = 4.0
    assert spikes.most_prominent([(10, 10), (50, 50), (80, 80)], z) == (10, 10)
    assert spikes.most_prominent([], z) is None
