"""Reference change-point baselines for ``bench_stages_real.py`` (numpy; R is not available here).

``default_binseg`` re-implements, as closely as the C source of the R package
``changepoint`` (Killick & Eckley) allows, the call that the TCPD benchmark
(van den Burg & Williams 2020) reports as its best *default* method::

    cpt.mean(scale(x), test.stat = "Normal", penalty = "MBIC", method = "BinSeg", Q = 5)

* ``scale`` — centre and divide by the sample standard deviation (``ddof=1``);
* cost of a segment of ``m`` points (``mbic_mean``): ``Σ(x-x̄)² + ln m`` (the
  Normal mean cost with unit variance plus MBIC's segment-length term);
* binary segmentation for ``Q`` rounds: each round splits the segment whose
  best split gains the most, the gain ``λ = ½·(cost(seg) - cost(left) - cost(right))``;
  the recorded gains are made non-increasing (a running minimum) and the first
  ``k`` change points are kept while ``2·λ_k ≥ 3·ln n`` (MBIC's penalty for one
  changed parameter);
* ``minseglen = 1`` (the ``cpt.mean`` default) with the package's own index
  bounds (the left segment has at least 2 points, split positions 2 … n-3).

A change point is returned as the start index of the new segment (0-based),
which is what ``changepoint``'s 1-based "last index of a segment" means.
"""

from __future__ import annotations

import itertools
import math

import numpy as np


def default_binseg(x: np.ndarray, q_max: int = 5, minseglen: int = 1) -> list[int]:
    """TCPDBench's ``default_binseg``: changepoint BinSeg, Normal mean, MBIC, Q = 5."""
    x = np.asarray(x, dtype=np.float64)
    n = int(x.size)
    if n < 4:
        return []
    sd = x.std(ddof=1)
    z = (x - x.mean()) / (sd if sd > 0 else 1.0)
    S = np.concatenate([[0.0], np.cumsum(z)])
    S2 = np.concatenate([[0.0], np.cumsum(z * z)])

    def cost(a: np.ndarray | int, b: np.ndarray | int) -> np.ndarray:
        m = np.asarray(b, dtype=np.float64) - np.asarray(a, dtype=np.float64)
        s = S[b] - S[a]
        return S2[b] - S2[a] - s * s / m + np.log(m)

    q_max = min(q_max, n // 2 + 1)
    tau = [0, n]
    cpts: list[int] = []
    like: list[float] = []
    oldmax = math.inf
    for _ in range(q_max):
        lam = np.zeros(n)
        for s, e in itertools.pairwise(tau):
            # C: st = s + 1 (1-based), admissible j with j - st >= minseglen, end - j >= minseglen,
            # and 2 <= j <= n - 3
            lo = max(s + 1 + minseglen, 2)
            hi = min(e - minseglen, n - 3)
            if hi < lo or e - s < 2:
                continue
            j = np.arange(lo, hi + 1)
            j = j[j != e]
            if j.size == 0:
                continue
            lam[j] = 0.5 * (cost(s, e) - cost(s, j) - cost(j, e))
        which = int(np.argmax(lam))  # first maximum, as max_which
        mx = float(lam[which])
        val = min(oldmax, mx)
        oldmax = val
        cpts.append(which)
        like.append(val)
        if which not in tau:
            tau = sorted([*tau, which])
    pen = 3.0 * math.log(n)
    k = 0
    while k < len(like) and 2.0 * like[k] >= pen:
        k += 1
    return sorted({c for c in cpts[:k] if 0 < c < n})
