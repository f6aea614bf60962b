"""Boosted trees for the learned acceptance (eleventh pass A): fit with scikit-learn, export as numpy arrays.

Used by ``bench/fit_stage_acceptance.py --model gbm``.  The fit is scikit-learn's
``HistGradientBoostingClassifier`` (log-loss, shallow trees, no early stopping, a fixed seed) with
``monotonic_cst = +1`` on the features whose direction is known: a bigger shift — against any noise scale, in the
whole stages or the chart window — and more points beyond the limits after it can only make a boundary more
likely.  :func:`export` turns the fitted model into :class:`tools.control_limits.learned_trees.Trees` (the same
probabilities, no scikit-learn at run time); :func:`write` stores it as constants in ``learned_trees.py``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tools.control_limits import learned, learned_trees

#: Features whose direction is known: more of it → at least as likely a boundary.
MONOTONE_UP = ("t_local", "e_local", "e_longrun", "t_longrun", "e_iqr", "e_mr", "w_t", "w_e_range", "e_range",
               "beyond")


@dataclass(frozen=True)
class TreeParams:
    max_depth: int = 3
    max_iter: int = 150
    learning_rate: float = 0.05
    min_samples_leaf: int = 40
    l2: float = 1.0
    monotone: bool = True


def monotonic_cst(monotone: bool = True) -> list[int]:
    return [1 if monotone and f in MONOTONE_UP else 0 for f in learned.ALL_FEATURES]


def fit(F: np.ndarray, y: np.ndarray, w: np.ndarray | None = None,
        params: TreeParams = TreeParams()) -> learned_trees.Trees:
    """Fit on feature rows ``F`` with soft labels ``y`` (each row enters as a positive with weight ``y·w`` and a
    negative with weight ``(1 − y)·w``) and export the trees."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    w = np.ones(len(y)) if w is None else w
    X2 = np.vstack([F, F])
    y2 = np.concatenate([np.ones(len(y)), np.zeros(len(y))])
    w2 = np.concatenate([y * w, (1.0 - y) * w])
    keep = w2 > 0
    m = HistGradientBoostingClassifier(
        loss="log_loss", max_depth=params.max_depth, max_iter=params.max_iter, learning_rate=params.learning_rate,
        min_samples_leaf=params.min_samples_leaf, l2_regularization=params.l2,
        monotonic_cst=monotonic_cst(params.monotone), early_stopping=False, random_state=0,
    )
    m.fit(X2[keep], y2[keep], sample_weight=w2[keep])
    return export(m)


def export(m: object) -> learned_trees.Trees:
    """The trees of a fitted binary ``HistGradientBoostingClassifier`` as arrays (numerical features only)."""
    preds = [p[0] for p in m._predictors]  # type: ignore[attr-defined]
    n_nodes = max((len(p.nodes) for p in preds), default=1)
    T = len(preds)
    feature = np.zeros((T, n_nodes), dtype=np.int64)
    threshold = np.zeros((T, n_nodes))
    left = np.zeros((T, n_nodes), dtype=np.int64)
    right = np.zeros((T, n_nodes), dtype=np.int64)
    value = np.zeros((T, n_nodes))
    depth = 0
    for t, p in enumerate(preds):
        nd = p.nodes
        if np.any(nd["is_categorical"]):
            raise ValueError("categorical splits are not exported")
        k = len(nd)
        leaf = nd["is_leaf"].astype(bool)
        feature[t, :k] = np.where(leaf, 0, nd["feature_idx"])
        threshold[t, :k] = np.where(leaf, 0.0, nd["num_threshold"])
        left[t, :k] = np.where(leaf, 0, nd["left"])
        right[t, :k] = np.where(leaf, 0, nd["right"])
        value[t, :k] = np.where(leaf, nd["value"], 0.0)
        depth = max(depth, int(nd["depth"].max()))
    base = float(np.ravel(m._baseline_prediction)[0])  # type: ignore[attr-defined]
    return learned_trees.Trees(feature, threshold, left, right, value, left == 0, base, depth)


def _list(a: np.ndarray) -> str:
    return "[" + ", ".join("[" + ", ".join(repr(v) for v in row) + "]" for row in a.tolist()) + "]"


def write(trees: learned_trees.Trees, accept: float, drop: float) -> Path:
    """Store ``trees`` and their thresholds as the constants of ``learned_trees.py``."""
    path = Path(learned_trees.__file__)
    src = path.read_text()
    vals = {
        "FEATURE": ("list[list[int]]", _list(trees.feature)),
        "THRESHOLD": ("list[list[float]]", _list(trees.threshold)),
        "LEFT": ("list[list[int]]", _list(trees.left)),
        "RIGHT": ("list[list[int]]", _list(trees.right)),
        "VALUE": ("list[list[float]]", _list(trees.value)),
    }
    for name, (typ, val) in vals.items():
        line = f"{name}: {typ} = {val}"
        src = re.sub(rf"^{name}: .*$", line.replace("\\", "\\\\"), src, count=1, flags=re.M)
    for name, val in (("BASELINE", repr(trees.baseline)), ("DEPTH", str(trees.depth)), ("ACCEPT", f"{accept:.6g}"),
                      ("DROP", f"{drop:.6g}")):
        src = re.sub(rf"^{name} = .*$", f"{name} = {val}", src, count=1, flags=re.M)
    path.write_text(src)
    return path
