"""Tech Ops KPI series: i.i.d. Gaussian noise around a level, plus injected stories.

Every series is ``KPI_SERIES_DAYS`` daily points ending the day before the
anchor. Series meant to be stable carry no seasonality and no autocorrelation.
The injected stories (level shifts, single-point spikes, slow trends) are
described in :data:`SHIFTS`, :data:`SPIKES` and :data:`TRENDS`.

The noise of each series is drawn **once** from the seeded generator and the
stories are added on top: nothing here knows the detector, and nothing is
redrawn until a detector agrees.  What the assistant finds in these series is
therefore a measurement (the tests state the tolerance), not a given.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from demo.catalog import KPI_BY_CODE, KPI_SPECS, STATIONS, KpiSpec

KPI_SERIES_DAYS = 800

HEADLINE_KPI = "OTP_MX_RATE"
HEADLINE_STATION = "DAL"
HEADLINE_DAYS_BEFORE_ANCHOR = 10


@dataclass(frozen=True)
class Shift:
    kpi: str
    station: str
    start_index: int
    magnitude_sigma: float
    direction: str  # "up" | "down"


@dataclass(frozen=True)
class Spike:
    kpi: str
    station: str
    index: int
    magnitude_sigma: float
    direction: str


@dataclass(frozen=True)
class Trend:
    kpi: str
    station: str
    start_index: int
    total_drift_sigma: float  # drift reached on the last day, in noise sigmas (signed)


N = KPI_SERIES_DAYS
SHIFTS: list[Shift] = [
    # The headline: OTP MX rate at DAL drops 10 days before the anchor.
    Shift(HEADLINE_KPI, HEADLINE_STATION, N - HEADLINE_DAYS_BEFORE_ANCHOR, 4.0, "down"),
    # A smaller, earlier story: AOG events up at PHX 300 days ago.
    Shift("AOG_EVENTS", "PHX", N - 300, 3.0, "up"),
    # A bad shift and its recovery on the same series.
    Shift("MX_DELAY_MINUTES", "HOU", 610, 3.5, "up"),
    Shift("MX_DELAY_MINUTES", "HOU", 690, 3.5, "down"),
    Shift("PARTS_FILL_RATE", "LAS", 420, 3.0, "down"),
    Shift("DEFERRED_ITEMS", "DEN", 250, 3.0, "down"),
    Shift("TECH_DISPATCH_RELIABILITY", "MDW", 700, 3.2, "down"),
    Shift("MX_CANCELLATIONS", "BWI", 330, 3.5, "up"),
    Shift("OTP_MX_RATE", "AUS", 150, 2.8, "down"),
]

SPIKES: list[Spike] = [
    Spike("MX_DELAY_MINUTES", "PHX", 455, 6.0, "up"),
    Spike("DEFERRED_ITEMS", "AUS", 612, 5.5, "up"),
    Spike("PARTS_FILL_RATE", "DEN", 300, 6.0, "down"),
]

TRENDS: list[Trend] = [
    Trend("DEFERRED_ITEMS", "LAS", 560, 3.0),
    Trend("PARTS_FILL_RATE", "HOU", 400, -3.0),
]


@dataclass
class KpiResult:
    frame: pd.DataFrame
    first_day: dt.date
    shifts: list[dict]
    spikes: list[dict]
    trends: list[dict]
    stable: list[dict]
    series_params: dict[str, dict]


# ---------------------------------------------------------------- generation


def _bad(spec: KpiSpec, direction: str) -> bool:
    return (direction == "down") == spec.higher_is_better


def generate_kpis(rng: np.random.Generator, anchor: dt.date, headline_cause: dict) -> KpiResult:
    """Build every KPI x station series and the ground truth describing them."""
    n = KPI_SERIES_DAYS
    first_day = anchor - dt.timedelta(days=n)
    days = [first_day + dt.timedelta(days=i) for i in range(n)]
    idx = np.arange(n)

    frames: list[pd.DataFrame] = []
    params: dict[str, dict] = {}
    shifts_out: list[dict] = []
    spikes_out: list[dict] = []
    trends_out: list[dict] = []
    stable_out: list[dict] = []

    for spec in KPI_SPECS:
        for station in STATIONS:
            code = station["code"]
            level = float(rng.uniform(*spec.level_range))
            sigma = float(rng.uniform(*spec.sigma_range))
            my_shifts = [s for s in SHIFTS if s.kpi == spec.code and s.station == code]
            my_spikes = [s for s in SPIKES if s.kpi == spec.code and s.station == code]
            my_trends = [t for t in TRENDS if t.kpi == spec.code and t.station == code]

            signal = np.full(n, level)
            for s in my_shifts:
                sign = 1.0 if s.direction == "up" else -1.0
                signal[s.start_index :] += sign * s.magnitude_sigma * sigma
            for t in my_trends:
                span = n - 1 - t.start_index
                slope = t.total_drift_sigma * sigma / span
                signal[t.start_index :] += slope * (idx[t.start_index :] - t.start_index)
            values = signal + rng.normal(0.0, sigma, n)
            for s in my_spikes:  # exactly magnitude_sigma away from the level (no noise on the spike)
                sign = 1.0 if s.direction == "up" else -1.0
                values[s.index] = signal[s.index] + sign * s.magnitude_sigma * sigma
            values = np.round(values, spec.decimals)

            lo, hi = spec.physical_min, spec.physical_max
            if values.min() < lo or (hi is not None and values.max() > hi):
                raise RuntimeError(f"{spec.code}@{code} leaves its physical range; adjust its level")

            params[f"{spec.code}@{code}"] = {"level": round(level, 4), "sigma": round(sigma, 4)}
            frames.append(
                pd.DataFrame({"kpi": spec.code, "station": code, "day": days, "value": values.astype(float)})
            )

            for s in my_shifts:
                is_headline = s.kpi == HEADLINE_KPI and s.station == HEADLINE_STATION
                shifts_out.append(
                    {
                        "kpi": s.kpi,
                        "station": s.station,
                        "kind": "level_shift",
                        "start_index": s.start_index,
                        "start_date": days[s.start_index].isoformat(),
                        "direction": s.direction,
                        "magnitude_sigma": s.magnitude_sigma,
                        "magnitude": round(s.magnitude_sigma * sigma, 4),
                        "bad": _bad(spec, s.direction),
                        "cause": dict(headline_cause) if is_headline else None,
                    }
                )
            for s in my_spikes:
                spikes_out.append(
                    {
                        "kpi": s.kpi,
                        "station": s.station,
                        "index": s.index,
                        "date": days[s.index].isoformat(),
                        "direction": s.direction,
                        "magnitude_sigma": s.magnitude_sigma,
                    }
                )
            for t in my_trends:
                span = n - 1 - t.start_index
                trends_out.append(
                    {
                        "kpi": t.kpi,
                        "station": t.station,
                        "kind": "trend",
                        "start_index": t.start_index,
                        "start_date": days[t.start_index].isoformat(),
                        "slope_per_day": round(t.total_drift_sigma * sigma / span, 6),
                        "direction": "up" if t.total_drift_sigma > 0 else "down",
                        "bad": _bad(spec, "up" if t.total_drift_sigma > 0 else "down"),
                    }
                )
            if not (my_shifts or my_spikes or my_trends):
                stable_out.append({"kpi": spec.code, "station": code})

    # Sanity: the story tables only name real KPIs and stations.
    station_codes = {s["code"] for s in STATIONS}
    for item in [*SHIFTS, *SPIKES, *TRENDS]:
        assert item.kpi in KPI_BY_CODE and item.station in station_codes

    frame = pd.concat(frames, ignore_index=True)
    return KpiResult(frame, first_day, shifts_out, spikes_out, trends_out, stable_out, params)
