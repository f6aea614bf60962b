"""Boosted trees of the learned acceptance (``tools/control_limits/learned_trees.py``, eleventh pass A).

The trees are fitted offline with scikit-learn (``bench/fit_stage_acceptance.py --model gbm``) and shipped as numpy
arrays; these tests check the export against scikit-learn itself, the shipped trees' monotone directions, and
what the trees change on series of a second organisation (a warehouse's pick rates, a call centre's queues).
"""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pytest

from bench import fit_stage_trees
from tools.control_limits import analysis, learned, learned_trees
from tools.control_limits.analysis import detect_stages


def _starts(x: np.ndarray) -> list[int]:
    return [s.start for s in detect_stages(x)[0][1:]]


def _features(rng: np.random.Generator, m: int) -> np.ndarray:
    """Feature rows with the product's width, roughly in the ranges the features take."""
    F = rng.normal(0.0, 1.5, (m, len(learned.ALL_FEATURES)))
    for k, name in enumerate(learned.ALL_FEATURES):
        if name.startswith("src_"):
            F[:, k] = rng.random(m) < 0.4
    return F


def test_exported_trees_give_sklearns_probabilities() -> None:
    """A fit with interactions and monotone constraints, exported to arrays: the same P as ``predict_proba``."""
    from sklearn.ensemble import HistGradientBoostingClassifier

    rng = np.random.default_rng(7)
    F = _features(rng, 4000)
    i, j, k = (learned.ALL_FEATURES.index(n) for n in ("w_e_range", "e_diff", "phi"))
    logit = 1.5 * F[:, i] - 1.0 * F[:, j] * (F[:, k] > 0) + 0.5 * rng.normal(size=len(F))
    y = (logit > 0.3).astype(int)
    m = HistGradientBoostingClassifier(max_depth=3, max_iter=60, learning_rate=0.1, early_stopping=False,
                                       monotonic_cst=fit_stage_trees.monotonic_cst(), random_state=0).fit(F, y)
    trees = fit_stage_trees.export(m)
    test = _features(np.random.default_rng(8), 3000)
    assert trees.depth == 3 and trees.feature.shape[0] == 60
    np.testing.assert_allclose(learned_trees.probability(trees, test), m.predict_proba(test)[:, 1], atol=1e-12)
    # chunked evaluation gives the same answer
    np.testing.assert_allclose(learned_trees.raw_score(trees, test, chunk=7), learned_trees.raw_score(trees, test))


def test_the_shipped_trees_are_constants_well_formed_and_monotone() -> None:
    t = learned_trees.MODEL
    assert t.feature.shape[0] >= 10 and t.depth >= 2  # fitted, not the empty placeholder
    assert t.feature.shape == t.threshold.shape == t.left.shape == t.right.shape == t.value.shape
    inner = ~t.leaf
    assert np.all((t.feature[inner] >= 0) & (t.feature[inner] < len(learned.ALL_FEATURES)))
    assert np.all((t.left[inner] > 0) & (t.left[inner] < t.feature.shape[1]))
    assert np.all((t.right[inner] > 0) & (t.right[inner] < t.feature.shape[1]))
    assert np.all(np.isfinite(t.threshold)) and np.all(np.isfinite(t.value))
    assert 0.0 < learned_trees.ACCEPT < 1.0 and 0.0 <= learned_trees.DROP <= learned_trees.ACCEPT
    # a bigger shift (any of the monotone features) never makes a boundary less likely
    rng = np.random.default_rng(11)
    F = _features(rng, 2000)
    base = learned_trees.raw_score(t, F)
    for name in fit_stage_trees.MONOTONE_UP:
        G = F.copy()
        G[:, learned.ALL_FEATURES.index(name)] += rng.uniform(0.0, 3.0, len(F))
        assert np.all(learned_trees.raw_score(t, G) >= base - 1e-9), name
    tree = ast.parse(Path(learned_trees.__file__).read_text())
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)} | {
        a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names
    }
    assert imported <= {"__future__", "typing", "numpy"}, imported


@pytest.fixture
def trees_on(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", True)
    monkeypatch.setattr(learned, "MODEL_KIND", "trees")


def test_trees_keep_units_free_boundaries(trees_on: None) -> None:
    """Pick rates per hour or per minute, with or without an offset: the same stages."""
    for seed in range(6):
        rng = np.random.default_rng(400 + seed)
        picks = 180.0 + 9.0 * rng.standard_normal(120)
        picks[70:] -= 30.0
        assert _starts(picks) == _starts(picks / 60.0) == _starts(picks * 3.0 + 5_000.0)
