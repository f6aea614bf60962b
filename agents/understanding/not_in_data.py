"""Things people ask a count of that the data does not hold (round 7): "how many aircraft does <site> have?" when
"aircraft" is only the first word of a KPI's name ("Aircraft on ground events") — a count of what a place has or
employs is an inventory, not that KPI; it is an unknown KPI (with that KPI suggested), never that KPI's value.
Plain English only."""

from __future__ import annotations

import re

from agents.plan import Clarification, QueryPlan, ScopeRef, UnknownName
from agents.understanding.calendar_words import MON
from agents.understanding.catalog import GENERIC, Catalog, norm_tokens, phrase, stem
from agents.understanding.cues import _I, _PLACE_NOUN
from agents.understanding.linking import Links, _station_choices, _suggest
from agents.understanding.vocab import STOP

_HAS = re.compile(r"\bhow\s+many\s+([a-z][\w-]*(?:\s+[a-z][\w-]*)?)\s+(?:(?:does|do|did)\s+.+?\s+(?:have|own|operate|employ|"
                  r"run|keep|base|house|fly)|(?:are|is|were)\s+(?:there\s+)?(?:based|stationed|assigned|employed|working|"
                  r"owned|registered|in\s+the\s+fleet))\b", _I)

# "at our busiest hub", "the biggest site": a place picked by a size the data does not hold — asked which, never the
# whole organisation's answer instead
_SIZED_PLACE = re.compile(rf"\b(?:at|in|for|from|of)\s+(?:our|the|my)\s+(?:busiest|biggest|largest|smallest|quietest|main|flagship|home|"
                          rf"primary|most\s+important)\s+({_PLACE_NOUN})\b", _I)
# "compare the hub stations", "our coastal sites": a kind of place the data does not group by — asked which
_KIND_OF_PLACES = re.compile(rf"\b(?:the|our|all(?:\s+the|\s+our)?)\s+([a-z]{{3,}})\s+({_PLACE_NOUN})s\b", _I)
_ANY_KIND = frozenset({"other", "different", "various", "remaining", "two", "three", "four", "five", "both", "same",
                       "individual", "separate", "listed", "named", "above", "following", "relevant", "respective"})

def owned_count(q: str, links: Links, cat: Catalog) -> None:
    """"How many <things> does <site> have": when <things> only qualify a KPI's name (not its last word, its unit or
    a whole alias), an unknown KPI. Changes ``links``."""
    if links.kpis or len(links.weak_kpis) != 1 or not (m := _HAS.search(q)):
        return
    asked = [stem(w) for w in norm_tokens(m.group(1))]
    for code in links.weak_kpis[0]:
        names = cat.kpis.get(code, [])
        heads = {norm_tokens(n)[-1] for n in names if norm_tokens(n)}
        if set(asked) & heads:
            return  # "how many delays did <site> have": the KPI's own head noun
    links.unknown.append(UnknownName(kind="KPI", text=m.group(1), suggestions=list(links.weak_kpis[0])[:3]))
    links.weak_kpis = []


# "which technician caused the delays", "how many pilots called in sick", "who is the station manager": people, rotas
# and staffing are not in the data (a person who made a change is: "which engineer deployed …" stays a change question)
_PEOPLE = re.compile(r"\b(?:which|what|who(?:'s|\s+is|\s+are|\s+was)?(?:\s+the)?|how\s+many|name\s+the|list\s+the)\s+"
                     r"(?:\w+\s+)?(?:technicians?|mechanics?|engineers?|employees?|staff(?:\s+members?)?|people|persons?|"
                     r"pilots?|crews?|crew\s+members?|workers?|operators?|managers?|supervisors?|nurses?|doctors?|drivers?|"
                     r"pickers?|agents?|team\s+members?)\b", _I)
_PEOPLE_CHANGE = re.compile(r"\b(?:deploy\w*|releas\w*|chang\w*|commit\w*|roll\w*|revert\w*|push\w*|ship\w*|approv\w*|"
                            r"config\w*|tickets?|cases?)\b", _I)


