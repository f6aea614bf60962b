"""Change-point scores of van den Burg & Williams (2020), shared by the stage benchmarks.

F1 with a margin (index 0 counts as a change point in both sets; each annotation matches at most one prediction,
closest first) and covering of the annotated partition by the predicted one; the multi-annotator forms (precision
against the union of all annotators' marks, recall and covering averaged over annotators) live in
:mod:`bench.stages_annotated`.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

MARGIN = 5


# --------------------------------------------------------------------------- #
# Metrics (van den Burg & Williams 2020, one annotator per series)
# --------------------------------------------------------------------------- #


def true_positives(truth: Sequence[int], pred: Sequence[int], margin: int = MARGIN) -> int:
    """Annotations matched by a distinct prediction within ``margin`` (closest first)."""
    left = {int(p) for p in pred}
    tp = 0
    for tau in sorted({int(t) for t in truth}):
        close = sorted((abs(tau - x), x) for x in left if abs(tau - x) <= margin)
        if close:
            tp += 1
            left.remove(close[0][1])
    return tp


def f1_score(truth: Sequence[int], pred: Sequence[int], margin: int = MARGIN) -> float:
    t = {0, *(int(x) for x in truth)}
    p = {0, *(int(x) for x in pred)}
    tp = true_positives(t, p, margin)
    precision = tp / len(p)
    recall = tp / len(t)
    return 0.0 if precision + recall == 0 else 2 * precision * recall / (precision + recall)


def _segments(cps: Sequence[int], n: int) -> list[tuple[int, int]]:
    bounds = sorted({0, *(int(c) for c in cps if 0 < c < n), n})
    return list(itertools.pairwise(bounds))


def covering(truth: Sequence[int], pred: Sequence[int], n: int) -> float:
    """Covering of the annotated partition by the predicted one (Jaccard of intervals)."""
    segs_p = _segments(pred, n)
    total = 0.0
    for a, b in _segments(truth, n):
        best = 0.0
        for c, d in segs_p:
            inter = max(0, min(b, d) - max(a, c))
            if inter:
                best = max(best, inter / (max(b, d) - min(a, c)))
        total += (b - a) * best
    return total / n
