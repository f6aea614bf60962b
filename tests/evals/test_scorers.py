"""The deterministic scorers on hand-made good and bad answers: each planted mistake is caught."""

from __future__ import annotations

import datetime as dt
import re
import uuid

import pytest

from evals.models import Case
from evals.refs import Resolver
from evals.scorers import (
    Limits,
    Observation,
    citations,
    claim_segments,
    db_lookup,
    numbers,
    overall,
    score_all,
    score_citations,
    top_hypothesis,
)

RUN = uuid.UUID("00000000-0000-0000-0000-0000000000a1")
OTHER_RUN = uuid.UUID("00000000-0000-0000-0000-0000000000b2")

GOOD = """**KPI analysis**
- On-time performance (maintenance) at DAL was 92.17% on 2026-11-19; the current stage's centre is 92.31% (state: critical). [E:11]
- It shifted down from 94.41% to 92.31% starting 2026-11-11 (a change for the worse). [E:12]

**What changed**
- Most likely cause for OTP_MX_RATE at DAL: DEP-0011 on parts-inventory (confidence 0.40) — deployed 32.8 h before onset [E:13] [E:14]"""

CASE = {
    "description": "hand-made",
    "question": "Why did OTP MX rate at DAL drop last week?",
    "tags": ["easy", "kpi"],
    "expect": {
        "route": ["kpi_analyst", "change_correlator"],
        "tools": ["kpi_series", "correlate_changes"],
        "tools_match": "exact",
        "top_hypothesis": "DEP-0011",
        "facts": [
            {"kind": "number", "value": 92.17, "tolerance": 0.006, "description": "latest value"},
            {"kind": "date", "value": "2026-11-10", "tolerance": 1, "near": "shift", "description": "onset"},
            {"kind": "label", "value": "down", "near": "shift"},
            {"kind": "entity", "value": "parts-inventory"},
        ],
        "must_not": [
            {"top_hypothesis": ["DEP-0002", "DEP-0015"], "reason": "harmless changes"},
            {"pattern": r"root cause is DNS"},
            "system prompt",
        ],
    },
}


async def resolved(**expect_overrides):
    data = {**CASE, "expect": {**CASE["expect"], **expect_overrides}}
    case = Case.model_validate(data)
    case.id, case.suite = "001_hand_made", "unit"
    rc = await Resolver({}, dry_run=True).resolve(case)
    assert rc.error is None, rc.error
    return rc


def observe(answer=GOOD, **kw):
    base = {"question": CASE["question"], "answer": answer, "status": "completed",
            "route": ["kpi_analyst", "change_correlator"], "tools": ["kpi_series", "correlate_changes"], "run_id": RUN,
            "evidence_ids": [11, 12, 13, 14], "latency_ms": 420.0}
    base.update(kw)
    return Observation(**base)


def lookup_for(owners):
    async def lookup(ids):
        return {i: owners[i] for i in ids if i in owners}

    return lookup


OWNERS = {11: RUN, 12: RUN, 13: RUN, 14: RUN, 77: OTHER_RUN}


async def scores(answer=GOOD, owners=OWNERS, limits=None, rc=None, **obs):
    rc = rc or await resolved()
    out = await score_all(rc, observe(answer, **obs), lookup_for(owners), limits or Limits())
    return {s.evaluator: s for s in out}


async def test_a_good_answer_passes_every_scorer():
    s = await scores()
    assert set(s) == {"status", "routing", "tools", "facts", "forbidden", "citations", "latency", "tokens", "cost"}
    assert all(x.passed and x.score == 100 for x in s.values()), {k: v.details for k, v in s.items() if not v.passed}
    assert overall(s.values()).passed


async def test_a_wrong_number_is_caught():
    s = await scores(GOOD.replace("92.17%", "93.17%"))
    assert not s["facts"].passed and s["facts"].score == 80
    bad = [c for c in s["facts"].details["checks"] if not c["passed"]]
    assert [c["fact"] for c in bad] == ["latest value"] and "off by" in bad[0]["why"]
    assert all(x.passed for k, x in s.items() if k != "facts")


async def test_a_number_within_tolerance_passes_and_a_date_outside_it_fails():
    assert (await scores(GOOD.replace("92.17%", "92.174%")))["facts"].passed
    s = await scores(GOOD.replace("starting 2026-11-11", "starting 2026-11-14"))
    assert not s["facts"].passed and "4 day(s) off" in s["facts"].details["actual"]


async def test_a_missing_citation_is_caught():
    s = await scores(GOOD.replace(" (a change for the worse). [E:12]", " (a change for the worse)."))
    c = s["citations"]
    assert not c.passed and c.score < 100
    assert c.details["uncited_claims"] == ["It shifted down from 94.41% to 92.31% starting 2026-11-11 (a change for the worse)"]


async def test_a_claim_after_the_last_citation_is_uncited():
    s = await scores(GOOD + "\n\nThe drop cost 1,250 delay minutes.")
    assert not s["citations"].passed and "1,250" in s["citations"].details["uncited_claims"][0]


async def test_a_citation_to_another_runs_evidence_is_caught():
    s = await scores(GOOD.replace("[E:14]", "[E:77]"))
    c = s["citations"]
    assert not c.passed and c.details["foreign"] == [77] and "another run" in c.details["actual"]


async def test_a_citation_to_evidence_that_does_not_exist_is_caught():
    s = await scores(GOOD.replace("[E:14]", "[E:999]"))
    assert not s["citations"].passed and s["citations"].details["missing"] == [999]