def people_asked(q: str, cat: Catalog) -> bool:
    """A question about people (staff, crews, managers) rather than the data's own records — unless the people word
    is a word of one of the organisation's KPI names ("technicians on shift" as a KPI)."""
    m = _PEOPLE.search(q)
    if m is None or _PEOPLE_CHANGE.search(q):
        return False
    noun = stem(m.group(0).split()[-1].lower())
    return noun not in cat.kpi_words


# "how long do aircraft sit waiting for parts", "how long does it take to get parts", "what's the average wait time for
# a repair": a duration per thing, which no KPI holds unless one measures time (its name or description says so)
_HOW_LONG = re.compile(r"\bhow\s+long\s+(?:do|does|did|will|would|should)\s+(?:\w+\s+){0,5}?(?:sit|sat|wait|waited|take|took|"
                       r"stay|stayed|spend|spent|remain|remained|last|lasted|linger|get\s+stuck|stay\s+stuck)\w*\b|"
                       r"\b(?:average|typical|mean|median|usual)\s+(?:wait(?:ing)?|turn[- ]?around|dwell|lead|repair|down|"
                       r"fix|resolution|handling)\s+times?\b", _I)
_DURATION_WORDS = re.compile(r"\b(?:minutes?|mins?|hours?|hrs?|days?|time|times|duration|durations|wait\w*|turn[- ]?around|"
                             r"tat|dwell|lead\s+time|seconds?|secs?|ms)\b", _I)


def duration_asked(q: str, kpis: list[str], weak: list[list[str]], services: list[str], cat: Catalog) -> list[str] | None:
    """A duration asked ("how long do <things> wait …") that no KPI of the organisation measures: the KPIs it has
    instead (those the question named, else every one), to be said; None when it is no such question, a service
    is named (its latency is a duration) or a KPI the question names measures time."""
    if services or not _HOW_LONG.search(q):
        return None

    def timed(code: str) -> bool:
        text = " ".join(cat.kpis.get(code, [])) + " " + cat.kpi_descriptions.get(code, "")
        text = re.sub(r"\b(?:per|an|a|each|every)\s+(?:\w+\s+){0,3}?(?:hour|day|minute|week|month)\b", " ", text, flags=_I)  # a rate
        return bool(_DURATION_WORDS.search(text))

    named = list(dict.fromkeys([*kpis, *(c for g in weak for c in g)]))
    if any(timed(c) for c in named):
        return None  # "how long were the delays at <site>": a KPI in minutes answers it
    if not named and any(timed(c) for c in cat.kpis):
        return None  # nothing named: the parser's own answer (a KPI that measures time may be meant)
    return named or list(cat.kpis)


# "all the Texas stations", "our coastal sites", "stations in Texas": a grouping of places the catalog does not know
# (a US state, a country, a type of place) — asked about, never answered for some other set of places
_GROUP = re.compile(rf"\b(?:all\s+(?:of\s+)?(?:the\s+|our\s+)?|the\s+|our\s+|any\s+|which\s+)([a-z][\w-]*)\s+{_PLACE_NOUN}s\b|"
                    rf"\b{_PLACE_NOUN}s\s+(?:are\s+|do\s+we\s+have\s+)?in\s+([A-Z][a-z][\w-]*)\b", _I)
_NOT_GROUP = frozenset("other others same remaining rest main big small biggest smallest busiest quietest worst best top "
                       "bottom three four five ten few several many some both two each every different new old open "
                       "flagged red green amber failing struggling problem problematic good bad poor weak strong "
                       # "across all sites in september": a time, not a place
                       "january february march april may june july august september october november december jan feb "
                       "mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday "
                       "sunday spring summer autumn fall winter".split())


def unknown_group(q: str, links: Links, cat: Catalog) -> UnknownName | None:
    """A group of places named by a word that is no region, station or KPI word of the organisation: asked about."""
    if links.regions or links.stations:
        return None
    for m in _GROUP.finditer(q):
        word = m.group(1) or m.group(2)
        low = word.lower()
        if (low in STOP or low in GENERIC or low in _NOT_GROUP or low.endswith("est") or stem(low) in cat.phrases
                or stem(low) in cat.kpi_words or (m.group(2) is None and not word[:1].isupper() and len(low) < 4)):
            continue
        return UnknownName(kind="region", text=word, suggestions=[])
    return None


