"""A newcomer's questions on the demo, round 7 (qa20b), each shape also asked on the grocery company of
tests/fixtures/grocery_org: a station manager comparing their station with the rest, a planner asking about
thresholds and the lowest day, a value at a time on a service, the future, what data there is, a KPI named by what it
measures, misspelt time words. Numbers are recomputed here from the database or the generated files, never copied
from an answer.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pandas as pd
import psycopg
import pytest

from tests.conftest import DEMO_ANCHOR
from tests.integration.qa_support import Thread, demo_assistant, sql
from tests.integration.test_qa_grocery import AS_OF, assistant, koszyk

NOW = dt.datetime.combine(DEMO_ANCHOR, dt.time(12, 0), dt.UTC)
DAY = DEMO_ANCHOR - dt.timedelta(days=1)  # the demo's last day of KPI data
G_LW = (dt.date(2026, 11, 16), dt.date(2026, 11, 22))


@pytest.fixture(scope="module")
async def da(demo):
    async with demo_assistant(demo) as a:
        yield a


def _demo_values(demo: Any, kpi: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    rows = sql(demo, """SELECT s.code, p.day, p.value FROM kpi_points p JOIN kpi_definitions k ON k.id = p.kpi_id
                        JOIN stations s ON s.id = p.station_id WHERE p.org_id = %s AND k.code = %s
                        AND p.day BETWEEN %s AND %s""", demo.org_id, kpi, start, end)
    return pd.DataFrame(rows, columns=["station", "day", "value"])


def _ranked(values: pd.Series, higher_is_better: bool) -> list[str]:
    """Station codes worst first."""
    return list(values.sort_values(ascending=higher_is_better).index)


def _g(koszyk: Any, kpi: str, start: dt.date, end: dt.date) -> pd.DataFrame:
    kpis = koszyk[2]
    return kpis[(kpis.kpi == kpi) & (kpis.date >= pd.Timestamp(start)) & (kpis.date <= pd.Timestamp(end))]


async def test_one_station_against_the_others_on_a_kpi(da, demo, assistant, koszyk):
    """Before: "how does HOU compare to the other stations on fill rate" was HOU's value alone; "where does DEN rank"
    the same; "is LAS worse than average" explained a stage of a year before."""
    got = _demo_values(demo, "PARTS_FILL_RATE", dt.date(2026, 11, 1), DAY).groupby("station").value.mean()
    order = _ranked(got, True)
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("how does HOU compare to the other stations on fill rate this month?")
    first = ans.split("\n- ")[1]
    assert first.startswith(f"HOU (Houston Hobby) ranks #{order.index('HOU') + 1} of {len(order)} stations (worst first)"), ans
    assert f"the average of the {len(order)} stations is {got.mean():.2f}%" in first, ans
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("is LAS worse than average on parts fill rate?")
    month = _demo_values(demo, "PARTS_FILL_RATE", DAY - dt.timedelta(days=29), DAY).groupby("station").value.mean()
    verdict = "Yes — " if month["LAS"] < month.mean() else "No — "
    assert ans.split("\n- ")[1].startswith(f"{verdict}LAS (Las Vegas Harry Reid) ranks #"), ans
    # the grocery company: a store against the other stores on a summed KPI
    lates = _g(koszyk, "LATE_DELIV", *G_LW).groupby("station").value.sum()
    order = _ranked(lates, False)
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("how does widzew compare to the other stores on lates last week")
    assert ans.split("\n- ")[1].startswith(f"DS_0417 (Łódź Widzew) ranks #{order.index('DS_0417') + 1} of {len(order)} "
                                           "stations (worst first)"), ans
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("where does fc-n2 rank on lates last week?")
    assert f"fc-n2 (FC North 2 (Gdańsk)) ranks #{order.index('fc-n2') + 1} of {len(order)}".lower() in ans.lower(), ans


async def test_a_station_against_everyone_else_on_every_kpi(da, demo, assistant, koszyk):
    """Before: "how are we doing at PHX vs everyone else?" was PHX's alerts only; in a thread "and compared to the
    other stations?" asked which KPI and "what about on aog?" said a comparison needs two scopes."""
    start = DAY - dt.timedelta(days=29)
    defs = sql(demo, "SELECT code, name, aggregation, higher_is_better FROM kpi_definitions WHERE org_id = %s", demo.org_id)
    worst = []
    for code, name, agg, hib in defs:
        v = _demo_values(demo, code, start, DAY).groupby("station").value
        v = v.sum() if agg == "sum" else v.mean()
        if _ranked(v, hib)[0] == "PHX":
            worst.append(name)
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("how are we doing at PHX vs everyone else?")
    head = ans.split("\n- ")[1]
    assert head.startswith(f"PHX (Phoenix Sky Harbor) against the other stations, {start} to {DAY}: "), ans
    assert (f"the worst of all on {', '.join(worst)}" if worst else "not the worst on any KPI") in head, ans
    t = Thread(da, demo.org_id, DEMO_ANCHOR)
    await t.ask("how is DEN doing?")
    ans = await t.ask("and compared to the other stations?")
    assert "DEN (Denver International) against the other stations" in ans, ans
    aog = _demo_values(demo, "AOG_EVENTS", start, DAY).groupby("station").value.sum()
    ans = await t.ask("what about on aog?")
    assert f"DEN (Denver International) ranks #{_ranked(aog, False).index('DEN') + 1} of {len(aog)}" in ans, ans
    assert "needs two or more scopes" not in ans, ans
    # the grocery company, in a thread
    t = Thread(assistant, koszyk[1], AS_OF)
    await t.ask("how is fc-s1 doing?")
    ans = await t.ask("and vs everyone else?")
    assert "fc-s1 (FC South 1 (Katowice)) against the other stations".lower() in ans.lower(), ans
    g_start = dt.date(2026, 11, 26) - dt.timedelta(days=29)
    fill = _g(koszyk, "FILL_RATE_PCT", g_start, dt.date(2026, 11, 26)).groupby("station").value.mean()
    line = next(x for x in ans.splitlines() if x.startswith("- Order fill rate:"))
    rank = _ranked(fill, True).index("fc-s1") + 1
    place = "the worst" if rank == 1 else "the best" if rank == len(fill) else f"#{rank} (worst first)"
    assert f"{place} of {len(fill)} stations; the stations' average is {fill.mean():.1f}%" in line, ans


