"""An incident whose first sign is in the business, not in its service's metrics: a KPI the service feeds stepping
for the worse, at the site the incident's record names, in the days before the incident was opened ("codes invalid
after 2 days at Kirkstall": failed pickups there rose the day before). That step's day is then the incident's
onset — the changes are measured from it, not from when someone opened the record. Read-only, org-scoped."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from dataclasses import dataclass

from sqlalchemy import text

from tools.base import ToolContext, ToolError
from tools.kpis import kpi_series, list_kpis
from tools.kpis.models import KpiInfo
from tools.kpis.shaping import fmt_amount

#: How long before an incident's recorded start a related KPI's step may begin for it to be the incident's onset.
INCIDENT_KPI_LEAD = dt.timedelta(days=3)
#: The days before the start that set the KPI's old level, and after it that confirm the new one.
HISTORY = dt.timedelta(days=60)
AFTER = dt.timedelta(days=14)
#: A site is named by a word of its name at least this long that no other site's name has ("Kirkstall") …
MIN_WORD = 5
#: … and that is no word for a kind of place or a direction (one site may be the only "station" of a network).
PLACE_WORDS = frozenset("station stations depot depots centre center branch store office library clinic hospital "
                        "kiosk lockers locker market plaza square street field airport terminal warehouse plant site "
                        "north south east west central upper lower international regional county district "
                        "village city".split())


@dataclass(frozen=True)
class KpiOnset:
    kpi: str
    station: str | None
    day: dt.date
    said: str  # "Failed pickups at LDS-KRK (Leeds Kirkstall hub) stepped up from 9 to 22 on 2026-11-18"


def named_sites(sites: list[tuple[str, str]], said: str) -> list[str]:
    """The sites (code, name) a record's text names by code or by a word only that site's name has."""
    words = {code: {w for w in re.findall(r"[a-z]+", name.lower()) if len(w) >= MIN_WORD and w not in PLACE_WORDS}
             for code, name in sites}
    out = []
    for code, own in words.items():
        others = set().union(*(w for c, w in words.items() if c != code))
        if re.search(rf"(?<![A-Za-z0-9]){re.escape(code)}(?![A-Za-z0-9])", said, re.I) or any(
                re.search(rf"\b{w}\b", said.lower()) for w in own - others):
            out.append(code)
    return out


def _kpis_named(kpis: list[KpiInfo], said: str) -> list[KpiInfo]:
    low = said.lower()
    return [k for k in kpis if any(re.search(rf"\b{re.escape(n.lower())}\b", low) for n in (k.name, *k.aliases) if n)]


async def kpi_stepped_before(ctx: ToolContext, service: str, started: dt.datetime,
                             texts: list[tuple[str, str]]) -> KpiOnset | None:
    """The latest step for the worse, in the :data:`INCIDENT_KPI_LEAD` before ``started``, of a KPI ``service``
    feeds — at a site the record (``texts``) names, or company-wide for a KPI the record names. None when the record
    names neither (a step somewhere else is no sign of this incident)."""
    said = " ".join(t for _, t in texts)
    async with ctx.read() as session:
        kpis = [k for k in await list_kpis(session, ctx.org_id) if service in k.related_services]
        if not kpis:
            return None
        rows = (await session.execute(text("SELECT code, name FROM stations WHERE org_id = :org"),
                                      {"org": ctx.org_id})).all()
    sites = named_sites([(r[0], r[1]) for r in rows], said)
    scopes = [(k, code) for k in kpis for code in sites] + [(k, None) for k in _kpis_named(kpis, said)]
    day0, found = started.date(), []
    for k, code in scopes:
        try:
            out = await kpi_series(ctx, kpi=k.code, station=code, summary_level="station" if code else "company",
                                   chart=False, start=day0 - HISTORY, end=min(ctx.today, day0 + AFTER))
        except ToolError:
            continue
        points = [(p.date, p.value) for p in out.result.points if p.value is not None]
        for prev, stage in itertools.pairwise(out.result.stages):
            worse = stage.cl < prev.cl if k.higher_is_better else stage.cl > prev.cl
            day = first_point_of_new_level(points, stage.start_date, prev.cl, stage.cl)
            if stage.kind == "level" and worse and day0 - INCIDENT_KPI_LEAD <= day <= day0:
                f = lambda x, k=k: fmt_amount(x, k.decimals, k.unit)  # noqa: E731
                found.append(KpiOnset(k.code, code, day, f"{k.name} at {out.result.scope.label} stepped "
                                      f"{'up' if stage.cl > prev.cl else 'down'} from {f(prev.cl)} to {f(stage.cl)} "
                                      f"on {day}"))
    return max(found, key=lambda o: o.day) if found else None


#: How many of a new stage's first points may be handed back to the stage before.
MAX_REFINE_POINTS = 2


def first_point_of_new_level(points: list[tuple[dt.date, float]], onset: dt.date, before: float,
                             after: float) -> dt.date:
    """The first point of a level shift from the raw values: a stage boundary can sit a point early (a short last
    stage, a boundary accepted where the change-point statistic is flat), so while the stage's first point lies
    nearer the old centre than the new one (and a later point of the stage remains), it belongs to the old level —
    at most :data:`MAX_REFINE_POINTS` points."""
    after_onset = [(d, v) for d, v in points if d >= onset]
    out = onset
    for i, (d, v) in enumerate(after_onset[:MAX_REFINE_POINTS]):
        if d != out or i + 1 >= len(after_onset) or abs(v - before) >= abs(v - after):
            break
        out = after_onset[i + 1][0]
    return out
