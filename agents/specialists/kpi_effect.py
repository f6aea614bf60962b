"""What a KPI did around a named change ("did MAX_STOPS_PER_ROUTE going to 150 help parcels per van-hour?", "did
turning on the v2 solver hurt on-time?"): the KPI over the days before the change's day against the days after it,
by the KPI's own rule, and whether the difference is beyond the day-to-day noise. Said before the stage story and the
changes ranked, which answer "why" rather than "what did it do"."""

from __future__ import annotations

import datetime as dt
import math
import re
from typing import Any

from agents.plan import QueryPlan
from agents.specialists.common import StepScope, first
from agents.state import ThreadContext
from tools.kpis.history import kpi_values
from tools.kpis.shaping import fmt_value

SPAN_DAYS = 7


def effect_note(plan: QueryPlan | None) -> tuple[str, dt.date] | None:
    """``(change id, its day)`` from the plan's ``change:effect:<id>:<YYYY-MM-DD>`` note."""
    note = next((n for n in plan.notes if n.startswith("change:effect:")), None) if plan else None
    if note is None:
        return None
    ext, day = note.removeprefix("change:effect:").rsplit(":", 1)
    return ext, dt.date.fromisoformat(day)


def _stats(values: list[float]) -> tuple[float, float, int]:
    n = len(values)
    m = sum(values) / n
    return m, (sum((v - m) ** 2 for v in values) / max(n - 1, 1)), n


async def change_effect(s: StepScope, plan: QueryPlan, ctx: ThreadContext, level: str) -> dict[str, Any] | None:
    """Say the KPI's daily average in the days before the change's day and in the days after it (the day itself,
    half before and half after, left out); what it found, for :func:`effect_verdict`."""
    named = effect_note(plan)
    if named is None or not ctx.get("kpi"):
        return None
    ext, day = named
    last = s.deps.now.date() - dt.timedelta(days=1)
    spans = ((day - dt.timedelta(days=SPAN_DAYS), day - dt.timedelta(days=1)),
             (day + dt.timedelta(days=1), min(day + dt.timedelta(days=SPAN_DAYS), last)))
    if spans[1][0] > spans[1][1]:
        s.say(f"{ext} was made on {day}: too recently for a day after it to compare with.")
        return {"ext": ext, "day": day, "effect": None}
    got: list[Any] = []
    for start, end in spans:
        r = await s.tool("kpi_values", kpi_values, kpi=ctx["kpi"], station=ctx.get("station"), region=ctx.get("region"),
                         summary_level=level, start=start, end=end, grain="day")
        if r is None:
            return {"ext": ext, "day": day, "effect": None}
        got.append(r)
    (vb, rb), (va, ra) = got
    before = [p.value for p in vb.points if p.value is not None]
    after = [p.value for p in va.points if p.value is not None]
    if not before or not after:
        s.say(f"There are no {vb.kpi.name} values on both sides of {ext} ({day}) at {vb.scope.label} to compare.",
              first(rb, "kpi_values"))
        return {"ext": ext, "day": day, "effect": None}
    (mb, varb, nb), (ma, vara, na) = _stats(before), _stats(after)
    delta, se = ma - mb, math.sqrt(varb / nb + vara / na)
    better = (delta > 0) == bool(vb.kpi.higher_is_better)
    per_day = " a day" if vb.kpi.aggregation == "sum" else ""
    f = lambda x: fmt_value(x, vb.kpi)  # noqa: E731
    verdict = ("no clear effect: the difference is within its day-to-day noise" if abs(delta) <= 2 * se else
               f"{'better' if better else 'worse'} after it by {f(abs(delta))}{per_day}, beyond its day-to-day noise")
    s.say(f"Around {ext} ({day}): {vb.kpi.name} at {vb.scope.label} averaged {f(mb)}{per_day} over the {nb} days "
          f"before ({spans[0][0]} to {spans[0][1]}) and {f(ma)}{per_day} over the {na} days after ({spans[1][0]} to "
          f"{spans[1][1]}) — {verdict}.", first(rb, "kpi_values"), first(ra, "kpi_values"))
    return {"ext": ext, "day": day, "effect": None if abs(delta) <= 2 * se else "better" if better else "worse",
            "by": f(abs(delta)) + per_day, "line": len(s.lines) - 1}


