"""The whole offline suite against the demo data (fails below a 0.97 pass rate, or when an item that passed in
the committed report fails now), its persistence and report, and ``compare`` on a planted regression."""

from __future__ import annotations

import psycopg

from evals.compare import compare_runs, newly_failing, report_verdicts
from evals.models import load_cases
from evals.report import render_html, render_markdown
from tests.evals.conftest import COMMITTED_REPORT, LATEST_REPORT

MIN_PASS_RATE = 0.97


def test_the_offline_suite_passes(offline_suite):
    out = offline_suite.outcome
    assert out.n_items == sum(len(c.questions) for c in load_cases())
    failures = "\n".join(
        f"  {f.case.key}#{f.variant}: " + "; ".join(f"{s.evaluator}: {s.details.get('actual')}" for s in f.scores
                                                    if not s.passed)
        for f in out.failures)
    assert out.pass_rate >= MIN_PASS_RATE, f"pass rate {out.pass_rate:.1%} < {MIN_PASS_RATE:.0%}:\n{failures}"
    assert out.p95_latency_ms is not None and out.p95_latency_ms < 20_000


def test_what_passed_in_the_committed_report_still_passes(offline_suite, committed_verdicts):
    """A regression guard beside the rate: every item (case and variant) that passed in docs/evals/latest.md passes
    now. Cases added since are not in the committed report and are judged by the rate alone."""
    assert committed_verdicts, f"no items read from {COMMITTED_REPORT}"
    broken = newly_failing(committed_verdicts, offline_suite.stored)
    assert not broken, "passed in the committed report, failing now:\n  " + "\n  ".join(broken)


def test_the_committed_report_is_read_item_by_item(offline_suite):
    verdicts = report_verdicts(render_markdown(offline_suite.stored))
    assert verdicts == {(i.case_id, i.variant): i.passed for i in offline_suite.stored.items}
    assert report_verdicts("# no table here") == {}
    failing = sorted(f"{i.case_id}#{i.variant}" for i in offline_suite.stored.items if not i.passed)
    everything_passed = dict.fromkeys(verdicts, True) | {("kpi/999_added_later", 0): True}
    assert newly_failing(everything_passed, offline_suite.stored) == failing, "a case the run lacks is no regression"
    assert newly_failing(verdicts, offline_suite.stored) == []


def test_the_evaluation_run_and_its_results_are_stored(offline_suite, demo):
    out = offline_suite.outcome
    with psycopg.connect(demo.target.conninfo) as conn:
        row = conn.execute(
            """SELECT provider, model, code_version, status, n_cases, pass_rate, p50_latency_ms, p95_latency_ms,
                      prompt_tokens, completion_tokens, cost_usd, report_markdown, finished_at, org_id
               FROM eval_runs WHERE id = %s""", (out.eval_run_id,)).fetchone()
        results = conn.execute(
            """SELECT evaluator, count(*), count(DISTINCT (case_id, variant)) FROM eval_results
               WHERE eval_run_id = %s GROUP BY evaluator""", (out.eval_run_id,)).fetchall()
        run_ids = conn.execute(
            """SELECT count(*) FROM eval_results e JOIN runs r ON r.id = e.run_id
               WHERE e.eval_run_id = %s AND e.evaluator = 'overall' AND r.trigger = 'eval'""",
            (out.eval_run_id,)).fetchone()[0]
    provider, model, version, status, n, rate, p50, p95, pt, ct, cost, md, finished, org = row
    assert (provider, model, status, n, org) == ("offline", None, "completed", out.n_items, demo.org_id)
    assert rate == out.pass_rate and 0 < p50 <= p95 and finished is not None
    assert version, "the git sha of the code under test"
    assert (pt, ct, cost) == (0, 0, 0.0)
    assert md and md.startswith(f"# Evaluation run `{out.eval_run_id}`")
    counts = {e: (k, items) for e, k, items in results}
    assert counts["overall"] == (out.n_items, out.n_items)
    for name in ("status", "citations", "latency", "tokens", "cost"):
        assert counts[name][0] == out.n_items, name
    for name in ("routing", "tools", "facts", "forbidden"):
        assert 0 < counts[name][0] <= out.n_items, name
    assert run_ids == out.n_items, "each result points at the (eval-triggered) run it scored"


def test_the_report_is_broken_down_by_suite_and_tag_with_failures_side_by_side(offline_suite):
    md = LATEST_REPORT.read_text()
    assert md == render_markdown(offline_suite.stored)
    for heading in ("## By suite", "## By tag", "## By scorer", "## Failures", "## All items"):
        assert heading in md
    for suite in {c.suite for c in load_cases()}:
        assert f"| {suite} |" in md
    for tag in ("injection", "follow-up", "out-of-scope", "unknown-entity", "multi-specialist"):
        assert f"| {tag} |" in md
    html = render_html(offline_suite.stored)
    assert html.startswith("<!doctype html>") and "<h2>By tag</h2>" in html
    for f in offline_suite.outcome.failures:
        assert f"### {f.case.key}" in md and f.case.key in html
    if offline_suite.outcome.failures:
        assert '<div class="h">expected</div><div class="h">actual</div>' in html


def test_compare_lists_the_planted_regression(offline_suite, planted_regression):
    a, b = offline_suite.stored, planted_regression.stored
    cmp = compare_runs(a, b)
    regressed = {(c.case_id, c.variant) for c in cmp.regressed}
    assert regressed == {(i.case_id, i.variant) for i in b.items}, "every sabotaged item regressed"
    assert all("citations" in {s["scorer"] for s in c.scorers} for c in cmp.regressed)
    assert not cmp.improved and len(cmp.only_in_a) == len(a.items) - len(b.items)
    md = cmp.markdown()
    assert f"## Regressed ({len(regressed)})" in md and "## Improved (0)" in md
    assert "citations ✓→✗" in md
    back = compare_runs(b, a)
    assert {(c.case_id, c.variant) for c in back.improved} == regressed and not back.regressed