# "which aircraft tail numbers had the most <KPI>?", "<KPI> by technician": a breakdown the data does not have
# (KPIs are per place and day) — said before the places are ranked instead, never passed off as that breakdown
_WHICH_THING = re.compile(r"\b(?:which|what)\s+((?:[a-z][\w-]*\s+){0,2}?[a-z][\w-]*?)"
                          r"(?:\s+(?:at|in|on)\s+(?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,3}?)?"  # "which courier at <site> had"
                          r"\s+(?:had|has|have|did|does|do|were|was|"
                          r"is|are|got|saw|caused|with|showed|reported|logged)\b|\b(?:by|per|for\s+each|broken\s+down\s+by)\s+"
                          r"((?:[a-z][\w-]*\s+){0,1}?[a-z][\w-]*)(?:\s*\??$|\s+(?=(?:at|in|for|over|this|last|since|during|"
                          r"across|from)\b))", _I)  # "failed pickups by courier (at <site>)"
_HELD = frozenset("kpi kpis metric metrics one ones day days date dates week weeks month months year years quarter time "
                  "times weekday weekdays period periods station stations site sites region regions area "
                  "areas place places location locations service services ticket tickets incident incidents change "
                  "changes deploy deploys deployment deployments release releases product products customer customers "
                  "tier tiers priority priorities urgency status company network value values number numbers "
                  "total totals average goal goals target targets level levels state states signal signals".split())
# What operators call their sites in other trades ("which gym …", "top 2 outlets by …"): places, i.e. the stations
# the KPIs are kept by — never "a breakdown the data does not have". Singular stems (:func:`stem` of the plural too).
_SITE_WORDS = frozenset("gym shop outlet venue cinema theatre theater hotel restaurant cafe canteen kitchen school "
                        "campus college lab laboratory club pool park garage stadium arena mall market farm mine mill "
                        "factory centre center pharmacy practice surgery library studio salon kiosk showroom "
                        "dealership workshop warehouse distribution fulfilment fulfillment dc store branch depot "
                        "hospital clinic ward unit property building estate restaurant bar pub parlour spa".split())


def site_word(word: str, cat: Catalog) -> bool:
    """Whether ``word`` (singular or plural) is what the organisation calls its sites: a place noun, a site word of
    another trade ("gym", "outlet"), a word every one of its sites' names has ("… Laundromat"), or the last word of
    several of them ("… Lido": a kind of site it has)."""
    w = word.lower()
    forms = {w, w[:-1] if w.endswith("s") else w, re.sub(r"ies$", "y", w)}
    last = [n.lower().split()[-1] for n in cat.stations.values() if n.split()]
    return any(re.fullmatch(_PLACE_NOUN, f) or f in _SITE_WORDS or f in cat.site_name_words or last.count(f) >= 2
               for f in forms)


_HOW_IS_SITE = re.compile(r"\bhow(?:'s|\s+is|\s+are|\s+was|\s+were)\s+(?:the|our|my|all(?:\s+the|\s+our)?)\s+([a-z]+)\s+"
                          r"(?:doing|going|looking|performing|getting\s+on)\b", _I)


# "how is glasgow doing?", "how's Glasgow Central lockers doing?", "how are things at glasgow?": a place asked after
_HOW_IS_PLACE = re.compile(r"\bhow(?:'s|\s+is|\s+are|\s+was|\s+were|\s+did)\s+(?P<things>things\s+(?:at|in)\s+)?(?:the\s+)?"
                           r"(?P<said>(?:[\w'-]+\s+){0,3}?[\w'-]+)(?:\s+(?P<verb>doing|going|looking|performing|getting\s+on|"
                           r"do)\b|\s*[?.!]*$)", _I)
