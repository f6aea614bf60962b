"""Daily rhythm of service telemetry (pure numpy/pandas, no database).

Service metrics at 5-minute or hourly resolution follow the day: CPU and traffic peak in the afternoon, a
nightly batch job spikes at 02:10. Control limits and stage detection on such a series see every afternoon as
a "stage" and every night as a "signal". :func:`remove_daily_profile` takes the typical daily shape out —
estimated as in classical decomposition, from the deviations of each point from a centred 24-hour moving
average, the median per time-of-day slot over the days available — and only when that shape explains a real
share of the variation (:data:`MIN_STRENGTH`). Level shifts and ramps survive: the moving average absorbs the
level, so only the shape is removed, and the median over days is not moved by one bad day.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Days of history needed before a daily shape is estimated (the median of fewer days is one bad day).
MIN_DAYS = 3
#: Share of the variation around the 24-hour level the daily shape must explain to be removed.
MIN_STRENGTH = 0.3
#: Share of a day's usual points the 24-hour level needs (of all the slots of a day for a series with few holes;
#: of the slots it usually fills for one with many — an exporter that drops every third point still has a level).
MIN_LEVEL_SHARE = 0.8
#: A series with at least this share of its slots filled counts as complete.
COMPLETE_SHARE = 0.9
#: From this many slots a day (15-minute points or finer) the profile is smoothed over neighbouring slots.
SMOOTH_FROM = 96


def points_per_day(step_minutes: float) -> int:
    """Points per day at this spacing (0 when the spacing does not divide a day into at least 4 slots)."""
    if step_minutes <= 0:
        return 0
    per_day = 24 * 60 / step_minutes
    return round(per_day) if per_day >= 4 and abs(per_day - round(per_day)) < 1e-6 else 0


def daily_profile(values: np.ndarray, per_day: int) -> np.ndarray | None:
    """The typical deviation per time-of-day slot (slot = index % per_day), zero-mean; None when the series is
    too short or has no daily shape worth removing."""
    x = np.asarray(values, dtype=np.float64)
    n = x.size
    if per_day < 4 or n < MIN_DAYS * per_day or np.isfinite(x).sum() < MIN_DAYS * per_day * 0.6:
        return None
    filled = float(np.isfinite(x).mean())
    usual = per_day * (1.0 if filled >= COMPLETE_SHARE else filled)
    level = pd.Series(x).rolling(per_day, center=True, min_periods=max(1, int(usual * MIN_LEVEL_SHARE))).mean().to_numpy()
    dev = x - level
    slots = np.arange(n) % per_day
    ok = np.isfinite(dev)
    if ok.sum() < 2 * per_day:
        return None
    frame = pd.DataFrame({"slot": slots[ok], "dev": dev[ok]})
    grouped = frame.groupby("slot")["dev"]
    med, count = grouped.median(), grouped.count()
    profile = med.where(count >= 2).reindex(range(per_day)).to_numpy(dtype=np.float64, copy=True)
    holes = ~np.isfinite(profile)
    if holes.sum() > per_day // 2:
        return None
    if holes.any():  # an exporter that drops every third point leaves whole slots empty: from their neighbours
        slots_ok = np.nonzero(~holes)[0]
        profile[holes] = np.interp(np.nonzero(holes)[0], slots_ok, profile[slots_ok], period=per_day)
    if per_day >= SMOOTH_FROM:  # a 5-minute slot seen on 3 days is noisy: a running median of 3 slots (keeps a
        # sharp 15-minute batch spike, halves the noise the profile would add to every point)
        wrapped = np.r_[profile[-1:], profile, profile[:1]]
        profile = pd.Series(wrapped).rolling(3, center=True).median().to_numpy()[1:-1]
    profile = profile - profile.mean()
    total = _mad(dev[ok])  # robust: the day around a level shift deviates wildly from its moving average
    rest = _mad(dev[ok] - profile[slots[ok]])
    if not np.isfinite(total) or total <= 0 or 1.0 - (rest / total) ** 2 < MIN_STRENGTH:
        return None
    return profile


def _mad(x: np.ndarray) -> float:
    return float(np.median(np.abs(x - np.median(x)))) if x.size else float("nan")


def remove_daily_profile(values: np.ndarray, per_day: int) -> tuple[np.ndarray, bool]:
    """(the series without its daily shape, whether one was removed); the series unchanged when it has none.

    A strictly positive series (CPU, bytes, latency) is treated on the log scale, so its cycle is a share of
    its level: when the level falls by 90% the cycle shrinks with it instead of being subtracted whole.
    """
    x = np.asarray(values, dtype=np.float64)
    finite = x[np.isfinite(x)]
    positive = finite.size > 0 and float(finite.min()) > 0
    work = np.log(x) if positive else x
    profile = daily_profile(work, per_day)
    if profile is None:
        return x, False
    adjusted = work - profile[np.arange(x.size) % per_day]
    return (np.exp(adjusted) if positive else adjusted), True
