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


def _filling_warehouse(rng: np.random.Generator, n: int = 160) -> np.ndarray:
    """A new warehouse's occupancy (%) filling up and levelling off: a smooth saturating curve, no abrupt change."""
    t = np.arange(n)
    return 200.0 * (1.0 - np.exp(-t / 40.0)) + 6.0 * rng.standard_normal(n)


def _staged(kind: str, monkeypatch: pytest.MonkeyPatch) -> int:
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", True)
    monkeypatch.setattr(learned, "MODEL_KIND", kind)
    return sum(bool(_starts(_filling_warehouse(np.random.default_rng(500 + s)))) for s in range(30))


def test_a_saturating_curve_is_no_stage_for_the_trees_but_is_for_the_linear_model(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The logistic model adds one weight per feature: a steep start beats one line by far, so it opens stages on
    the bend; the trees also see that a curve explains it (step vs quadratic) and stay silent, as the hand-set
    pipeline does (measured: trees 0 of 30, logistic 13 of 30, hand-set 0 of 30)."""
    assert _staged("trees", monkeypatch) <= 1
    assert _staged("logit", monkeypatch) >= 8
    monkeypatch.setattr(analysis, "LEARNED_ACCEPT", False)
    assert sum(bool(_starts(_filling_warehouse(np.random.default_rng(500 + s)))) for s in range(30)) <= 1


def test_step_vs_curve_features_match_a_direct_quadratic_fit() -> None:
    """The prefix-sum quadratic of ``learned_extra`` equals a least-squares fit on the window itself."""
    from tools.control_limits import learned_extra

    rng = np.random.default_rng(21)
    x = np.cumsum(rng.standard_normal((2, 300)), axis=1)
    L = np.array([300, 250])
    ctx = learned.Context(x, L, np.array([1.2, 1.2]), np.array([1.0, 1.0]), np.array([0.0, 0.0]))
    r, a, b = np.array([0, 0, 1]), np.array([0, 250, 17]), np.array([300, 262, 90])
    ss_line = np.array([np.sum((w - np.polyval(np.polyfit(np.arange(w.size), w, 1), np.arange(w.size))) ** 2)
                        for w in (ctx.x[i, lo:hi] for i, lo, hi in zip(r, a, b, strict=True))])
    ss_quad = np.array([np.sum((w - np.polyval(np.polyfit(np.arange(w.size), w, 2), np.arange(w.size))) ** 2)
                        for w in (ctx.x[i, lo:hi] for i, lo, hi in zip(r, a, b, strict=True))])
    got = learned_extra.features(ctx, r, a, b, np.ones(3), ss_line)
    g_ql = (b - a) * np.log(ss_line / ss_quad)
    # the solve carries a tiny ridge (defined on any window), worth < 0.1 % on a short window far from t = 0
    np.testing.assert_allclose(got[:, 1], np.log1p(np.maximum(g_ql, 0.0)), rtol=2e-3)
    assert abs(got[0, 1] - np.log1p(max(g_ql[0], 0.0))) < 1e-6
