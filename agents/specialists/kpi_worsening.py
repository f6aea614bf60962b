""""Is anything getting worse?", "any stations trending the wrong way?", "what's slipping at <site>?": with no KPI
named, every KPI series (of the organisation, a region or a station) whose last 14 days moved the asked way beyond
its own noise — the largest move first, each with both averages."""

from __future__ import annotations

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from tools.kpis.shaping import fmt_amount
from tools.kpis.worsening import Direction, worsening

MAX_LINES = 8
_WORDS = {"worse": "for the worse", "better": "for the better", "up": "up", "down": "down"}


async def moving_the_wrong_way(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    how = next((n.removeprefix("attention:moving_") for n in plan.notes if n.startswith("attention:moving_")), "worse")
    direction: Direction = how if how in ("worse", "better", "up", "down") else "worse"  # type: ignore[assignment]
    stations = [x.code for x in plan.subjects.scopes if x.level == "station" and x.code]
    station = stations[0] if len(stations) == 1 else None
    region = None if stations else next((x.code for x in plan.subjects.scopes if x.level == "region"), None)
    got = await s.tool("worsening", worsening, direction=direction, station=station, region=region)
    if got is None:
        return
    r, records = got
    ev = records[0]
    if len(stations) > 1:  # "are the laundrettes slipping?": those stations' series only
        r = r.model_copy(update={"items": [m for m in r.items if m.station in stations]})
    where = (f"at {station}" if station else f"in region {region}" if region
             else f"at {', '.join(sorted(stations))}" if stations else "at any station")
    span = (f"the last 14 days ({r.recent[0]} to {r.recent[1]}) against the 14 before "
            f"({r.prior[0]} to {r.prior[1]})")
    if not r.items:
        s.say(f"No — no KPI {where} moved {_WORDS[direction]} beyond its day-to-day noise: {span}, "
              f"{r.series_checked} series checked.", ev)
        return
    s.say(f"Yes — {len(r.items)} of {r.series_checked} KPI series {where} moved {_WORDS[direction]} beyond their "
          f"day-to-day noise, {span}; the largest move first:", ev)
    for m in r.items[:MAX_LINES]:
        d = m.decimals + 1 if abs(m.after - m.before) < 10 ** -m.decimals * 5 else m.decimals
        verdict = "better" if (m.after > m.before) == m.higher_is_better else "worse"
        s.say(f"{m.kpi_name} at {m.station} ({m.station_name}): daily average {fmt_amount(m.before, d, m.unit)} → "
              f"{fmt_amount(m.after, d, m.unit)} ({verdict}; "
              f"{'higher' if m.higher_is_better else 'lower'} is better).", ev)
    if len(r.items) > MAX_LINES:
        s.say(f"… and {len(r.items) - MAX_LINES} more in the evidence.", ev)
    s.data = {"moving": [f"{m.kpi}@{m.station}" for m in r.items]}
    top = r.items[0]
    ctx["flagged_first"] = f"{top.kpi}@{top.station}"  # "why?" next: the largest move, explained
