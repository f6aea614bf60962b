""""Which region needs attention?", "which corridor is in trouble?": the regions ranked by what needs attention at
their sites — each region's critical and warning series and the series in control but short of their goal, summed
over its sites and summarised in one line (the worst region first, said first) — not one list of every site's
series. Every number comes from the ``attention`` tool (the same check as "what needs attention?")."""

from __future__ import annotations

from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope
from agents.state import ThreadContext
from agents.understanding.org_words import region_word
from tools.kpis.questions import attention

MAX_NAMED = 3  # series named per state in a region's line


def _named(items: list[Any], state: str) -> str:
    """"Charger uptime at A (since 2026-10-24), …": a region's series in one state, by KPI."""
    by_kpi: dict[str, list[Any]] = {}
    for i in items:
        by_kpi.setdefault(i.kpi_name, []).append(i)
    parts = []
    for name, its in list(by_kpi.items())[:MAX_NAMED]:
        sites = ", ".join(i.station for i in its[:MAX_NAMED]) + (f" and {len(its) - MAX_NAMED} more" if len(its) > MAX_NAMED else "")
        since = f" (since {min(i.since for i in its)})" if state != "short of goal" else ""
        parts.append(f"{name} at {sites}{since}")
    more = len(by_kpi) - MAX_NAMED
    return f"{state}: " + "; ".join(parts) + (f"; and {more} more KPI(s)" if more > 0 else "")


async def regions_attention(s: StepScope, plan: QueryPlan, ctx: ThreadContext) -> None:
    cat = s.deps.catalog
    got = await s.tool("attention", attention, kpi=plan.kpis[0] if plan.kpis else None)
    if got is None:
        return
    r, records = got
    ev = records[0]
    word = region_word(cat.regions) or "region"
    rows = []
    for code, name in cat.regions.items():
        sites = [c for c, reg in cat.station_regions.items() if reg == code]
        crit = [i for i in r.items if i.region == code and i.state == "critical"]
        warn = [i for i in r.items if i.region == code and i.state == "warning"]
        short = [i for i in r.short_of_goal if i.region == code]
        rows.append((len(crit), len(warn), len(short), code, name, sites, crit, warn, short))
    rows.sort(key=lambda x: (-x[0], -x[1], -x[2], x[4]))
    about = f" on {r.items[0].kpi_name if r.items else cat.kpis.get(plan.kpis[0], [plan.kpis[0]])[0]}" if plan.kpis else ""
    top = rows[0] if rows else None
    if top is None or not any(x[0] or x[1] or x[2] for x in rows):
        s.say(f"No {word} has a KPI series{about} in warning or critical, or short of its goal, at any of its sites "
              f"as of {r.as_of} ({r.series_checked} series checked).", ev)
        ctx.pop("flagged_first", None)
        return
    tied = [x for x in rows if x[:3] == top[:3]]
    lead = (f"{top[4]} ({top[3]}) needs the most attention" if len(tied) == 1 else
            f"{' and '.join(f'{x[4]} ({x[3]})' for x in tied)} need the most attention, level")
    s.say(f"{lead}{about} as of {r.as_of}: {_counts(top)} at its {len(top[5])} site(s). The {word}s ranked by their "
          f"sites' signals (critical first, then warning, then short of goal; {r.series_checked} series checked):", ev)
    for n, x in enumerate(rows, 1):
        detail = "; ".join(_named(its, st) for its, st in ((x[6], "critical"), (x[7], "warning"), (x[8], "short of goal")) if its)
        s.say(f"{n}. {x[4]} ({x[3]}, {len(x[5])} site(s)): {_counts(x)}" + (f" — {detail}" if detail else "") + ".", ev)
    first = (top[6] or top[7] or top[8])[0]
    ctx["flagged_first"] = f"{first.kpi}@{first.station}"  # "why?" next: the top region's first series, explained
    s.data = {"regions": [x[3] for x in rows], "attention": [f"{i.kpi}@{i.station}" for i in r.items]}


def _counts(x: tuple[Any, ...]) -> str:
    if not (x[0] or x[1] or x[2]):
        return "nothing in warning or critical and nothing short of goal"
    return f"{x[0]} critical, {x[1]} warning, {x[2]} in control but short of goal"
