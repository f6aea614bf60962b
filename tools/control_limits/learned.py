"""Learned acceptance of candidate boundaries (tenth pass B; off by default: ``analysis.LEARNED_ACCEPT``).

In the spirit of supervised change-point penalty learning (Hocking et al. 2013): instead of hand-set
thresholds, whether a boundary opens a stage is decided by a small logistic model fitted offline on
chart-judged series (``bench/fit_stage_acceptance.py``; its coefficients are the constants below — nothing
is trained or downloaded at run time, the module is pure numpy).

Per row of a batch:

1. **Pool** — a liberal candidate set: the search's own picks before pruning (binary and seeded), the
   boundaries kept by the later passes and those Wheeler-confirmed by the hand-set pipeline, plus a binary
   segmentation on the series in units of its own sd (the scale of its chart, ``CHART_PENALTY·ln n``).
   Picks within ``MERGE`` points of an earlier one are the same candidate (its source flags are merged).
2. **Features** (:func:`features`, all scale-free) of a candidate ``c`` between its accepted neighbours
   ``a < c < b``: the shift against the local noise of the two stages, against the long-run noise, the
   whole series' IQR and the point-to-point noise; stage lengths and ``n``; ``phi``; how much better a step
   explains ``[a, b)`` than a line, and two lines than one; Wheeler evidence after it (points beyond the
   limits of the stage before, on its side); which methods proposed it.
3. **Greedy acceptance** — all rows at once: every eligible candidate (at least ``MIN_STAGE`` points from
   the accepted ones and the ends) is scored against its current neighbours, the best one per row is
   accepted while its probability reaches ``THRESHOLD``, and the rest are re-scored, so each row ends with
   one consistent segmentation.  The caller then runs Wheeler confirmation on it as before.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from tools.control_limits import learned_extra, learned_trees
from tools.control_limits.refine import neighbours
from tools.control_limits.segmentation import _binseg_batch

#: Penalty (× ln n) of the binary segmentation on the series in units of its own sd.
CHART_PENALTY = 2.0
#: Fewest points on each side of a chart-scale pick.
CHART_MIN_SIZE = 5
#: Picks this close to an earlier one are the same candidate.
MERGE = 2
#: Fewest points in an accepted stage.
MIN_STAGE = 5
#: Most boundaries accepted per row.
MAX_ACCEPT = 8
#: A confirmed boundary of the hand-set pipeline is dropped when its probability is below this (0: kept).
DROP = 0.3
#: Points after a candidate judged against the limits of the stage before it.
WHEELER_WINDOW = 8
#: Points at most on each side of a candidate in its local (chart-window) features.
WINDOW = 10
_D2 = 1.128
_IQR_TO_SD = 1.3489795003921634
_EPS = 1e-9

#: Source flags of a candidate, in this order.
SOURCES = ("binseg", "seeded", "kept", "confirmed", "chart", "trend")
#: Names of the model's inputs, in the order of ``COEF``.
FEATURES = (
    "t_local", "e_local", "e_longrun", "t_longrun", "e_iqr", "e_diff", "e_mr",
    "step_vs_line", "lines_vs_line", "log_short", "log_long", "log_n", "phi",
    "beyond", "same_side", "n_accepted",
    "w_t", "w_e_range", "w_step_vs_line", "jump_diff", "jump_share", "e_range", "w_wander", "w_slopes",
    *(f"src_{s}" for s in SOURCES), "n_methods",
)
#: Inputs of the boosted trees: ``FEATURES`` and the step-vs-curve features of :mod:`.learned_extra`.
ALL_FEATURES = (*FEATURES, *learned_extra.EXTRA)

# ---- fitted by bench/fit_stage_acceptance.py (see docs/benchmarks.md, "Tenth pass (B)") ----
#: Standardisation of the inputs (subtract ``CENTER``, divide by ``SCALE``).
CENTER = np.array([1.87326, -0.245787, -0.889669, 1.4679, -0.384507, 0.479936, 0.69398, 0.472989, 3.50276, 3.96724, 5.21379, 5.64633, 0.627928, 0.461118, 0.856514, 0.145032, 1.89781, -1.61204, 0.795994, 0.522308, 0.824985, -2.15857, 0.135845, 0.514534, 0.263343, 0.0825564, 0.147548, 0.147142, 0.875017, 0.00202675, 1.22294])
SCALE = np.array([0.864041, 1.2775, 1.76346, 1.25481, 1.18003, 1.72456, 1.54913, 3.34638, 1.30432, 1.02426, 0.861355, 0.763902, 0.336088, 0.41573, 0.277144, 0.370087, 0.56246, 0.688703, 1.98909, 1.04826, 0.690454, 1.20342, 0.974601, 0.616381, 0.440447, 0.275211, 0.354651, 0.354248, 0.3307, 0.0449738, 0.428694])
#: Logistic coefficients on the standardised inputs, and the intercept.
COEF = np.array([0.379806, 0.104497, 0.499731, 0.124887, 0.103443, -0.919705, 1.16598, -0.314335, 0.701225, -0.0798834, -0.34364, -0.0927755, -0.388687, -0.199769, 0.071939, 0.305239, 0.310648, 1.10246, 0.43748, -0.102521, 0.180171, -0.773923, 0.335153, -0.0571757, 0.193981, -0.0544239, 0.256288, 0.474671, -0.130114, 0.0788357, 0.0722598])
INTERCEPT = -2.79044
#: A candidate is accepted while its probability reaches this.
THRESHOLD = 0.4

#: Which fitted model decides: ``"logit"`` (the logistic model above, tenth pass B) or ``"trees"`` (the boosted
#: trees of :mod:`.learned_trees`, eleventh pass A, with their own thresholds).
MODEL_KIND = "trees"

Model = tuple[np.ndarray, np.ndarray, np.ndarray, float] | learned_trees.Trees


class Context:
    """Per-batch prefix sums and row scales the features need (rows of the learned pass only)."""

    def __init__(self, Xc: np.ndarray, L: np.ndarray, sigma_d: np.ndarray, lrv: np.ndarray, phi: np.ndarray,
                 raw: np.ndarray | None = None) -> None:
        n = Xc.shape[1]
        inside = np.arange(n)[None, :] < L[:, None]
        Lf = np.maximum(L, 1).astype(np.float64)
        mu = np.where(inside, Xc, 0.0).sum(axis=1) / Lf
        sd = np.sqrt(np.where(inside, (Xc - mu[:, None]) ** 2, 0.0).sum(axis=1) / Lf)
        sd = np.where(sd > 0, sd, 1.0)
        x = np.where(inside, (Xc - mu[:, None]) / sd[:, None], 0.0)  # unit sd: sums stay accurate
        t = np.arange(n, dtype=np.float64)[None, :]
        self.x = x
        self.L = L
        self.S1 = _prefix(x)
        self.S2 = _prefix(x * x)
        self.St = _prefix(np.broadcast_to(t, x.shape) * inside)
        self.Stt = _prefix(np.broadcast_to(t * t, x.shape) * inside)
        self.Stx = _prefix(x * t)
        d = np.zeros_like(x)
        d[:, 1:] = np.abs(np.diff(x, axis=1))
        d[~inside] = 0.0
        self.D = _prefix(d)
        S = np.sort(np.where(inside, x, np.inf), axis=1)
        q1 = _row_q(S, L, 0.25)
        q3 = _row_q(S, L, 0.75)
        self.iqr_sd = np.maximum((q3 - q1) / _IQR_TO_SD, _EPS)
        self.sig_d = np.maximum(np.where(np.isfinite(sigma_d), sigma_d, 0.0) / sd, _EPS)
        self.lr_sd = np.maximum(np.sqrt(np.where(np.isfinite(lrv) & (lrv > 0), lrv, 0.0)) / sd, _EPS)
        self.phi = np.where(np.isfinite(phi), phi, 0.0)
        # the chart's span: the raw values (a removed cycle and clipped outliers are on the chart)
        y = Xc if raw is None else raw
        span = np.where(inside, y, -np.inf).max(axis=1) - np.where(inside, y, np.inf).min(axis=1)
        self.range = np.maximum(span / sd, _EPS)


def _prefix(A: np.ndarray) -> np.ndarray:
    P = np.zeros((A.shape[0], A.shape[1] + 1))
    np.cumsum(A, axis=1, out=P[:, 1:])
    return P


def _row_q(S: np.ndarray, counts: np.ndarray, q: float) -> np.ndarray:
    pos = q * np.maximum(counts - 1, 0).astype(np.float64)
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, np.maximum(counts - 1, 0))
    r = np.arange(S.shape[0])
    return S[r, lo] + (pos - lo) * (S[r, hi] - S[r, lo])


def _seg(ctx: Context, r: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(count, mean, residual SS about the mean, residual SS about a line)`` of ``[a, b)``."""
    m = (b - a).astype(np.float64)
    mf = np.maximum(m, 1.0)
    s1 = ctx.S1[r, b] - ctx.S1[r, a]
    s2 = ctx.S2[r, b] - ctx.S2[r, a]
    st = ctx.St[r, b] - ctx.St[r, a]
    stt = ctx.Stt[r, b] - ctx.Stt[r, a]
    stx = ctx.Stx[r, b] - ctx.Stx[r, a]
    mean = s1 / mf
    ss = np.maximum(s2 - s1 * mean, 0.0)
    vt = stt - st * st / mf
    cxt = stx - st * mean
    with np.errstate(invalid="ignore", divide="ignore"):
        ss_line = np.where(vt > _EPS, np.maximum(ss - cxt * cxt / np.where(vt > _EPS, vt, 1.0), 0.0), ss)
    return m, mean, ss, ss_line


