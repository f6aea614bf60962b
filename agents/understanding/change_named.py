"""A change named by what it was rather than by its id, in "is <KPI move> related to <change>?": "the <service>
deploy on the 24th", "the config change on <service>", "the <words of its key> rotation" — resolved to that change
from the catalog (its service, kind and day; or the words of its config key), so the question gets the change's
verdict instead of the service's change log. Also "is that related to <change>?" after a site's day: the KPI that
turn found."""

from __future__ import annotations

import datetime as dt
import re

from agents.plan import QueryPlan
from agents.state import ThreadContext
from agents.understanding.catalog import Catalog
from agents.understanding.link_rules import config_by_words
from agents.understanding.op_cues import _RELATION
from agents.understanding.timewords import TimeParse

_I = re.I
_DEPLOY = re.compile(r"\b(?:deploy\w*|releas\w*|roll-?outs?|upgrad\w*|new\s+version|build)\b", _I)
_CONFIG = re.compile(r"\b(?:config\w*|setting\w*|parameter\w*|flag|toggle|rotation|rotated)\b", _I)
_CHANGE = re.compile(r"\bchang\w*\b", _I)
MAX_SEVERAL = 5  # a service's changes of that kind, when the question does not single one out: each weighed
SEVERAL = "change:several"  # the plan's note: no single change named, so no before/after verdict for one
_ORDINAL = re.compile(r"\b(?:on\s+)?the\s+(\d{1,2})(?:st|nd|rd|th)\b", _I)


def _day(q: str, tp: TimeParse) -> dt.date | None:
    """The day the change was named on: the question's single day, or "the 24th" (the latest such day)."""
    if tp.window is not None and tp.window.single_day:
        return tp.window.start
    m = _ORDINAL.search(q)
    today = tp.today or dt.date.today()
    if m is None or not 1 <= int(m.group(1)) <= 31:
        return None
    y, mo = today.year, today.month
    for _ in range(12):
        try:
            d = dt.date(y, mo, int(m.group(1)))
        except ValueError:
            d = None
        if d is not None and d <= today:
            return d
        y, mo = (y, mo - 1) if mo > 1 else (y - 1, 12)
    return None


def by_service(q: str, cat: Catalog, service: str, tp: TimeParse) -> tuple[list[str], list[str]]:
    """(deployments, config changes): the changes of ``service`` of the kind the question names (a deploy, a config
    change, or just "change") and, when said, on its day — the latest :data:`MAX_SEVERAL`, oldest first."""
    deploy, config = bool(_DEPLOY.search(q)), bool(_CONFIG.search(q))
    if not (deploy or config or _CHANGE.search(q)):
        return [], []
    day = _day(q, tp)
    kinds = {"deployment"} if deploy and not config else {"config"} if config and not deploy else {"deployment", "config"}
    deps, cfgs = set(cat.deployments), set(cat.config_changes)
    found = [(d, ext) for ext, (svc, d) in cat.change_services.items() if svc == service
             and (("deployment" in kinds and ext in deps) or ("config" in kinds and ext in cfgs))
             and (day is None or d == day)]
    exts = [ext for _, ext in sorted(found)][-MAX_SEVERAL:]
    return [e for e in exts if e in deps], [e for e in exts if e in cfgs]


def name_change(q: str, plan: QueryPlan, cat: Catalog, tp: TimeParse) -> None:
    """Link the change a relation question names by its service and kind, or by the words of its config key."""
    s = plan.subjects
    if s.deployments or s.config_changes or s.commits or not _RELATION.search(q):
        return
    if len(s.services) == 1 and plan.kpis:
        deps, cfgs = by_service(q, cat, s.services[0], tp)
        if deps or cfgs:
            s.deployments, s.config_changes, s.services = deps, cfgs, []  # the service only named the change
            if len(deps) + len(cfgs) > 1:  # "the yard config change" when there were several: each one ranked
                plan.notes.append(SEVERAL)
            return
    if not s.services and len(found := config_by_words(q, cat, strict=True)) == 1:
        s.config_changes = found  # "the mqtt password rotation": the key telemetry.mqtt.password's latest change


def relation_after_day(plan: QueryPlan, prior: QueryPlan | None, ctx: ThreadContext, question: str,
                       cat: Catalog) -> None:
    """"is that related to <change>?" after "what happened at <site> on <day>?": the KPI that turn found there,
    before and after the change (its verdict), instead of the day's summary again."""
    if _RELATION.search(question) and any(n.startswith("change:effect:") for n in plan.notes):
        plan.notes = [n for n in plan.notes if n != "q:spikes"]  # "is the spike related to <change>?": its verdict
    s = plan.subjects
    ext = next(iter(s.deployments or s.config_changes), None)
    kpi = ctx.get("kpi")
    if (ext is None or plan.kpis or prior is None or prior.operation != "attention" or not kpi or kpi not in cat.kpis
            or not _RELATION.search(question) or (hit := cat.change_services.get(ext)) is None):
        return
    plan.kpis, plan.operation = [kpi], "explain"
    if not s.scopes and len(prior.subjects.scopes) == 1:
        s.scopes = list(prior.subjects.scopes)  # the site that day was at
        plan.inherited.append("scopes")
    plan.notes = [n for n in plan.notes if n not in ("all_kpis", "period:one")] + [
        f"change:effect:{ext}:{hit[1].isoformat()}"]
    plan.follow_up = True
    plan.inherited.append("kpis (found by the last turn)")
