"""KPI tools on the demo data: windows, aggregation rules, YoY, stages, signals, cards."""

from __future__ import annotations

import datetime as dt
import itertools

import psycopg
import pytest

from store.db import make_async_engine, make_sessionmaker
from tools.base import ToolContext, ToolError
from tools.kpis import active_signals, dashboard, kpi_series


@pytest.fixture
async def ctx(demo):
    engine = make_async_engine(demo.target, pool_size=2)
    yield ToolContext(sessions=make_sessionmaker(engine), org_id=demo.org_id)
    await engine.dispose()


def _sql(demo, q, *args):
    with psycopg.connect(demo.target.conninfo) as conn:
        return conn.execute(q, args).fetchall()


async def test_headline_shift_is_found_with_its_onset(ctx, demo):
    head = demo.manifest["headline"]
    out = await kpi_series(ctx, kpi="otp mx rate", station="dal")
    s = out.result
    assert s.kpi.code == head["kpi"] and s.scope.code == head["station"]
    assert len(s.points) == 30
    assert s.shift is not None and s.shift.direction == "down" and s.shift.bad
    onset = dt.date.fromisoformat(head["start_date"])
    assert abs((s.shift.onset - onset).days) <= 3
    kinds = [e.kind for e in out.evidence]
    assert "kpi_series" in kinds and "stage_change" in kinds
    assert s.summary.state in ("warning", "critical")
    # every point carries its stage's limits
    assert all(p.cl is not None and p.lcl < p.cl < p.ucl for p in s.points if p.value is not None)
    assert s.chart and s.chart["data"][0]["name"] == "value"


async def test_yoy_is_the_value_365_days_earlier(ctx, demo):
    s = (await kpi_series(ctx, kpi="OTP_MX_RATE", station="PHX", chart=False)).result
    p = s.points[-1]
    (value,) = _sql(
        demo,
        """SELECT value FROM kpi_points kp JOIN stations s ON s.id = kp.station_id JOIN kpi_definitions k ON k.id = kp.kpi_id
           WHERE s.code = 'PHX' AND k.code = 'OTP_MX_RATE' AND kp.org_id = %s AND day = %s""",
        demo.org_id, p.date - dt.timedelta(days=365),
    )[0]
    assert p.yoy_value == pytest.approx(value)
    assert p.yoy_delta == pytest.approx(p.value - value)


@pytest.mark.parametrize("level", ["region", "company"])
async def test_aggregation_follows_each_kpis_rule(ctx, demo, level):
    rules = dict(_sql(demo, "SELECT code, aggregation FROM kpi_definitions WHERE org_id = %s", demo.org_id))
    mean_kpi = next(k for k, a in rules.items() if a == "mean")
    sum_kpi = next(k for k, a in rules.items() if a == "sum")
    (region,) = _sql(demo, "SELECT r.code FROM stations s JOIN regions r ON r.id = s.region_id WHERE s.code = 'DAL' AND s.org_id = %s", demo.org_id)[0]
    for code, fn in ((mean_kpi, "avg"), (sum_kpi, "sum")):
        s = (await kpi_series(ctx, kpi=code, station="DAL" if level == "region" else None, summary_level=level, chart=False)).result
        p = s.points[-1]
        where = "AND r.code = %s" if level == "region" else ""
        args = [demo.org_id, code, p.date] + ([region] if level == "region" else [])
        (expected,) = _sql(
            demo,
            f"""SELECT {fn}(value) FROM kpi_points kp JOIN stations s ON s.id = kp.station_id
                JOIN regions r ON r.id = s.region_id JOIN kpi_definitions k ON k.id = kp.kpi_id
                WHERE kp.org_id = %s AND k.code = %s AND day = %s {where}""",
            *args,
        )[0]
        assert p.value == pytest.approx(expected), (code, level)


async def test_weekly_window_is_53_complete_weeks(ctx):
    s = (await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAL", grain="weekly", chart=False)).result
    assert len(s.points) == 53
    assert all(p.date.weekday() == 0 for p in s.points)
    assert all((b.date - a.date).days == 7 for a, b in itertools.pairwise(s.points))
    assert s.points[-1].yoy_value is not None


async def test_unknown_kpi_and_station_list_close_matches(ctx):
    with pytest.raises(ToolError) as e:
        await kpi_series(ctx, kpi="OTP MX rat", station="DAL")
    assert "OTP_MX_RATE" in e.value.suggestions
    with pytest.raises(ToolError) as e:
        await kpi_series(ctx, kpi="OTP_MX_RATE", station="DAK")
    assert "DAL" in e.value.suggestions


async def test_active_signals_and_dashboard_show_the_dal_drop(ctx, demo):
    sig = (await active_signals(ctx, station="DAL")).result
    assert any(s.kpi == "OTP_MX_RATE" for s in sig.signals)
    board = (await dashboard(ctx, station="DAL", charts=False)).result
    assert len(board.cards) == len(_sql(demo, "SELECT 1 FROM kpi_definitions WHERE org_id = %s", demo.org_id))
    otp = next(c for c in board.cards if c.kpi.code == "OTP_MX_RATE")
    assert otp.state in ("warning", "critical") and otp.yoy_value is not None
