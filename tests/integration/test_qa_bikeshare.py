"""KPI questions as a newcomer to a city bike-share network asks them (qa23a): goals ("which hubs are below goal?",
"how many days were we at goal last month?"), loose dates ("the week of the 9th", "early last month", "around the
22nd", "on the 1st: this month vs last"), two periods ("this week vs last", "last 30 days vs the 30 before", a month
with one day of data said), "is that normal?" after a value, breakdowns ("per hub", "by bike type": not recorded,
said), "stable?" / "steady?" from the stage analysis, and a place that is none of the hubs ("at airport hub").

The organisation ("Spokes", ``tests/fixtures/bikeshare_org``) is generated and imported as a user would; every
number checked is recomputed here from the generated rows. A few of the same phrasings are asked of the demo too."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import Thread, demo_assistant, first_line, generated_org, org_assistant, sql

GEN = Path(__file__).parents[1] / "fixtures" / "bikeshare_org" / "generate.py"
KINDS = {"stations": "stations.json", "kpi-definitions": "kpi-definitions.json", "kpis": "kpis.csv"}
AS_OF = dt.date(2026, 12, 2)  # a Wednesday; December has one day of data (the 1st)
CLOCK = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.UTC)
D = dt.date
HUBS = ["HB-07", "HB-02", "dk12", "dk15", "dk19"]


@pytest.fixture(scope="module")
def spokes(pg_server, tmp_path_factory):
    with generated_org(pg_server, tmp_path_factory, GEN, "opsgraph_qa_spokes", "spokes", "Spokes", KINDS) as o:
        yield o


@pytest.fixture(scope="module")
async def assistant(spokes, pg_server):
    async with org_assistant(spokes.target, pg_server, CLOCK) as a:
        yield a


@pytest.fixture
def t(assistant, spokes):
    return Thread(assistant, spokes.org_id, AS_OF)


def _rows(o: Any, kpi: str, codes: list[str], start: dt.date, end: dt.date) -> pd.DataFrame:
    k = o.kpis
    return k[(k.kpi == kpi) & k.station.isin(codes) & (k.date >= pd.Timestamp(start)) & (k.date <= pd.Timestamp(end))]


def _n(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


# ----------------------------------------------------------------- goals

async def test_days_at_goal_and_days_missing_it_are_counted(t, spokes):
    nov = _rows(spokes, "REBAL_MIN", ["dk12"], D(2026, 11, 1), D(2026, 11, 30))
    met = int((nov.value.round(0) <= 45).sum())  # lower is better: at or under 45 min meets the goal
    a = await t.ask("how many days was old market at goal on rebalancing time last month?")
    assert re.search(rf"\b{met} of {len(nov)} days\b", first_line(a)) and "meeting" in first_line(a), a
    hb = _rows(spokes, "BIKE_AVAIL", ["HB-07"], D(2026, 11, 1), D(2026, 11, 30))
    missed = int((hb.value < 90).sum())
    a = await t.ask("how often did harbour front miss its availability target in november?")
    assert re.search(rf"\b{missed} of {len(hb)} days\b", first_line(a)) and "short of" in first_line(a), a


async def test_which_hubs_are_below_goal(t, spokes):
    day = _rows(spokes, "BIKE_AVAIL", HUBS, D(2026, 12, 1), D(2026, 12, 1))
    short = set(day[day.value < 90].station.str.upper())
    a = await t.ask("which hubs are below goal on availability?")
    head = first_line(a)
    assert f"{len(short)} of 5" in head and all(c in head for c in short), a
    assert not any(c in head for c in {h.upper() for h in HUBS} - short), a
    # a summed KPI's goal is a day's: this week's total per hub is set against it a day on average
    wk = _rows(spokes, "EMPTY_DOCK_HRS", HUBS, D(2026, 11, 30), D(2026, 12, 1)).groupby("station").value.mean()
    over = {c.upper() for c, v in wk.items() if v > 6}
    a = await t.ask("any sites missing the empty dock goal this week?")
    assert "a day on average" in first_line(a) and all(c in first_line(a) for c in over), a
    a = await t.ask("which hubs are below goal on rides?")
    assert "no goal" in first_line(a), a


async def test_how_many_hubs_hit_or_made_the_goal(t, spokes):
    day = _rows(spokes, "BIKE_AVAIL", HUBS, D(2026, 12, 1), D(2026, 12, 1))
    met = set(day[day.value >= 90].station.str.upper())
    a = await t.ask("how many hubs hit the availability goal yesterday?")
    assert f"{len(met)} of 5" in first_line(a) and all(c in first_line(a) for c in met), a
    a = await t.ask("which sites made the rebalancing target yesterday?")
    assert "of 5" in first_line(a) and "45 min" in first_line(a), a


async def test_are_we_hitting_target(t, spokes):
    a = await t.ask("are we hitting target on rebalancing time?")
    assert "goal of 45 min" in first_line(a) and "no goal configured" not in a, a


# ----------------------------------------------------------------- loose dates

async def test_the_week_of_a_day_and_parts_of_a_month(t, spokes):
    wk = _rows(spokes, "TRIPS", ["dk19"], D(2026, 11, 9), D(2026, 11, 15))
    a = await t.ask("trips at canal street the week of the 9th")
    assert "2026-11-09 to 2026-11-15" in first_line(a) and _n(wk.value.sum()) in first_line(a), a
    early = _rows(spokes, "EMPTY_DOCK_HRS", ["dk12"], D(2026, 11, 1), D(2026, 11, 10))
    a = await t.ask("empty docks at old market early last month")
    assert "2026-11-01 to 2026-11-10" in first_line(a) and _n(early.value.sum(), 1) in first_line(a), a
    a = await t.ask("rebalancing time at riverside mid-October")
    assert "2026-10-11 to 2026-10-20" in first_line(a) and "HB-02" in first_line(a), a
    a = await t.ask("availability at harbour front around the 22nd")
    assert "2026-11-19 to 2026-11-25" in first_line(a) and "2026-12" not in first_line(a), a


async def test_the_start_of_the_month(t, spokes):
    dec = _rows(spokes, "TRIPS", ["dk15"], D(2026, 12, 1), D(2026, 12, 1)).value.sum()
    a = await t.ask("rides at university quarter since the start of the month")
    assert "2026-12-01" in first_line(a) and _n(dec) in first_line(a) and "2026-11" not in first_line(a), a
    since = _rows(spokes, "TRIPS", ["dk15"], D(2026, 11, 1), D(2026, 12, 1)).value.sum()
    a = await t.ask("rides at university quarter since the beginning of last month")
    assert "2026-11-01" in first_line(a) and _n(since) in first_line(a), a


async def test_the_same_day_this_month_and_last(t, spokes):
    d1 = _rows(spokes, "TRIPS", HUBS, D(2026, 12, 1), D(2026, 12, 1)).value.sum()
    n1 = _rows(spokes, "TRIPS", HUBS, D(2026, 11, 1), D(2026, 11, 1)).value.sum()
    a = await t.ask("rides on the 1st: this month vs last")
    head = first_line(a)
    assert head.startswith("- Down" if d1 < n1 else "- Up") and _n(d1) in head and _n(n1) in head, a
    assert "single days" in head, a


# ----------------------------------------------------------------- two periods

async def test_a_month_with_one_day_is_said_not_compared_silently(t, spokes):
    a = await t.ask("rides this month vs last")
    head = first_line(a)
    assert "only one day of data" in head and "2026-12-01" in head and "(30 days)" in head, a


async def test_this_week_vs_last_and_the_30_days_before(t, spokes):
    a = await t.ask("trips this week vs last")
    head = first_line(a)
    assert "2026-11-30 to 2026-12-01 (2 days)" in head and "2026-11-23 to 2026-11-29 (7 days)" in head, a
    assert "partial" in head, a
    now = _rows(spokes, "EMPTY_DOCK_HRS", HUBS, D(2026, 11, 2), D(2026, 12, 1)).value.sum()
    before = _rows(spokes, "EMPTY_DOCK_HRS", HUBS, D(2026, 10, 3), D(2026, 11, 1)).value.sum()
    a = await t.ask("empty dock hours last 30 days vs the 30 before")
    head = first_line(a)
    assert "2026-11-02 to 2026-12-01" in head and "2026-10-03 to 2026-11-01" in head, a
    assert _n(now, 1) in head and _n(before, 1) in head, a


async def test_is_that_a_lot_is_answered_against_its_own_range(t, spokes):
    v = _rows(spokes, "REBAL_MIN", ["dk12"], D(2026, 12, 1), D(2026, 12, 1)).value.iloc[0]
    await t.ask("rebalancing time at old market yesterday")
    a = await t.ask("is that a lot?")
    assert f"{v:.0f} min" in first_line(a) and "normal range" in first_line(a) and "DK12" in first_line(a), a


# ----------------------------------------------------------------- breakdowns

async def test_per_hub_and_a_breakdown_the_data_does_not_have(t, spokes):
    lw = _rows(spokes, "TRIPS", HUBS, D(2026, 11, 23), D(2026, 11, 29)).groupby("station").value.sum()
    a = await t.ask("trips per hub last week")
    for code, v in lw.items():
        assert re.search(rf"{code.upper()} {_n(v)} trips", a), a
    a = await t.ask("trips by bike type last week")
    assert "no breakdown by bike type" in a and "per station" in a, a
    a = await t.ask("trips by hour yesterday")  # even with a KPI named "Empty-dock hours": KPIs are daily
    assert "no breakdown by hour" in a and "per station and day" in a, a


# ----------------------------------------------------------------- stable / steady

async def test_stable_and_steady_from_the_stage_analysis(t, spokes):
    a = await t.ask("is availability stable at riverside?")
    assert first_line(a).startswith("- Yes") and "stable" in first_line(a) and "HB-02" in first_line(a), a
    a = await t.ask("has harbour front availability been steady?")
    head = first_line(a)
    assert head.startswith("- No") and "shifted down" in head and "2026-11-1" in head, a  # planted on 2026-11-10


# ----------------------------------------------------------------- names it does not know

async def test_a_place_that_is_none_of_the_hubs_is_said(t, spokes):
    for q, typed in (("availability at airport hub last week", "airport hub"),
                     ("trips at the north depot yesterday", "north depot")):
        a = await t.ask(q)
        assert f"“{typed}”" in a and "don't know" in a and "Bike availability at company" not in a, a
    a = await t.ask("availability at riverside hub last week")  # a hub's own name with the place noun still links
    assert "HB-02" in first_line(a), a


# ----------------------------------------------------------------- the demo, the same phrasings

@pytest.fixture(scope="module")
async def da(demo):
    async with demo_assistant(demo) as a:
        yield a


async def test_the_same_phrasings_on_the_demo(da, demo):
    t = Thread(da, demo.org_id, DEMO_ANCHOR)
    rows = sql(demo, """SELECT p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = 'OTP_MX_RATE'
                        AND s.code = 'DAL' AND p.day BETWEEN '2026-10-01' AND '2026-10-31'""", demo.org_id)
    met = sum(float(v) >= 94 for (v,) in rows)
    a = await t.ask("how many days was DAL at goal on otp mx last month?")
    assert re.search(rf"\b{met} of {len(rows)} days\b", first_line(a)), a
    a = await t.ask("otp mx at dallas beginning of the month")
    assert "2026-11-01 to 2026-11-10" in first_line(a) and "DAL" in first_line(a), a
    a = await t.ask("otp mx at phoenix the week of the 2nd")
    assert "2026-11-02 to 2026-11-08" in first_line(a) and "PHX" in first_line(a), a
    a = await t.ask("aog events this week vs last")
    assert "2026-11-09 to 2026-11-15 (7 days)" in first_line(a) and "partial" in first_line(a), a
    a = await t.ask("is tdr stable at midway?")
    assert "MDW" in first_line(a) and re.search(r"stable|not in control|shifted", first_line(a)), a
