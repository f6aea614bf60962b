"""Triage on tickets by a second author (dev_a), the cue gaps they showed, and the urgency model over the cues.

The phrasings below come from an organisation unlike the dev sets' (a hospital group, a logistics firm, a school
district); they check the behaviour the second author's tickets asked for, not those tickets.
"""

from __future__ import annotations

import numpy as np
import pytest

from evals.triage import fit_urgency
from evals.triage.score import DEV_A, evaluate, load
from tools.tickets import classify as cls
from tools.tickets import urgency as urg
from tools.tickets import urgency_model as um


def test_second_author_dev_set():
    rows = load(DEV_A, split_name="a")
    assert len(rows) >= 100 and {r["urgency"] for r in rows} == set(cls.URGENCIES)
    res = evaluate(rows, base=False)
    print(f"\ndev_a: product {res['product_accuracy']:.3f}, urgency {res['urgency_accuracy']:.3f}")
    assert res["product_accuracy"] >= 0.95  # 0.866 before the third pass (those misses were read: optimistic)
    assert res["urgency_accuracy"] >= 0.88  # 0.741 before


@pytest.mark.parametrize(("subject", "content", "urgency"), [
    # a named weekday ahead is a deadline
    ("Lab results export fails", "The nightly export of lab results to the regional registry fails with 'schema rejected'. "
     "The registry audit is next Wednesday and they want a complete month.", "high"),
    ("courier manifests won't upload", "Manifest upload to the carrier portal fails since this morning. Go-live with the "
     "new carrier is this Thursday.", "high"),
    # a whole group slowed down, lag as a symptom
    ("BI dashboards crawling", "The whole finance org (about 45 people) sees a 4 second lag on every click in the "
     "reporting app since the new client rolled out.", "high"),
    # someone else holds the keys right now
    ("new global admin we did not create", "A global admin 'helpdesk-temp' appeared at 03:10. We didn't do this and "
     "someone has admin on the tenant right now. Logins from an IP in another country.", "critical"),
    # hedges and transients
    ("filter sometimes misses", "The rule lets a blocked site through now and then for a teacher or two. Not an "
     "emergency, but it should be consistent.", "medium"),
    ("client reconnects hourly", "Three nurses get disconnected from the rota app about once an hour; the client "
     "reconnects and then it works again, which breaks long uploads.", "medium"),
])
def test_cue_gaps_seen_on_a_second_author(subject, content, urgency):
    d = cls.triage(subject, content)
    assert d.urgency == urgency, (d.urgency_cues, d.urgency_probabilities)


@pytest.mark.parametrize(("subject", "content", "product"), [
    ("mails to auditors held", "Our mails to the external auditors are held with reason 'Tax identifier detected'. "
     "They are plain spreadsheets of cost centres.", "DLP"),
    ("warehouse tunnel won't come up", "Since the change window the tunnel from the Leeds warehouse fails: "
     "IKE SA negotiation failed, NO_PROPOSAL_CHOSEN. Nothing changed on our router.", "CFW"),
    ("every lookup returns 0.0.0.0", "At all depots name lookups return 0.0.0.0; it looks like the DNS protection is "
     "sinkholing every domain.", "CFW"),
    ("leavers still in role inventory", "The privileged roles inventory for our Okta org still lists two people who "
     "left in March. Is it cached?", "SSPM"),
    ("sharing to partners stopped", "Staff can't share schedules with partner schools from Box: 'External sharing to "
     "non-corporate domains is restricted'. Can the collaboration control allow our partner domain?", "CASB"),
])
def test_symptom_only_tickets_name_the_product(subject, content, product):
    d = cls.triage(subject, content)
    assert d.product == product, (d.product_probabilities, d.product_terms)


def test_urgency_model_uses_the_cues_the_reader_produces():
    """The shipped coefficients name features the impact reader still emits (no stale model)."""
    assert um.FEATURES and len(um.COEF) == len(um.CLASSES) == len(urg.URGENCIES)
    assert all(len(row) == len(um.FEATURES) for row in um.COEF)
    seen: set[str] = set()
    for r in [r for rows in fit_urgency.batches().values() for r in rows]:  # every batch the model was fitted on
        pts, cues = urg.impact_points(f"{r['subject']}\n{r['content']}", r.get("priority"), r.get("tier"))
        seen |= set(um.features(cues, pts))
        p = um.probabilities(cues, pts)
        assert p is not None and np.isclose(p.sum(), 1.0)
    assert len(set(um.FEATURES) & seen) >= 0.9 * len(um.FEATURES)


def test_averaging_the_model_beats_the_rule_across_authors():
    """Leave-one-author-batch-out: the average of rule and model is at least as accurate and has a lower log-loss."""
    groups = fit_urgency.batches()
    rows = [r for v in groups.values() for r in v]
    g = np.array([k for k, v in groups.items() for _ in v])
    feats, rule, y = fit_urgency.rows_features(rows)
    names = sorted({k for f in feats for k in f})
    X = np.array([[f.get(k, 0.0) for k in names] for f in feats])
    lr = np.zeros_like(rule)
    for grp in np.unique(g):
        tr = g != grp
        lr[~tr] = fit_urgency.LogisticRegression(C=fit_urgency.C, max_iter=5000).fit(X[tr], y[tr]).predict_proba(X[~tr])
    avg = um.RULE_SHARE * rule + (1 - um.RULE_SHARE) * lr
    nll = lambda p: -np.log(p[np.arange(len(y)), y] + 1e-9).mean()  # noqa: E731
    assert (avg.argmax(1) == y).mean() >= (rule.argmax(1) == y).mean()
    assert nll(avg) < nll(rule)
