"""Question → :class:`QueryPlan` for the offline provider (and the hint and fallback for a model's plan)."""

from __future__ import annotations

import datetime as dt
import re

from rapidfuzz import fuzz, process

from agents.plan import (
    Clarification,
    QueryPlan,
    ScopeRef,
    ServiceMetric,
    Subjects,
    UnknownName,
)
from agents.understanding.asks import annotate
from agents.understanding.catalog import Catalog, fold, norm_tokens, stem
from agents.understanding.change_topics import anything_changed, deploy_target
from agents.understanding.cues import (
    _ACTION,
    _ATTENTION,
    _CHANGELOG,
    _CHART,
    _COMPANY,
    _COMPARE,
    _I,
    _INCIDENT_WORDS,
    _PLACE,
    _RANK,
    _ROLE,
    _TICKETS,
)
from agents.understanding.day_ranges import impossible_day
from agents.understanding.described import described_kpi, measure_word_kpis
from agents.understanding.downtime import downtime_at_site
from agents.understanding.excluding import (
    excluded_codes,
    not_a_kpi_of,
    qualified_weak_kpi,
    split_excluded,
)
from agents.understanding.future import ahead
from agents.understanding.hints import (
    WEEKDAYS,
    cue_text,
    fullness_kpi,
    metric_after_service,
    metric_before_service,
    metric_words,
)
from agents.understanding.incident_times import RESOLVE_TIME_NOTE, incident_time_asked
from agents.understanding.linking import Links, _suggest, link
from agents.understanding.local_periods import local_period
from agents.understanding.metric_asks import metric_value_asked
from agents.understanding.moving import goal_missed_asked, is_direction_word, moving_asked
from agents.understanding.network_rank import network_and_ranked
from agents.understanding.not_in_data import (
    breakdown_word_dropped,
    duration_asked,
    none_measured,
    not_measured,
    other_breakdown,
    owned_count,
    people_asked,
    place_blanked,
    place_picked_by_what_is_not_held,
    site_overview,
    sites_asked_after,
    unknown_group,
    unknown_place_asked,
    which_system,
)
from agents.understanding.op_cues import _HOW_DOING, _OK_EVERYWHERE, _RANK_WHY, PLACES_BEYOND
from agents.understanding.operation import _change_kinds, _operation
from agents.understanding.phrasings import GOAL_ANYWHERE
from agents.understanding.region_trouble import regions_in_trouble
from agents.understanding.site_kinds import kind_said, kind_sets, said_as_set
from agents.understanding.ticket_values import unknown_ticket_values
from agents.understanding.time_typos import fix_time_typos
from agents.understanding.timewords import parse_time
from agents.understanding.vocab import STOP
from agents.understanding.vs_rest import against_the_rest
from agents.understanding.worst_day import worst_day_asked

# "how many stations are below goal", "which sites are missing the target": the places counted against the goal
_GOAL_COUNT = re.compile(rf"\b(?:how\s+many|number\s+of|count|which|what|list|any)\b(?:\s+(?:of\s+)?(?:the\s+|our\s+)?"
                         rf"{_PLACE}\b).*?\b(below|under|short\s+of|missing|miss(?:es|ed)?|behind|off|meeting|meets?|"
                         r"hitting|hits?|making|made|met|reach\w*|on|at|above)\s+(?:the\s+|its\s+|our\s+|their\s+)?"
                         r"(?:[\w.%-]+\s+){0,4}?(?:goal|target)s?\b", _I)
_NOW = re.compile(r"\b(?:right\s+now|currently|at\s+the\s+moment|at\s+present|presently|as\s+(?:of|things\s+stand)\s+"
                  r"(?:now|today)|as\s+it\s+stands)\b", _I)


def _scopes(links: Links, cat: Catalog, q: str) -> list[ScopeRef]:
    out = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.stations]
    out += [ScopeRef(level="region", code=c, name=cat.regions.get(c)) for c in links.regions]
    if _COMPANY.search(q) and (not out or _COMPARE.search(q)):
        out.append(ScopeRef(level="company", name="company"))
    return out