_NOT_A_PLACE = frozenset("we you they i us things everything everyone everybody it ops operations business company "
                         "team network overall all stuff that this those these he she".split())


def unknown_place_asked(q: str, cat: Catalog) -> UnknownName | None:
    """The place a "how is <place> doing?" question names when the organisation has no such site: said so, with the
    closest sites — never the whole organisation's answer instead. None when the words are no place ("how are we
    doing?") or only a site word ("how are the gyms doing?", answered by :func:`site_overview`). Without a verb
    ("how is Glasgow?") only a capitalised name or "things at <place>" counts."""
    if (m := _HOW_IS_PLACE.search(q)) is None:
        return None
    words = m.group("said").split()
    while words and site_word(words[-1], cat):
        words = words[:-1]  # "Glasgow Central lockers": the name before what the organisation calls its sites
    if not words or not (m.group("verb") or m.group("things") or words[0][:1].isupper()):
        return None
    if (any(w.lower() in _NOT_A_PLACE or w.lower() in STOP or not w.isalpha() for w in words)
            or all(w.lower() in GENERIC for w in words)):
        return None  # "how are we doing?", "how is the north doing?" (a word sites and regions are named with)
    if any(stem(w.lower()) in cat.kpi_words or stem(w.lower()) in cat.phrases or w.lower() in MON for w in words):
        return None  # "how are queues doing?", "how did december do?": a KPI, another name or a month, not a place
    said = " ".join(words)
    if any(k == "station" for x in (said, m.group("said")) for k, _, _ in cat.phrases.get(phrase(x), [])):
        return None  # "how are the theme parks doing?" where the site sheet calls some sites "theme": those sites
    return UnknownName(kind="station", text=said, suggestions=_suggest(said, _station_choices(cat)))


def place_blanked(q: str, links: Links, cat: Catalog) -> str:
    """``q`` with the places it names that the organisation does not have blanked (those after "at"/"in", and the
    place of a "how is <place> doing on <KPI>" question): "how is Mystic Falls doing on queues", "queues at Mystic
    Falls" do not ask why something fell."""
    asked = unknown_place_asked(q, cat) if (links.kpis or links.weak_kpis) and not (links.stations or links.regions) else None
    for u in [*links.maybe_unknown, *([asked] if asked else [])]:
        if u.kind == "station":
            q = re.sub(rf"(?<!\w){re.escape(u.text)}(?!\w)", lambda m: "x" * len(m.group(0)), q, count=1)
    return q


_SITES_DOING = re.compile(r"\b(?:the|our|my|all(?:\s+the|\s+our)?)\s+([a-z]+)\s+(?:(?:in|at|across|around)\s+(?:the\s+)?"
                          r"[\w'-]+\s+)?(?:doing|going|looking|performing|getting\s+on)\b", _I)


def sites_asked_after(q: str, cat: Catalog) -> bool:
    """"How are the lockers (in the north) doing?" where "lockers" is what the organisation calls its sites: the
    sites asked after, not a KPI whose name has the word ("Locker fill rate")."""
    return (m := _SITES_DOING.search(q)) is not None and site_word(m.group(1), cat)


def site_overview(q: str, plan: QueryPlan, cat: Catalog) -> bool:
    """"How are the gyms doing?": every site's KPIs needing attention (``attention``); "how's the gym doing?" with
    several: which one (``clarify``), with one: that one. Only when nothing else was named. Fills ``plan``."""
    if plan.kpis or plan.subjects.scopes or plan.subjects.services or not (m := _HOW_IS_SITE.search(q)):
        return False
    word = m.group(1)
    if not site_word(word, cat) or not cat.stations:
        return False
    plural = word.lower().endswith("s") and site_word(word[:-1], cat) if not word.lower().endswith("ss") else False
    if plural or len(cat.stations) == 1:
        plan.operation = "attention"
        if not plural:
            code, name = next(iter(cat.stations.items()))
            plan.subjects.scopes = [ScopeRef(level="station", code=code, name=name)]
        return True
    listed = sites_listed(cat)
    plan.notes.append("pending:attention")
    plan.clarification = Clarification(kind="station", candidates=list(cat.stations), question=(
        f"Which {word.lower()}? There are {len(cat.stations)}: {listed}. Or ask how they are all doing."))
    plan.operation = "clarify"
    return True


