"""Extra candidate features of the boosted-tree acceptance (eleventh pass A): a step against a smooth curve.

A level step between accepted neighbours ``[a, b)`` is also what an accelerating trend (compound growth, a
curve that bends) looks like to the step-vs-line features: both beat one straight line.  These two features ask
whether a quadratic explains ``[a, b)`` as well as the step does — a curve is no abrupt change.  Computed from
prefix sums of ``u = t / n`` (so the moments stay well scaled) and solved for every candidate at once.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: Names of the extra inputs, after ``learned.FEATURES``.
EXTRA = ("step_vs_quad", "quad_vs_line")
_EPS = 1e-9


def _prefix(A: np.ndarray) -> np.ndarray:
    P = np.zeros((A.shape[0], A.shape[1] + 1))
    np.cumsum(A, axis=1, out=P[:, 1:])
    return P


def _moments(ctx: Any) -> tuple[np.ndarray, ...]:
    """Prefix sums of ``u^k`` (k = 0..4) and ``u^k x`` (k = 0..2) over the row, cached on the context."""
    got = getattr(ctx, "_quad_moments", None)
    if got is not None:
        return got
    n = ctx.x.shape[1]
    inside = np.arange(n)[None, :] < ctx.L[:, None]
    u = np.broadcast_to(np.arange(n, dtype=np.float64)[None, :] / max(n, 1), ctx.x.shape) * inside
    x = ctx.x
    got = tuple(_prefix(u**k * inside) for k in range(5)) + tuple(_prefix(u**k * x) for k in range(3)) + (
        _prefix(x * x),)
    ctx._quad_moments = got
    return got


def features(ctx: Any, r: np.ndarray, a: np.ndarray, b: np.ndarray, ss_step: np.ndarray,
             ss_line: np.ndarray) -> np.ndarray:
    """``(m, len(EXTRA))``: step vs quadratic and quadratic vs line over ``[a, b)`` (signed log gains)."""
    P = _moments(ctx)
    s = [p[r, b] - p[r, a] for p in P]
    mu = [s[k] for k in range(5)]
    M = np.stack([np.stack([mu[0], mu[1], mu[2]], -1), np.stack([mu[1], mu[2], mu[3]], -1),
                  np.stack([mu[2], mu[3], mu[4]], -1)], -2)
    rhs = np.stack([s[5], s[6], s[7]], -1)
    ridge = 1e-12 * np.maximum(np.trace(M, axis1=1, axis2=2), _EPS)
    M = M + ridge[:, None, None] * np.eye(3)[None]
    coef = np.linalg.solve(M, rhs[..., None])[..., 0]
    ss_quad = np.clip(s[8] - (coef * rhs).sum(axis=1), 0.0, np.maximum(ss_line, 0.0))
    nn = (b - a).astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_sq = nn * np.log(np.maximum(ss_quad, _EPS) / np.maximum(ss_step, _EPS))
        g_ql = nn * np.log(np.maximum(ss_line, _EPS) / np.maximum(ss_quad, _EPS))
    out = np.column_stack([np.sign(g_sq) * np.log1p(np.abs(g_sq)), np.log1p(np.maximum(g_ql, 0.0))])
    return np.nan_to_num(out, nan=0.0, posinf=20.0, neginf=-20.0)
