"""AR(1) series for the control-limit tests: one recursion (scipy's ``lfilter``, the same products and sums in the
same order as the Python loop the tests used to copy, so a seeded series is bit-identical to theirs)."""

from __future__ import annotations

import numpy as np
from scipy.signal import lfilter


def ar1_from(e: np.ndarray, phi: float, x0: float) -> np.ndarray:
    """``x[0] = x0``, then ``x[t] = phi * x[t-1] + e[t]``."""
    drive = np.array(e, dtype=float)
    drive[0] = x0
    return lfilter([1.0], [1.0, -phi], drive)


def ar1(rng: np.random.Generator, n: int, phi: float, sd: float = 1.0) -> np.ndarray:
    """Innovations of standard deviation ``sd`` (drawn first), started from the stationary distribution."""
    e = rng.normal(0.0, sd, n) if sd != 1.0 else rng.standard_normal(n)
    return ar1_from(e, phi, e[0] / np.sqrt(1.0 - phi * phi))


def ar1_unit(rng: np.random.Generator, n: int, phi: float) -> np.ndarray:
    """Unit variance: innovations scaled by ``sqrt(1 - phi^2)`` (drawn first), then a standard-normal start."""
    e = rng.standard_normal(n) * np.sqrt(1 - phi * phi)
    return ar1_from(e, phi, rng.standard_normal())
