"""An on-call engineer's questions about a payments company's services (issue #13, qa23b): percentiles asked as
"p99" / "median", services named in words ("the card auth service", "fx quotes", "the ledger"), unknown services,
queue depth against its own range, onsets, how long an incident lasted, what changed before, and "is it stable?".

The organisation (tests/integration/payments_support.py) is built here through the importers, nothing like the
demo's names; each question is asked in its own thread pinned to the same day, and its check is what a user would
notice: the right metric or service named, the right change or incident, the right time, or a question back."""

from __future__ import annotations

import re
from collections.abc import Callable

import psycopg
import pytest

from tests.integration import payments_support as pay
from tests.integration.qa_support import Thread, load_org, org_assistant


@pytest.fixture(scope="module")
def payments(pg_server, tmp_path_factory):
    from store import migrate
    from store.importers import run_import
    from tests.conftest import _create_database, _drop_database

    out = tmp_path_factory.mktemp("payments_org")
    pay.write_files(out)
    target = _create_database(pg_server, "opsgraph_qa_payments")
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, pay.SLUG, pay.NAME, {}, out)
        for kind, name in pay.KINDS.items():
            run_import(conn, pay.SLUG, kind, out / name)
        conn.commit()
    yield target, org_id
    _drop_database(pg_server, target)


@pytest.fixture(scope="module")
async def assistant(payments, pg_server):
    async with org_assistant(payments[0], pg_server, pay.CLOCK) as a:
        yield a


def has(*words: str, no: tuple[str, ...] = ()) -> Callable[[str], bool]:
    """All of ``words`` in the answer (case-insensitive) and none of ``no``."""
    def check(a: str) -> bool:
        low = a.lower()
        return all(w.lower() in low for w in words) and not any(w.lower() in low for w in no)
    return check


def either(*checks: Callable[[str], bool]) -> Callable[[str], bool]:
    return lambda a: any(c(a) for c in checks)


def matches(pattern: str, no: tuple[str, ...] = ()) -> Callable[[str], bool]:
    return lambda a: re.search(pattern, a, re.I | re.S) is not None and not any(w.lower() in a.lower() for w in no)


ASKS_BACK = matches(r"\?")  # a question back to the user

