"""A stranger's questions (qa13) on a third organisation: "Limmat Wasser" (limwa), a water & wastewater utility
built by ``tests/fixtures/water_org/generate.py`` and imported through ``store.importers`` as a user would.

Site names with umlauts and accents, type words shared by several sites ("Reservoir", "ARA"), KPIs reported only
at some kinds of site, dotted service names, deployment ids with slashes, runbooks. Numbers asserted are recomputed
here with pandas from the generated files; questions go through :class:`Assistant` with ``as_of`` pinned.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pandas as pd
import pytest

from tests.integration.qa_support import Thread, generated_org, org_assistant
from tests.integration.qa_support import first_line as _first_line
from tests.integration.qa_support import kpi_rows as _rows

GEN = Path(__file__).parents[1] / "fixtures" / "water_org" / "generate.py"
SLUG = "limwa"
AS_OF = dt.date(2026, 11, 30)
CLOCK = dt.datetime(2026, 11, 30, 15, 30, tzinfo=dt.UTC)
KINDS = {"stations": "stations.json", "kpi-definitions": "kpi-definitions.json", "kpis": "kpis.csv",
         "services": "services.json", "metrics": "metrics.csv", "commits": "commits.jsonl",
         "deployments": "deployments.json", "config-changes": "config-changes.json",
         "incidents": "incidents.jsonl", "tickets": "tickets.jsonl", "runbooks": "runbooks.json"}
D = dt.date


@pytest.fixture(scope="module")
def limwa(pg_server, tmp_path_factory):
    with generated_org(pg_server, tmp_path_factory, GEN, "opsgraph_qa_water", SLUG, "Limmat Wasser", KINDS) as o:
        yield o.target, o.org_id, o.kpis, o.sites


@pytest.fixture(scope="module")
async def assistant(limwa, pg_server):
    async with org_assistant(limwa[0], pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, limwa):
    return Thread(assistant, limwa[1], AS_OF)


# ----------------------------------------------------------------- names as people type them


@pytest.mark.parametrize("q", ["water loss at Zürichberg last week", "nrw at zurichberg reservoir last week",
                               "NRW at zuerichberg last week"])
async def test_accented_site_names_with_or_without_accents(t, limwa, q):
    mean = float(_rows(limwa[2], "NRW_PCT", ["ZBG"], D(2026, 11, 23), D(2026, 11, 29)).value.mean())
    first = _first_line(await t.ask(q))
    assert "ZBG" in first and f"the mean is {mean:.1f}%" in first, first


async def test_a_short_site_name_is_not_unknown(t, limwa):
    v = float(_rows(limwa[2], "CUST_CONTACTS", ["MOS"], D(2026, 11, 29), D(2026, 11, 29)).value.iloc[0])
    a = await t.ask("complaints at moos yesterday")
    assert "I don't know" not in a and f"MOS (Wasserwerk Moos) on 2026-11-29 was {v:,.0f}" in _first_line(a), a


async def test_a_type_word_shared_by_two_sites_is_asked_about_then_answered(t, limwa):
    a = await t.ask("effluent bod at the ARA last week")
    assert "WRD (ARA Werdhölzli)" in a and "GLT (ARA Glatt)" in a and "Which one" in a and "mg/l" not in a, a
    a = await t.ask("glatt")
    mean = float(_rows(limwa[2], "EFF_BOD5", ["GLT"], D(2026, 11, 23), D(2026, 11, 29)).value.mean())
    assert f"GLT (ARA Glatt), last week (2026-11-23 to 2026-11-29): the mean is {mean:.1f} mg/l" in _first_line(a), a


async def test_which_reservoir_compares_the_reservoirs(t, limwa):
    a = await t.ask("which reservoir had the most bursts this month")
    tot = {c: float(_rows(limwa[2], "MAINS_BURSTS", [c], D(2026, 11, 1), D(2026, 11, 29)).value.sum()) for c in ("ZBG", "UTL")}
    assert f"ZBG (Reservoir Zürichberg), 2026-11-01 to 2026-11-29: total {tot['ZBG']:,.0f}" in a, a
    assert f"UTL (Reservoir Üetliberg), 2026-11-01 to 2026-11-29: total {tot['UTL']:,.0f}" in a, a
    worse = "ZBG" if tot["ZBG"] > tot["UTL"] else "UTL"
    assert re.search(rf"is better than {worse} ", a), a


async def test_a_kpi_asked_where_it_is_not_reported_asks_instead_of_failing(t, limwa):
    a = await t.ask("BOD at Hardhof")
    assert "There is no Effluent BOD5 data at HRD" in a and "WRD" in a and "GLT" in a, a
    a = await t.ask("werdhölzli")
    assert "Effluent BOD5 at WRD (ARA Werdhölzli)" in a, a


async def test_a_total_over_sites_is_not_held_to_a_per_site_limit(t, limwa):
    v = float(_rows(limwa[2], "CUST_CONTACTS", list(limwa[3].code), D(2026, 11, 29), D(2026, 11, 29)).value.sum())
    assert v > 30  # the per-site configured upper limit
    a = await t.ask("customer contacts company-wide yesterday")
    assert f"on 2026-11-29 was {v:,.0f}" in _first_line(a) and "configured upper limit" not in a, a


# ----------------------------------------------------------------- services, changes, runbooks


@pytest.mark.parametrize("q", ["telemetry gw errors jumped, what changed?", "why is telemetry.gw lagging since wednesday"])
async def test_service_jump_found_without_a_date_or_with_a_weekday(t, q):
    a = await t.ask(q)
    assert "moved up at 2026-11-26 07:50 UTC" in a and "Most likely cause for telemetry.gw: DPL/2026/118" in a, a


async def test_kpi_shift_explained_by_a_config_change(t):
    a = await t.ask("why is effluent bod rising at glatt")
    assert "starting 2026-11-16" in a and "CFG-2231" in a and "AERATION.DO_SETPOINT_MGL: 2.0 → 1.2" in a, a


async def test_commit_by_the_words_of_its_message(t):
    a = await t.ask("was the MQTT ack batching commit deployed?")
    assert "7e1f00aa" in a and "DPL/2026/118" in a and "I don't know" not in a, a


async def test_change_history_looks_further_back_when_the_last_week_is_empty(t):
    a = await t.ask("leakwatch deploy history")
    assert "DPL/2026/117" in a and "by jonas" in a, a


@pytest.mark.parametrize(("q", "rb", "not_rb"), [
    ("find the runbook for a burst main", "RB-NETZ-04", "RB-OT-07"),
    ("runbook for telemetry backlog", "RB-OT-07", "RB-NETZ-04"),
    ("how do we handle rising effluent BOD?", "RB-ARA-02", "RB-NETZ-04"),
])
async def test_find_the_runbook(t, q, rb, not_rb):
    a = await t.ask(q)
    assert f"Runbook {rb}" in a and not_rb not in a and "tickets" not in a.lower(), a


async def test_people_questions_are_out_of_scope(t):
    a = await t.ask("who is on call at Hardhof?")
    assert "outside what I can answer" in a, a


async def test_named_kpi_against_its_goal_everywhere(t, limwa):
    kpis = limwa[2]
    last30 = kpis[(kpis.kpi == "NRW_PCT") & (kpis.date > kpis.date.max() - pd.Timedelta(days=30))]
    means = last30.groupby("station").value.mean()
    a = await t.ask("is NRW below target everywhere?")
    assert re.search(r"Non-revenue water at UTL is warning since 2026-10-0\d \(stage centre [\d.]+ short of the "
                     r"configured goal 15", a), a
    assert not any(f"Non-revenue water at {c} is" in a for c, v in means.items() if v < 14), a


async def test_why_a_single_day_dropped_explains_that_day(t):
    a = await t.ask("why did supply uptime drop at Geneve yesterday")
    assert "the value on 2026-11-29 (97.20%) is a single point beyond the natural process limits" in a, a
    assert "no onset to explain" not in a and "no related services configured" in a, a


async def test_helpdesk_priorities_in_a_question(t):
    a = await t.ask("any P1 tickets open?")  # KD-70411 (P1) and KD-70413 (urgent) are both critical and open
    assert "There are 2 tickets" in a, a


async def test_last_month_against_the_month_before(t, limwa):
    a = await t.ask("complaints at moos last month compared to the month before")
    kpis = limwa[2]
    sep = float(_rows(kpis, "CUST_CONTACTS", ["MOS"], D(2026, 9, 1), D(2026, 9, 30)).value.sum())
    oct_ = float(_rows(kpis, "CUST_CONTACTS", ["MOS"], D(2026, 10, 1), D(2026, 10, 31)).value.sum())
    assert f"Sep 2026 {sep:,.0f}; Oct 2026 {oct_:,.0f}" in a, a


async def test_a_year_earlier_with_partial_history_says_so(t, limwa):
    kpis = limwa[2]
    covered = kpis[(kpis.kpi == "CUST_CONTACTS") & (kpis.date >= "2025-10-01") & (kpis.date <= "2025-10-31")].date.nunique()
    assert 0 < covered < 31  # the history starts late in October 2025
    total = float(_rows(kpis, "CUST_CONTACTS", list(limwa[3].code), D(2026, 10, 1), D(2026, 10, 31)).value.sum())
    a = await t.ask("customer contacts company-wide in october")
    assert f"the total is {total:,.0f} (a year earlier there is data for only {covered} of these 31 days" in a, a


async def test_attention_at_the_sites_a_type_word_names(t):
    a = await t.ask("anything wrong at the reservoirs?")
    assert "stations UTL, ZBG" in a and "Which one" not in a and " GVP " not in a, a  # both, in code order