def parse(question: str, cat: Catalog, today: dt.date) -> QueryPlan:
    """One question → one plan (follow-ups are merged by :func:`agents.understanding.followup.merge`)."""
    blanked, out_stations, out_regions = split_excluded(question, cat)
    if out_stations or out_regions:  # "top 3 stations by X excluding <site>": ranked without the places left out
        plan = _parse(blanked, cat, today)
        if plan.operation in ("rank", "explain") and plan.group_by and (
                codes := excluded_codes(out_stations, out_regions, cat, plan.group_by)):
            plan.notes.append("exclude:" + ",".join(codes))
            return plan
    return network_and_ranked(question, _parse(question, cat, today), cat, today, _parse)  # "… across the
    # network - which hub got worse most?": the network's two periods, then the sites ranked by their change


def _parse(question: str, cat: Catalog, today: dt.date) -> QueryPlan:
    q = question.strip()
    tp = parse_time(fix_time_typos(q, cat), today)  # "last montth": the period, not silently none
    links = link(tp.text, cat)
    if not links.kpis and links.weak_kpis and (
            meant := described_kpi(tp.text, list(dict.fromkeys(c for g in links.weak_kpis for c in g)), cat)):
        links.kpis, links.weak_kpis = [meant], []  # "orders shipped complete at <site>": the KPI its description names
    qualified_weak_kpi(links, cat)  # "fleet availability at <site>": not the KPI whose name has "availability"
    owned_count(q, links, cat)  # "how many aircraft does <site> have": not the KPI whose name starts with "aircraft"
    if isinstance(down := downtime_at_site(q, links, cat), str):
        return _parse(down, cat, today)  # "downtime at <site>": its availability KPI, not the latest incident
    if down is not None:
        links.unknown.append(down)  # no availability KPI: downtime is not one kept, the nearest offered
    subjects = Subjects(services=links.services, incidents=links.incidents, tickets=links.tickets,
                        deployments=links.deployments, config_changes=links.config_changes, commits=links.commits)
    subjects.scopes = _scopes(links, cat, q)
    kpis = list(links.kpis)
    links.weak_kpis = breakdown_word_dropped(tp.text, links.weak_kpis, cat) if not kpis else links.weak_kpis
    if (not kpis and len(links.weak_kpis) == 1 and len(links.weak_kpis[0]) == 1
            and not sites_asked_after(q, cat)  # "how are the lockers (in the north) doing?": not "Locker fill rate"
            and (links.stations or links.regions or links.maybe_unknown or links.ambiguous or _RANK.search(q)
                 or _COMPANY.search(q) or re.search(r"\b(?:the\s+)?(?:whole\s+)?company\b", q, _I)
                 or _OK_EVERYWHERE.search(q)  # "how many stations are below goal on <a KPI's short name>"
                 or (_HOW_DOING.search(q) and not links.services)  # "how are we doing on effluent?"
                 or len(re.findall(r"\w+", q)) <= 2  # the question is that word ("bursts?")
                 or local_period(q) is not None  # "delays during the storm": asked which dates, not out of scope
                 or (tp.window is not None and not (links.services or links.tickets or links.incidents)
                     and not _TICKETS.search(q) and not _INCIDENT_WORDS.search(q) and not _CHANGELOG.search(q)))):
        # ^ a word and a period ("delays this month?"): that KPI then, not out of scope
        kpis = list(links.weak_kpis[0])
    if not kpis and len(links.weak_kpis) >= 2 and (best := _phrase_kpi(tp.text, links.weak_kpis, cat)):
        kpis = [best]  # "when did the lab delays at <site> start": "lab delays" names the lab's KPI, "start" is the onset
    if not kpis and (full := fullness_kpi(q, cat)):
        kpis = [full]  # "how full is the main campus": its occupancy
    plan = QueryPlan(operation="out_of_scope", subjects=subjects, kpis=kpis, window=tp.window)
    if tp.relative:
        plan.notes.append(f"relative:{tp.relative}")
    if tp.grain and tp.window is None:
        plan.notes.append(f"grain:{tp.grain}")
    plan.chart = bool(_CHART.search(q))
    if re.search(r"\b(?:in\s+)?(?:one|a\s+single|1)\s+(?:sentence|line)\b|\bbriefly\b|\bshort\s+answer\b|\btl;?\s?dr\b|"
                 r"\bin\s+a\s+nutshell\b|\bjust\s+(?:the\s+)?(?:number|figure|value|answer)\b|\bkeep\s+it\s+short\b", q, _I):
        plan.notes.append("form:brief")  # "otp at <site> last week in one sentence": the first line only
    plan.service_metrics = [ServiceMetric(role=role) for role, rx in _ROLE if rx.search(q)] if links.services else []
    if links.services:  # a metric named as the organisation stores it ("p99_ms", "error_rate")
        own = {x.lower() for x in links.services}
        for name in re.findall(r"(?<![\w-])([a-z][a-z0-9]*_[a-z0-9_]+)(?![\w-])", q):
            if name.lower() in own:
                continue  # "kiln_ctrl temperature": the service's own name, not a metric's
            role = next((r for r, rx in _ROLE if rx.search(name.replace("_", " "))), None)
            plan.service_metrics = [m for m in plan.service_metrics if m.role != role] + [ServiceMetric(role=role, name=name)]
    if links.services and not plan.service_metrics and (named := metric_words(tp.text, links.services)):
        plan.service_metrics = [ServiceMetric(name=named)]  # "ehr gateway nack ratio jumped": the tool finds the name
    if links.services and not any(m.name for m in plan.service_metrics) and (
            named := metric_before_service(tp.text, links.services)):  # "solve time on route-optimiser": its words
        plan.service_metrics = [ServiceMetric(role=next((r for r, rx in _ROLE if rx.search(named)), None), name=named)]
    if links.services and not plan.service_metrics and (named := metric_after_service(tp.text, links.services)):
        plan.service_metrics = [ServiceMetric(name=named)]  # "kiln_ctrl temperature", "<svc> disk writes": its words
    cq = cue_text(place_blanked(q, links, cat), kpis, cat)  # "how is Mystic Falls doing": no "why did it fall"
    op = plan.operation = incident_time_asked(q, plan, cat) or _operation(cq, plan, links, cat, tp)
    op = plan.operation = annotate(cq, plan, cat, today)  # what a yes/no, "since when", "who most"… question asks
    if moving_asked(q, plan, links.kpi_words) or goal_missed_asked(q, plan):
        op = plan.operation  # "is anything getting worse?", "which KPIs miss their goal?": every series checked
    if against_the_rest(q, plan):
        op = plan.operation  # "how does <site> compare to the other stations on X": all ranked, that one pointed out
    if regions_in_trouble(q, plan, cat):
        op = plan.operation  # "which region needs attention / is in trouble?": the regions ranked by their signals
    ahead(q, plan)  # "what will X be next week?": no forecasts in the data, said before where it stands
    metric_value_asked(q, plan)  # "p99 of <service> over the last 24h" / "… at 20:30 yesterday": numbers, not a story
    op = worst_day_asked(q, plan)  # "what was the worst day for X in november (and why)?": that day
    if op == "lookup" and plan.kpis and re.search(r"\btrend(?:s|ing)?\b", q, _I):
        plan.notes.append("trend")  # "how is X trending at <site>": a steady drift named, or none
    if op == "rank" and plan.kpis and re.search(r"\b(?:which|what)\s+(?:day\s+of\s+(?:the\s+)?week|weekday)\b", q, _I):
        op = plan.operation = "lookup"  # "which day of the week is worst for X": the week's rhythm, not a ranking
        plan.group_by, plan.order, plan.limit = None, None, None
    if op in ("lookup", "explain") and plan.kpis and WEEKDAYS.search(q):
        plan.notes.append("dow")  # "why is discharge before noon so bad on weekends?": weekdays against weekends
    if (op == "attention" and plan.kpis and not any(x.level == "station" for x in plan.subjects.scopes)
            and not _GOAL_COUNT.search(q) and (m := re.search(PLACES_BEYOND, q, _I))):
        low = bool(re.match(r"below|under|less|lower", m.group(1), _I))  # short of N by the KPI's own direction
        plan.notes.append(f"goal_count:{'below' if low == cat.kpi_higher_is_better.get(plan.kpis[0], True) else 'meet'}"
                          f":{m.group(2)}")  # "any station below 90 on otp today?": the places counted
    elif op == "attention" and plan.kpis and not any(x.level == "station" for x in plan.subjects.scopes) and (
            m := _GOAL_COUNT.search(q) or re.search(GOAL_ANYWHERE, q, _I)):  # "how many stations are below goal on X", "which sites meet the target"
        plan.notes.append("goal_count:" + ("meet" if re.match(r"meet|met\b|hit|ma[kd]|reach|on\b|at\b|above", m.group(1), _I) else "below")
                          + (f":{n.group(1)}" if (n := re.search(r"(\d+(?:\.\d+)?)\s*%?", m.group(0)[m.end(1) - m.start():])) else ""))
    if op in ("rank", "compare", "lookup") and plan.window is None and _NOW.search(q):
        plan.notes.append("now")  # "right now": the state, which for a stock-like KPI is its latest value
    if op in ("out_of_scope", "explain") and not plan.kpis and anything_changed(q):
        op = plan.operation = "changelog"  # "did anyone change anything yesterday / on <service>?": the change log
    if op == "clarify" and "wanted:changelog" in plan.notes and plan.clarification is not None and (
            plan.clarification.kind == "service" and local_period(q, plan.window.label if plan.window else None)):
        op = plan.operation = "changelog"  # "any deploys during the carnival weekend?": its dates first, every service
        plan.clarification = None
        plan.notes = [n for n in plan.notes if n != "wanted:changelog"] + _change_kinds(q)
    if op in ("lookup", "compare", "rank", "explain", "attention", "changelog") and (
            said := local_period(q, plan.window.label if plan.window else None)):
        if plan.window is not None and plan.window.label.lower() in said.lower():
            plan.window = None  # "christmas" of "the christmas market weekend" is not its date
        plan.notes.append(f"pending:{op}")  # the dates given next answer the question that was asked
        plan.clarification = Clarification(kind="window", candidates=[], question=(  # "over half term": whose dates?
            f"Which dates is “{said}” for you? I don't have your calendar, so give me the dates "
            "(for example “from 2026-10-26 to 2026-10-30”) and I'll answer for exactly those days."))
        plan.operation = "clarify"
        return plan
    if op in ("lookup", "compare", "rank", "explain", "attention", "changelog") and (ask := impossible_day(q)):
        plan.clarification = Clarification(kind="window", candidates=[], question=ask)  # "on 31 september"
        plan.operation = "clarify"
        return plan
    if op == "out_of_scope" and _ACTION.search(q):
        plan.notes.append("asks:action")  # "can you book a technician for <site>?": read-only, said so
        return plan
    if not plan.subjects.services and people_asked(q, cat):
        plan.operation, plan.kpis = "out_of_scope", []  # "which technician caused the delays at <site>": no people data
        plan.notes.append("asks:people")
        return plan
    if RESOLVE_TIME_NOTE not in plan.notes and (instead := duration_asked(q, kpis, links.weak_kpis, links.services, cat)) is not None:
        plan.operation, plan.kpis, plan.clarification = "out_of_scope", [], None  # "how long do <things> wait": not recorded
        plan.notes = [n for n in plan.notes if not n.startswith("pending:")] + ["asks:duration:" + ",".join(instead)]
        return plan
    if op in ("rank", "lookup", "attention") and not plan.subjects.services and (by := other_breakdown(tp.text, plan.kpis, cat)):
        plan.notes.append(f"asks:breakdown:{by}")  # "which tail numbers had the most X": per station only, said
    unknown = list(links.unknown)
    if plan.subjects.commits and op == "changelog":  # "the MQTT ack batching commit": MQTT is a word of its message
        said = " ".join(cat.commit_messages.get(c, "") for c in plan.subjects.commits).lower()
        unknown = [u for u in unknown if not (u.kind == "station" and u.text.lower() in said)]
    if op in ("lookup", "explain", "compare", "rank", "attention", "report") or (op == "out_of_scope" and kpis):
        unknown += links.maybe_unknown
    if op in ("ticket_classify", "ticket_similar", "runbook_search", "ticket_search") and plan.ticket_text is not None:
        unknown = [u for u in unknown if u.kind in ("ticket",)]
        plan.subjects, plan.kpis, plan.service_metrics = Subjects(), [], []  # the pasted text is data, not names
    if op == "ticket_stats":  # "tickets from PharmaNord": the customer's own words are no service or site
        their = {w for n in plan.notes if n.startswith("customer:") for w in n[9:].lower().split()}
        unknown = [u for u in unknown if u.kind not in ("station",) and not set(u.text.lower().split()) <= their]
    if op in ("ticket_stats", "ticket_search"):
        unknown += unknown_ticket_values(q)  # "gold tier", "P7 tickets": not values tickets have
    every_series = any(n.startswith("attention:moving_") or n == "attention:goal" for n in plan.notes)
    if every_series:  # "anything slipping?",
        unknown = [u for u in unknown if not (u.kind == "KPI" and (  # "what's below target?": no KPI asked for
            is_direction_word(u.text) or re.fullmatch(r"(?:\w+\s+)?(?:the\s+|our\s+)?(?:goals?|targets?)", u.text.strip(), _I)))]
    elif (op == "attention" and not _ATTENTION.search(q) and links.kpi_words and not links.weak_kpis
          and not any(u.kind == "KPI" for u in unknown)):
        names = {n.lower(): c for c, v in cat.kpis.items() for n in v} | {c.lower(): c for c in cat.kpis}
        text = " ".join(links.kpi_words)  # suggested: a KPI whole-word close to what was said ("on-time perf"), never
        close = process.extract(text.lower(), list(names), scorer=fuzz.token_set_ratio, limit=6, score_cutoff=70)
        unknown.append(UnknownName(kind="KPI", text=text,  # one a few letters share ("turnaround time" ~ AOG events)
                                   suggestions=list(dict.fromkeys(names[c] for c, _, _ in close))[:3]))
    if op == "out_of_scope" and _CHANGELOG.search(q) and not unknown:
        for word in re.findall(r"(?<![\w-])[a-z][a-z0-9]*(?:-[a-z0-9]+)+(?![\w-])", q.lower()):
            if word not in cat.services and not re.fullmatch(r"[a-z]+-\d+", word):
                unknown.append(UnknownName(kind="service", text=word,
                                           suggestions=_suggest(word, {x.lower(): x for x in cat.services})))
                break
    if op == "changelog" and not (plan.subjects.services or plan.subjects.scopes or plan.subjects.deployments
                                  or plan.subjects.config_changes or plan.subjects.commits or unknown) and (
            target := deploy_target(q, cat)):  # "any deploys to payments last week?": no such service, said so
        unknown.append(UnknownName(kind="service", text=target,
                                   suggestions=_suggest(target, {x.lower(): x for x in cat.services})))
    if op == "attention" and not unknown and not every_series and (asked := not_a_kpi_of(q, cat)):
        unknown.append(asked)  # "what's the weather in <site>?": a thing the data does not have, said so
    if not plan.subjects.services and (group := unknown_group(q, links, cat)):
        unknown = [u for u in unknown if u.text.lower() != group.text.lower()] + [group]  # "all the Texas stations":
        # a grouping it does not know, asked about
    if (op == "out_of_scope" or plan.kpis) and not (unknown or plan.subjects.services or plan.subjects.scopes) and (
            place := unknown_place_asked(q, cat)):  # "how is glasgow doing (on delays)?" where no site is: said so
        unknown.append(place)
        op = "attention" if op == "out_of_scope" else op
    said_kpis = {u.text.lower() for u in unknown if u.kind == "KPI"}
    unknown = [u for u in unknown if not (u.kind == "station" and u.text.lower() in said_kpis)]  # "CSAT at <site>"
    if unknown:
        plan.unknown = unknown
        if op == "out_of_scope" and not plan.kpis and _HOW_DOING.search(q) and any(u.kind == "station" for u in unknown):
            op = "attention"  # "how is <no such site> doing?": the site offered instead, then how it is doing
        if op not in ("out_of_scope", "clarify", "unknown"):
            wanted = "lookup" if (op == "attention" or down is not None) and any(u.kind == "KPI" for u in unknown) else op
            plan.notes.append(f"pending:{wanted}")  # "I meant <station>" then answers the question that was asked
        plan.operation = "unknown"
        return plan
    if op == "ticket_stats" and (who := next((n[9:] for n in plan.notes if n.startswith("customer:")), None)):
        links.ambiguous = [a for a in links.ambiguous if not (a[0] == "station" and set(a[1].split()) <= set(
            norm_tokens(who)))]  # "tickets from Wind Farm Services Ltd": the customer's words, not "which wind farm?"
    if links.ambiguous and links.ambiguous[0][0] == "station" and plan.kpis and not links.stations and cat.kpi_stations:
        reporting = [c for c in links.ambiguous[0][2] if cat.unmeasured(plan.kpis[0], c) is None]
        if len(reporting) == 1:  # "ed wait at kingston": of the Kingston sites, only the one that reports it
            plan.subjects.scopes.insert(0, ScopeRef(level="station", code=reporting[0], name=cat.stations.get(reporting[0])))
            links.stations.append(reporting[0])
            links.ambiguous = links.ambiguous[1:]
    if (kind_op := kind_sets(q, tp.text, plan, links, cat, op)) is not None:
        op = kind_op  # "how are the <kind>s doing?", "<kind>s vs <other kind>s on X": the sites of that kind, a set
    several = bool(links.ambiguous and links.ambiguous[0][0] == "station" and len(links.ambiguous[0][2]) >= 2
                   and not links.stations and said_as_set(q, links.ambiguous[0][1], cat))  # "garages", "night buses", "the
    # harbour sites", "which harbour is worse": every place the word names, compared
    if several and not plan.kpis and op == "compare":
        plan.subjects.scopes = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.ambiguous[0][2]]
        links.ambiguous = links.ambiguous[1:]  # the KPI to compare them on is asked next
    if links.ambiguous and links.ambiguous[0][0] == "station" and len(links.ambiguous[0][2]) >= 2 and not links.stations and (
            (plan.kpis and (op in ("rank", "compare") or (op in ("lookup", "explain") and several)))
            or op == "attention"):  # "anything to worry about in <a city two sites share>": both
        # "which reservoir had the most bursts", "anything wrong at the reservoirs?": the places that word names
        plan.subjects.scopes = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in links.ambiguous[0][2]]
        if plan.kpis and op != "attention" and all(cat.unmeasured(plan.kpis[0], c) is not None for c in links.ambiguous[0][2]):
            return none_measured(plan, cat)  # "EWT on night buses" when no night bus reports EWT: said, and where it is
        plan.operation = "attention" if op == "attention" else "compare"
        if op in ("rank", "explain") and _RANK_WHY.search(q):  # "which fc is worst on X and why": those compared, the worst explained
            plan.operation, plan.group_by, plan.order = "explain", "station", plan.order or "worst"
        return plan
    if links.ambiguous and op not in ("ticket_classify",):
        kind, text, cands = links.ambiguous[0]
        labels = [f"{c} ({cat.stations[c]})" if kind == "station" and c in cat.stations else c for c in cands]
        if op in ("rank", "compare", "lookup", "explain", "attention"):
            plan.notes.append(f"wanted:{'lookup' if op == 'attention' else op}")
        if kind == "service" and not op.startswith("ticket") and not (op == "out_of_scope" and which_system(q, plan, cat)):
            plan.notes.append(f"pending:{'explain' if op == 'out_of_scope' else op}")  # two: which, then its health
        plan.clarification = Clarification(kind=kind, candidates=cands,
                                           question=f"“{kind_said(q, text) if kind == 'station' else text}” matches several {kind}s: {', '.join(labels)}. Which one did you mean?")
        plan.operation = "clarify"
        return plan
    if op in ("lookup", "explain", "rank", "compare") and plan.kpis and not plan.subjects.scopes and (
            place_picked_by_what_is_not_held(q, plan, cat)):  # "at our busiest hub", "the coastal sites": which?
        return plan
    if op == "out_of_scope" and site_overview(q, plan, cat):  # "how are the gyms doing?", "how's the gym doing?"
        return plan
    if op == "out_of_scope" and which_system(q, plan, cat):  # "is the app ok?": which one, then its health
        return plan
    if op in ("lookup", "explain", "compare", "report") and plan.kpis and (missing := not_measured(plan, cat)):
        return missing
    asks_kpi = op in ("rank", "compare", "lookup", "explain") or (op == "attention" and not _ATTENTION.search(q))
    if op in ("rank", "compare", "lookup", "explain", "attention") and not plan.kpis and not any(
            n.startswith("wanted:") or n == "all_kpis" for n in plan.notes):
        plan.notes.append(f"wanted:{'lookup' if op == 'attention' else op}")  # a follow-up fills the KPI from the thread instead of asking
    if asks_kpi and not plan.kpis and links.weak_kpis and not plan.subjects.services and (
            meant := described_kpi(q, list(dict.fromkeys(c for group in links.weak_kpis for c in group)), cat)):
        plan.kpis = [meant]  # "flights cancelled for maintenance": the KPI whose description says so
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")]
        if op == "attention":
            plan.operation = "lookup"  # its value there, not the place's attention list
        return not_measured(plan, cat) or plan
    if asks_kpi and not plan.kpis and sites_asked_after(q, cat) and plan.subjects.scopes:
        plan.operation = "attention"  # "how are the lockers in the north doing?": every KPI there, what needs attention
        plan.notes = [n for n in plan.notes if not n.startswith("wanted:")]
    elif asks_kpi and not plan.kpis and links.weak_kpis and not plan.subjects.services:
        cands = list(dict.fromkeys(c for group in links.weak_kpis for c in group))  # every KPI a word named
        plan.clarification = Clarification(kind="KPI", candidates=cands, question=(
            "Which KPI do you mean: " + ", ".join(f"{c} ({cat.kpis[c][0]})" for c in cands if c in cat.kpis) + "?"))
        plan.operation = "clarify"
    elif asks_kpi and not plan.kpis and not plan.subjects.services and (cands := measure_word_kpis(q, cat)):
        plan.clarification = Clarification(kind="KPI", candidates=cands, question=(  # "what's the rate at <site>?"
            "Which KPI do you mean: " + ", ".join(f"{c} ({cat.kpis[c][0]})" for c in cands) + "?"))
        plan.operation = "clarify"
    elif op == "rank" and not plan.kpis and not plan.subjects.scopes and re.search(
            r"\bhow\s+(?:badly|well|poorly)\b|\b(?:doing|performing)\b|\boverall\b", q, _I):
        plan.operation = "attention"  # "rank the stations by how badly they're doing": what needs attention, worst first
    elif (op == "compare" and not plan.kpis and "all_kpis" not in plan.notes and len(plan.subjects.scopes) >= 2
          and all(x.level == "station" for x in plan.subjects.scopes) and plan.window is None
          and re.search(r"\b(?:doing|going|looking|performing|trending|holding\s+up)\b", q, _I)
          and not re.search(r"\b(?:compar\w*|vs\.?|versus|against|better|worse)\b", q, _I)):
        plan.operation = "attention"  # "DAL and PHX, how are they trending?": every KPI at each of them
    elif op in ("rank", "compare") and not plan.kpis and "all_kpis" not in plan.notes:
        verb = "Rank" if op == "rank" else "Compare"
        plan.clarification = Clarification(kind="KPI", candidates=list(cat.kpis), question=(
            f"{verb} by which KPI? " + ", ".join(f"{v[0]} ({c})" for c, v in list(cat.kpis.items())[:8])))
        plan.operation = "clarify"
    return plan


