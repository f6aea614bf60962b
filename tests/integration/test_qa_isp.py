"""A stranger's questions, round 7 (qa19a), on a seventh organisation: "Dalesway Networks" (dalesway), a regional
internet provider (fibre, fixed wireless, a small MVNO), built by ``tests/fixtures/isp_org/generate.py`` and imported
through ``store.importers`` from its tools' own exports: stations and KPI definitions as CSV (``Site Code``,
``Direction``, ``Target``), KPIs as a wide daily sheet plus a weekly NPS sheet (ISO weeks), service metrics as a wide
5-minute sheet, a NetBox/Ansible change log, a paging tool's incident CSV, a helpdesk ticket CSV (P1–P4,
``Residential``/``Business`` tiers), runbooks one Markdown file at a time.

Sites coded ``pop-lds-03`` / ``EXCH_Harrogate`` / ``TWR-114`` typed as "LDS3", "lds-03", "pop lds 3", "kirkstall",
"tower 207", "greenhow"; numbers asserted are recomputed here with pandas from the generated files; questions go
through :class:`Assistant` with ``as_of`` pinned (Monday 2026-11-30; daily points end 2026-11-29). The last test asks
the demo questions of the same shapes.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import Thread, demo_assistant, generated_org, org_assistant, sql
from tests.integration.qa_support import first_line as _first_line
from tests.integration.qa_support import kpi_rows as _rows

HERE = Path(__file__).parents[1] / "fixtures" / "isp_org"
SLUG = "dalesway"
AS_OF = dt.date(2026, 11, 30)
CLOCK = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
KINDS = {"stations": "stations.csv", "kpi-definitions": "kpi-definitions.csv", "kpis": "kpis-daily.csv",
         "services": "services.json", "metrics": "metrics.csv", "deployments": "deployments.json",
         "config-changes": "config-changes.json", "incidents": "incidents.csv", "tickets": "tickets.csv"}
D = dt.date
LW = (D(2026, 11, 23), D(2026, 11, 29))
WB = (D(2026, 11, 16), D(2026, 11, 22))
TM = (D(2026, 11, 1), D(2026, 11, 29))


@pytest.fixture(scope="module")
def isp(pg_server, tmp_path_factory):
    with generated_org(pg_server, tmp_path_factory, HERE / "generate.py", "opsgraph_qa_isp", SLUG, "Dalesway Networks", KINDS, [("kpis", "nps-weekly.csv")]) as o:
        yield o.target, o.org_id, o.kpis, o.sites


@pytest.fixture(scope="module")
async def assistant(isp, pg_server):
    async with org_assistant(isp[0], pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, isp):
    return Thread(assistant, isp[1], AS_OF)


@pytest.fixture
def new(assistant, isp):
    """Each question in a conversation of its own (the runner's way: one CLI call per question)."""
    return lambda: Thread(assistant, isp[1], AS_OF)


def _mean(kpis: pd.DataFrame, kpi: str, code: str, span: tuple[dt.date, dt.date]) -> float:
    return float(_rows(kpis, kpi, [code], *span).value.mean())


# ----------------------------------------------------------------- sites as the NOC types them


async def test_a_site_code_without_its_type_prefix(new, isp):
    kpis = isp[2]
    a = await new().ask("packet loss at LDS3 last week")  # before: "LDS3" dropped, the company's loss given
    assert (f"Packet loss at POP-LDS-03 (Leeds PoP 3 (Kirkstall)), last week (2026-11-23 to 2026-11-29): the mean is "
            f"{_mean(kpis, 'PKT_LOSS_PCT', 'pop-lds-03', LW):.2f}%") in _first_line(a), a
    a = await new().ask("pl at pop lds 3 yesterday")
    day = _mean(kpis, "PKT_LOSS_PCT", "pop-lds-03", (D(2026, 11, 29), D(2026, 11, 29)))
    assert f"Packet loss at POP-LDS-03 (Leeds PoP 3 (Kirkstall)) on 2026-11-29 was {day:.2f}%" in a, a
    a = await new().ask("was the mtu change the cause of the packet loss at lds-03?")  # before: "lds" asked between two
    assert "Which one did you mean" not in a and "NB-4471" in a and "POP-LDS-03" in a, a
    a = await new().ask("hows LDS1 doing")  # before: out of scope
    assert "POP-LDS-01" in a and "outside what I can answer" not in a, a


async def test_a_numbered_site_that_does_not_exist(new):
    a = await new().ask("packet loss at pop-mcr-01")  # before: "Which one did you mean?" between the three PoPs
    assert "I don't know a station called “pop-mcr-01”" in a and "Packet loss at" not in a, a
    a = await new().ask("jitter at Tower 999")
    assert "I don't know a station called “Tower 999”" in a and "TWR-114" in a and "Jitter at" not in a, a


async def test_a_kpi_a_tower_does_not_report(new):
    a = await new().ask("port utilisation at twr-114")
    assert "There is no Port utilisation data at TWR-114 (Tower 114 - Greenhow Hill)" in a, a


# ----------------------------------------------------------------- the network's stories


async def test_packet_loss_after_an_mtu_change(new):
    a = await new().ask("why is packet loss up at kirkstall?")
    assert "It shifted up from 0.18% to 1.34% starting 2026-11-19" in a, a
    assert "Most likely cause for PKT_LOSS_PCT at POP-LDS-03 (Leeds PoP 3 (Kirkstall)): NB-4471 on bng-cluster-b" in a, a
    a = await new().ask("who changed the mtu on ge-0/0/1")
    assert "NB-4471 changed bng-cluster-b interfaces.ge-0/0/1.mtu (9000 → 1500) — by k.ahmed" in a, a


async def test_a_service_by_its_own_word_and_a_symptom(new):
    a = await new().ask("anything pushed before radius started timing out?")  # before: out of scope
    assert "radius-auth auth_timeouts moved up at 2026-11-26 22:20 UTC" in a, a
    assert "Most likely cause for radius-auth: AWX-88120 on radius-auth" in a, a
    a = await new().ask("how's the portal doing")  # before: out of scope
    assert "cust-portal http_5xx_ratio moved up at 2026-11-24 14:10 UTC" in a and "DEP-3420" in a, a


async def test_how_is_the_network(new, isp):
    a = await new().ask("how's the network tonight")  # before: out of scope
    assert "need attention as of 2026-11-29" in a and "Packet loss at POP-LDS-03 is critical since 2026-11-19" in a, a
    a = await new().ask("one line: how did the network do last week")
    assert "need attention" in a and "outside what I can answer" not in a, a


async def test_a_slow_drift_and_a_storm(new, isp):
    kpis = isp[2]
    a = await new().ask("why is FTF getting worse at tower 207")
    assert "First-time fix rate at TWR-207 (Tower 207 - Pateley Bridge)" in a and "drifting down steadily" in a, a
    assert "no single change marks its start" in a, a
    totals = _rows(kpis, "OUTAGE_MIN", list(isp[3].code), D(2026, 10, 31), D(2026, 11, 29)).groupby("station").value.sum()
    a = await new().ask("anything weird with outages")
    assert f"is TWR-114 (Tower 114 - Greenhow Hill) with {totals.max():.0f} min" in a, a
    a = await new().ask("how many outage minutes did we have in october vs november")
    codes = list(isp[3].code)
    oct_ = _rows(kpis, "OUTAGE_MIN", codes, D(2026, 10, 1), D(2026, 10, 31)).value.sum()
    nov = _rows(kpis, "OUTAGE_MIN", codes, *TM).value.sum()
    assert f"November 2026 (so far: 29 day(s)), {nov:,.0f} min in all, vs " in a, a  # the two months, compared
    assert f"October 2026 ({oct_:,.0f} min in 31 days) — {'up' if nov / 29 > oct_ / 31 else 'down'} " in a, a


async def test_weekend_utilisation_and_a_weekly_kpi(new, isp):
    kpis = isp[2]
    rows = _rows(kpis, "PORT_UTIL_PCT", list(isp[3].code), D(2026, 10, 31), D(2026, 11, 29))
    daily = rows.groupby("date").value.mean()
    a = await new().ask("is port util worse at weekends?")
    m = re.search(r"weekdays average ([\d.]+)%, weekends ([\d.]+)%", a)
    assert m and abs(float(m.group(2)) - daily[daily.index.day_of_week >= 5].mean()) < 0.1, a
    a = await new().ask("NPS at pop-lds-03 last week")  # a weekly sheet: one point, on the week's Monday
    nps = _mean(kpis, "NPS", "pop-lds-03", LW)
    assert f"Net Promoter Score at POP-LDS-03 (Leeds PoP 3 (Kirkstall)), last week (2026-11-23 to 2026-11-29): the mean is {nps:.0f} pts" in a, a


# ----------------------------------------------------------------- changes from the change log


async def test_firmware_and_a_versions_product_word(new):
    a = await new().ask("what firmware went onto bng-cluster-b this month")  # before: bng's session_count "no onset"
    assert "FW-2211 bng-cluster-b JunOS 23.4R2-S3 by netops-bot" in a, a
    a = await new().ask("did the freeradius upgrade break anything")  # before: out of scope
    assert "FW-2230 deployed radius-auth freeradius 3.2.6" in a, a  # the change first, then its service around it
    assert re.search(r"radius-auth \w+ did not move after the change: its last move was at 2026-11-11 01:25 UTC", a), a
    a = await new().ask("who deployed JunOS 23.4R2-S3")
    assert "FW-2211 deployed bng-cluster-b JunOS 23.4R2-S3 — by netops-bot" in a, a


async def test_did_a_change_break_anything(new):
    a = await new().ask("did NB-4471 break anything")  # before: the change's who/when only
    assert "bng-cluster-b session_count shows no onset in the period examined" in a, a  # its own metrics did not move,
    assert ("Packet loss at POP-LDS-03 (Leeds PoP 3 (Kirkstall)) has been critical since 2026-11-19" in a  # a KPI
            and "1 day(s) after NB-4471 on bng-cluster-b" in a), a                                         # behind it did
    a = await new().ask("did DEP-3420 affect anything")
    assert "cust-portal http_5xx_ratio moved up at 2026-11-24 14:10 UTC" in a and "DEP-3420 ranks #1" in a, a


async def test_an_incident_and_its_postmortem(t):
    a = await t.ask("show me PD-5512")
    assert "PD-5512 is resolved" in a and "AWX-88131" in a, a
    a = await t.ask("draft the postmortem")
    assert "Incident report: PD-5512" in a and "AWX-88120" in a, a


async def test_changes_during_a_freeze_a_runbook_page_sets(new):
    a = await new().ask("did anyone push during the black friday freeze?")  # qa19a n57, unhelpful then (qa20a)
    assert "2026-11-26 00:00 to 2026-11-29 23:59 UTC" in a and "AWX-88120" in a and "AWX-88131" in a, a
    assert "DEP-3420" not in a, a  # the portal release of 24 Nov came before the freeze


async def test_a_service_metric_on_a_quiet_past_day(new):
    a = await new().ask("auth timeouts on radius-auth on the 20th")  # qa20a: the level that day, not only "no onset"
    assert "radius-auth auth_timeouts shows no onset" in a and "Over 2026-11-20 00:00–2026-11-20 23:59 UTC" in a, a
    assert 1.5 < float(a.split("held steady around ")[1].split(" ")[0]) < 2.5, a  # ~2 a minute before the storm


# ----------------------------------------------------------------- tickets from the helpdesk export


async def test_tickets_from_a_site_and_about_a_kpis_words(new):
    a = await new().ask("tickets from greenhow")  # before: every ticket's count only
    assert "not recorded by station" in a and "70399" in a and "70400" in a and "70412" not in a, a
    a = await new().ask("how many tickets mention packet loss")  # before: the company's packet loss
    assert "70391" in a and "Packet loss at" not in a, a
    a = await new().ask("show me business tickets from this week")
    assert "tier business" in a, a  # "Business" in the export is the business tier


# ----------------------------------------------------------------- a thread


async def test_a_thread_of_periods_and_sites(t, isp):
    kpis = isp[2]
    a = await t.ask("packet loss at EXCH_Harrogate last week")
    assert f"the mean is {_mean(kpis, 'PKT_LOSS_PCT', 'EXCH_Harrogate', LW):.2f}%" in _first_line(a), a
    a = await t.ask("and the week before?")
    assert f"(2026-11-16 to 2026-11-22): the mean is {_mean(kpis, 'PKT_LOSS_PCT', 'EXCH_Harrogate', WB):.2f}%" in a, a
    a = await t.ask("same for ripon")
    assert "EXCH_RIPON" in _first_line(a) and f"the mean is {_mean(kpis, 'PKT_LOSS_PCT', 'EXCH_Ripon', WB):.2f}%" in a, a


# ----------------------------------------------------------------- the demo, questions of the same shapes


async def test_demo_questions_of_the_same_shapes(demo):
    async with demo_assistant(demo) as a:
        async def ask(q: str) -> str:  # each in a new conversation
            return await Thread(a, demo.org_id, DEMO_ANCHOR).ask(q)

        ans = await ask("how's the network tonight")
        assert "need attention" in ans and "outside what I can answer" not in ans, ans
        ans = await ask("anything pushed before checkout started failing?")  # a symptom after "before": explained
        assert "Most likely cause for checkout-api" in ans, ans
        ans = await ask("how many tickets mention aog")
        n = sql(demo, "SELECT count(*) FROM tickets WHERE org_id = %s AND (subject ILIKE '%%aog%%' OR content ILIKE '%%aog%%')",
                demo.org_id)[0][0]
        assert "Aircraft on ground events at" not in ans, ans  # before: the company's AOG events
        assert ("No ticket mentions “aog”" in ans) if n == 0 else ("ticket(s) about “aog”" in ans), (ans, n)
