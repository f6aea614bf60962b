"""Questions about the assistant's own data (round 7): "what data do you have?", "what's your data source?", "how far
back does your data go?", "which stations do you have?" — answered from the organisation's catalog (what kinds of
records there are, how many, and the days the KPI and ticket data cover up to "now"), never the help text alone."""

from __future__ import annotations

import datetime as dt
import re

from agents.understanding.catalog import Catalog
from agents.understanding.cues import _I, catalog_answer

DATA_ASK = re.compile(
    r"\bwhat\s+(?:kind\s+of\s+|sort\s+of\s+)?(?:data|information|info|records)\s+(?:do|have|can|is|are)\b|"
    r"\bwhich\s+data\b|\b(?:your|the)\s+data\s*(?:sources?|sets?)\b|\bdata\s*sources?\b|"
    r"\bwhere\s+(?:does|do)\s+(?:your|the|this)\s+(?:data|numbers|information)\s+come\s+from\b|"
    r"\bhow\s+(?:far\s+back|old|recent|fresh|up[- ]to[- ]date|current)\s+(?:does|do|is|are)\s+(?:your|the|this)\s+(?:data|history|numbers)\b|"
    r"\bhow\s+far\s+back\s+(?:does|do|can)\b|\bhow\s+much\s+(?:data|history)\b|"
    r"\b(?:what|which)\s+(?:period|time\s*(?:frame|span|range)|dates?|date\s+range)\s+(?:does|do|is)\s+(?:your|the)\s+data\b|"
    r"\bwhen\s+(?:does|do|did)\s+(?:your|the)\s+data\s+(?:start|begin|end|stop)\b|"
    r"\bwhat\s+(?:do|can)\s+you\s+(?:know|see|access|look\s+at)\b(?!\s+(?:about\s+)?\w+\s+\w)|"
    r"\bwhat(?:'s|\s+is)\s+in\s+(?:your|the)\s+(?:data|database)\b", _I)
ACTION_NOTE = ("I only read this organisation's data: I can't book, change, deploy, assign or delete anything, nor email "
               "or message anyone (copy the answer, or use a scheduled question to post it to Slack).")
PEOPLE_NOTE = ("People — staff, crews, technicians, managers and who is on shift — are not in this organisation's data "
               "(only who made a deployment or a config change is).")


def duration_note(plan_notes: list[str], cat: Catalog) -> str | None:
    """"How long do <things> wait …" when no KPI measures time: durations are not recorded, and what there is."""
    got = next((n.split(":", 2)[2] for n in plan_notes if n.startswith("asks:duration:")), None)
    if got is None:
        return None
    codes = [c for c in got.split(",") if c in cat.kpis]
    names = "; ".join(f"{cat.kpis[c][0]} ({c})" for c in codes[:6])
    return ("Durations are not recorded: how long each one waits, sits or takes is not in this organisation's data "
            "(its KPIs are daily totals, counts and rates per station, not a time per item). The closest it has: "
            f"{names}. Ask for one of them at a station over a period, or how long a KPI has been in its current state.")


# "which stations do you have?", "what services are there?": a listing, not a ranking
_HAVE = re.compile(r"\b(?:do|have|did)\s+(?:you|we)\s+(?:have|got|know|track|cover|monitor|see|hold)\b|\bare\s+there\b|"
                   r"\bdo\s+you\s+know\s+(?:of|about)\b|\bexist\b|\bis\s+there\s+data\s+for\b", _I)


def _span(cat: Catalog, key: str, today: dt.date) -> str:
    got = cat.data_spans.get(key)
    if not got:
        return ""
    start, end = dt.date.fromisoformat(got[0]), dt.date.fromisoformat(got[1])
    if start > today:
        return ""
    return f" from {start} to {min(end, today)}"


def data_overview(q: str, cat: Catalog, today: dt.date) -> str | None:
    """The answer to a question about what data there is (None: the question is not one)."""
    if _HAVE.search(q) and (listed := catalog_answer(q, cat)):
        return listed  # "which stations do you have?"
    if not DATA_ASK.search(q):
        return None
    parts: list[str] = []
    if cat.kpis:
        parts.append(f"{len(cat.kpis)} KPIs, daily per station{_span(cat, 'kpis', today)}: "
                     + ", ".join(f"{v[0]} ({c})" for c, v in cat.kpis.items()) + ".")
    if cat.stations:
        regions = f" in {len(cat.regions)} regions ({', '.join(cat.regions.values())})" if cat.regions else ""
        parts.append(f"{len(cat.stations)} stations{regions}: " + ", ".join(cat.stations) + ".")
    if cat.services:
        changes = [f"{n} {what}" for n, what in ((len(cat.deployments), "deployments"),
                                                  (len(cat.config_changes), "config changes"),
                                                  (len(cat.commits), "commits")) if n]
        parts.append(f"{len(cat.services)} services with their metrics" + (f", {', '.join(changes)}" if changes else "")
                     + ": " + ", ".join(cat.services[:15]) + ("…" if len(cat.services) > 15 else "") + ".")
    started = [r for r in cat.incident_refs if r.started <= today]
    if started:
        parts.append(f"{len(started)} incidents (the latest {started[0].external_id}, {started[0].started}).")
    if cat.tickets:
        parts.append(f"{len(cat.tickets)} support tickets{_span(cat, 'tickets', today)}.")
    if not parts:
        return "This organisation has no data yet: import it with `opsgraph import` (KPIs, services, tickets …)."
    kpi_from = cat.data_spans.get("kpis", [None])[0]
    if kpi_from and re.search(r"\bfar\s+back\b|\bhow\s+(?:old|much\s+history)\b|\b(?:start|begin)\b", q, _I):
        return f"The KPI data goes back to {kpi_from}. " + " ".join(f"({i}) {p}" for i, p in enumerate(parts, 1))
    head = ("All of it is this organisation's own data, as imported into opsgraph (nothing is read from outside it): "
            if re.search(r"sources?|come\s+from", q, _I) else "Here is the data I have: ")
    return head + " ".join(f"({i}) {p}" for i, p in enumerate(parts, 1))
