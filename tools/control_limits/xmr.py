"""XmR limits of one stage, and O(1) stage limits of many ranges from prefix sums."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from tools.control_limits.counts import count_aware_upper, count_stage, non_count_mask
from tools.control_limits.models import (
    Limits,
    _check_method,
    _limit_factors,
    _make_limits,
)

# --------------------------------------------------------------------------- #
# XmR limits
# --------------------------------------------------------------------------- #


def xmr_limits(values: Sequence[float] | np.ndarray, method: str = "mean") -> Limits:
    """Wheeler XmR limits of one homogeneous stage.

    Missing values are skipped; moving ranges are taken between successive
    non-missing values.  ``method`` is ``"mean"`` (average moving range,
    ``CL ± 2.66·mR̄``, ``URL = 3.268·mR̄``) or ``"median"`` (median moving
    range, ``CL ± 3.145·mR̃``, ``URL = 3.865·mR̃``).
    """
    _check_method(method)
    x = np.asarray(values, dtype=np.float64).ravel()
    x = x[np.isfinite(x)]
    if x.size == 0:
        return _make_limits(math.nan, math.nan, method)
    cl = float(x.mean())
    if x.size < 2:
        return _make_limits(cl, math.nan, method)
    mr = np.abs(np.diff(x))
    stat = float(mr.mean()) if method == "mean" else float(np.median(mr))
    return _make_limits(cl, stat, method)



# --------------------------------------------------------------------------- #
# Stage limits from prefix sums
# --------------------------------------------------------------------------- #


class _Prefix:
    """Prefix sums of a left-aligned batch for O(1) stage limits."""

    def __init__(self, X: np.ndarray, L: np.ndarray, mu: np.ndarray) -> None:
        n_rows, n = X.shape
        inside = np.arange(n)[None, :] < L[:, None]
        self.X = X
        self.mu = np.where(np.isfinite(mu), mu, 0.0)
        centred = np.where(inside, X - self.mu[:, None], 0.0)  # centring keeps sums accurate
        self.S = np.zeros((n_rows, n + 1))
        np.cumsum(centred, axis=1, out=self.S[:, 1:])
        self.S2 = np.zeros((n_rows, n + 1))  # centred squares: a stage's variance (dispersion of counts)
        np.cumsum(centred * centred, axis=1, out=self.S2[:, 1:])
        d = np.zeros((n_rows, n))
        if n > 1:
            with np.errstate(invalid="ignore"):
                d[:, 1:] = np.abs(np.diff(X, axis=1))
            d[~inside] = 0.0
        self.d = d
        self.D = np.zeros((n_rows, n + 1))
        np.cumsum(d, axis=1, out=self.D[:, 1:])
        # prefix count of values that are not non-negative integers (count stages have none)
        self.C = np.zeros((n_rows, n + 1), dtype=np.int64)
        np.cumsum(non_count_mask(X) & inside, axis=1, out=self.C[:, 1:])

    def limits(
        self, rows: np.ndarray, a: np.ndarray, b: np.ndarray, method: str
    ) -> dict[str, np.ndarray]:
        """Limits of compressed ranges ``[a, b)`` of ``rows`` (arrays, same length).

        Stages of rare non-negative integer counts get the count-aware upper
        limit of :mod:`.counts` (key ``count_limit`` says where it is in use).
        """
        cnt = (b - a).astype(np.float64)
        nmr = cnt - 1.0
        with np.errstate(invalid="ignore", divide="ignore"):
            cl = self.mu[rows] + (self.S[rows, b] - self.S[rows, a]) / cnt
            if method == "mean":
                a1 = np.minimum(a + 1, b)
                mr = np.where(nmr > 0, (self.D[rows, b] - self.D[rows, a1]) / nmr, np.nan)
            else:
                mr = np.full(rows.size, np.nan)
                for k in np.flatnonzero(nmr > 0):
                    mr[k] = np.median(self.d[rows[k], a[k] + 1 : b[k]])
        k_lim, k_url, d2 = _limit_factors(method)
        ucl = cl + k_lim * mr
        lcl = cl - k_lim * mr
        with np.errstate(invalid="ignore", divide="ignore"):
            m_c = (self.S[rows, b] - self.S[rows, a]) / cnt
            var = np.maximum((self.S2[rows, b] - self.S2[rows, a]) / cnt - m_c * m_c, 0.0)
        is_count = count_stage(cl, self.C[rows, b] - self.C[rows, a], mr, var)
        ucl, count_limit = count_aware_upper(cl, ucl, is_count)
        return {
            "cl": cl,
            "ucl": ucl,
            "lcl": lcl,
            "url": k_url * mr,
            "mr_bar": mr,
            "sigma": mr / d2,
            "q_upper": cl + (ucl - cl) / 2.0,
            "q_lower": cl - (cl - lcl) / 2.0,
            "count_limit": count_limit,
        }


