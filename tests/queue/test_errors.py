"""#14.5: a database error inside a tool or a run never reaches users with SQL, parameters or internals;
they get a short reason and an error id, the details go to the server log."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from sqlalchemy import text

from agents.service import Assistant
from agents.specialists import kpi_analyst
from tests.api.helpers import NOW

SECRET_PARAM = "p4ram-visible-only-in-the-log"


async def _bad_query(ctx, **kwargs):
    async with ctx.sessions() as s:
        # psycopg DataError (invalid input syntax for type integer), wrapped by SQLAlchemy with SQL and parameters.
        await s.execute(text("SELECT CAST(:v AS integer) FROM kpis WHERE org_id = :org"),
                        {"v": SECRET_PARAM, "org": ctx.org_id})
    raise AssertionError("unreachable")


@pytest.fixture
async def assistant(qdemo):
    a = await Assistant.open(qdemo.settings, qdemo.target, clock=lambda: NOW)
    yield a
    await a.close()


def _leaks(text_: str) -> bool:
    return any(s in text_ for s in ("SELECT", "[SQL", "parameters", SECRET_PARAM, "psycopg", "DataError"))


async def test_tool_database_error_is_a_short_reason_with_an_error_id(assistant, qdemo, monkeypatch, caplog):
    monkeypatch.setattr(kpi_analyst, "kpi_series", _bad_query)
    caplog.set_level(logging.ERROR)
    r = await assistant.ask(org_id=qdemo.org_id, question="Why did OTP MX rate at DAL drop last week?")
    call = next(c for c in r.tool_calls if c.tool == "kpi_series")
    assert call.status == "error" and "error id" in call.error and not _leaks(call.error), call.error
    assert not _leaks(r.answer or "") and not _leaks(call.result_summary or "")
    error_id = call.error.split("error id ")[1].rstrip(")")
    logged = "\n".join(rec.getMessage() + (str(rec.exc_info[1]) if rec.exc_info else "") for rec in caplog.records)
    assert error_id in logged and SECRET_PARAM in logged, "the details are in the server log, under the error id"


async def test_run_database_error_fails_the_run_without_internals(assistant, qdemo, monkeypatch):
    from agents import service

    async def broken(session, org_id):
        await session.execute(text("SELECT CAST(:v AS integer)"), {"v": SECRET_PARAM})

    monkeypatch.setattr(service.Catalog, "load", staticmethod(broken))
    r = await assistant.ask(org_id=qdemo.org_id, question="Which berths were congested on Tuesday?",
                            as_of=dt.datetime(2026, 11, 20, 12, tzinfo=dt.UTC))
    assert r.status == "failed" and "a database query failed (error id " in r.error and not _leaks(r.error), r.error
