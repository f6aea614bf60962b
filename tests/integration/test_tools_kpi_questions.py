"""Compare, rank, attention, values at a grain and the latest shift at any distance — on the demo and on a
second organisation imported in the test (facts recomputed from the rows, not hard-coded)."""

from __future__ import annotations

import datetime as dt
import statistics

import psycopg
import pytest

from tests.integration import org2 as o2
from tests.integration.org2 import ctx2, demo_ctx, org2_db  # noqa: F401 - fixtures
from tools.base import ToolError
from tools.kpis.questions import (
    attention,
    compare_kpi,
    kpi_last_shift,
    kpi_values,
    rank_kpi,
)


def _rows(conninfo, q, *args):
    with psycopg.connect(conninfo) as conn:
        return conn.execute(q, args).fetchall()


def _points(org, kpi, station, start, end):
    return [v for (k, s, d), v in org.truth["kpi_points"].items() if k == kpi and s == station and start <= d <= end]


# ------------------------------------------------------------------ second organisation


async def test_org2_compare_two_stations_names_the_better_one(ctx2, org2_db):
    _, org = org2_db
    start, end = o2.LAST_DAY - dt.timedelta(days=6), o2.LAST_DAY
    out = await compare_kpi(ctx2, kpi="picking accuracy", scopes=["station:KRK1", "station:WRO2"], start=start, end=end)
    r = out.result
    got = {row.scope.code: row for row in r.rows}
    for code in ("KRK1", "WRO2"):
        assert got[code].value == pytest.approx(statistics.fmean(_points(org, "PICK_ACCURACY", code, start, end)), abs=1e-6)
        yoy = _points(org, "PICK_ACCURACY", code, start - dt.timedelta(days=365), end - dt.timedelta(days=365))
        assert got[code].yoy_value == pytest.approx(statistics.fmean(yoy), abs=1e-6)
        assert got[code].cl is not None and got[code].lcl < got[code].cl < got[code].ucl
    assert r.best.startswith("KRK1") and r.worst.startswith("WRO2")  # higher is better
    assert "better: KRK1" in out.evidence[0].summary


async def test_org2_compare_regions_of_a_sum_kpi_uses_totals(ctx2, org2_db):
    _, org = org2_db
    start, end = o2.LAST_DAY - dt.timedelta(days=13), o2.LAST_DAY
    r = (await compare_kpi(ctx2, kpi="LATE_SHIPMENTS", scopes=["region:CEU", "region:NEU", "company"],
                           start=start, end=end)).result
    got = {row.scope.summary_level + (row.scope.code or ""): row.value for row in r.rows}
    ceu = sum(_points(org, "LATE_SHIPMENTS", "KRK1", start, end)) + sum(_points(org, "LATE_SHIPMENTS", "WRO2", start, end))
    neu = sum(_points(org, "LATE_SHIPMENTS", "GDN3", start, end)) + sum(_points(org, "LATE_SHIPMENTS", "OSL4", start, end))
    assert got["regionCEU"] == pytest.approx(ceu) and got["regionNEU"] == pytest.approx(neu)
    assert got["company"] == pytest.approx(ceu + neu)
    assert r.best.startswith("Central") and r.worst == "company"  # lower is better for late shipments


async def test_org2_rank_stations_worst_first_and_top_n(ctx2, org2_db):
    _, org = org2_db
    start, end = o2.LAST_DAY - dt.timedelta(days=29), o2.LAST_DAY
    out = await rank_kpi(ctx2, kpi="late orders", group_by="station", order="worst", limit=2, start=start, end=end)
    r = out.result
    totals = {c: sum(_points(org, "LATE_SHIPMENTS", c, start, end)) for c, *_ in o2.STATIONS}
    expect = sorted(totals, key=lambda c: -totals[c])[:2]
    assert [row.code for row in r.rows] == expect and r.total == 4 and len(r.rows) == 2
    assert r.rows[0].value == pytest.approx(totals[expect[0]])
    best = (await rank_kpi(ctx2, kpi="PICK_ACCURACY", group_by="region", order="best", start=start, end=end)).result
    assert [row.code for row in best.rows][0] in ("CEU", "NEU") and best.total == 2
    within = (await rank_kpi(ctx2, kpi="PICK_ACCURACY", region="NEU", order="worst", start=start, end=end)).result
    assert {row.code for row in within.rows} == {"GDN3", "OSL4"} and within.rows[0].code == "OSL4"


async def test_org2_attention_finds_the_recent_jump_with_since_when(ctx2):
    r = (await attention(ctx2)).result
    assert r.series_checked == 8
    hit = [i for i in r.items if i.kpi == o2.RECENT_KPI and i.station == o2.RECENT_STATION]
    assert hit, r.items
    assert abs((hit[0].since - o2.RECENT_DAY).days) <= 3 and hit[0].rule
    assert [i.state for i in r.items] == sorted((i.state for i in r.items), key=lambda s: s != "critical")
    other = (await attention(ctx2, region="CEU")).result
    assert all(i.region == "CEU" for i in other.items) and other.series_checked == 4


