"""Which bad day of a KPI series an explanation starts from when the series has no stage change: a point beyond
the limits in the asked window, a short burst lately, or a level too new to confirm."""

from __future__ import annotations

import datetime as dt
from typing import Any

from agents.plan import QueryPlan


def asked_point(signals: list[Any], plan: QueryPlan | None) -> Any | None:
    """The latest bad beyond-limits point inside the window the user asked about (None without a window)."""
    w = plan.window if plan else None
    if w is None or not w.explicit:
        return None
    inside = [x for x in signals if x.rule == "beyond_limits" and x.state in ("warning", "critical")
              and w.start <= x.date <= w.end]
    return inside[-1] if inside else None


def recent_burst(signals: list[Any], latest: dt.date | None) -> list[Any]:
    """Days beyond the limits in the last 14 days that form one short burst (at most 4 days, within a week) —
    not a drift or a level that stays out (then the last point is out too, or the points are many)."""
    if latest is None:
        return []
    out = sorted({x.date: x for x in signals if x.rule == "beyond_limits" and x.state in ("warning", "critical")
                  and (latest - x.date).days <= 14}.values(), key=lambda x: x.date)
    if not out or len(out) > 4 or (out[-1].date - out[0].date).days > 6 or out[-1].date == latest:
        return []
    return out


def new_level(signals: list[Any], latest: dt.date | None) -> list[Any]:
    """The latest value beyond the limits, with the few before it on the same side in the last 14 days (at most
    3 more): a level that moved too recently for a stage change to confirm it (a weekly KPI's last two weeks)."""
    out = sorted({x.date: x for x in signals if x.rule == "beyond_limits" and x.state in ("warning", "critical")
                  and latest is not None and (latest - x.date).days <= 14}.values(), key=lambda x: x.date)
    if not out or out[-1].date != latest or len(out) > 4:
        return []
    return [x for x in out if x.side == out[-1].side]