async def test_what_data_there_is(da, demo, assistant, koszyk):
    """Before: "what data do you have?", "what's your data source?" and "how far back does your data go?" were out
    of scope; "which stations do you have?" asked which KPI to rank by."""
    first, last = sql(demo, "SELECT min(day), max(day) FROM kpi_points WHERE org_id = %s AND day <= %s", demo.org_id,
                      DEMO_ANCHOR)[0]
    n_kpis = sql(demo, "SELECT count(*) FROM kpi_definitions WHERE org_id = %s", demo.org_id)[0][0]
    n_tickets = sql(demo, "SELECT count(*) FROM tickets WHERE org_id = %s", demo.org_id)[0][0]
    for q in ("what data do you have?", "what's your data source?"):
        ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask(q)
        assert f"{n_kpis} KPIs, daily per station from {first} to {last}" in ans and f"{n_tickets} support tickets" in ans, ans
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("how far back does your data go?")
    assert ans.startswith(f"The KPI data goes back to {first}"), ans
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("which stations do you have?")
    assert ans.startswith("The stations:") and "Rank by which KPI" not in ans, ans
    g_first = koszyk[2].date.min().date()
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("what data do you have?")
    assert f"{koszyk[2].kpi.nunique()} KPIs, daily per station from {g_first} to" in ans, ans
    assert f"{len(koszyk[3])} stations" in ans and "DAL" not in ans, ans


async def test_the_future_is_not_forecast(da, demo, assistant, koszyk):
    """Before: "what will otp at DAL be next week?" answered today's numbers as if they answered it, and "forecast
    fill rate at widzew for december" answered last December."""
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what will otp at DAL be next week?")
    assert ans.split("\n- ")[1].startswith("I can't tell what On-time performance (maintenance) will be"), ans
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("forecast fill rate at widzew for december")
    assert "I can't tell what Order fill rate will be" in ans and "2025-12" not in ans, ans
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what's the weather going to be in Denver tomorrow?")
    assert "I don't know a KPI called “weather”" in ans and "No KPI at DEN" not in ans, ans


async def test_a_count_of_what_a_place_has_is_no_kpi(da, demo, assistant, koszyk):
    """Before: "how many aircraft does PHX have?" answered PHX's aircraft-on-ground events."""
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("how many aircraft does PHX have?")
    assert ans.startswith("I don't know a KPI called “aircraft”") and " events on " not in ans, ans
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("how many cold rooms does fc-n2 have?")
    assert ans.startswith("I don't know a KPI called “cold rooms”"), ans


def _points(conninfo: str, org_id: int, service: str, metric: str, start: dt.datetime, end: dt.datetime) -> pd.DataFrame:
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute("""SELECT m.ts, m.value FROM metric_points m JOIN services s ON s.id = m.service_id
                               WHERE m.org_id = %s AND s.name = %s AND m.metric = %s AND m.ts > %s AND m.ts <= %s
                               ORDER BY m.ts""", (org_id, service, metric, start, end)).fetchall()
    return pd.DataFrame(rows, columns=["ts", "value"])