def features(ctx: Context, r: np.ndarray, a: np.ndarray, c: np.ndarray, b: np.ndarray,
             flags: np.ndarray, n_acc: np.ndarray) -> np.ndarray:
    """The model inputs (columns of ``ALL_FEATURES``) of candidates ``c`` of rows ``r`` between ``a`` and ``b``."""
    n1, m1, ss1, sl1 = _seg(ctx, r, a, c)
    n2, m2, ss2, sl2 = _seg(ctx, r, c, b)
    nn, _m, _ss, sl0 = _seg(ctx, r, a, b)
    d = np.abs(m2 - m1)
    dof = np.maximum(nn - 2.0, 1.0)
    s_pool = np.sqrt(np.maximum((ss1 + ss2) / dof, _EPS))
    inv = np.sqrt(1.0 / np.maximum(n1, 1.0) + 1.0 / np.maximum(n2, 1.0))
    mr1 = (ctx.D[r, c] - ctx.D[r, np.minimum(a + 1, c)]) / np.maximum(n1 - 1.0, 1.0)
    mr2 = (ctx.D[r, b] - ctx.D[r, np.minimum(c + 1, b)]) / np.maximum(n2 - 1.0, 1.0)
    sig_w = np.maximum((mr1 + mr2) / (2.0 * _D2), _EPS)
    n_all = ctx.L[r].astype(np.float64)
    step = np.maximum(ss1 + ss2, _EPS)
    with np.errstate(divide="ignore", invalid="ignore"):
        g_step = nn * np.log(np.maximum(sl0, _EPS) / step)
        g_lines = nn * np.log(np.maximum(sl0, _EPS) / np.maximum(sl1 + sl2, _EPS))
    # Wheeler: the next points against the limits of the stage before (its own moving ranges)
    w = np.arange(WHEELER_WINDOW)[None, :]
    idx = c[:, None] + w
    ok = idx < b[:, None]
    xv = ctx.x[r[:, None], np.minimum(idx, ctx.x.shape[1] - 1)]
    sgn = np.sign(m2 - m1)[:, None]
    sig1 = np.maximum(mr1 / _D2, _EPS)[:, None]
    rel = (xv - m1[:, None]) * sgn
    k = np.maximum(ok.sum(axis=1), 1)
    beyond = ((rel > 3.0 * sig1) & ok).sum(axis=1) / k
    side = ((rel > 0) & ok).sum(axis=1) / k
    # the chart window around the candidate (at most WINDOW points each side, inside its neighbours)
    wa = np.maximum(a, c - WINDOW)
    wb = np.minimum(b, c + WINDOW)
    wn1, wm1, wss1, wsl1 = _seg(ctx, r, wa, c)
    wn2, wm2, wss2, wsl2 = _seg(ctx, r, c, wb)
    wnn, _wm, _wss, wsl0 = _seg(ctx, r, wa, wb)
    wd = np.abs(wm2 - wm1)
    ws_pool = np.sqrt(np.maximum((wss1 + wss2) / np.maximum(wnn - 2.0, 1.0), _EPS))
    winv = np.sqrt(1.0 / np.maximum(wn1, 1.0) + 1.0 / np.maximum(wn2, 1.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        wg = wnn * np.log(np.maximum(wsl0, _EPS) / np.maximum(wss1 + wss2, _EPS))
    jump = np.abs(ctx.x[r, c] - ctx.x[r, np.maximum(c - 1, 0)])
    lg = np.log
    out = np.column_stack([
        np.log1p(d / (s_pool * inv)),
        lg(d / s_pool + 1e-3),
        lg(d / ctx.lr_sd[r] + 1e-3),
        np.log1p(d / (ctx.lr_sd[r] * inv)),
        lg(d / ctx.iqr_sd[r] + 1e-3),
        lg(d / ctx.sig_d[r] + 1e-3),
        lg(d / sig_w + 1e-3),
        np.sign(g_step) * np.log1p(np.abs(g_step)),
        np.log1p(np.maximum(g_lines, 0.0)),
        lg(np.maximum(np.minimum(n1, n2), 1.0)),
        lg(np.maximum(np.maximum(n1, n2), 1.0)),
        lg(np.maximum(n_all, 2.0)),
        ctx.phi[r],
        beyond,
        side,
        np.log1p(n_acc.astype(np.float64)),
        np.log1p(wd / (ws_pool * winv)),
        lg(wd / ctx.range[r] + 1e-3),
        np.sign(wg) * np.log1p(np.abs(wg)),
        lg(jump / ctx.sig_d[r] + 1e-3),
        np.clip(jump / np.maximum(wd, _EPS), 0.0, 3.0),
        lg(d / ctx.range[r] + 1e-3),
        lg(ws_pool / ctx.sig_d[r]),
        np.log(np.maximum(wss1 + wss2, _EPS) / np.maximum(wsl1 + wsl2, _EPS)),
        flags.astype(np.float64),
        flags[:, [0, 1, 4, 5]].sum(axis=1, dtype=np.float64),
        learned_extra.features(ctx, r, a, b, step, sl0),
    ])
    return np.nan_to_num(out, nan=0.0, posinf=20.0, neginf=-20.0)


def probability(F: np.ndarray, center: np.ndarray | None = None, scale: np.ndarray | None = None,
                coef: np.ndarray | None = None, intercept: float | None = None) -> np.ndarray:
    """``P(boundary)`` of feature rows ``F`` under the fitted model (or the one given)."""
    c0 = CENTER if center is None else center
    z = (F[:, : c0.size] - c0) / (SCALE if scale is None else scale)
    s = z @ (COEF if coef is None else coef) + (INTERCEPT if intercept is None else intercept)
    return 1.0 / (1.0 + np.exp(-np.clip(s, -40.0, 40.0)))


def pool(Xc: np.ndarray, L: np.ndarray, rows: np.ndarray, sources: list[list[list[int]]],
         trend: list[set[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Candidate matrix ``C`` (rows × K, padded with ``L``) and source flags (rows × K × len(SOURCES)).

    ``sources`` holds, per source of ``SOURCES[:4]``, the per-row lists over the whole batch; ``rows`` indexes it.
    """
    Xr, Lr = Xc[rows], L[rows]
    inside = np.arange(Xr.shape[1])[None, :] < Lr[:, None]
    Lf = np.maximum(Lr, 1).astype(np.float64)
    mu = np.where(inside, Xr, 0.0).sum(axis=1) / Lf
    sd = np.sqrt(np.where(inside, (Xr - mu[:, None]) ** 2, 0.0).sum(axis=1) / Lf)
    Zs = np.where(inside, (Xr - mu[:, None]) / np.where(sd > 0, sd, 1.0)[:, None], 0.0)
    pens = CHART_PENALTY * np.log(np.maximum(Lr, 2).astype(np.float64))
    chart = _binseg_batch(Zs, Lr, pens, CHART_MIN_SIZE, MAX_ACCEPT)
    per_row: list[list[tuple[int, np.ndarray]]] = []
    for j, i in enumerate(rows.tolist()):
        found: list[tuple[int, np.ndarray]] = []
        lists = [s[i] for s in sources] + [chart[j], sorted(trend[i])]
        for src, cs in enumerate(lists):
            for c in cs:
                c = int(c)
                if c <= 0 or c >= int(L[i]):
                    continue
                for pos, fl in found:
                    if abs(pos - c) <= MERGE and (pos == c or src not in (2, 3, 5)):
                        fl[src] = True
                        break
                else:
                    fl = np.zeros(len(SOURCES), dtype=bool)
                    fl[src] = True
                    found.append((c, fl))
        found.sort(key=lambda t: t[0])
        per_row.append(found)
    K = max((len(f) for f in per_row), default=0)
    C = np.repeat(Lr[:, None].astype(np.int64), max(K, 1), axis=1)
    Fl = np.zeros((rows.size, max(K, 1), len(SOURCES)), dtype=bool)
    for j, found in enumerate(per_row):
        for k, (c, fl) in enumerate(found):
            C[j, k] = c
            Fl[j, k] = fl
    return C, Fl


def model_probability(F: np.ndarray, model: Model | None = None) -> np.ndarray:
    """``P(boundary)`` of feature rows ``F`` under ``model`` (default: the shipped one of ``MODEL_KIND``)."""
    if model is None and MODEL_KIND == "trees":
        model = learned_trees.MODEL
    if isinstance(model, learned_trees.Trees):
        return learned_trees.probability(model, F)
    return probability(F, *(model or (None, None, None, None)))


def _scores(ctx: Context, C: np.ndarray, Fl: np.ndarray, acc: np.ndarray, which: np.ndarray,
            model: Model | None) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities (rows × K, -1 where not scored) of the ``which`` candidates given the accepted ``acc``
    (an accepted candidate is judged between its accepted neighbours, without itself), and its eligibility."""
    n_rows, K = C.shape
    prev, nxt = neighbours(C, acc, ctx.L)
    elig = which & (C - prev >= MIN_STAGE) & (nxt - C >= MIN_STAGE)
    P = np.full(n_rows * K, -1.0)
    if elig.any():
        e = np.flatnonzero(elig.ravel())
        r = np.repeat(np.arange(n_rows), K)[e]
        n_acc = acc.sum(axis=1)[r] - acc.ravel()[e]
        F = features(ctx, r, prev.ravel()[e], C.ravel()[e], nxt.ravel()[e], Fl.reshape(-1, Fl.shape[2])[e], n_acc)
        P[e] = model_probability(F, model)
    return P.reshape(n_rows, K), elig


def greedy(ctx: Context, C: np.ndarray, Fl: np.ndarray, threshold: float | None = None,
           model: Model | None = None, drop: float | None = None) -> np.ndarray:
    """Accepted-mask of ``C`` (rows × K).

    The hand-set pipeline's confirmed boundaries start accepted; those whose probability (between their
    accepted neighbours) is below ``drop`` (default ``DROP``) are dropped, the least likely first, turns of
    trend excepted (a level model cannot judge them); then candidates are accepted best first while their
    probability reaches ``threshold`` (default ``THRESHOLD``), neighbours re-scored after each round.
    """
    trees = MODEL_KIND == "trees"
    thr = (learned_trees.ACCEPT if trees else THRESHOLD) if threshold is None else threshold
    drp = (learned_trees.DROP if trees else DROP) if drop is None else drop
    n_rows = C.shape[0]
    valid = C < ctx.L[:, None]
    acc = Fl[:, :, SOURCES.index("confirmed")] & valid
    droppable = acc & ~Fl[:, :, SOURCES.index("trend")]
    rows = np.arange(n_rows)
    for _ in range(MAX_ACCEPT if drp > 0 else 0):
        which = acc & droppable
        if not which.any():
            break
        P, _e = _scores(ctx, C, Fl, acc, which, model)
        P = np.where(which, P, np.inf)
        worst = P.argmin(axis=1)
        out = P[rows, worst] < drp
        if not out.any():
            break
        acc[np.flatnonzero(out), worst[out]] = False
        droppable[np.flatnonzero(out), worst[out]] = False
    active: np.ndarray = np.asarray(valid.any(axis=1))
    for _ in range(MAX_ACCEPT):
        if not active.any():
            break
        P, elig = _scores(ctx, C, Fl, acc, valid & ~acc & active[:, None], model)
        if not elig.any():
            break
        best = P.argmax(axis=1)
        take = P[rows, best] >= thr
        acc[np.flatnonzero(take), best[take]] = True
        active &= take
    return acc


def accept(
    X: np.ndarray,
    Xc: np.ndarray,
    L: np.ndarray,
    rows: np.ndarray,
    sigma_d: np.ndarray,
    lrv: np.ndarray,
    phi: np.ndarray,
    sources: list[list[list[int]]],
    trend: list[set[int]],
    confirm: Callable[[list[list[int]]], list[list[tuple[int, str, int]]]],
    confirmed: list[list[tuple[int, str, int]]],
) -> list[list[tuple[int, str, int]]]:
    """``confirmed`` with the boolean-mask ``rows`` re-decided by the model, then Wheeler-confirmed.

    ``X`` holds the raw values (the chart's span), ``Xc`` the search's (cycle removed, outliers clipped).
    """
    idx = np.flatnonzero(rows)
    if idx.size == 0:
        return confirmed
    C, Fl = pool(Xc, L, idx, sources, trend)
    ctx = Context(Xc[idx], L[idx], sigma_d[idx], lrv[idx], phi[idx], X[idx])
    acc = greedy(ctx, C, Fl)
    cands: list[list[int]] = [[] for _ in range(len(confirmed))]
    for j, i in enumerate(idx.tolist()):
        cands[i] = sorted(int(c) for c in C[j][acc[j]])
    conf = confirm(cands)
    out = list(confirmed)
    for i in idx.tolist():
        out[i] = conf[i]
    return out
