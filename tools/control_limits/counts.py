"""Count-aware upper limits for stages of rare integer counts (events per day).

XmR limits assume a roughly continuous, symmetric measure.  On rare counts
(aircraft-on-ground events, main breaks, injuries: a stage mean under a few
events a day) the average moving range underestimates the spread and the
upper natural process limit lands just above the mean — with mean 0.3 it is
~1.5, so every day with 2 events (P ≈ 0.04 under Poisson(0.3), i.e. monthly)
would be "beyond the limits".  Wheeler warns about exactly this; the
standard answer is the c-chart's Poisson limit.

Rule used here (vectorised over many stages):

* a stage *is a count stage* when every value in it is a non-negative integer
  and its mean is at most :data:`COUNT_MEAN_MAX` = ``-ln(0.00135)`` ≈ 6.6 —
  the region where even ``X = 0`` is not below the Poisson 0.00135 quantile,
  i.e. where the distribution is too discrete and skewed for a single day to
  show a drop.  Simulated on Poisson data (400 × 120 days per mean), the XmR
  upper limit fires on 0.5 % of days at mean 5, 2 % at 0.5, 9 % at 0.1
  (nominal: 0.135 %); above the cut integer counts (scheduled departures,
  aircraft in service) are often *under*-dispersed, where a Poisson limit
  would hide real changes, so they keep XmR limits; so does a low-mean stage
  whose variance is under half its mean (:data:`DISPERSION_MIN`; a Poisson
  count's variance equals its mean).
* in a count stage the upper limit is ``max(UNPL, q)`` with ``q`` the Poisson
  0.99865 quantile of the stage mean (a point signals when ``x > q``, so the
  false-alarm rate of a stable Poisson stage is at most 0.135 %); taking the
  max keeps the wider XmR limit for over-dispersed (bursty) counts.  The
  upper quartile line for "3 of 4" moves with it (half-way to the limit), so
  the run rules keep their meaning relative to the limit in use.
* the lower limit stays the XmR one (negative in this region: no single day
  can signal a drop; runs below the centre still can).
"""

from __future__ import annotations

import math

import numpy as np

#: Upper tail probability of a 3-sigma limit (one side).
TAIL = 0.00135
#: Largest stage mean treated as a rare count: -ln(TAIL), where P(X=0) of a Poisson falls to TAIL.
COUNT_MEAN_MAX = -math.log(TAIL)
#: A count stage whose variance is below this share of its mean is under-dispersed (regular, scheduled counts):
#: a Poisson limit would be far too wide for it, so it keeps XmR limits. For Poisson data the ratio is ~1
#: (standard error ~sqrt(2/n): below 0.5 in ~0.3 % of 60-point stages).
DISPERSION_MIN = 0.5
_K_MAX = 64  # Poisson quantiles at mean <= COUNT_MEAN_MAX stay far below this
COUNT_LIMIT = "count limit"
NATURAL_LIMIT = "natural process limit"


def non_count_mask(X: np.ndarray) -> np.ndarray:
    """True where a (finite) value is negative or not an integer."""
    with np.errstate(invalid="ignore"):
        frac = np.abs(X - np.round(X))
        return np.isfinite(X) & ((X < 0) | (frac > 1e-9 * np.maximum(1.0, np.abs(X))))


def poisson_upper(lam: np.ndarray, p: float = 1.0 - TAIL) -> np.ndarray:
    """Smallest integer ``q`` with ``P(X <= q) >= p`` for ``X ~ Poisson(lam)`` (element-wise, lam <= ~20)."""
    lam = np.clip(np.asarray(lam, dtype=np.float64), 0.0, None)
    lam = np.where(np.isfinite(lam), lam, 0.0)
    k = np.arange(1, _K_MAX, dtype=np.float64)
    # pmf_k = pmf_{k-1} * lam / k, from pmf_0 = exp(-lam)
    steps = lam[..., None] / k
    pmf = np.exp(-lam)[..., None] * np.concatenate([np.ones((*lam.shape, 1)), np.cumprod(steps, axis=-1)], axis=-1)
    cdf = np.cumsum(pmf, axis=-1)
    return (cdf < p - 1e-12).sum(axis=-1).astype(np.float64)


def count_stage(cl: np.ndarray, n_non_count: np.ndarray, mr: np.ndarray, var: np.ndarray) -> np.ndarray:
    """Which stages get the count-aware limit: all non-negative integers, mean <= COUNT_MEAN_MAX, and not clearly
    under-dispersed (variance >= DISPERSION_MIN x mean; a Poisson count has variance = mean)."""
    with np.errstate(invalid="ignore"):
        dispersed = (var >= DISPERSION_MIN * cl) | (cl == 0)
        return (n_non_count == 0) & np.isfinite(cl) & (cl <= COUNT_MEAN_MAX) & np.isfinite(mr) & dispersed


def count_aware_upper(cl: np.ndarray, ucl: np.ndarray, is_count: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(upper limit, whether the count limit is the one in use) per stage."""
    q = np.full(np.shape(cl), -np.inf)
    if is_count.any():
        q[is_count] = poisson_upper(cl[is_count])
    with np.errstate(invalid="ignore"):
        use = is_count & (q > ucl)
    return np.where(use, q, ucl), use
