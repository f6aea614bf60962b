"""Sites of one kind: several stations whose names share a word ("… Wind Farm", "… Cinema") said as a set — in the
plural, "all the …", "which …" — are those sites, not a question of which one: "how are the <kind>s doing?" (every KPI
there), "<kind>s vs <other kind>s on X" (both sets side by side). In a thread, "and the other <kind>s?" is the thread's
KPI at the sites of that kind other than the thread's. A "which one did you mean?" asked in a thread keeps the thread's
KPI and period for the answer ("<site>", "all of them"), and is never asked again word for word: a turn that does not
answer it ("why?") goes on with the thread's last answered subject. Plain English only."""

from __future__ import annotations

import re

from agents.plan import Operation, QueryPlan, ScopeRef
from agents.understanding.catalog import Catalog, norm_tokens, stem
from agents.understanding.cues import _I, _PLACE_NOUN
from agents.understanding.linking import Links
from agents.understanding.words import fold

OTHERS = "sites:others"  # "the other <kind>s": the thread's own site left out (the router, once the thread is known)
_SET, _DOING = "sites:kind", "sites:doing"  # a kind's sites as a set; "how are they doing?" (every KPI, not the thread's)
_HOW = re.compile(r"\b(?:doing|going|looking|performing|holding\s+up|getting\s+on)\b", _I)
WAS_AT = "was_at:"  # a clarification's note of the thread's answered places ("was_at:station:CDW")
# the words a question about a set of sites may have besides the set ("and how are the other <kind>s doing then?")
_FILLER = frozenset(
    "and but so ok okay then now also too as well what about how how's hows are is was were re doing going looking "
    "performing holding up the our other others rest remaining of all every each both at for across in on over with vs "
    "versus same there those them these please show me tell give status overview look looks like s".split())


# what a site is called after its kind ("the theme parks", "the leisure centres"): plain English, any organisation
_SITE_NOUN = (rf"(?:{_PLACE_NOUN}|park|centre|center|campus|field|works|pool|farm|school|college|shop|restaurant|"
              r"venue|club|gym|library|stadium|arena|mall|garage|hotel|site|unit|outlet|kiosk|lodge|ground)")


def said_as_set(q: str, text: str, cat: Catalog | None = None) -> bool:
    """"the <kind>s", "all (of) the <kind>", "each <kind> site", "which <kind>": every place the word names. With
    ``cat``, also the kind said before a KPI's word ("theme park queues last week", "garage fill rate": a kind of the
    site sheet's, or a word with a site noun after it): what those sites have — never one of them to pick."""
    t = re.escape(text)
    if re.search(rf"\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+|our\s+)?{t}|"
                 rf"\b{t}(?:s|es|\s+{_SITE_NOUN}s)\b|\bwhich\s+(?:of\s+the\s+)?{t}\b", fold(q), _I):
        return True
    if cat is None:
        return False
    kinds = {" ".join(norm_tokens(k)) for k in cat.station_kinds.values()}  # the site sheet's type column
    m = re.search(rf"\b{t}(?P<noun>\s+{_SITE_NOUN})?\s+([a-z][\w-]*)", fold(q), _I)
    return bool(m and (m.group("noun") or " ".join(norm_tokens(text)) in kinds)  # not "harbour otp": a name's word
                and stem(m.group(2).lower()) in cat.kpi_words
                and not re.search(rf"\b(?:this|that|a|one)\s+{t}", fold(q), _I))


def kind_said(q: str, text: str) -> str:
    """The kind as the question says it, with the site noun after it ("theme park" for "theme"), for asking which."""
    m = re.search(rf"\b{re.escape(text)}\s+{_SITE_NOUN}\b", fold(q), _I)
    return m.group(0) if m else text


def _only_sites(text: str, words: list[str]) -> bool:
    rest = fold(text).lower()
    for w in words:
        rest = re.sub(rf"\b{re.escape(w.lower())}(?:s|es|\s+{_SITE_NOUN}s?)?\b", " ", rest)
    return all(w in _FILLER for w in re.findall(r"[a-z]+", rest))


def kind_sets(q: str, text: str, plan: QueryPlan, links: Links, cat: Catalog, op: Operation) -> Operation | None:
    """In the parser, before "which one did you mean?": the operation for sites of a kind said as a set (``text``:
    the question without its period), or None. Two kinds or more: both sets, the scopes filled; one kind with nothing
    else asked ("how are the <kind>s doing?", "and the other <kind>s?"): what needs attention there."""
    if links.stations or plan.subjects.services or plan.subjects.incidents or plan.subjects.tickets:
        return None
    sets = [a for a in links.ambiguous if a[0] == "station" and len(a[2]) >= 2 and said_as_set(q, a[1], cat)]
    if not sets:
        return None
    words = "|".join(re.escape(a[1]) for a in sets)
    if re.search(rf"\b(?:other|remaining|rest\s+of\s+(?:the\s+|our\s+)?)\s*(?:{words})", fold(q), _I) and OTHERS not in plan.notes:
        plan.notes.append(OTHERS)
    plan.notes += [_SET] + ([_DOING] if _HOW.search(q) else [])
    if len(sets) >= 2:  # "<kind>s vs <other kind>s on X": every site of either kind, side by side
        codes = list(dict.fromkeys(c for a in sets for c in a[2]))
        plan.subjects.scopes = [ScopeRef(level="station", code=c, name=cat.stations.get(c)) for c in codes]
        links.ambiguous = [a for a in links.ambiguous if a not in sets]
        op = "compare" if plan.kpis or op in ("compare", "rank", "lookup", "explain") else "attention"
    elif op in ("out_of_scope", "lookup") and not plan.kpis and _only_sites(text, [a[1] for a in sets]):
        op = "attention"  # the parser's "several places" step fills the scopes
    else:
        plan.notes = [n for n in plan.notes if n not in (_SET, _DOING)]
        return None
    plan.operation = op
    return op


