"""A stranger's questions, round 5 (qa14a), on a fifth organisation: "Harbourview Health" (hvh), a regional hospital
group's operations and clinical IT, built by ``tests/fixtures/hospital_org/generate.py`` and imported through
``store.importers`` as a user would (runbooks one Markdown file at a time, a metric-roles file for ``hl7_nack_ratio``).

Hospitals coded ``SAH`` / ``rvh-main`` / ``KGH.ED`` / ``KGH.IN`` (dotted codes, two campuses sharing "Kingston
General"), a KPI named like a cue word ("falls"), a weekday/weekend rhythm, a slow drift, a burst of a rare count,
change-board ids that are deployments and config changes, versions with spaces. Numbers asserted are recomputed here
with pandas from the generated files; questions go through :class:`Assistant` with ``as_of`` pinned (Monday
2026-11-30; daily points end 2026-11-29). The last tests ask the demo questions of the same shapes.
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

HERE = Path(__file__).parents[1] / "fixtures" / "hospital_org"
SLUG = "hvh"
AS_OF = dt.date(2026, 11, 30)
CLOCK = dt.datetime(2026, 11, 30, 12, 0, tzinfo=dt.UTC)
KINDS = {"stations": "stations.json", "kpi-definitions": "kpi-definitions.json", "kpis": "kpis.csv",
         "services": "services.json", "metrics": "metrics.csv", "deployments": "deployments.json",
         "config-changes": "config-changes.json", "incidents": "incidents.jsonl", "tickets": "tickets.jsonl"}
D = dt.date
LW = (D(2026, 11, 23), D(2026, 11, 29))
WB = (D(2026, 11, 16), D(2026, 11, 22))
TM = (D(2026, 11, 1), D(2026, 11, 29))


@pytest.fixture(scope="module")
def hvh(pg_server, tmp_path_factory):
    with generated_org(pg_server, tmp_path_factory, HERE / "generate.py", "opsgraph_qa_hospital", SLUG, "Harbourview Health", KINDS, [("metric-roles", HERE / "metric-roles.json")]) as o:
        yield o.target, o.org_id, o.kpis, o.sites


@pytest.fixture(scope="module")
async def assistant(hvh, pg_server):
    async with org_assistant(hvh[0], pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, hvh):
    return Thread(assistant, hvh[1], AS_OF)


def _mean(kpis: pd.DataFrame, kpi: str, code: str, span: tuple[dt.date, dt.date]) -> float:
    return float(_rows(kpis, kpi, [code], *span).value.mean())


# ----------------------------------------------------------------- sites as staff type them


async def test_a_part_of_a_dotted_or_hyphenated_site_code(t, hvh):
    kpis = hvh[2]
    a = await t.ask("compare SAH with rvh on bed occupancy last month")
    oct_ = (D(2026, 10, 1), D(2026, 10, 31))
    assert f"SAH (St. Anne's Hospital), 2026-10-01 to 2026-10-31: average {_mean(kpis, 'BED_OCC_PCT', 'SAH', oct_):.1f}%" in a, a
    assert (f"RVH-MAIN (Royal Victoria Hospital - Main Campus), 2026-10-01 to 2026-10-31: average "
            f"{_mean(kpis, 'BED_OCC_PCT', 'rvh-main', oct_):.1f}%") in a, a
    a = await t.ask("is offload delay in control at rvh")
    assert "Ambulance offload delay at RVH-MAIN" in a and "I don't know a station" not in a, a


async def test_a_second_word_picks_one_of_two_campuses(t, hvh):
    kpis = hvh[2]
    a = await t.ask("occupancy kgh inpatient last 7 days")
    assert (f"Bed occupancy at KGH.IN (Kingston General - Inpatient), last 7 days (2026-11-23 to 2026-11-29): the mean "
            f"is {_mean(kpis, 'BED_OCC_PCT', 'KGH.IN', LW):.1f}%") in _first_line(a), a
    a = await t.ask("why did ambulance offload go up at kingston ED?")
    assert "It shifted up" in a and "starting 2026-11-16" in a, a
    assert "Most likely cause for AMB_OFFLOAD_MIN at KGH.ED (Kingston General - Emergency): CHG0034566 on EHR-Gateway" in a, a
    a = await t.ask("how is kingston doing on occupancy")  # only the inpatient campus reports occupancy
    assert "Bed occupancy at KGH.IN (Kingston General - Inpatient)" in a and "Which one" not in a, a


async def test_the_main_campus_and_its_drift(t, hvh):
    kpis = hvh[2]
    last = _mean(kpis, "OR_FCOTS_PCT", "rvh-main", (D(2026, 11, 16), D(2026, 11, 29)))
    first = _mean(kpis, "OR_FCOTS_PCT", "rvh-main", (D(2026, 9, 1), D(2026, 9, 14)))
    assert first - last > 10  # the planted drift
    a = await t.ask("how is OR first case on time start at the main campus trending")
    assert "OR first-case on-time starts at RVH-MAIN" in a and "drifting down steadily" in a, a
    a = await t.ask("why are first case starts getting worse at rvh")
    assert "drifting down steadily" in a and "no single change marks its start" in a, a


async def test_a_sibling_site_that_does_not_exist_is_not_the_one_that_does(t):
    a = await t.ask("bed occupancy at Mercy South")
    assert "I don't know a station called “Mercy South”" in a and "MNH" in a, a
    assert "Bed occupancy at MNH" not in a, a


async def test_a_kpi_the_campus_does_not_report(t):
    a = await t.ask("ed wait at kgh inpatient")
    assert "There is no ED door-to-provider time data at KGH.IN (Kingston General - Inpatient)" in a, a
    assert "at company" not in a, a
    a = await t.ask("first case on time at kgh ed")
    assert "There is no OR first-case on-time starts data at KGH.ED" in a, a


async def test_how_full_is_occupancy(t, hvh):
    kpis = hvh[2]
    last = kpis[(kpis.kpi == "BED_OCC_PCT") & (kpis.date == kpis.date.max())].set_index("station").value
    a = await t.ask("which hospital is most full right now")
    assert f"is {last.idxmax().upper()} (Kingston General - Inpatient) with {last.max():.1f}%" in a, a
    a = await t.ask("occupancy at rvh vs the group average last week")
    assert f"RVH-MAIN (Royal Victoria Hospital - Main Campus), 2026-11-23 to 2026-11-29: average {_mean(kpis, 'BED_OCC_PCT', 'rvh-main', LW):.1f}%" in a, a
    assert "Bed occupancy at company, 2026-11-23 to 2026-11-29: average" in a, a
    a = await t.ask("how full is the main campus this week")  # a Monday: no data yet this week, the latest said
    assert f"Bed occupancy at RVH-MAIN (Royal Victoria Hospital - Main Campus) was {last['rvh-main']:.1f}% on 2026-11-29" in a, a


# ----------------------------------------------------------------- a KPI named like a cue word, a rare count


async def test_falls_is_a_count_not_a_why(t, hvh):
    kpis, codes = hvh[2], list(hvh[3].code)
    october = int(_rows(kpis, "FALLS", codes, D(2026, 10, 1), D(2026, 10, 31)).value.sum())
    a = await t.ask("how many falls across the group in october")
    assert f"the total is {october} falls" in _first_line(a), a
    a = await t.ask("falls at mercy north last week")
    assert f"the total is {int(_rows(kpis, 'FALLS', ['MNH'], *LW).value.sum())} falls" in _first_line(a), a
    a = await t.ask("how many patients fell at rvh this month")
    assert f"the total is {int(_rows(kpis, 'FALLS', ['rvh-main'], *TM).value.sum())} falls" in _first_line(a), a
    west = int(_rows(kpis, "FALLS", ["SAH", "LCH"], *TM).value.sum())
    a = await t.ask("patient falls in the west region this month")
    assert f"the total is {west} falls" in _first_line(a), a


async def test_two_months_compared(t, hvh):
    kpis = hvh[2]
    oct_, nov = (int(_rows(kpis, "FALLS", ["MNH"], a, b).value.sum()) for a, b in (
        (D(2026, 10, 1), D(2026, 10, 31)), (D(2026, 11, 1), D(2026, 11, 29))))
    a = await t.ask("falls at mercy in november vs october")
    assert f"November 2026 (so far: 29 day(s)), {nov} falls in all, vs " in a, a  # both months, compared
    assert f"October 2026 ({oct_} falls in 31 days) — up " in a and "worse (lower is better)" in a, a


async def test_anything_weird_with_a_rare_count_finds_the_burst(t, hvh):
    kpis, codes = hvh[2], list(hvh[3].code)
    totals = _rows(kpis, "FALLS", codes, D(2026, 10, 31), D(2026, 11, 29)).groupby("station").value.sum()
    assert totals.idxmax() == "MNH"
    a = await t.ask("anything weird with falls")
    assert f"is MNH (Mercy North) with {totals.max():.0f} falls" in a, a
    assert "from 2026-11-21 to 2026-11-23" in a and "a burst" in a, a


async def test_a_weekend_question_gets_the_weeks_rhythm(t, hvh):
    kpis = hvh[2]
    rows = _rows(kpis, "DISCH_NOON_PCT", list(hvh[3].code), D(2026, 10, 31), D(2026, 11, 29))
    daily = rows.groupby("date").value.mean()
    weekend = daily[daily.index.day_of_week >= 5].mean()
    weekday = daily[daily.index.day_of_week < 5].mean()
    a = await t.ask("why is discharge before noon so bad on weekends?")
    m = re.search(r"weekdays average ([\d.]+)%, weekends ([\d.]+)%", a)
    assert m, a
    assert abs(float(m.group(1)) - weekday) < 0.3 and abs(float(m.group(2)) - weekend) < 0.3, (a, weekday, weekend)
    assert "a weekly rhythm: weekends run lower every week" in a, a


# ----------------------------------------------------------------- clinical applications


async def test_a_service_change_that_broke_something(t):
    a = await t.ask("did the EHR gateway change break anything")
    assert "hl7_nack_ratio moved up at 2026-11-24 20:10 UTC" in a, a
    assert "Most likely cause for EHR-Gateway: CHG0034620 on EHR-Gateway" in a and "Unknown metric" not in a, a
    a = await t.ask("ehr gateway nack ratio jumped on the 24th, why")
    assert "hl7_nack_ratio moved up" in a and "CHG0034620" in a, a


async def test_a_service_with_a_flat_metric_shows_its_open_incident(t):
    a = await t.ask("what's going on with the lab interface engine")
    assert "Unknown metric" not in a and "INC0091077" in a and "still open" in a, a


async def test_changes_by_version_nickname_and_rollback(t, assistant, hvh):
    a = await t.ask("who deployed v12.4 hotfix 3")
    assert "CHG0034512 deployed lab.interface.engine v12.4 hotfix 3" in a and "j.okafor" in a, a
    a = await t.ask("any changes to pacs last 2 weeks")
    assert "CHG0034551" in a and "EHR-Gateway" not in a, a
    t = Thread(assistant, hvh[1], AS_OF)  # a new conversation (in this one, "this week" would be about pacs_viewer)
    a = await t.ask("any changes rolled back this week?")  # a Monday: none yet this week, the last one named
    assert "No — no rollbacks" in a and "The last one before that: CHG0034627 on EHR-Gateway" in a, a


async def test_a_camelcase_service_by_its_first_word_a_person_and_part_of_a_month(t):
    a = await t.ask("any incidents on the pharmacy system")
    assert "1 incident(s) on PharmacyDispense" in a and "INC0091150" in a and "INC0091234" not in a, a
    assert a.startswith("**Incidents**"), a  # a list of incidents, not "What changed"
    a = await t.ask("what did j.okafor change")
    assert "j.okafor: 1 deployment(s), 1 config change(s) in the last 30 days" in a and "CHG0034513" in a, a
    a = await t.ask("why did offload get worse at kgh ed in mid november")
    assert "starting 2026-11-16" in a and "CHG0034566" in a and "“mid”" not in a, a


async def test_things_that_do_not_exist(t):
    a = await t.ask("deploys to RadiologyPortal this week")
    assert "I don't know a service called “RadiologyPortal”" in a, a
    a = await t.ask("what's the status of INC0099999")
    assert "I don't know an incident called “INC0099999”" in a, a
    a = await t.ask("compare the hospitals")
    assert "Compare by which KPI?" in a and "Bed occupancy (BED_OCC_PCT)" in a, a


async def test_an_incident_and_its_postmortem(t):
    a = await t.ask("what changed before INC0091234")
    assert "Most likely cause for INC0091234 (EHR-Gateway): CHG0034620 on EHR-Gateway" in a, a
    a = await t.ask("draft the postmortem")
    assert "Incident report: INC0091234" in a and "The most likely cause is CHG0034620" in a, a


# ----------------------------------------------------------------- values and a thread (already right: keep them)


async def test_worst_hospital_and_why(t, hvh):
    kpis = hvh[2]
    means = _rows(kpis, "AMB_OFFLOAD_MIN", list(hvh[3].code), *TM).groupby("station").value.mean()
    assert means.idxmax() == "KGH.ED"
    a = await t.ask("which hospital is worst on offload delay this month and why")
    assert f"is KGH.ED (Kingston General - Emergency) with {means.max():.0f} min" in a and "CHG0034566" in a, a


async def test_a_thread_of_periods_and_sites(t, hvh):
    kpis = hvh[2]
    a = await t.ask("lab turnaround at SAH last week")
    assert f"the mean is {_mean(kpis, 'LAB_TAT_MIN', 'SAH', LW):.0f} min" in _first_line(a), a
    a = await t.ask("and the week before?")
    assert f"(2026-11-16 to 2026-11-22): the mean is {_mean(kpis, 'LAB_TAT_MIN', 'SAH', WB):.0f} min" in a, a
    a = await t.ask("same for rvh")
    assert "RVH-MAIN" in _first_line(a) and f"the mean is {_mean(kpis, 'LAB_TAT_MIN', 'rvh-main', WB):.0f} min" in a, a


# ----------------------------------------------------------------- the demo, questions of the same shapes


async def test_demo_questions_of_the_same_shapes(demo):
    async with demo_assistant(demo) as a:
        async def ask(q: str) -> str:  # each in a new conversation
            return await Thread(a, demo.org_id, DEMO_ANCHOR).ask(q)

        ans = await ask("anything weird with aog events")
        assert "The worst station for Aircraft on ground events" in ans and "Why " in ans, ans
        ans = await ask("how is otp mx rate trending at dal")
        assert ("Over the last 90 days" in ans or "It shifted" in ans) and "at DAL" in ans, ans  # a step, or the drift
        ans = await ask("is otp mx rate worse on weekends?")
        assert "By day of the week" in ans and "weekdays average" in ans, ans
        ans = await ask("compare the stations")
        assert "Compare by which KPI?" in ans, ans
        ans = await ask("how many aog events at phx in mid november")
        total = sql(demo, """SELECT sum(p.value) FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                             JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'AOG_EVENTS'
                             AND s.code = 'PHX' AND p.day BETWEEN '2026-11-11' AND '2026-11-20'""", demo.org_id)[0][0]
        assert f"at PHX (Phoenix Sky Harbor), mid november (2026-11-11 to 2026-11-19): the total is {total:,.0f} events" in ans, ans
        ans = await ask("what's going on with checkout-api")
        assert "Unknown metric" not in ans, ans
        monday = DEMO_ANCHOR - dt.timedelta(days=DEMO_ANCHOR.weekday())
        week = sql(demo, """SELECT d.external_id FROM deployments d WHERE d.org_id = %s AND d.is_rollback
                            AND coalesce(d.finished_at, d.started_at) >= %s""", demo.org_id, monday)
        before = sql(demo, """SELECT d.external_id FROM deployments d WHERE d.org_id = %s AND d.is_rollback
                              AND coalesce(d.finished_at, d.started_at) < %s
                              AND coalesce(d.finished_at, d.started_at) >= %s::date - 90
                              ORDER BY coalesce(d.finished_at, d.started_at) DESC LIMIT 1""", demo.org_id, monday, monday)
        ans = await ask("any rollbacks this week?")
        if week:
            assert all(r[0] in ans for r in week), ans
        else:
            assert before and f"The last one before that: {before[0][0]}" in ans, ans


async def test_did_a_change_break_anything_names_the_kpi_behind_its_service(t):
    """qa19a: "did <change> break anything" looks at its service on that day and the next, then at the KPIs whose
    related services include it (the ISP's NB-4471 case, here on a config change of the hospital group)."""
    a = await t.ask("did CHG0034566 break anything")  # adt.feed.batch_size on EHR-Gateway, 2026-11-15 19:00
    assert ("Ambulance offload delay at KGH.ED (Kingston General - Emergency) has been critical since 2026-11-16" in a
            and "1 day(s) after CHG0034566 on EHR-Gateway" in a), a
