"""Stages under strongly autocorrelated noise: a second, self-consistent solution at a lower ``phi``.

The search input (:mod:`.noise`) divides a series by its long-run noise sd,
which grows like ``1/(1-phi)``.  The autocorrelation is first estimated from
differences, which a level shift barely touches; but on a series whose noise
*looks like a random walk locally* (a body temperature, a weekly price, daily
demand) that estimate sits at the bound ``PHI_MAX``, the long-run sd comes out
several times the series' whole sd, binary segmentation proposes nothing and
the residual refit (:func:`.noise.refit_phi`) never gets candidates to refit
around.  "No change, phi 0.95" is a fixed point that was never compared with
"k stages, lower phi" — although around the visible changes the residual
autocorrelation is often only 0.65–0.9.

In the spirit of AR1Seg (Chakar, Lebarbier, Lévy-Leduc & Robin 2017: changes in
the mean of an AR(1) process, ``phi`` estimated robustly and segments chosen by
a penalised likelihood) and DeCAFS (Romano, Rigaill, Runge & Fearnhead 2022:
abrupt changes against random-walk + AR(1) noise), for rows whose noise
autocorrelation is at least ``PHI_ALT_MIN``:

1. start from ``PHI_START``, propose candidates (the same binary + seeded
   search, same penalty), re-estimate ``phi`` on the residuals around them,
   propose again at that ``phi``, … until the proposals repeat
   (``ITERATIONS`` at most); each distinct proposal set is reduced by backward
   elimination on the penalised AR(1) likelihood
   ``n·ln σ²_e + ALT_PENALTY·k·ln n`` (``σ²_e`` the innovation variance of the
   residuals around the stages, ``var_r·(1 − phi_r²)``, ``phi_r`` their own
   lag-1 autocorrelation, pairs straddling a boundary left out), and the
   cheapest subset is kept, with ``phi`` refitted around it;
2. those candidates go through the same local re-validation (at that
   ``phi``) and materiality test as every other candidate;
3. the survivors replace the current ones only where the alternative is
   self-consistent — its ``phi`` is at most ``PHI_ALT_MAX``, i.e. the stages
   really explain the autocorrelation — and its surviving stages have the
   lower penalised AR(1) cost.  Wheeler confirmation follows as usual.

On a random walk, stages do not remove the autocorrelation (the refitted
``phi`` stays above ``PHI_ALT_MAX``), so "no change" is kept.
"""

from __future__ import annotations

import numpy as np

from tools.control_limits.noise import stage_residuals

#: Rows whose (refitted) noise autocorrelation is at least this get the alternative solution.
PHI_ALT_MIN = 0.85
#: The alternative is only taken when its own (refitted) autocorrelation is at most this.
PHI_ALT_MAX = 0.8
#: Autocorrelation the alternative search starts from.
PHI_START = 0.5
#: Most proposal / refit rounds of the alternative.
ITERATIONS = 4
#: The noise model may also be a random walk (``phi = 1``, innovations = differences inside a stage).
RANDOM_WALK = False
#: Penalty of one change in the AR(1) likelihood comparison, × ln n.
ALT_PENALTY = 2.5


def ar1_cost(Xc: np.ndarray, L: np.ndarray, cands: list[list[int]]) -> np.ndarray:
    """``n·ln σ²_e`` of each row around its candidate stages (``inf`` where undefined).

    Residuals are the values minus their stage mean; ``phi_r`` the lag-1
    moment estimate over pairs inside one stage (clipped to ``[0, 0.999]``),
    ``σ²_e = mean(r²)·(1 − phi_r²)``.
    """
    n_rows, n = Xc.shape
    out = np.full(n_rows, np.inf)
    if n < 3 or n_rows == 0:
        return out
    inside = np.arange(n)[None, :] < L[:, None]
    x = np.where(inside, Xc, 0.0)
    r, pair = stage_residuals(Xc, L, cands)
    num = np.where(pair, r[:, 1:] * r[:, :-1], 0.0).sum(axis=1)
    den = (r * r).sum(axis=1)
    nn = np.maximum(L, 1).astype(np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.clip(num / den, 0.0, 0.999)
        s2 = den / nn * (1.0 - phi * phi)
        cost = nn * np.log(s2)
        if RANDOM_WALK:
            d = np.where(pair, x[:, 1:] - x[:, :-1], 0.0)
            s2_rw = (d * d).sum(axis=1) / np.maximum(pair.sum(axis=1), 1)
            cost = np.minimum(cost, nn * np.log(s2_rw))
    ok = (L >= 3) & (den > 0) & np.isfinite(cost)
    return np.where(ok, cost, np.inf)


def penalised(cost: np.ndarray, L: np.ndarray, cands: list[list[int]]) -> np.ndarray:
    """``cost + ALT_PENALTY·k·ln n`` per row."""
    k = np.array([len(c) for c in cands], dtype=np.float64)
    return cost + ALT_PENALTY * k * np.log(np.maximum(L, 2).astype(np.float64))


def cheaper(Xc: np.ndarray, L: np.ndarray, alt: list[list[int]], cur: list[list[int]]) -> np.ndarray:
    """Rows where the stages ``alt`` have a lower penalised AR(1) cost than ``cur`` (and differ)."""
    lower = penalised(ar1_cost(Xc, L, alt), L, alt) < penalised(ar1_cost(Xc, L, cur), L, cur)
    return lower & np.array([a != c for a, c in zip(alt, cur, strict=True)], dtype=bool)


def best_subset(x: np.ndarray, cands: list[int]) -> tuple[list[int], float]:
    """Backward elimination of ``cands`` on one series by the penalised AR(1) likelihood.

    Drops, one at a time, the candidate whose removal raises ``n·ln σ²_e``
    least, down to none; returns the subset of lowest penalised cost along
    that path and its cost.
    """
    n = x.shape[0]
    cur = sorted(cands)
    Lr = np.array([n], dtype=np.int64)
    best = cur
    best_cost = float(penalised(ar1_cost(x[None, :], Lr, [cur]), Lr, [cur])[0])
    while cur:
        subsets = [cur[:j] + cur[j + 1 :] for j in range(len(cur))]
        X = np.broadcast_to(x, (len(subsets), n))
        costs = ar1_cost(X, np.full(len(subsets), n, dtype=np.int64), subsets)
        j = int(np.argmin(costs))
        cur = subsets[j]
        c = float(costs[j]) + ALT_PENALTY * len(cur) * np.log(max(n, 2))
        if c < best_cost:
            best, best_cost = cur, c
    return best, best_cost