def _thread_places(prior: QueryPlan) -> list[ScopeRef]:
    if prior.operation == "clarify":
        return [ScopeRef(level="region" if n.split(":")[1] == "region" else "station", code=n.split(":", 2)[2])
                for n in prior.notes if n.startswith(WAS_AT) and n.count(":") >= 2]
    return [x for x in prior.subjects.scopes if x.level in ("station", "region") and x.code]


def in_thread(plan: QueryPlan, prior: QueryPlan | None, cat: Catalog) -> None:
    """After the merge: "the other <kind>s" without the thread's site; a station clarification asked in a thread
    keeps the thread's KPI, period and places (so "<site>", "all of them" or "why?" next go on with them)."""
    kind_set, doing = _SET in plan.notes, _DOING in plan.notes
    plan.notes = [n for n in plan.notes if n not in (_SET, _DOING)]
    if kind_set and "kpis" in plan.inherited and plan.kpis and (
            (doing and OTHERS not in plan.notes) or all(cat.unmeasured(plan.kpis[0], x.code or "") is not None
                                                        for x in plan.subjects.scopes)):
        plan.kpis, plan.operation = [], "attention"  # "how are the <kind>s doing?": every KPI there, not the thread's one
        plan.inherited.remove("kpis")
    if OTHERS in plan.notes:
        plan.notes.remove(OTHERS)
        here = {x.code for x in (_thread_places(prior) if prior is not None else [])}
        left = [x for x in plan.subjects.scopes if x.code not in here]
        if here and left and len(left) < len(plan.subjects.scopes):
            plan.subjects.scopes = left
            plan.follow_up = True
        if plan.kpis and plan.operation in ("lookup", "explain") and len(plan.subjects.scopes) >= 2:
            plan.operation = "compare"  # the thread's KPI at each of them, side by side
        elif plan.operation == "compare" and len(plan.subjects.scopes) == 1 and plan.kpis:
            plan.operation = "lookup"
    if plan.operation != "clarify":
        plan.notes = [n for n in plan.notes if not n.startswith(WAS_AT)]
        return
    c = plan.clarification
    if c is None or c.kind != "station" or any(n.startswith(WAS_AT) for n in plan.notes):
        return
    answered = prior is not None and prior.operation not in ("clarify", "unknown", "out_of_scope")
    if not any(n.startswith("pending:") for n in plan.notes):  # "all of them", "<site>" next: answered, not asked again
        plan.notes.append("pending:" + (prior.operation if answered and prior is not None and prior.operation in (
            "lookup", "explain", "attention") else "lookup" if plan.kpis or answered else "attention"))
    if not answered or prior is None:
        return
    if not plan.kpis and prior.kpis:  # "what about the <kind>?" after "<KPI> at <site>": that KPI, once it is known where
        plan.kpis = list(prior.kpis)
        plan.inherited.append("kpis")
        plan.follow_up = True
    if plan.window is None and prior.window is not None:
        plan.window = prior.window.model_copy()
        plan.inherited.append("window")
    plan.notes += [f"{WAS_AT}{x.level}:{x.code}" for x in _thread_places(prior)]


def not_answered(plan: QueryPlan, prior: QueryPlan | None) -> bool:
    """The same clarification as the thread's last turn: its question was not answered."""
    return bool(prior is not None and prior.operation == "clarify" and plan.operation == "clarify"
                and plan.clarification is not None and prior.clarification is not None
                and plan.clarification.question == prior.clarification.question)


def resumed(prior: QueryPlan, cat: Catalog) -> QueryPlan | None:
    """The thread's last answered plan, as a clarification asked in it noted it (its KPI, period and places)."""
    places = _thread_places(prior)
    pending = next((n.split(":", 1)[1] for n in prior.notes if n.startswith("pending:")), None)
    if not places or not pending:
        return None
    out = prior.model_copy(deep=True)
    out.operation, out.clarification = pending, None  # type: ignore[assignment]
    out.subjects.scopes = [x.model_copy(update={"name": cat.stations.get(x.code or "") if x.level == "station"
                                                 else cat.regions.get(x.code or "")}) for x in places]
    out.notes = [n for n in out.notes if not n.startswith(("pending:", WAS_AT))]
    return out


def asked_again(plan: QueryPlan, cat: Catalog) -> str:
    """A clarification not answered, said differently: the choices, and that all of them will do."""
    c = plan.clarification
    assert c is not None
    if c.kind == "station" and len(c.candidates) >= 2:
        labels = [f"{x} ({cat.stations[x]})" if x in cat.stations else x for x in c.candidates]
        return (f"I still need to know which one you meant before I can answer: {', '.join(labels[:-1])} or {labels[-1]}. "
                f"Name one, or say “all of them”.")
    return f"I still need an answer to this before I can go on — {c.question[:1].lower()}{c.question[1:]}"