_ONSET_VERB = re.compile(r"\bwhen\s+did\b.*\b(start\w*|begin\w*|began)\b|\b(start\w*|begin\w*|began)\s+(?:when|at\s+what)", _I)


def _phrase_kpi(q: str, groups: list[list[str]], cat: Catalog) -> str | None:
    """Several words each naming part of one KPI ("lab" → lab turnaround, "delays" → offload delay, "start" →
    first-case starts): the verb of "when did … start" is the onset, not a KPI; of the words left, when they stand
    together as one phrase ("lab delays"), the first one qualifies the rest and names the KPI meant."""
    toks = [stem(t) for t in re.findall(r"[a-z0-9]+", fold(q).lower())]
    verb = _ONSET_VERB.search(q)
    skip = {stem(w.lower()) for w in (verb.groups() if verb else ()) if w}
    found: list[tuple[int, str]] = []
    for group in groups:
        if len(group) != 1:
            return None
        names = {stem(t) for n in [group[0], *cat.kpis.get(group[0], [])] for t in re.findall(r"[a-z0-9]+", fold(n).lower())}
        at = [i for i, t in enumerate(toks) if t in names and t not in skip and t not in STOP]
        if at:
            found.append((at[0], group[0]))
    found.sort()
    if not found or len({c for _, c in found}) != len(found):
        return None
    if len(found) == 1:
        return found[0][1] if len(groups) > 1 and skip else None
    idx = [i for i, _ in found]
    return found[0][1] if idx == list(range(idx[0], idx[0] + len(idx))) else None