def other_breakdown(q: str, plan_kpis: list[str], cat: Catalog) -> str | None:
    """The words of a breakdown asked for that the organisation's KPIs are not kept by, or None."""
    if not plan_kpis or not (m := _WHICH_THING.search(q)):
        return None
    said = (m.group(1) or m.group(2)).lower()
    words = said.split()
    head = words[-2] if len(words) > 1 and words[-1] in ("number", "numbers", "ids", "id", "codes", "names") else words[-1]
    if head in ("hour", "hours", "hourly"):  # KPIs are kept a day at a time, never by the hour (even "Empty-dock hours")
        return said
    heads = {stem(norm_tokens(n)[-1]) for c in plan_kpis for n in cat.kpis.get(c, []) if norm_tokens(n)}  # its own
    last = norm_tokens(said)[-1:] or [head]  # "check-ins": its last word, as the KPI names are tokenised
    if (head in _HELD or stem(head) in _HELD or re.fullmatch(_PLACE_NOUN + "s?", head) or head in STOP
            or stem(head) in heads or stem(last[0]) in heads
            or any(k in ("station", "region") or (c in plan_kpis and st == 2) for k, c, st in cat.phrases.get(stem(head), []))
            # a site's word or the asked KPI's own name — not another KPI's ("which courier had the most failed pickups":
            # no couriers), nor a word qualifying the asked KPI's name ("which turbine" of "Turbine availability")
            or head in _SITE_WORDS or stem(head) in _SITE_WORDS or head.rstrip("s") in _SITE_WORDS
            or re.sub(r"ies$", "y", head) in _SITE_WORDS
            or stem(head) in {stem(t) for name in cat.stations.values() for t in norm_tokens(name)}):
        return None  # a site word, or the word the organisation's own site names use ("Harbour Laundromat")
    return said


def breakdown_word_dropped(q: str, weak: list[list[str]], cat: Catalog) -> list[list[str]]:
    """``weak`` without the KPIs named only by the thing a "which <thing> … had" question asks about, when another
    word names a KPI too ("which turbine had the most faults": "turbine" of "Turbine availability" is the breakdown
    asked for, the faults are the KPI) — never all of them."""
    if len(weak) < 2 or not (m := _WHICH_THING.search(q)) or m.group(1) is None:
        return weak
    head = stem(norm_tokens(m.group(1))[-1]) if norm_tokens(m.group(1)) else ""
    by_head = sorted({c for k, c, _ in cat.phrases.get(head, []) if k == "kpi"})
    left = [g for g in weak if sorted(g) != by_head]
    return left if left else weak


def place_picked_by_what_is_not_held(q: str, plan: QueryPlan, cat: Catalog) -> bool:
    """A place picked by its size ("at our busiest hub") or by a kind the data does not group by ("the coastal
    sites"): asked which, never the whole organisation's answer instead. Sets the clarification on ``plan``."""
    op = plan.operation
    if op in ("lookup", "explain") and (m := _SIZED_PLACE.search(q)):
        question = (f"Which {m.group(1).lower()} is “{m.group(0).split(maxsplit=1)[1]}”? The data holds no traffic or "
                    f"size figures to tell; name one: {sites_listed(cat)}.")
    elif (m := _KIND_OF_PLACES.search(q)) and m.group(1).lower() not in _ANY_KIND | STOP:
        kind = m.group(2).lower()
        question = (f"Which {kind}s are “{m.group(1)}” {kind}s? The data does not group them that way; name them, or "
                    f"ask about all {kind}s: {sites_listed(cat, with_names=False)}.")
    else:
        return False
    plan.notes.append(f"pending:{op}")
    plan.clarification = Clarification(kind="station", candidates=list(cat.stations), question=question)
    plan.operation = "clarify"
    return True