async def test_org2_weekly_and_monthly_totals_follow_the_kpis_rule(ctx2, org2_db):
    _, org = org2_db
    start, end = dt.date(2026, 9, 1), dt.date(2026, 9, 30)
    r = (await kpi_values(ctx2, kpi="LATE_SHIPMENTS", station="OSL4", start=start, end=end, grain="week")).result
    assert r.total == pytest.approx(sum(_points(org, "LATE_SHIPMENTS", "OSL4", start, end))) and r.total_kind == "total"
    mondays = [p.start for p in r.points if p.complete]
    assert all(d.weekday() == 0 for d in mondays)
    for p in r.points:
        assert p.value == pytest.approx(sum(_points(org, "LATE_SHIPMENTS", "OSL4", p.start, p.end)))
    m = (await kpi_values(ctx2, kpi="PICK_ACCURACY", station="KRK1", start=dt.date(2026, 7, 1),
                          end=dt.date(2026, 9, 30), grain="month")).result
    assert [p.start.month for p in m.points] == [7, 8, 9] and all(p.complete for p in m.points)
    assert m.points[1].value == pytest.approx(statistics.fmean(
        _points(org, "PICK_ACCURACY", "KRK1", dt.date(2026, 8, 1), dt.date(2026, 8, 31))))
    day = dt.date(2026, 9, 17)
    one = (await kpi_values(ctx2, kpi="PICK_ACCURACY", station="WRO2", start=day, end=day)).result
    assert one.points[0].value == pytest.approx(org.truth["kpi_points"][("PICK_ACCURACY", "WRO2", day)])


async def test_org2_explain_at_any_distance_finds_the_old_shift(ctx2):
    r = (await kpi_last_shift(ctx2, kpi="PICK_ACCURACY", station=o2.SHIFT_STATION)).result
    assert r.onset is not None and abs((r.onset - o2.SHIFT_DAY).days) <= 3
    assert r.direction == "down" and r.bad and r.days_before_end > 100


async def test_bad_input_is_a_clear_tool_error(ctx2):
    with pytest.raises(ToolError, match="two or more"):
        await compare_kpi(ctx2, kpi="PICK_ACCURACY", scopes=["station:KRK1"])
    with pytest.raises(ToolError, match="unknown station"):
        await compare_kpi(ctx2, kpi="PICK_ACCURACY", scopes=["station:KRK1", "station:NOPE"])
    with pytest.raises(ToolError, match="unknown KPI"):
        await rank_kpi(ctx2, kpi="OTP_MX_RATE")  # the demo's KPI does not exist here
    with pytest.raises(ToolError, match="grain"):
        await kpi_values(ctx2, kpi="PICK_ACCURACY", grain="hour")


# ------------------------------------------------------------------ demo


async def test_demo_rank_over_all_stations_matches_sql(demo_ctx, demo):
    end = dt.date.fromisoformat(demo.manifest["kpi_last_day"])
    start = end - dt.timedelta(days=6)
    r = (await rank_kpi(demo_ctx, kpi="AOG_EVENTS", order="worst", limit=3, start=start, end=end)).result
    expect = _rows(demo.target.conninfo,
                   """SELECT s.code, sum(p.value) FROM kpi_points p JOIN stations s ON s.id = p.station_id
                      JOIN kpi_definitions k ON k.id = p.kpi_id WHERE p.org_id = %s AND k.code = 'AOG_EVENTS'
                      AND p.day BETWEEN %s AND %s GROUP BY s.code ORDER BY 2 DESC, 1 LIMIT 3""",
                   demo.org_id, start, end)
    assert [(x.code, x.value) for x in r.rows] == [(c, pytest.approx(float(v))) for c, v in expect]


async def test_demo_compare_and_attention_see_the_headline_drop(demo_ctx, demo):
    h = demo.manifest["headline"]
    end = dt.date.fromisoformat(demo.manifest["kpi_last_day"])
    r = (await compare_kpi(demo_ctx, kpi=h["kpi"], scopes=[f"station:{h['station']}", "station:HOU"],
                           start=end - dt.timedelta(days=6), end=end)).result
    assert r.worst.startswith(h["station"])
    att = (await attention(demo_ctx)).result
    assert any(i.kpi == h["kpi"] and i.station == h["station"] for i in att.items)


async def test_demo_last_shift_beyond_the_window(demo_ctx, demo):
    old = [s for s in demo.manifest["kpi_shifts"]
           if (dt.date.fromisoformat(demo.manifest["kpi_last_day"]) - dt.date.fromisoformat(s["start_date"])).days > 60]
    assert old
    s = old[0]
    r = (await kpi_last_shift(demo_ctx, kpi=s["kpi"], station=s["station"])).result
    assert r.onset is not None and abs((r.onset - dt.date.fromisoformat(s["start_date"])).days) <= 7
