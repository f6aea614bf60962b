""""Any complaints related to the <words> incident?" where the organisation keeps a complaints KPI: the incident
(found by its title's words) and what customers raised about it — its tickets, then the complaints KPI while it
lasted against the week before — never the complaints KPI alone (before: "Passenger complaints at company was …").
A ferry operator built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from tests.integration.qa_support import load_kpis, load_org, org_assistant, ticket

LAST = dt.date(2027, 6, 14)
HIT = (dt.date(2027, 6, 8), dt.date(2027, 6, 9))
PIERS = [("NQ", "North Quay Pier"), ("HB", "Holmbay Slipway"), ("SK", "Skerry Landing")]


@pytest.fixture
async def ferries(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "tidewell", "Tidewell Ferries", {
            "stations": [{"code": c, "name": n, "region": "FJ", "region_name": "Firth"} for c, n in PIERS],
            "services": [{"name": "gangway-scan", "team": "boarding"}, {"name": "fares-web", "team": "web"}],
            "kpi-definitions": [{"code": "PAX_COMPLAINTS", "name": "Passenger complaints", "unit": "count",
                                 "aggregation": "sum", "decimals": 0, "higher_is_better": False}],
            "incidents": [{"external_id": "TW-INC-31", "service": "gangway-scan", "severity": "SEV-2",
                           "status": "resolved", "title": "Boarding pass scanners rejecting mobile passes",
                           "started_at": "2027-06-08T07:10:00Z", "resolved_at": "2027-06-09T15:00:00Z"}],
            "tickets": [
                ticket("TW-501", "My mobile boarding pass was refused", "The scanner at the gangway said invalid.",
                       created_at="2027-06-08T07:40:00Z", customer="Walk-on passengers", priority="high"),
                ticket("TW-502", "Missed the 8:15 sailing", "Staff could not scan passes, we were sent back.",
                       created_at="2027-06-08T08:05:00Z", customer="Walk-on passengers"),
                ticket("TW-470", "Lost umbrella", "Left a red umbrella on the upper deck.",
                       created_at="2027-06-02T12:00:00Z", customer="Walk-on passengers", status="resolved"),
            ],
        }, tmp_path)
        rng = np.random.default_rng(5)
        points = [(LAST - dt.timedelta(days=59 - i), code, "PAX_COMPLAINTS",
                   float(rng.poisson(9 if HIT[0] <= LAST - dt.timedelta(days=59 - i) <= HIT[1] else 2)))
                  for i in range(60) for code, _ in PIERS]
        load_kpis(conn, "tidewell", points, tmp_path)
    async with org_assistant(target, pg_server, dt.datetime(2027, 6, 15, 9, tzinfo=dt.UTC)) as a:
        yield a, org_id


@pytest.mark.parametrize("q", ["any complaints related to the boarding pass incident?",
                               "did the scanner outage cause complaints?"])
async def test_complaints_about_an_incident_are_its_tickets_and_the_kpi_over_it(ferries, q):
    a, org_id = ferries
    r = await a.ask(org_id=org_id, question=q)
    assert "TW-INC-31" in r.answer and "TW-501" in r.answer, r.answer  # the incident and what was raised about it
    assert "TW-470" not in r.answer, r.answer
    line = next(x for x in r.answer.splitlines() if "Passenger complaints across the organisation" in x)
    assert "while TW-INC-31 lasted (2027-06-08 to 2027-06-09)" in line and "higher by" in line, line
    assert "beyond its day-to-day noise" in line, line
    assert "Passenger complaints at company was" not in r.answer, r.answer  # before: the KPI alone