def sites_listed(cat: Catalog, codes: list[str] | None = None, *, with_names: bool = True, most: int = 12) -> str:
    """"DAL (Dallas), PHX (Phoenix), …": ``codes`` (every site when None), the first ``most`` of them."""
    codes = list(cat.stations) if codes is None else codes
    said = ", ".join(f"{c} ({cat.stations.get(c, c)})" if with_names else c for c in codes[:most])
    return said + ("…" if len(codes) > most else "")


def none_measured(plan: QueryPlan, cat: Catalog) -> QueryPlan:
    """A KPI asked at several stations none of which reports it: said for all of them, with where it is reported."""
    kpi, codes = plan.kpis[0], [x.code for x in plan.subjects.scopes if x.code]
    where = cat.unmeasured(kpi, codes[0]) or []
    here = ", ".join(f"{c} ({cat.stations.get(c, c)})" for c in codes)
    listed = sites_listed(cat, where)
    plan.notes.append(f"pending:{plan.operation}")
    plan.subjects.scopes = []
    plan.clarification = Clarification(kind="station", candidates=list(where), question=(
        f"There is no {cat.kpis.get(kpi, [kpi])[0]} data at {here}; it is reported at {listed or 'no station yet'}."
        + (" Which one did you mean?" if where else "")))
    plan.operation = "clarify"
    return plan


def not_measured(plan: QueryPlan, cat: Catalog) -> QueryPlan | None:
    """A KPI asked at a station that does not report it (a sewage plant has no supply availability): say so and ask
    which of the stations that do report it was meant, instead of an empty series."""
    kpi = plan.kpis[0]
    for scope in plan.subjects.scopes:
        if scope.level != "station" or not scope.code or (where := cat.unmeasured(kpi, scope.code)) is None:
            continue
        name = cat.kpis.get(kpi, [kpi])[0]
        here = f"{scope.code} ({cat.stations.get(scope.code, scope.code)})"
        if not where:
            question = f"There is no {name} data at {here} (nor anywhere else yet)."
        else:
            listed = sites_listed(cat, where)
            question = f"There is no {name} data at {here}; it is reported at {listed}. Which one did you mean?"
        if by := next((n.split(":", 2)[2] for n in plan.notes if n.startswith("asks:breakdown:")), None):
            question = f"The data has no breakdown by {by}: KPIs are recorded per station and day only. {question}"
        plan.notes.append(f"pending:{plan.operation}")
        plan.subjects.scopes = [x for x in plan.subjects.scopes if x is not scope]
        plan.clarification = Clarification(kind="station", candidates=list(where), question=question)
        plan.operation = "clarify"
        return plan
    return None


# "is the app ok?", "is the site down?", "is the api working?": a system named by what it is, not by its name
_WHICH_SYSTEM = re.compile(r"\b(?:the|our)\s+(app|apps|api|website|system|platform|backend|server|service|portal|"
                           r"page|mobile\s+app|web\s*app)\b.*?\b(ok|okay|up|down|working|healthy|broken|slow|fine|"
                           r"alive|erroring|failing|struggling|alright|all\s+right)\b", _I)


def which_system(q: str, plan: QueryPlan, cat: Catalog) -> bool:
    """"Is the app ok?" with no service named: which one (those whose name or description has the word first), then
    its health. Fills ``plan`` (``clarify``, pending ``explain``); False when nothing like that was asked."""
    if plan.kpis or plan.subjects.scopes or plan.subjects.services or not cat.services or not (
            m := _WHICH_SYSTEM.search(q)):
        return False
    word = m.group(1).lower().split()[-1].rstrip("s")
    named = [x for x in cat.services if word in (w.lower() for w in re.split(r"[-_.\s]+|(?<=[a-z])(?=[A-Z])", x))]
    cands = named + [x for x in cat.services if x not in named]
    plan.notes += ["metric:health", "pending:explain"]
    plan.clarification = Clarification(kind="service", candidates=cands, question=(
        f"Which {m.group(1).lower()} do you mean? " + ", ".join(cands[:15]) + ("…" if len(cands) > 15 else "")))
    plan.operation = "clarify"
    return True
