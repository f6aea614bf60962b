"""Wheeler's signal rules (beyond limits, 3 of 4, run of 8): stage confirmation and signals."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from tools.control_limits.models import (
    RULE_BEYOND,
    RULE_RUN,
    RULES,
    RUN_LENGTH,
    Signal,
    Stage,
)
from tools.control_limits.segmentation import _compress
from tools.control_limits.xmr import _Prefix

# --------------------------------------------------------------------------- #
# Rule masks (shared by stage confirmation and signals)
# --------------------------------------------------------------------------- #


@dataclass(slots=True)
class _Masks:
    hi: np.ndarray  # beyond upper limit
    lo: np.ndarray  # beyond lower limit
    q_hi: np.ndarray  # beyond upper quartile line
    q_lo: np.ndarray  # beyond lower quartile line
    three_hi: np.ndarray  # 3 of (last <= 4) beyond upper quartile, this point included
    three_lo: np.ndarray
    run_hi: np.ndarray  # >= RUN_LENGTH successive above the centre line up to here
    run_lo: np.ndarray


def _rule_masks(
    X: np.ndarray,
    grp: np.ndarray,
    cl: np.ndarray,
    ucl: np.ndarray,
    lcl: np.ndarray,
    qu: np.ndarray,
    ql: np.ndarray,
) -> _Masks:
    """Evaluate Wheeler's rules on left-aligned (gap-free) rows.

    ``grp`` gives a group id per point (a stage, or a region under test);
    ``-1`` excludes the point.  Windows and runs never span two groups.  The
    limit arrays broadcast against ``X``.  A point is flagged for
    ``three_of_four`` when it is itself beyond a quartile line and at least 3 of
    the up to 4 most recent points of its group (itself included) are beyond
    that same line; for ``run_of_eight`` when it ends a run of at least 8
    successive points strictly on one side of the centre line.
    """
    inc = grp >= 0
    with np.errstate(invalid="ignore"):
        hi = inc & (X > ucl)
        lo = inc & (X < lcl)
        q_hi = inc & (X > qu)
        q_lo = inc & (X < ql)
        above = inc & (X > cl)
        below = inc & (X < cl)
    cnt_hi = q_hi.astype(np.int8)
    cnt_lo = q_lo.astype(np.int8)
    for j in (1, 2, 3):
        if X.shape[1] <= j:
            break
        same = grp[:, j:] == grp[:, :-j]
        cnt_hi[:, j:] += q_hi[:, :-j] & same
        cnt_lo[:, j:] += q_lo[:, :-j] & same
    three_hi = q_hi & (cnt_hi >= 3)
    three_lo = q_lo & (cnt_lo >= 3)

    side = above.astype(np.int8) - below.astype(np.int8)
    n = X.shape[1]
    cols = np.arange(n, dtype=np.int64)
    change = np.ones(X.shape, dtype=bool)
    if n > 1:
        change[:, 1:] = (side[:, 1:] != side[:, :-1]) | (grp[:, 1:] != grp[:, :-1])
    run_start = np.maximum.accumulate(np.where(change, cols, 0), axis=1)
    long_run = (cols - run_start) >= (RUN_LENGTH - 1)
    return _Masks(hi, lo, q_hi, q_lo, three_hi, three_lo, long_run & above, long_run & below)



def _first_true(mask: np.ndarray) -> np.ndarray:
    """Column of the first True per row, or ``n`` (=len) when none."""
    idx = mask.argmax(axis=1)
    return np.where(mask.any(axis=1), idx, mask.shape[1])


def _confirm_batch(
    prefix: _Prefix,
    L: np.ndarray,
    cands: list[list[int]],
    method: str,
) -> list[list[tuple[int, str, int]]]:
    """Wheeler confirmation of the candidate boundaries (compressed indices).

    Candidates are processed left to right.  For candidate ``c`` with the
    current stage starting at ``a`` and the next candidate (or the series end)
    at ``c2``, the limits of ``[a, c)`` are compared with the points of
    ``[c, c2)``.  The evidence that completes first wins (ties: beyond limits,
    then 3 of 4, then run of 8).  Returns per row ``(c, rule, evidence_start)``.
    """
    n_rows = len(cands)
    out: list[list[tuple[int, str, int]]] = [[] for _ in range(n_rows)]
    counts = np.array([len(c) for c in cands], dtype=np.int64)
    K = int(counts.max()) if n_rows else 0
    if K == 0:
        return out
    X = prefix.X
    n = X.shape[1]
    cand_arr = np.repeat(L[:, None], K + 1, axis=1)
    for i in np.flatnonzero(counts):
        cand_arr[i, : counts[i]] = sorted(cands[i])
    start = np.zeros(n_rows, dtype=np.int64)
    cols = np.arange(n, dtype=np.int64)
    for k in range(K):
        rows = np.flatnonzero(counts > k)
        c = cand_arr[rows, k]
        c2 = cand_arr[rows, k + 1]
        a = start[rows]
        lim = prefix.limits(rows, a, c, method)
        Xr = X[rows]
        region = (cols[None, :] >= c[:, None]) & (cols[None, :] < c2[:, None])
        grp = np.where(region, 0, -1).astype(np.int64)
        per_row = {key: v[:, None] for key, v in lim.items()}  # broadcast per-row limits
        mk = _rule_masks(
            Xr, grp, per_row["cl"], per_row["ucl"], per_row["lcl"],
            per_row["q_upper"], per_row["q_lower"],
        )
        done = np.stack(
            [
                _first_true(mk.hi | mk.lo),
                _first_true(mk.three_hi | mk.three_lo),
                _first_true(mk.run_hi | mk.run_lo),
            ],
            axis=1,
        )
        rule_idx = done.argmin(axis=1)  # first minimum → rule priority on ties
        when = done[np.arange(rows.size), rule_idx]
        ok = when < n
        for j in np.flatnonzero(ok):
            row = int(rows[j])
            rule = RULES[int(rule_idx[j])]
            t = int(when[j])
            if rule == RULE_BEYOND:
                ev = t
            elif rule == RULE_RUN:
                ev = t - (RUN_LENGTH - 1)
            else:
                q = mk.q_hi[j] if mk.three_hi[j, t] else mk.q_lo[j]
                ev = next(i for i in range(max(t - 3, int(c[j])), t + 1) if q[i])
            out[row].append((int(c[j]), rule, ev))
        start[rows[ok]] = c[ok]
    return out


# --------------------------------------------------------------------------- #
# Signals
# --------------------------------------------------------------------------- #


def _hib_codes(higher_is_better: Any, n_rows: int) -> tuple[np.ndarray, list[bool | None]]:
    """Encode ``higher_is_better`` (scalar or per-row) as +1 / -1 / 0 codes."""
    if higher_is_better is None or isinstance(higher_is_better, (bool, np.bool_)):
        vals: list[bool | None] = [
            None if higher_is_better is None else bool(higher_is_better)
        ] * n_rows
    else:
        vals = [None if v is None else bool(v) for v in higher_is_better]
        if len(vals) != n_rows:
            raise ValueError(
                f"higher_is_better has {len(vals)} entries but there are {n_rows} series"
            )
    codes = np.array([0 if v is None else (1 if v else -1) for v in vals], dtype=np.int8)
    return codes, vals


def _emit_signals(
    X: np.ndarray,
    pos: np.ndarray,
    grp: np.ndarray,
    mk: _Masks,
    hib: np.ndarray,
) -> list[list[Signal]]:
    """Turn rule masks into sorted :class:`Signal` lists per row."""
    n_rows = X.shape[0]
    parts = []
    specs = (
        (mk.hi, 0, 1),
        (mk.lo, 0, -1),
        (mk.three_hi, 1, 1),
        (mk.three_lo, 1, -1),
        (mk.run_hi, 2, 1),
        (mk.run_lo, 2, -1),
    )
    for mask, rule_code, side_code in specs:
        rr, cc = np.nonzero(mask)
        parts.append((rr, cc, np.full(rr.size, rule_code, np.int8), np.full(rr.size, side_code, np.int8)))
    r = np.concatenate([p[0] for p in parts])
    c = np.concatenate([p[1] for p in parts])
    rule = np.concatenate([p[2] for p in parts])
    side = np.concatenate([p[3] for p in parts])
    out: list[list[Signal]] = [[] for _ in range(n_rows)]
    if r.size == 0:
        return out
    order = np.lexsort((side, rule, c, r))
    r, c, rule, side = r[order], c[order], rule[order], side[order]
    # bad when the side is not the good one for this row
    good = hib[r] == side
    values = X[r, c].tolist()
    index = pos[r, c].tolist()
    phase = (grp[r, c] + 1).tolist()
    rules = [RULES[i] for i in rule.tolist()]
    sides = ["above" if s > 0 else "below" for s in side.tolist()]
    bad_state = ("critical", "warning", "warning")
    states = ["info" if g else bad_state[k] for g, k in zip(good.tolist(), rule.tolist(), strict=True)]
    dirs = ["good" if g else "bad" for g in good.tolist()]
    for i, row in enumerate(r.tolist()):
        out[row].append(
            Signal(index[i], rules[i], states[i], sides[i], values[i], phase[i], dirs[i])
        )
    return out


def _point_arrays_from_stages(
    n: int, stages: Sequence[Stage]
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    phase = np.zeros(n, dtype=np.int64)
    keys = ("cl", "ucl", "lcl", "q_upper", "q_lower")
    arrs = {k: np.full(n, np.nan) for k in keys}
    for st in stages:
        sl = slice(st.start, st.end + 1)
        phase[sl] = st.phase_number
        for k in keys:
            arrs[k][sl] = getattr(st.limits, k)
    return phase, arrs


def detect_signals(
    values: Sequence[float] | np.ndarray,
    stages: Sequence[Stage],
    *,
    higher_is_better: bool | None = None,
) -> list[Signal]:
    """Wheeler signals of one series inside the given stages.

    Rules (evaluated on successive non-missing points of the same stage):
    ``beyond_limits`` (point outside ``[lcl, ucl]``, critical),
    ``three_of_four`` (point beyond a quartile line with at least 3 of the last
    up-to-4 points beyond the same line, warning), ``run_of_eight`` (point
    ending a run of at least 8 points strictly on one side of the centre line,
    warning).  With ``higher_is_better=True`` only low-side signals are bad;
    high-side ones are reported with ``state="info"`` and
    ``direction="good"`` (and vice versa for ``False``).  Sorted by index, then
    rule strength.
    """
    x = np.asarray(values, dtype=np.float64).ravel()
    n = x.size
    phase, arrs = _point_arrays_from_stages(n, stages)
    X, pos, _L = _compress(x[None, :])
    keep = pos[0] >= 0
    sel = np.where(keep, pos[0], 0)
    grp = np.where(keep & (phase[sel] > 0), phase[sel] - 1, -1)[None, :]
    lim = {k: np.where(keep, v[sel], np.nan)[None, :] for k, v in arrs.items()}
    mk = _rule_masks(X, grp, lim["cl"], lim["ucl"], lim["lcl"], lim["q_upper"], lim["q_lower"])
    hib, _ = _hib_codes(higher_is_better, 1)
    return _emit_signals(X, pos, grp, mk, hib)[0]