CASES: list[tuple[str, Callable[[str], bool]]] = [
    # percentiles: the one asked for, never another; several → a question back
    ("what's the p99 on card-auth right now?", has("card-auth", "latency_p99_ms", no=("latency_p50_ms is",))),
    ("card-auth median latency now", has("latency_p50_ms", no=("latency_p99_ms is",))),
    ("p50 latency for card auth", has("card-auth", "latency_p50_ms", no=("latency_p99_ms is",))),
    ("fx quote p95?", has("fx-quote", "latency_p95_ms", no=("latency_median_ms is",))),
    ("median latency on fx-quote", has("fx-quote", "latency_median_ms", no=("latency_p95_ms is",))),
    ("what's the p99 latency of fx-quote?", has("fx-quote", "latency_p95_ms", no=("latency_p95_ms is",))),
    ("latency on card-auth?", has("latency_p99_ms", "latency_p50_ms")),
    ("how's the tail latency on card-auth", has("latency_p99_ms", no=("latency_p50_ms is",))),
    ("ledger p99", has("ledger-writer", "latency_p99_ms")),
    ("webhook-relay p99?", has("delivery_latency_p99_ms", "enqueue_latency_p99_ms", "?", no=("now (latest",))),
    ("delivery p99 on webhook-relay", has("delivery_latency_p99_ms", no=("enqueue_latency_p99_ms",))),
    # services named in words; unknown ones said so with suggestions
    ("is the card auth service ok?", has("card-auth", no=("fx-quote", "ledger-writer"))),
    ("how are fx quotes doing?", has("fx-quote", no=("card-auth", "ledger-writer"))),
    ("error rate on the ledger", has("ledger-writer", "http_5xx_rate", no=("card-auth",))),
    ("5xx rate for ledger writer", has("ledger-writer", "http_5xx_rate", no=("card-auth",))),
    ("what's the 5xx rate on fx", has("fx-quote", "http_5xx_rate", no=("ledger-writer",))),
    ("is the webhook relay healthy?", has("webhook-relay", "webhook_queue_depth")),
    ("how's the payments-gateway service?", has("don't know a service", "payments-gateway")),
    ("p99 latency on the risk-engine", has("don't know a service", "risk-engine")),
    ("error rate on settlement-batch", has("don't know a service", "settlement-batch")),
    # queue depth and short windows against the metric's own range
    ("is the webhook queue depth normal?", has("webhook_queue_depth", "normal")),
    ("webhook backlog right now", has("webhook-relay", "webhook_queue_depth", no=("ticket",))),
    ("queue depth on webhook-relay", has("webhook_queue_depth", no=("ticket",))),
    ("webhook queue depth last 30 minutes vs the 30 before", has("webhook_queue_depth", "30 min")),
    ("card-auth p99 last hour vs the hour before", has("latency_p99_ms", "hour", no=("latency_p50_ms is",))),
    ("is card-auth p99 within its limits?", has("latency_p99_ms", "within")),
    ("throughput on card-auth", has("requests_per_min", no=("latency_p99_ms is",))),
    # onsets and incidents
    ("when did the card-auth latency spike start?", has("09:4", "26")),
    ("when did the ledger errors start?", has("23:5", "25")),
    ("how long did INC-4410 last?", matches(r"3\s*h(ours?)?\s*25|3h25|3 h 25")),
    ("how long did the ledger incident last?", either(matches(r"2\s*h(ours?)?\s*20|2h20|2 h 20"))),
    ("is the ledger incident still open?", has("INC-4406", "resolved")),
    ("any incidents on card-auth this week?", has("INC-4410", no=("INC-4406",))),
    ("what was the most recent incident?", has("INC-4410")),
    ("any sev1s this week?", has("INC-4406", no=("INC-4410",))),
    # changes, filtered by the service named in words
    ("what changed on the ledger before the errors?", has("LW-CFG-88", no=("FX-0907", "CA-2291"))),
    ("what changed on card-auth yesterday?", has("CA-2291", "CA-2293", no=("FX-0907", "LW-CFG-88"))),
    ("why did card-auth p99 jump yesterday?", has("CA-2291")),
    ("what caused the ledger 5xx spike?", has("LW-CFG-88")),
    ("was the card-auth release rolled back?", has("yes", "CA-2293")),
    ("any config changes on ledger-writer this week?", has("LW-CFG-88", "LW-CFG-89", no=("WR-CFG-12",))),
    ("when was the last deploy to fx quotes?", has("FX-0907")),
    # "stable?" answered from the analysis: no signal = stable
    ("is fx-quote stable?", has("yes", "fx-quote is stable", "latency_p95_ms", no=("not stable", "card-auth"))),
    ("is the webhook queue depth stable?", has("yes", "stable", "webhook_queue_depth", no=("not stable",))),
    ("is card-auth p50 stable?", has("yes", "stable", "latency_p50_ms", no=("latency_p99_ms", "not stable"))),
    ("has card-auth latency been steady this week?", has("no", "latency_p99_ms", "2026-11-26 09:4")),
    ("is the ledger stable?", has("no", "http_5xx_rate", "2026-11-25 23:5", no=("card-auth",))),
    ("any signals on fx quote latency?", has("fx-quote", no=("card-auth",))),
]


@pytest.mark.parametrize(("question", "check"), CASES, ids=[q for q, _ in CASES])
async def test_on_call_question(assistant, payments, question, check):
    a = await Thread(assistant, payments[1], pay.AS_OF).ask(question)
    print(f"\n### {question}\n{a}")
    assert check(a), a


THREADS: list[tuple[list[str], Callable[[str], bool]]] = [
    # a follow-up names nothing: it is about what the thread is about
    (["card-auth p99 looked bad yesterday", "when did it start?"], has("2026-11-26 09:4", "latency_p99_ms")),
    (["ledger errors on the 25th", "when did it start?"], has("2026-11-25 23:5", "http_5xx_rate")),
    (["ledger 5xx on the 26th", "when did that start?"], has("2026-11-25 23:5", "http_5xx_rate")),
    (["tell me about INC-4406", "how long did it last?"], matches(r"2 h 20", no=("INC-4410",))),
    (["any incidents on card-auth this week?", "how long did it last?"], matches(r"3 h 25", no=("INC-4406",))),
    (["what's the p99 on card-auth?", "and the median?"], has("latency_p50_ms", no=("latency_p99_ms is",))),
    (["is fx-quote ok?", "is it stable?"], has("fx-quote is stable")),
]


@pytest.mark.parametrize(("turns", "check"), THREADS, ids=[" / ".join(t) for t, _ in THREADS])
async def test_on_call_thread(assistant, payments, turns, check):
    thread = Thread(assistant, payments[1], pay.AS_OF)
    for q in turns:
        a = await thread.ask(q)
    print(f"\n### {' / '.join(turns)}\n{a}")
    assert check(a), a
