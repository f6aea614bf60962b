"""The shared helpers the fixture generators (``tests/fixtures/*/generate.py``) build their files with."""

from __future__ import annotations

import datetime as dt

from tests.fixtures.writers import daily_points, ticks, z


def test_daily_points_walks_days_then_kpis_then_sites_and_skips_none() -> None:
    calls: list[tuple[str, str, dt.date]] = []

    def value(kpi: str, site: str, day: dt.date) -> float | None:
        calls.append((kpi, site, day))
        return None if site == "night-line" else float(len(calls))

    base = {"boardings": ["route-4", "night-line"], "late_pct": {"route-4": 3.0}}
    rows = daily_points(dt.date(2025, 2, 27), dt.date(2025, 3, 1), base, value)
    assert [c[:2] for c in calls[:3]] == [("boardings", "route-4"), ("boardings", "night-line"), ("late_pct", "route-4")]
    assert {c[2] for c in calls} == {dt.date(2025, 2, 27), dt.date(2025, 2, 28)}  # the end day is not included
    assert rows[0] == {"date": "2025-02-27", "station": "route-4", "kpi": "boardings", "value": 1.0}
    assert len(rows) == 4 and all(r["station"] != "night-line" for r in rows)


def test_ticks_stop_before_the_end_and_z_writes_utc_with_a_z() -> None:
    start = dt.datetime(2025, 3, 30, 23, 50, tzinfo=dt.UTC)
    got = list(ticks(start, start + dt.timedelta(minutes=15), dt.timedelta(minutes=5)))
    assert [z(t) for t in got] == ["2025-03-30T23:50:00Z", "2025-03-30T23:55:00Z", "2025-03-31T00:00:00Z"]
