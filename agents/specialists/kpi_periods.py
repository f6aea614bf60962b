"""The KPI analyst's answer to "<site> this week vs the week before" with no KPI named: every KPI reported there,
period on period — both values, the change, better or worse by the KPI's own direction, and the warning/critical
signals in each period — the most-changed KPI first.

"Most changed" is the change measured against the KPI's usual day-to-day spread there (its current stage's
sigma), so a 1-point move of a tightly controlled rate outranks a 1-point move of a noisy count. Every number comes
from ``kpi_values`` (the periods' values) and ``kpi_series`` (stage, sigma and signals); every line cites them.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from agents.plan import QueryPlan, ScopeRef
from agents.specialists.common import StepScope, first
from agents.specialists.kpi_questions import fmt
from agents.state import ThreadContext
from tools.kpis import kpi_series
from tools.kpis.questions import kpi_values

MAX_KPIS = 12


@dataclass
class _Row:
    name: str
    code: str
    before: Any  # PeriodValue
    now: Any
    delta: float
    spread: float | None  # delta in sigmas (None: no spread known)
    verdict: str  # better / worse / unchanged
    signals_before: int
    signals_now: int
    text: str
    evidence: list[Any]


@dataclass
class _Period:
    start: dt.date
    end: dt.date
    value: float | None
    days: int
    complete: bool


def _two_periods(points: list[Any], label: str, aggregation: str) -> tuple[_Period | None, _Period | None]:
    """The window's per-week/per-month values gathered into its two periods (a year is twelve months): its first and
    its last — "august vs november" spans the months between, which are neither period."""
    unit = label.split()[1] if len(label.split()) > 1 else "week"
    key = (lambda p: p.start.year) if unit == "year" else (lambda p: p.start)
    groups: dict[Any, list[Any]] = {}
    for p in points:
        groups.setdefault(key(p), []).append(p)
    if len(groups) < 2:
        return None, None
    out: list[_Period] = []
    keys = sorted(groups)
    for ps in (groups[k] for k in (keys[0], keys[-1])):
        vals = [(p.value, p.days) for p in ps if p.value is not None]
        days = sum(d for _v, d in vals)
        if not vals or not days:
            out.append(_Period(ps[0].start, ps[-1].end, None, 0, False))
            continue
        value = sum(v for v, _d in vals) if aggregation == "sum" else sum(v * d for v, d in vals) / days
        out.append(_Period(ps[0].start, ps[-1].end, value, days, all(p.complete for p in ps)))
    return out[0], out[1]


def _previous(start: dt.date, unit: str) -> dt.date:
    """The start of the period before the one starting on ``start`` (a week or a calendar month)."""
    if unit == "week":
        return start - dt.timedelta(days=7)
    if unit == "year":
        return start.replace(year=start.year - 1)
    return (start - dt.timedelta(days=1)).replace(day=1)


def _alarms(ser: Any, p: _Period, label: str) -> str:
    """What a period's own values set off besides control-chart signals: days beyond the organisation's configured
    limits and a stage shift for the worse that began in it (a month compared whole hides a drop in its last week)."""
    k, out = ser.kpi, []
    vals = [x.value for x in ser.points if x.value is not None and p.start <= x.date <= p.end]
    for limit, side, beyond in ((k.lower_limit, "below", lambda v, lim: v < lim),
                                (k.upper_limit, "above", lambda v, lim: v > lim)):
        if limit is not None and (n := sum(1 for v in vals if beyond(v, limit))):
            out.append(f"{side} the configured {'lower' if side == 'below' else 'upper'} limit "
                       f"{fmt(limit, k.decimals, k.unit)} on {n} day(s)")
    sh = ser.shift
    if sh is not None and sh.bad and p.start <= sh.onset <= p.end:
        out.append(f"a shift for the worse from {fmt(sh.before_cl, k.decimals, k.unit)} to "
                   f"{fmt(sh.after_cl, k.decimals, k.unit)} starting {sh.onset}")
    return f"; {label}: {', '.join(out)}" if out else ""


def _period(p: Any, grain: str) -> str:
    if (p.end - p.start).days > 40:  # a year (twelve months gathered)
        return str(p.start.year) if p.start.year == p.end.year else f"{p.start}–{p.end}"
    if grain == "month":
        return p.start.strftime("%B %Y")
    return f"{p.start}–{p.end}" if p.start != p.end else str(p.start)


async def compare_periods(s: StepScope, plan: QueryPlan, ctx: ThreadContext, *, retried: bool = False) -> None:
    w = plan.window
    scope = plan.subjects.scopes[0] if plan.subjects.scopes else (
        ScopeRef(level="company", name="the company") if plan.kpis else None)  # "X october vs november": company
    if w is None or scope is None:
        s.notices.append("Which place and which two periods should I compare?")
        return
    level = scope.level
    code = scope.code
    cat = s.deps.catalog
    kpis = [k for k in (plan.kpis or cat.kpis) if level != "station" or code is None or cat.unmeasured(k, code) is None]
    grain = w.grain if w.grain in ("day", "week", "month") else "week"  # "<day> vs <day>": its first and last day
    rows: list[_Row] = []
    missing: list[str] = []
    for kpi in kpis[:MAX_KPIS]:
        noticed = len(s.notices)
        got = await s.tool("kpi_values", kpi_values, kpi=kpi, station=code if level == "station" else None,
                           region=code if level == "region" else None, summary_level=level, start=w.start,
                           end=w.end, grain=grain)
        if got is None or len(got[0].points) < 2:
            del s.notices[noticed:]
            missing.append(cat.kpis.get(kpi, [kpi])[0])
            continue
        vals, vrecs = got
        before, now = _two_periods(vals.points, w.label, vals.kpi.aggregation)
        if before is None or now is None or before.value is None or now.value is None:
            missing.append(vals.kpi.name)
            continue
        series = await s.tool("kpi_series", kpi_series, kpi=kpi, station=code if level == "station" else None,
                              region=code if level == "region" else None, summary_level=level, start=w.start,
                              end=w.end, chart=False)
        k = vals.kpi
        # a summed KPI over periods of unequal length (this week so far vs all of last week): per day, not totals
        per_day = k.aggregation == "sum" and before.days != now.days and before.days and now.days
        v_before, v_now = (before.value / before.days, now.value / now.days) if per_day else (before.value, now.value)
        delta = v_now - v_before
        sigma, sig_before, sig_now = None, 0, 0
        srecs: list[Any] = []
        alarms = ""
        if series is not None:
            ser, srecs = series
            sigma = ser.summary.sigma
            bad = [x for x in ser.signals if x.state in ("warning", "critical")]
            sig_before = sum(1 for x in bad if before.start <= x.date <= before.end)
            sig_now = sum(1 for x in bad if now.start <= x.date <= now.end)
            alarms = "".join(_alarms(ser, p, _period(p, grain)) for p in (before, now))
        # the change against the usual day-to-day spread (a total against the spread of a total of that many days)
        scale = (sigma * (now.days ** 0.5) if k.aggregation == "sum" and not per_day else sigma) if sigma else None
        spread = abs(delta) / scale if scale else None
        level_change = round(delta, k.decimals + 1) == 0
        verdict = "unchanged" if level_change else ("better" if (delta > 0) == k.higher_is_better else "worse")
        partial = "" if now.complete else f" (so far: {now.days} day(s))"
        rel = f", {100 * delta / abs(v_before):+.1f}%" if v_before else ""
        sig = (f"; warning/critical signals {sig_before} → {sig_now}" if sig_before or sig_now
               else "" if alarms else "; no warning or critical signal in either period") + alarms
        size = f", {spread:.1f}× its usual daily spread" if spread is not None and not level_change else ""
        what = "total" if k.aggregation == "sum" else "average"
        d = k.decimals + (1 if per_day else 0)
        small = min((abs(v) for v in (v_now, v_before) if v), default=1.0)
        if per_day and small < 1:  # "2 falls in 31 days": 0.065 a day, not 0.1 (two significant figures, at most 3)
            d = min(3, max(d, 1 - math.floor(math.log10(small))))
        if per_day:
            values = (f"{fmt(v_now, d, k.unit)} a day {_period(now, grain)}{partial}, {fmt(now.value, k.decimals, k.unit)} "
                      f"in all, vs {fmt(v_before, d, k.unit)} a day {_period(before, grain)} "
                      f"({fmt(before.value, k.decimals, k.unit)} in {before.days} days)")
        else:
            values = (f"{what} {fmt(now.value, d, k.unit)} {_period(now, grain)}{partial} vs "
                      f"{fmt(before.value, d, k.unit)} {_period(before, grain)}")
        text = (f"{k.name}: {values} — "
                + ("unchanged" if level_change else
                   f"{'up' if delta > 0 else 'down'} {fmt(abs(delta), d if round(abs(delta), d) else d + 1, 'points' if k.unit == '%' else k.unit)}{' a day' if per_day else ''}{rel}"
                   f"{size}, {verdict} "
                   f"({'higher' if k.higher_is_better else 'lower'} is better)")
                + f"{sig}.")
        rows.append(_Row(k.name, k.code, before, now, delta, spread, verdict, sig_before, sig_now, text,
                         [vrecs[0], first(srecs, "kpi_series") or (srecs[0] if srecs else None)]))
    where = scope.name or code or "the company"
    if not rows and not retried and w.label.startswith("this ") and w.end >= s.deps.now.date():
        # "this week vs the week before" on a Monday: this week has no data yet, so last week against the one before
        unit = w.label.split()[1]
        first_day = w.end - dt.timedelta(days=w.end.weekday()) if unit == "week" else w.end.replace(day=1)
        earlier = _previous(w.start, unit)
        s.say(f"{where} has no data for this {unit} yet (it began {first_day:%A} {first_day}); comparing last {unit} "
              f"with the {unit} before instead.")
        moved = w.model_copy(update={"start": earlier, "end": first_day - dt.timedelta(days=1),
                                     "label": f"last {unit} and the {unit} before"})
        await compare_periods(s, plan.model_copy(update={"window": moved}), ctx, retried=True)
        return
    if not rows and not retried and w.grain == "day" and w.end >= s.deps.now.date() and w.end > w.start:
        # "today vs yesterday" before today's data is in: the latest full day against the one before it
        s.say(f"{where} has no data for {w.end} (today) yet; comparing yesterday with the day before instead.")
        moved = w.model_copy(update={"start": w.end - dt.timedelta(days=2), "end": w.end - dt.timedelta(days=1),
                                     "label": "yesterday vs the day before"})
        await compare_periods(s, plan.model_copy(update={"window": moved}), ctx, retried=True)
        return
    if not rows:
        s.say(f"No KPI at {where} has data in both periods of {w.label} ({w.start} to {w.end})."
              + (f" Without data then: {', '.join(missing)}." if missing else ""))
        return
    rows.sort(key=lambda r: (-(r.spread if r.spread is not None else 0.0), r.code))
    worst = next((r for r in rows if r.verdict == "worse"), None)
    if worst is not None and level == "station" and code:
        ctx["flagged_first"] = f"{worst.code}@{code}"  # "why?" next: the KPI that got most worse, explained
    else:
        ctx.pop("flagged_first", None)
    if plan.kpis and len(rows) == 1:  # "check-ins at <site> october vs november": that one KPI, the two periods
        s.say(f"{where[:1].upper()}{where[1:]}, {w.label} ({rows[0].before.start} to {w.end}): {rows[0].text}",
              *rows[0].evidence)
        s.data = {"compared": [rows[0].code], "worse": [rows[0].code] if rows[0].verdict == "worse" else [],
                  "better": [rows[0].code] if rows[0].verdict == "better" else [],
                  "periods": (rows[0].before, rows[0].now, rows[0].delta, rows[0].verdict, rows[0].spread),
                  "where": where}
        return
    worse = [r.name for r in rows if r.verdict == "worse"]
    better = [r.name for r in rows if r.verdict == "better"]
    head = (f"{where}, {w.label} ({rows[0].before.start} to {w.end}), {len(rows)} KPI(s) compared, the most changed "
            f"first: {len(worse)} worse" + (f" ({', '.join(worse)})" if worse else "")
            + f", {len(better)} better" + (f" ({', '.join(better)})" if better else "") + ".")
    s.say(head, *[r.evidence[0] for r in rows])
    for r in rows:
        s.say(r.text, *r.evidence)
    if missing:
        s.say(f"Not compared (no data in one of the periods): {', '.join(missing)}.")
    s.data = {"compared": [r.code for r in rows], "worse": [r.code for r in rows if r.verdict == "worse"],
              "better": [r.code for r in rows if r.verdict == "better"]}


def _pair_of(w: Any) -> tuple[tuple[dt.date, dt.date], tuple[dt.date, dt.date]] | None:
    """A window of two periods ("last week and the week before", "october vs november"): the period its start falls
    in and the one its end falls in (weeks Monday–Sunday, calendar months, years), else None."""
    if w.grain not in ("week", "month", "year") or not (" vs " in f" {w.label} " or " and the " in w.label):
        return None

    def first(d: dt.date) -> dt.date:
        return (d - dt.timedelta(days=d.weekday()) if w.grain == "week" else d.replace(day=1) if w.grain == "month"
                else d.replace(month=1, day=1))

    later = first(w.end)
    if first(w.start) >= later:
        return None
    earlier_end = (first(w.start) + dt.timedelta(days=6) if w.grain == "week" else
                   (first(w.start) + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1) if w.grain == "month"
                   else first(w.start).replace(month=12, day=31))
    return (w.start, min(earlier_end, later - dt.timedelta(days=1))), (later, w.end)


async def _company_pair(s: StepScope, kpi: str, before: tuple[dt.date, dt.date], now: tuple[dt.date, dt.date]) -> None:
    """The whole organisation's value in the two periods, by the KPI's rule, and the change."""
    got = [await s.tool("kpi_values", kpi_values, kpi=kpi, summary_level="company", start=a, end=b) for a, b in (before, now)]
    if got[0] is None or got[1] is None:
        return
    (b, b_recs), (a, a_recs) = got[0], got[1]
    k = a.kpi
    if a.total is None or b.total is None:
        return
    a_v, b_v, how, d = a.total, b.total, a.total_kind, k.decimals
    days = [sum(1 for p in x.points if p.value is not None) for x in (a, b)]
    if k.aggregation == "sum" and days[0] != days[1] and all(days):  # periods of different lengths: per day
        a_v, b_v, how, d = a_v / days[0], b_v / days[1], "per day", d + 1
    delta = a_v - b_v
    verdict = "unchanged" if not round(delta, d) else "better" if (delta > 0) == k.higher_is_better else "worse"
    s.say(f"{k.name} across the whole organisation ({how}): {fmt(b_v, d, k.unit)} from {b.start} to "
          f"{b.end}, {fmt(a_v, d, k.unit)} from {a.start} to {a.end} ({'+' if delta >= 0 else '−'}"
          f"{fmt(abs(delta), d, 'points' if k.unit == '%' else k.unit)}, {verdict}; "
          f"{'higher' if k.higher_is_better else 'lower'} is better).", b_recs[0], a_recs[0])


async def rank_changes(s: StepScope, plan: QueryPlan, ctx: ThreadContext, how: str) -> None:
    """"Which station improved most on X this month?": every station (or region) on the asked window against the
    window of the same length just before it, ranked by the change (``how``: better, worse, up, down, any) — per
    day for a summed KPI, so a partial period compares fairly."""
    from tools.kpis.questions import rank_kpi

    today = s.deps.now.date()
    w = plan.window
    start, end = (w.start, min(w.end, today)) if w is not None and w.explicit else (today - dt.timedelta(days=28), today)
    span = (end - start).days + 1
    before_start, before_end = start - dt.timedelta(days=span), start - dt.timedelta(days=1)
    pair = _pair_of(w) if w is not None else None
    if pair is not None:  # "last week vs the week before": those two, not the fortnight against the one before it
        (before_start, before_end), (start, end) = pair
        end = min(end, today)
        span = (end - start).days + 1
    same = span == (before_end - before_start).days + 1  # equal periods: a summed KPI's totals, else per day
    region = next((x.code for x in plan.subjects.scopes if x.level == "region"), None)
    group_by = plan.group_by or "station"
    args = {"kpi": plan.kpis[0], "group_by": group_by, "order": "best", "limit": 1000,
            "region": region if group_by == "station" else None}
    now_got = await s.tool("rank_kpi", rank_kpi, **args, start=start, end=end)
    before_got = await s.tool("rank_kpi", rank_kpi, **args, start=before_start, end=before_end)
    if now_got is None or before_got is None:
        return
    now, now_recs = now_got
    before, before_recs = before_got
    k = now.kpi
    prior = {r.code: r for r in before.rows if r.value is not None and r.days}
    changes: list[tuple[float, Any, Any, float, float]] = []
    for r in now.rows:
        b = prior.get(r.code)
        if r.value is None or not r.days or b is None or b.value is None:
            continue
        a_v, b_v = (r.value / r.days, b.value / b.days) if k.aggregation == "sum" and not same else (r.value, b.value)
        delta = a_v - b_v
        better = delta if k.higher_is_better else -delta
        key = {"better": -better, "worse": better, "up": -delta, "down": delta}.get(how, -abs(delta))
        changes.append((key, r, b, a_v, b_v))
    if not changes:
        s.say(f"No {group_by} has {k.name} data in both {before_start}–{before_end} and {start}–{end}.", now_recs[0])
        return
    changes.sort(key=lambda x: (x[0], x[1].code))
    limit = max(plan.limit or 5, 3)  # "which station …": the top one named first, the next ones for context
    per = " a day" if k.aggregation == "sum" and not same else ""
    d = k.decimals + (1 if per else 0)
    unit = "points" if k.unit == "%" else k.unit

    def line(i: int, c: tuple[float, Any, Any, float, float]) -> str:
        _key, r, _b, a_v, b_v = c
        delta = a_v - b_v
        verdict = "better" if (delta > 0) == k.higher_is_better and delta else "worse" if delta else "unchanged"
        return (f"{i}. {r.code} ({r.name}) {fmt(b_v, d, k.unit)} → {fmt(a_v, d, k.unit)}{per} "
                f"({'+' if delta >= 0 else '−'}{fmt(abs(delta), d, unit)}, {verdict})")

    top = changes[0]
    word = {"better": "improved most", "worse": "got worse the most", "up": "rose most", "down": "fell most"}.get(
        how, "changed most")
    if "rank:with_company" in plan.notes:  # "… across the network - which hub got worse most?": the whole first
        await _company_pair(s, k.code, (before_start, before_end), (start, end))
    against = (f"against {before_start} to {before_end}" if pair else
               f"against the {span} days before ({before_start} to {before_end})")
    how_much = "per day" if per else "totals" if k.aggregation == "sum" else "average"
    s.say(f"{top[1].code} ({top[1].name}) {word} on {k.name}: {start} to {end} {against}, {how_much}; "
          f"{'higher' if k.higher_is_better else 'lower'} is better.", now_recs[0], before_recs[0])
    s.say("; ".join(line(i, c) for i, c in enumerate(changes[:limit], 1)) + ".", now_recs[0], before_recs[0])
    s.data = {"kpi": k.code, "ranking": [c[1].code for c in changes]}
