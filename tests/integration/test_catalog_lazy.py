"""The per-turn catalog holds the vocabulary only; the lookups only some questions need — every config change's key
and new value ("when was <flag> turned on?"), the first and last day of the KPI points and tickets ("how far back
does your data go?") — are loaded for a turn whose question needs them, once. On a payments company with 5,000
config changes, imported in the test: an ordinary turn loads neither, and the answers that need them still come
out right."""

from __future__ import annotations

import datetime as dt

import psycopg
import pytest

from agents.service import Assistant
from agents.understanding.catalog import Catalog
from store.db import make_async_engine, make_sessionmaker
from tests.conftest import settings_for
from tests.integration.qa_support import load_org

NOW = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
ORG = "tallyho-payments"


@pytest.fixture
def payments(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    start = NOW - dt.timedelta(days=80)
    changes = [{"external_id": f"CHG-{i:05d}", "service": f"ledger-{i % 20}", "key": f"ledger.feature_{i % 400}.limit",
                "old_value": str(i), "new_value": str(i + 1), "changed_at": (start + dt.timedelta(minutes=20 * i)).isoformat(),
                "changed_by": f"eng{i % 9}"} for i in range(5000)]
    changes += [  # the flag turned on, then off again: its latest change is the "off"
        {"external_id": "PAY-FLAG-1", "service": "payouts-api", "key": "payouts.instant.enabled", "old_value": "false",
         "new_value": "true", "changed_at": "2026-11-10T09:00:00Z", "changed_by": "ana"},
        {"external_id": "PAY-FLAG-2", "service": "payouts-api", "key": "payouts.instant.enabled", "old_value": "true",
         "new_value": "false", "changed_at": "2026-11-20T16:30:00Z", "changed_by": "raj"},
    ]
    tickets = [{"external_id": f"PT-{i}", "subject": f"Payout {i} delayed", "content": "Still waiting.",
                "created_at": f"2026-10-{1 + i:02d}T10:00:00Z"} for i in range(20)]
    services = [{"name": f"ledger-{i}"} for i in range(20)] + [{"name": "payouts-api"}]
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org_id = load_org(conn, ORG, "Tallyho", {"services": services, "config-changes": changes, "tickets": tickets},
                          tmp_path)
    return target, settings_for(target, pg_server.home), org_id


async def test_an_ordinary_turn_loads_neither_lookup(payments):
    target, _, org_id = payments
    engine = make_async_engine(target, pool_size=1)
    try:
        async with make_sessionmaker(engine)() as s:
            cat = await (await Catalog.load(s, org_id)).load_for(s, org_id, "what changed on ledger-7 last week?")
            assert len(cat.config_changes) == 5002 and cat.loaded == set()
            assert cat.config_history == {} and cat.data_spans == {}
            await cat.load_for(s, org_id, "when was payouts.instant.enabled turned on?")
            assert cat.loaded == {"config_history"} and len(cat.config_history) == 401
            assert cat.config_history["payouts.instant.enabled"] == [("PAY-FLAG-1", "true"), ("PAY-FLAG-2", "false")]
            await cat.load_for(s, org_id, "how far back does your data go?")
            assert cat.data_spans == {"tickets": ["2026-10-01", "2026-10-20"]}
    finally:
        await engine.dispose()


async def test_the_answers_that_need_them_still_come_out_right(payments):
    target, settings, org_id = payments
    a = await Assistant.open(settings, target, clock=lambda: NOW)
    try:
        r = await a.ask(org_id=org_id, question="when was payouts.instant.enabled turned on?")
        assert r.status == "completed" and "- PAY-FLAG-1 changed payouts-api payouts.instant.enabled (false → true)" in r.answer, r.answer
        r = await a.ask(org_id=org_id, question="how far back does your data go?")
        assert "20 support tickets from 2026-10-01 to 2026-10-20" in r.answer, r.answer
    finally:
        await a.close()