async def test_a_service_metric_over_a_period_and_at_a_moment(da, demo, assistant, koszyk):
    """Before: "p99 over the last 24h for checkout-api" and "p99 on checkout-api at 20:30 yesterday" were the story
    of its move, without the numbers asked; "and over the last 24h?" lost the thread's service."""
    p = _points(demo.target.conninfo, demo.org_id, "checkout-api", "p99_latency_ms", NOW - dt.timedelta(hours=24), NOW)
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("p99 over the last 24h for checkout-api")
    first = ans.split("\n- ")[1]
    assert first.startswith(f"checkout-api p99_latency_ms, the last 24 hours ({NOW - dt.timedelta(hours=24):%Y-%m-%d %H:%M} "
                            f"to {NOW:%Y-%m-%d %H:%M} UTC, {len(p)} points): mean {p.value.mean():.4g}"), ans
    top = p.loc[p.value.idxmax()]
    assert f"highest {top.value:.4g} at {top.ts:%Y-%m-%d %H:%M}" in first, ans
    at = dt.datetime(2026, 11, 19, 20, 30, tzinfo=dt.UTC)
    p = _points(demo.target.conninfo, demo.org_id, "checkout-api", "p99_latency_ms", at - dt.timedelta(hours=1), at)
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what was p99 latency on checkout-api at 20:30 yesterday?")
    assert f"checkout-api p99_latency_ms was {p.value.iloc[-1]:.4g} at {p.ts.iloc[-1]:%Y-%m-%d %H:%M} UTC" in ans, ans
    assert "Most likely cause" not in ans, ans  # a number, not a story
    t = Thread(da, demo.org_id, DEMO_ANCHOR)
    await t.ask("what's p99 for search right now?")
    ans = await t.ask("and over the last 24h?")
    assert ans.split("\n- ")[1].startswith("search p99_latency_ms, the last 24 hours"), ans
    # the grocery company: its gateway's 5xx ratio at a moment
    at = dt.datetime(2026, 11, 26, 20, 0, tzinfo=dt.UTC)
    p = _points(koszyk[0].conninfo, koszyk[1], "payments.gateway", "http_5xx_ratio", at - dt.timedelta(hours=1), at)
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("error rate on payments.gateway at 8pm yesterday")
    assert f"payments.gateway http_5xx_ratio was {p.value.iloc[-1]:.4g} at {p.ts.iloc[-1]:%Y-%m-%d %H:%M} UTC" in ans, ans


async def test_a_kpi_named_by_what_it_measures_and_misspelt_periods(da, demo, assistant, koszyk):
    """Before: "flights cancelled for maintenance at MDW last week" asked which of three KPIs; "last montth" was
    dropped (the last 30 days compared instead); "yesterdy" likewise."""
    lw = (dt.date(2026, 11, 9), dt.date(2026, 11, 15))
    n = _demo_values(demo, "MX_CANCELLATIONS", *lw).query("station == 'MDW'").value.sum()
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("flights cancelled for maintenance at MDW last week")
    assert f"the total is {n:,.0f} flights" in ans, ans
    oct_ = _demo_values(demo, "OTP_MX_RATE", dt.date(2026, 10, 1), dt.date(2026, 10, 31)).groupby("station").value.mean()
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("otp mx at phx vs dal last montth")
    assert "2026-10-01 to 2026-10-31: average " + f"{oct_['PHX']:.2f}%" in ans, ans
    day = dt.date(2026, 11, 26)
    v = _g(koszyk, "LATE_DELIV", day, day).query("station == 'DS_0417'").value.iloc[0]
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("lates at widzew yesterdy")
    assert f"on {day} was {v:,.0f}" in ans, ans


