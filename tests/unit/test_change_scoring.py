"""Change-correlation scoring (pure, no database): monotonicity, risk order, rollback boost, ranges."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from tools.changes import phrases, scoring
from tools.changes.scoring import Features, confidences, score_candidate


def _raw(**kw) -> float:
    base = {"minutes_before": 15.0, "distance": 0, "risk": 1.0, "comovement": 0.0, "rollback": 0.0}
    return score_candidate(Features(**(base | kw))).raw


def test_closer_before_the_onset_scores_higher():
    raws = [_raw(minutes_before=m) for m in (0, 5, 15, 30, 60, 120, 240, 600, 1440)]
    assert all(a > b for a, b in itertools.pairwise(raws))
    assert scoring.time_score(90, 90) == pytest.approx(0.5)
    assert scoring.time_score(-1, 90) == 0.0  # after the onset: never a cause


def test_fewer_dependency_hops_score_higher():
    raws = [_raw(distance=d) for d in range(5)]
    assert all(a > b for a, b in itertools.pairwise(raws))
    assert scoring.distance_score(0) == 1.0


def test_comovement_on_a_dependency_wins_back_half_the_hop_penalty():
    for c in (0.0, 0.5, 1.0):  # still monotonic in distance whatever the co-movement
        raws = [_raw(distance=d, comovement=c) for d in range(4)]
        assert all(a > b for a, b in itertools.pairwise(raws))
    moved = score_candidate(Features(minutes_before=10, distance=1, risk=1.0, comovement=1.0))
    assert moved.reach == pytest.approx(scoring.HOP_DECAY + (1 - scoring.HOP_DECAY) * scoring.HOP_RECOVERY)
    assert moved.distance < moved.reach < 1.0


def test_kpi_half_life_is_longer():
    day = Features(minutes_before=12 * 60, distance=0, risk=1.0)
    assert score_candidate(day, half_life_minutes=scoring.KPI_HALF_LIFE_MIN).raw > score_candidate(day).raw


@pytest.mark.parametrize("risky", ["db_migration", "timeout_retry", "http_client", "dependency", "auth", "config"])
def test_risky_change_types_outrank_docs_and_tests(risky):
    hi, top = scoring.deployment_risk([risky, "docs"])
    assert top == [risky]
    for harmless in (["docs"], ["test"], ["docs", "test"]):
        lo, _ = scoring.deployment_risk(harmless)
        assert hi > lo
        assert _raw(risk=hi) > _raw(risk=lo)
    mid, _ = scoring.deployment_risk(["shared_util", "test"])
    assert lo < mid < hi


def test_config_keys_by_pattern():
    for key in ("db.pool.max_connections", "retry.max_attempts", "http.timeout_ms", "feature.new_checkout_flow",
                "max_connections"):
        assert scoring.config_risk(key)[0] == scoring.HIGH, key
    for key in ("log.level", "ui.banner_text", "tracing.sample_ratio", "alerts.slack_channel"):
        assert scoring.config_risk(key)[0] == scoring.LOW, key
    assert scoring.LOW < scoring.config_risk("DB_PASSWORD", is_secret=True)[0] < scoring.HIGH


def test_rollback_with_recovery_boosts():
    none = _raw(rollback=scoring.rollback_score(False, None))
    only = _raw(rollback=scoring.rollback_score(True, None))
    recovered = _raw(rollback=scoring.rollback_score(True, True))
    assert none < only < recovered
    # strong enough to lift a moderately risky change over a riskier one without it
    assert _raw(risk=0.3, rollback=1.0, minutes_before=30) > _raw(risk=1.0, minutes_before=30)


def test_reverted_before_the_onset_is_discounted():
    live = score_candidate(Features(minutes_before=20, distance=0, risk=1.0)).raw
    undone = score_candidate(Features(minutes_before=20, distance=0, risk=1.0, reverted_before_onset=True)).raw
    assert undone < live * 0.5


def test_comovement_from_metrics():
    rng = np.random.default_rng(1)
    base = 0.003 * np.exp(0.25 * rng.standard_normal(24))
    quiet = 0.003 * np.exp(0.25 * rng.standard_normal(12))
    jumped = quiet.copy()
    jumped[3:] += 0.05
    assert scoring.comovement_score(base, quiet) == 0.0
    assert scoring.comovement_score(base, jumped) == 1.0
    assert scoring.comovement_score(base[:3], jumped) is None  # too little baseline
    assert scoring.recovered(base, quiet) is True
    assert scoring.recovered(base, jumped) is False
    assert _raw(comovement=1.0) > _raw(comovement=0.0)


@pytest.mark.parametrize("seed", range(20))
def test_components_and_confidences_stay_in_unit_interval(seed):
    rng = np.random.default_rng(seed)
    feats = [
        Features(minutes_before=float(rng.uniform(0, 3000)), distance=int(rng.integers(0, 5)),
                 risk=float(rng.uniform(0, 1)), comovement=float(rng.uniform(0, 1)) if rng.random() < 0.7 else None,
                 rollback=float(rng.choice([0.0, 0.6, 1.0])), reverted_before_onset=bool(rng.random() < 0.1))
        for _ in range(8)
    ]
    comps = [score_candidate(f, half_life_minutes=float(rng.choice([90.0, 1440.0]))) for f in feats]
    for c in comps:
        for v in (c.time, c.distance, c.risk, c.comovement, c.rollback, c.reach, c.base, c.support, c.raw):
            assert 0.0 <= v <= 1.0
    confs = confidences([c.raw for c in comps])
    assert all(0.0 <= x <= scoring.CONFIDENCE_CAP for x in confs)
    # the competition adjustment keeps the order of the raw scores
    order = scoring.rank([c.raw for c in comps])
    assert [confs[i] for i in order] == sorted(confs, reverse=True)


def test_a_clear_single_cause_is_confident():
    cause = score_candidate(Features(minutes_before=10, distance=0, risk=1.0, comovement=1.0, rollback=1.0)).raw
    herring = score_candidate(Features(minutes_before=120, distance=0, risk=scoring.LOW, comovement=0.0)).raw
    conf_cause, conf_herring = confidences([cause, herring])
    assert 0.7 <= conf_cause <= 0.9
    assert conf_herring < scoring.PLAUSIBLE_FLOOR
    assert scoring.is_plausible(conf_cause)


def test_nothing_plausible_when_only_harmless_or_distant_changes():
    feats = [
        Features(minutes_before=130, distance=0, risk=scoring.LOW, comovement=0.0),  # docs release 2 h before
        Features(minutes_before=20, distance=0, risk=scoring.LOW, comovement=0.0),  # log level 20 min before
        Features(minutes_before=600, distance=0, risk=1.0, comovement=0.0),  # risky but 10 h before
        Features(minutes_before=45, distance=4, risk=0.3, comovement=0.0),  # four hops away
    ]
    confs = confidences([score_candidate(f).raw for f in feats])
    assert not any(scoring.is_plausible(c) for c in confs)
    assert max(confs) < scoring.PLAUSIBLE_FLOOR
    assert confidences([]) == []


def test_two_equal_explanations_are_not_both_sure():
    raw = score_candidate(Features(minutes_before=10, distance=0, risk=1.0, comovement=1.0)).raw
    alone = confidences([raw])[0]
    pair = confidences([raw, raw])
    assert pair[0] == pair[1] < alone


def test_wording_helpers():
    assert phrases.ago(18) == "18 min"
    assert phrases.ago(150) == "2.5 h"
    assert phrases.ago(3 * 1440) == "3.0 days"
    assert phrases.hops_phrase(0, "checkout-api") == "on checkout-api itself"
    assert phrases.hops_phrase(1, "checkout-api") == "a dependency of checkout-api, 1 hop away"  # before: "downstream"
    assert phrases.hops_phrase(2, "checkout-api", ["payments"]) == "a dependency of checkout-api, 2 hops away (via payments)"


def test_unknown_contents_whose_service_was_checked_and_stayed_flat_is_never_plausible_alone():
    """A deployment with no recorded commits has risk only as a stand-in for what it might have done; its own
    service's metrics checked and flat after it is evidence against it, so time and place alone never make it a
    plausible cause. Unchecked metrics, known risky contents, a visible move, a record naming it: as before."""
    unknown = {"minutes_before": 0.0, "distance": 0, "risk": scoring.UNKNOWN_DEPLOYMENT_RISK, "unknown_contents": True}
    flat = Features(**unknown, comovement=0.0)
    assert scoring.checked_flat(flat)
    best = score_candidate(flat, half_life_minutes=scoring.KPI_HALF_LIFE_MIN).raw  # at the onset, on the service
    assert not scoring.is_plausible(confidences([best])[0]), best
    unchecked = score_candidate(Features(**unknown, comovement=None)).raw  # no metrics to check: the stand-in stays
    slight = Features(**unknown, comovement=0.2)  # below MOVED ("no metric movement"): the stand-in goes, the
    assert scoring.checked_flat(slight)  # slight co-movement still counts for what it is
    kept = Features(**(unknown | {"unknown_contents": False}), comovement=0.2)
    assert best < score_candidate(slight).raw < score_candidate(kept).raw
    assert scoring.is_plausible(confidences([unchecked])[0]), unchecked
    moved = score_candidate(Features(**unknown, comovement=1.0)).raw
    assert scoring.is_plausible(confidences([moved])[0]), moved
    named = score_candidate(Features(**unknown, comovement=0.0, named=True)).raw
    assert scoring.is_plausible(confidences([named])[0]), named
    known = {**unknown, "risk": 1.0, "unknown_contents": False}  # a risky commit / config key: unchanged by the rule
    assert score_candidate(Features(**known, comovement=0.0)).raw == score_candidate(Features(**known)).raw
