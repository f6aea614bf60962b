"""A config key named in a question is named by its latest change, which is often the revert: "who changed <key>"
lists the key's changes, "did lowering/raising <key> …" means the change that did so (a stranger's game studio,
qa28, and the demo's own story: a pool lowered 200 → 40, reverted 45 minutes later)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.understanding import parse
from agents.understanding.catalog import Catalog

TODAY = dt.date(2026, 11, 27)


def _cat(history: dict[str, list[tuple[str, str | None]]], services: list[str],
         old: dict[str, str | None] | None = None) -> Catalog:
    cat = Catalog(stations={}, regions={}, kpis={}, incidents=[], services=services,
                  config_keys={k: v[-1][0] for k, v in history.items()},
                  config_changes=[e for v in history.values() for e, _ in v])
    cat.config_history, cat.config_old, cat.loaded = history, old or {}, {"config_history"}
    return cat


GAME = _cat({"pool.max_connections": [("GF-CFG-501", "200"), ("GF-CFG-508", "40"), ("GF-CFG-509", "200")],
             "MM_SKILL_WINDOW_SEC": [("GF-CFG-510", "45")],
             "FEATURE_FAST_REFUND": [("GF-CFG-520", "true"), ("GF-CFG-521", "false")]}, ["LootLedger", "matchmaker-eu"])
DEMO_LIKE = _cat({"db.pool.max_connections": [("CFG-0010", "40"), ("CFG-0011", "200")],
                  "retry.max_attempts": [("CFG-0007", "12"), ("CFG-0008", "3")]}, ["orders-db-proxy", "notifications"],
                 {"CFG-0010": "200", "CFG-0011": "40", "CFG-0007": "3", "CFG-0008": "12"})


@pytest.mark.parametrize(("cat", "question", "changes"), [
    (GAME, "who changed pool.max_connections", ["GF-CFG-509", "GF-CFG-508", "GF-CFG-501"]),  # before: the revert alone
    (GAME, "did lowering pool.max_connections cause the purchase failures?", ["GF-CFG-508"]),  # before: GF-CFG-509
    (GAME, "when was pool.max_connections raised?", ["GF-CFG-509"]),
    (GAME, "who made the last change to pool.max_connections", ["GF-CFG-509"]),
    (GAME, "who changed GF-CFG-509", ["GF-CFG-509"]),  # an id typed as such is that change
    (GAME, "when was FEATURE_FAST_REFUND turned on?", ["GF-CFG-520"]),
    (GAME, "who changed MM_SKILL_WINDOW_SEC", ["GF-CFG-510"]),
    (DEMO_LIKE, "did raising retry.max_attempts break anything?", ["CFG-0007"]),  # before: CFG-0008 (12 → 3) first
    (DEMO_LIKE, "who changed db.pool.max_connections", ["CFG-0011", "CFG-0010"]),
    (DEMO_LIKE, "did lowering db.pool.max_connections cause INC-2044?", ["CFG-0010"]),
])
def test_a_key_means_the_change_asked_about(cat: Catalog, question: str, changes: list[str]) -> None:
    plan = parse(question, cat, TODAY)
    assert plan.subjects.config_changes == changes, plan.model_dump(exclude_defaults=True)
