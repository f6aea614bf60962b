"""A KPI's day-to-day noise, for telling two values of a window apart (pure): the average moving range of its days
over d2 — robust to a drift or a step inside the window, unlike the days' standard deviation — and for whole counts
at least a Poisson count's sqrt(mean), since the moving range understates rare counts."""

from __future__ import annotations

import numpy as np

from tools.control_limits.models import D2

NOISE_DAYS = 56  # a ranking reads the noise over its window or these days before its end, whichever is longer: a
# week's seven days alone give a noise estimate too rough to tell a real worst from noise


def day_sigma(values: list[float | None]) -> float | None:
    """The day-to-day noise of a run of daily values (None with fewer than 3 days)."""
    xs = np.array([v for v in values if v is not None], dtype=float)
    if len(xs) < 3:
        return None
    sigma = float(np.abs(np.diff(xs)).mean()) / D2
    if (xs >= 0).all() and (xs == np.floor(xs)).all():
        sigma = max(sigma, float(np.sqrt(xs.mean())))
    return sigma


def window_error(sigma: float | None, days: int, aggregation: str) -> float | None:
    """The standard error of a window's value from its days' noise: a total's grows with √days, a mean's shrinks."""
    if sigma is None or days < 1:
        return None
    return sigma * days ** 0.5 if aggregation == "sum" else sigma / days ** 0.5