async def test_thresholds_lowest_day_and_yes_no(da, demo, assistant, koszyk):
    """Before: "was DAL below its otp goal on any day this week?" and "what was the lowest otp at DAL this month?"
    gave the period's mean; "are any stations in the red on tdr?" the company's value; "which stores are struggling on
    fill rate?" the list of stores; "is that normal?" repeated the value."""
    week = _demo_values(demo, "OTP_MX_RATE", dt.date(2026, 11, 16), DAY).query("station == 'DAL'")
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("was DAL below its otp goal on any day this week?")
    n = int((week.value < 94).sum())
    assert ans.split("\n- ")[1].startswith(f"{'Yes' if n else 'No'} — {n} of {len(week)} days:"), ans
    month = _demo_values(demo, "OTP_MX_RATE", dt.date(2026, 11, 1), DAY).query("station == 'DAL'")
    low = month.loc[month.value.idxmin()]
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what was the lowest otp at DAL this month?")
    assert f"was {low.day} ({low.day:%A}) with {low.value:.2f}%" in ans.split("\n- ")[1], ans
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("are any stations in the red on tdr?")
    assert "need attention" in ans and "Technical dispatch reliability at company was" not in ans, ans
    t = Thread(da, demo.org_id, DEMO_ANCHOR)
    await t.ask("otp at DAL last week")
    await t.ask("what was it on the 12th?")
    ans = await t.ask("is that normal?")
    assert re.match(r"\*\*KPI analysis\*\*\n- (?:Yes|No) — ", ans), ans
    fill = _g(koszyk, "FILL_RATE_PCT", *G_LW).query("station == 'DS_0417'")
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("was widzew below its fill rate goal on any day last week?")
    n = int((fill.value < 98).sum())
    assert ans.split("\n- ")[1].startswith(f"{'Yes' if n else 'No'} — {n} of {len(fill)} days:"), ans
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("which stores are struggling on fill rate?")
    assert not ans.startswith("The stations:") and "Order fill rate" in ans, ans


async def test_people_are_not_in_the_data(da, demo, assistant, koszyk):
    """Before: "which technician caused the delays at DAL?" asked which KPI (then explained dispatch reliability), and
    "how many pilots called in sick at PHX?" said it did not know a station called “sick”."""
    for t, q in ((Thread(da, demo.org_id, DEMO_ANCHOR), "which technician caused the delays at DAL?"),
                 (Thread(da, demo.org_id, DEMO_ANCHOR), "how many pilots called in sick at PHX?"),
                 (Thread(assistant, koszyk[1], AS_OF), "how many pickers does fc-n2 have")):
        ans = await t.ask(q)
        assert ans.startswith("People — staff, crews, technicians, managers") and "station called" not in ans, ans
    (goal,) = sql(demo, "SELECT goal FROM kpi_definitions WHERE org_id = %s AND code = 'OTP_MX_RATE'", demo.org_id)[0]
    last = _demo_values(demo, "OTP_MX_RATE", DAY, DAY).query("station == 'DAL'").value.iloc[0]
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("is DAL meeting its otp goal?")
    assert ans.split("\n- ")[1].startswith("Yes — " if last >= goal else "No — "), ans


async def test_what_is_normal(da, demo, assistant, koszyk):
    """Before: "what's normal for mx delay minutes at PHX?" gave the latest value first; the answer now leads with the
    range of the current stage (its natural process limits), the same numbers as the chart's."""
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("what's normal for mx delay minutes at PHX?")
    m = re.search(r"natural process limits (\d[\d,]*) min–(\d[\d,]*) min", ans)
    assert m and ans.split("\n- ")[1].startswith(
        f"Normal for Maintenance delay minutes at PHX (Phoenix Sky Harbor): between {m.group(1)} min and {m.group(2)} min a day"), ans
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("what's the usual range of uph at podgorze?")
    assert ans.split("\n- ")[1].startswith("Normal for Picks per labour hour at DS_0311"), ans


async def test_places_against_a_number_and_the_distance_to_a_goal(da, demo, assistant, koszyk):
    """Before: "any station below 90 on otp today?" was out of scope and "how far is HOU from its fill rate goal?"
    gave the value without the distance."""
    latest = _demo_values(demo, "OTP_MX_RATE", DAY, DAY).set_index("station").value
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("any station below 90 on otp today?")
    assert f"{(latest < 90).sum()} of {len(latest)} stations are short of 90.00% on On-time performance" in ans, ans
    assert f"on {DAY}, the latest day with data" in ans, ans
    (goal,) = sql(demo, "SELECT goal FROM kpi_definitions WHERE org_id = %s AND code = 'PARTS_FILL_RATE'", demo.org_id)[0]
    v = _demo_values(demo, "PARTS_FILL_RATE", DAY, DAY).set_index("station").value["HOU"]
    ans = await Thread(da, demo.org_id, DEMO_ANCHOR).ask("how far is HOU from its fill rate goal?")
    word = "short of" if v < goal else "better than"
    assert ans.split("\n- ")[1].startswith(f"Parts fill rate at HOU (Houston Hobby) is {abs(goal - v):.2f} points {word} "
                                           f"its goal of {goal:.2f}%"), ans
    day = dt.date(2026, 11, 26)
    g = _g(koszyk, "FILL_RATE_PCT", day, day).set_index("station").value
    ans = await Thread(assistant, koszyk[1], AS_OF).ask("which stores are below 98.5 on fill rate?")
    assert f"{(g < 98.5).sum()} of {len(g)} stations are short of 98.5% on Order fill rate" in ans, ans