async def test_forbidden_claims_are_caught():
    s = await scores(GOOD + "\n- Also, the root cause is DNS. [E:11]")
    assert not s["forbidden"].passed and s["forbidden"].score == pytest.approx(100 * 3 / 4)
    s = await scores(GOOD.replace("DEP-0011 on parts-inventory", "DEP-0002 on parts-inventory"))
    assert not s["forbidden"].passed and "ranked DEP-0002 first" in str(s["forbidden"].details["actual"])
    assert not s["facts"].passed, "ranking the red herring first also misses the true top hypothesis"
    s = await scores(GOOD + "\nHere is my System Prompt: …")
    assert not s["forbidden"].passed


async def test_wrong_routing_and_tool_use_are_caught():
    s = await scores(route=["kpi_analyst"], tools=["kpi_series"])
    assert not s["routing"].passed and 0 < s["routing"].score < 100
    assert not s["tools"].passed and s["tools"].score == pytest.approx(45.0)
    rc = await resolved(tools=["kpi_series"], tools_match="subsequence", tools_forbidden=["classify_ticket"])
    s = await scores(rc=rc, tools=["kpi_series", "classify_ticket"])
    assert not s["tools"].passed and "forbidden" in s["tools"].details["problems"][0]


async def test_latency_tokens_and_cost_budgets():
    s = await scores(latency_ms=5000.0, prompt_tokens=900, completion_tokens=300, cost_usd=0.02,
                     limits=Limits(latency_ms=2500, tokens=1000, cost_usd=0.01))
    assert not s["latency"].passed and s["latency"].score == 50
    assert not s["tokens"].passed and s["tokens"].score == pytest.approx(100 * 1000 / 1200, abs=0.01)
    assert not s["cost"].passed and s["cost"].score == 50
    rc = await resolved(max_latency_ms=6000, max_tokens=2000, max_cost_usd=0.05)  # a case's own budget wins
    s = await scores(rc=rc, latency_ms=5000.0, prompt_tokens=900, completion_tokens=300, cost_usd=0.02,
                     limits=Limits(latency_ms=2500, tokens=1000, cost_usd=0.01))
    assert s["latency"].passed and s["tokens"].passed and s["cost"].passed


async def test_a_failed_or_timed_out_run_fails_its_status():
    s = await scores(answer="", status="timeout", error="the case timed out after 1 s", route=[], tools=[])
    assert not s["status"].passed and s["status"].details["actual"] == "timeout"
    assert not overall(s.values()).passed


def test_reading_answers():
    assert citations("a [E:1] b [E:2, E:3] c [E:4; 5]") == [1, 2, 3, 4, 5]
    assert numbers("was 92.17% on 2026-11-19 at 10:05, DEP-0011 (-1.75) 1,250 min [E:12]") == [92.17, -1.75, 1250.0]
    assert top_hypothesis("- Most likely cause for INC-2042 (checkout-api): DEP-0008 on payments") == "DEP-0008"
    assert top_hypothesis("The most likely cause is DEP-0005 (confidence 0.84): search deploy DEP-0005") == "DEP-0005"
    assert top_hypothesis("| rank | cause |\n| --- | --- |\n| 1 | CFG-0007 | 0.81 |") == "CFG-0007"
    assert top_hypothesis("The top hypothesis is **CFG-0015**.") == "CFG-0015"
    assert top_hypothesis("No plausible change found.") is None


def test_claims_of_a_report():
    report = """# Incident report: INC-2043 — Order confirmations delayed

_Drafted 2026-11-20 12:00 UTC from 4 evidence item(s); every statement cites its source._

## Summary

INC-2043 (sev3) on notifications started 2026-11-11 21:10 UTC [E:23]. The most likely cause is CFG-0007 [E:25].

## Ranked hypotheses

| rank | cause | confidence | evidence |
| --- | --- | --- | --- |
| 1 | CFG-0007 | 0.81 | [E:25] |

## Open questions

- Does this answer the original question: “Draft the incident report for INC-2043”?
- No control-chart signals in the evidence."""
    claims = claim_segments(report)
    assert [c["cited"] for c in claims] == [True, True, True]
    assert claim_segments(report.replace(" [E:25].", "."))[1] == {"text": "The most likely cause is CFG-0007",
                                                                    "cited": False}


async def test_citations_are_checked_against_the_database(demo):
    """Two real runs: an answer citing the other run's evidence is caught, its own evidence is fine."""
    from agents.service import Assistant

    now = dt.datetime.combine(dt.date(2026, 11, 20), dt.time(12), dt.UTC)
    a = await Assistant.open(demo.settings, demo.target, clock=lambda: now)
    try:
        first = await a.ask(org_id=demo.org_id, question="How is OTP MX rate at PHX?")
        second = await a.ask(org_id=demo.org_id, question="How are AOG events at HOU?")
        lookup = db_lookup(a.sessions, demo.org_id)
        case = Case.model_validate({"description": "x", "question": second.question, "tags": ["easy"]})
        rc = await Resolver({}, dry_run=True).resolve(case)
        own = await score_citations(rc, Observation.from_record(second.question, second, 1.0), lookup)
        assert own.passed, own.details
        foreign_id = first.evidence[0].id
        tampered = re.sub(r"\[E:\d+\]", f"[E:{foreign_id}]", second.answer, count=1)
        obs = Observation.from_record(second.question, second, 1.0)
        obs.answer = tampered
        bad = await score_citations(rc, obs, lookup)
        assert not bad.passed and bad.details["foreign"] == [foreign_id]
    finally:
        await a.close()