_HELP = re.compile(r"\b(?:help\w*|improv\w*|boost\w*|better|fix\w*)\b", re.I)
#: A daily series dates a shift to within a day or two: a change this many days from the onset is "at" it.
NEAR_DAYS = 2


def effect_verdict(question: str, series: Any, found: dict[str, Any] | None, what: str) -> str | None:
    """The yes/no that answers "is <the move> related to <change>?" / "did <change> hurt <KPI>?", from the change's
    day against the KPI's shift onset and the before/after comparison :func:`change_effect` made: No when it came
    after the move had begun, Yes when the KPI moved the asked way beyond its noise at it, Can't tell otherwise."""
    if found is None:
        return None
    ext, day, effect = found["ext"], found["day"], found["effect"]
    sh = series.shift if series.shift is not None and series.shift.kind == "level" else None
    name, label = series.kpi.name, series.scope.label
    named = f"{ext} ({what}{day})"
    helped = bool(_HELP.search(question)) and not re.search(r"\b(?:hurt|harm|worse\w*|caus\w*|related|due)\b", question, re.I)
    if sh is not None and (day - sh.onset).days > NEAR_DAYS and sh.bad != helped:
        return (f"No — {named} came {(day - sh.onset).days} days after {name} at {label} had already shifted "
                f"{sh.direction} (from {sh.onset}), so it did not start that move.")
    if sh is not None and sh.bad and helped and (day - sh.onset).days > NEAR_DAYS:  # the latest shift, never undone
        return (f"No — {name} at {label} has stayed at the level it shifted {sh.direction} to on {sh.onset}, "
                f"{(day - sh.onset).days} days before {named}: no improvement since.")
    wanted = "better" if helped else "worse"
    at = "" if sh is None else (
        f"; the shift {sh.direction} began on {sh.onset}" + (" — the same day" if sh.onset == day else
                                                             f", {abs((sh.onset - day).days)} day(s) "
                                                             f"{'after' if sh.onset > day else 'before'} it"))
    if effect == wanted and (sh is None or 0 <= (sh.onset - day).days <= NEAR_DAYS):  # at or just before the onset
        return f"Yes — {name} at {label} was {wanted} after {named} by {found['by']}, beyond its day-to-day noise{at}."
    if effect is None and "by" in found and (sh is None or abs((sh.onset - day).days) > NEAR_DAYS):
        return f"No — {name} at {label} shows no clear change around {named}: within its day-to-day noise{at}."
    if effect is not None and effect != wanted:
        return f"No — {name} at {label} was {effect}, not {wanted}, after {named}{at}."
    return (f"Can't tell — {name} at {label} " + (f"was {effect} after {named}" if effect else
            f"cannot be compared either side of {named}" if "by" not in found else f"shows no clear change around {named}")
            + f"{at}" + (" (a daily series dates a shift only to within a few days)." if sh is not None and sh.onset < day
                         else "."))


def change_what(cat: Any, ext: str) -> str:
    """What a named change was, from the catalog, for the verdict ("ocpp.heartbeatIntervalSec → 240 on svc, ")."""
    svc = cat.change_services.get(ext, ("", None))[0]
    key = next(((k, v) for k, hist in cat.config_history.items() for e, v in hist if e == ext), None)
    version = next((v for v, e in cat.deployment_versions.items() if e == ext), None)
    what = (f"{key[0]} → {key[1]}" if key and key[1] is not None else key[0] if key else
            f"deploy of {version}" if version else "")
    return ", ".join(x for x in (what, f"on {svc}" if svc else "") if x) + (", " if what or svc else "")
