"""``as_of`` pins a run's "now" whatever form it comes in: a date means 12:00 UTC that day, a naive date-time is
UTC, an aware one is kept (second organisation, offline graph, the process clock set far from the data)."""

from __future__ import annotations

import datetime as dt

import pytest

from agents.service import Assistant
from tests.conftest import settings_for
from tests.integration import org2 as o2
from tests.integration.org2 import org2_db  # pytest fixtures

ELSEWHEN = dt.datetime(2027, 3, 1, 8, 0, tzinfo=dt.UTC)  # the process clock: months after the org's data


@pytest.fixture
async def assistant(org2_db, pg_server):
    target, _ = org2_db
    a = await Assistant.open(settings_for(target, pg_server.home), target, clock=lambda: ELSEWHEN)
    yield a
    await a.close()


def _open_at(org: o2.Org2, now: dt.datetime) -> int:
    """Tickets open at ``now`` — created by then and not resolved by then (one resolved later was still open) —
    counted from the rows the test imported."""
    return sum(1 for t in org.truth["tickets"] if dt.datetime.fromisoformat(t["created_at"]) <= now
               and (t["status"] in ("new", "open", "pending") or dt.datetime.fromisoformat(t["resolved_at"]) > now))


@pytest.mark.parametrize(("as_of", "means"), [
    (dt.date(2026, 10, 14), dt.datetime(2026, 10, 14, 12, 0, tzinfo=dt.UTC)),
    (dt.datetime(2026, 10, 15, 5, 30), dt.datetime(2026, 10, 15, 5, 30, tzinfo=dt.UTC)),
    (dt.datetime(2026, 10, 15, 7, 30, tzinfo=dt.timezone(dt.timedelta(hours=2))),
     dt.datetime(2026, 10, 15, 5, 30, tzinfo=dt.UTC)),
], ids=["date", "naive", "aware"])
async def test_as_of_pins_the_runs_now(assistant, org2_db, as_of, means):
    _, org = org2_db
    n = _open_at(org, means)
    later = [t for t in org.truth["tickets"] if dt.datetime.fromisoformat(t["created_at"]) > means]
    assert n > 0 and later  # the pinned instant matters: some tickets come after it
    r = await assistant.ask(org_id=org.org_id, question="how many open tickets?", as_of=as_of)
    assert r.status == "completed", r.error
    assert f"There are {n} tickets" in r.answer, r.answer
