"""Sites of one kind: several stations whose names share a word ("… Wind Farm", "… Cinema") said as a set — in the
plural, "all the …", "which …" — are those sites, not a question of which one: "how are the <kind>s doing?" (every KPI
there), "<kind>s vs <other kind>s on X" (both sets side by side). In a thread, "and the other <kind>s?" is the thread's
KPI at the sites of that kind other than the thread's. Plain English only."""

from __future__ import annotations

import re

from agents.plan import Operation, QueryPlan, ScopeRef
from agents.understanding.catalog import Catalog
from agents.understanding.cues import _I, _PLACE_NOUN
from agents.understanding.linking import Links
from agents.understanding.words import fold

OTHERS = "sites:others"  # "the other <kind>s": the thread's own site left out (the router, once the thread is known)
_SET, _DOING = "sites:kind", "sites:doing"  # a kind's sites as a set; "how are they doing?" (every KPI, not the thread's)
_HOW = re.compile(r"\b(?:doing|going|looking|performing|holding\s+up|getting\s+on)\b", _I)
# the words a question about a set of sites may have besides the set ("and how are the other <kind>s doing then?")
_FILLER = frozenset(
    "and but so ok okay then now also too as well what about how how's hows are is was were re doing going looking "
    "performing holding up the our other others rest remaining of all every each both at for across in on over with vs "
    "versus same there those them these please show me tell give status overview look looks like s".split())


def said_as_set(q: str, text: str) -> bool:
    """"the <kind>s", "all (of) the <kind>", "each <kind> site", "which <kind>": every place the word names."""
    t = re.escape(text)
    return bool(re.search(rf"\b(?:all|every|each|both)\s+(?:of\s+)?(?:the\s+|our\s+)?{t}|"
                          rf"\b{t}(?:s|es|\s+{_PLACE_NOUN}s)\b|\bwhich\s+(?:of\s+the\s+)?{t}\b", fold(q), _I))


def _only_sites(text: str, words: list[str]) -> bool:
    rest = fold(text).lower()
    for w in words:
        rest = re.sub(rf"\b{re.escape(w.lower())}(?:s|es|\s+{_PLACE_NOUN}s?)?\b", " ", rest)
    return all(w in _FILLER for w in re.findall(r"[a-z]+", rest))


def kind_sets(q: str, text: str, plan: QueryPlan, links: Links, cat: Catalog, op: Operation) -> Operation | None:
    """In the parser, before "which one did you mean?": the operation for sites of a kind said as a set (``text``:
    the question without its period), or None. Two kinds or more: both sets, the scopes filled; one kind with nothing
    else asked ("how are the <kind>s doing?", "and the other <kind>s?"): what needs attention there."""
    if links.stations or plan.subjects.services or plan.subjects.incidents or plan.subjects.tickets:
        return None
    sets = [a for a in links.ambiguous if a[0] == "station" and len(a[2]) >= 2 and said_as_set(q, a[1])]
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
    return [x for x in prior.subjects.scopes if x.level in ("station", "region") and x.code]


def in_thread(plan: QueryPlan, prior: QueryPlan | None, cat: Catalog) -> None:
    """After the merge: "the other <kind>s" without the thread's site; "how are the <kind>s doing?" every KPI there."""
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
