"""Gradient-boosted trees of the learned acceptance (eleventh pass A), stored as numpy arrays.

Fitted offline by ``bench/fit_stage_acceptance.py --model gbm`` (scikit-learn's
``HistGradientBoostingClassifier``, shallow trees, monotone in the features whose direction is known) and exported
here as plain arrays — nothing is unpickled, trained or imported from scikit-learn at run time.  :func:`raw_score`
walks every tree for every candidate at once (one gather per depth level), so a batch of thousands of candidates
is scored in a few vectorised steps.

Node ``k`` of tree ``t``: a leaf when ``LEAF[t, k]`` (its value ``VALUE[t, k]``); otherwise the candidate goes to
``LEFT[t, k]`` when its feature ``FEATURE[t, k]`` is ``<= THRESHOLD[t, k]``, else to ``RIGHT[t, k]``.  Trees are
padded to the same node count with leaves of value 0.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np


class Trees(NamedTuple):
    """A boosted tree ensemble as arrays (``T`` trees × ``N`` nodes each) and its starting log-odds."""

    feature: np.ndarray
    threshold: np.ndarray
    left: np.ndarray
    right: np.ndarray
    value: np.ndarray
    leaf: np.ndarray
    baseline: float
    depth: int


def raw_score(trees: Trees, F: np.ndarray, chunk: int = 8192) -> np.ndarray:
    """Log-odds of feature rows ``F`` (m × features): the baseline plus every tree's leaf value."""
    m = F.shape[0]
    out = np.full(m, float(trees.baseline))
    n_trees = trees.feature.shape[0]
    if m == 0 or n_trees == 0:
        return out
    tix = np.arange(n_trees)[None, :]
    for s in range(0, m, chunk):
        Fc = F[s : s + chunk]
        rows = np.arange(Fc.shape[0])[:, None]
        node = np.zeros((Fc.shape[0], n_trees), dtype=np.int64)
        for _ in range(trees.depth):
            go_left = Fc[rows, trees.feature[tix, node]] <= trees.threshold[tix, node]
            nxt = np.where(go_left, trees.left[tix, node], trees.right[tix, node])
            node = np.where(trees.leaf[tix, node], node, nxt)
        out[s : s + chunk] += trees.value[tix, node].sum(axis=1)
    return out


def probability(trees: Trees, F: np.ndarray) -> np.ndarray:
    """``P(boundary)`` of feature rows ``F`` under ``trees``."""
    return 1.0 / (1.0 + np.exp(-np.clip(raw_score(trees, F), -40.0, 40.0)))


def from_lists(feature: list[list[int]], threshold: list[list[float]], left: list[list[int]],
               right: list[list[int]], value: list[list[float]], baseline: float, depth: int) -> Trees:
    """A :class:`Trees` from nested lists (leaves are the nodes whose ``left`` is 0: the root is never a child)."""
    f = np.asarray(feature, dtype=np.int64).reshape(len(feature), -1) if feature else np.zeros((0, 1), np.int64)
    lt = np.asarray(left, dtype=np.int64).reshape(f.shape)
    return Trees(f, np.asarray(threshold, dtype=np.float64).reshape(f.shape), lt,
                 np.asarray(right, dtype=np.int64).reshape(f.shape), np.asarray(value, dtype=np.float64).reshape(f.shape),
                 lt == 0, float(baseline), int(depth))


# ---- fitted by bench/fit_stage_acceptance.py --model gbm (see docs/benchmarks.md, "Eleventh pass (A)") ----
FEATURE: list[list[int]] = []
THRESHOLD: list[list[float]] = []
LEFT: list[list[int]] = []
RIGHT: list[list[int]] = []
VALUE: list[list[float]] = []
BASELINE = 0.0
DEPTH = 0
#: The model's acceptance threshold and drop threshold (the logistic model keeps its own in ``learned``).
ACCEPT = 0.5
DROP = 0.3

MODEL = from_lists(FEATURE, THRESHOLD, LEFT, RIGHT, VALUE, BASELINE, DEPTH)
