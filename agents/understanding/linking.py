"""Link the words of a question to the organisation's catalog.

Codes in any case, names and parts of names ("Seattle" → "Seattle-Tacoma"),
aliases, plural/singular, hyphen-less service names ("checkout api"), typos
(rapidfuzz, :data:`FUZZY_CUTOFF` tuned on the dev set in
tests/unit/test_understanding_cases.py), and identifiers of whatever shape the
organisation uses, looked up in its data. What looks like a name but is not in
the catalog comes back in ``unknown`` with close matches; a phrase naming
several things comes back in ``ambiguous``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from agents.plan import UnknownName
from agents.understanding.catalog import GENERIC, Catalog, fold, norm_tokens, stem
from agents.understanding.link_rules import (
    abbreviated_words,
    config_by_its_word,
    config_by_leaf,
    config_by_words,
    key_changes,
    kpi_by_coverage,
    service_slot_name,
    spaced_compounds,
    take,
)
from agents.understanding.name_before_kpi import name_before_kpi, name_run
from agents.understanding.name_parts import not_a_service_typo
from agents.understanding.service_about import link_described_service
from agents.understanding.site_kind_words import kind_contradicted
from agents.understanding.sites import (
    apostrophe_place,
    code_runs,
    common_word_only,
    initial_numbered,
    moving,
    narrow,
    numbered_by_name,
    numbered_miss,
    other_place,
    shouting,
    sibling_unknown,
    unnamed_place,
    words_before_place,
)
from agents.understanding.vocab import ACRONYMS, PLACE_PREPS, STOP
from store.models import PRODUCTS

FUZZY_CUTOFF = 80.0  # rapidfuzz ratio (0-100) for a typo'd name; see the dev-set test
NEAR_PLACE_CUTOFF = 70.0  # a word after "at"/"in" this close to a word of a station's name is a place to ask about
SUGGEST_CUTOFF = 50.0

_RAW = re.compile(r"[A-Za-z0-9][A-Za-z0-9_\-./'#]*")  # "#": ids like "rel#4471-tg"
_IDISH = re.compile(r"^[A-Za-z]{1,8}[-_ ]?\d{2,}[A-Za-z0-9-]*$")


_NUMBERED = re.compile(r"\b(incidents?|outages?|inc|tickets?|cases?|deploy(?:ment)?s?|releases?|config(?:uration)?\s+changes?)"
                       r"\s*(?:#|no\.?\s*|number\s+)?(\d+)\b(?!\s*(?:[-/:.]\d|%|(?:days?|weeks?|months?|years?|hours?|hrs?|mins?|minutes?|d|h|w)\b))", re.I)
_NUMBER_KINDS = (("incident", ("inc", "outage")), ("ticket", ("ticket", "case")), ("deployment", ("deploy", "release")),
                 ("config_change", ("config",)))


_CONFIG_WORDS = re.compile(r"\b(config\w*|setting\w*|flag\w*|parameter\w*)\b", re.I)
_TOGGLED = re.compile(r"\b(?:turn\w*|switch\w*)\s+(?:on|off)\b|\b(?:flip\w*|toggl\w*|enabl\w*|disabl\w*)\b", re.I)


_CHANGED = re.compile(r"\b(?:who|when)\b.*\b(?:chang\w*|set|raised|lowered|bumped|updated|edited|touched)\b", re.I)


@dataclass
class Links:
    stations: list[str] = field(default_factory=list)
    regions: list[str] = field(default_factory=list)
    kpis: list[str] = field(default_factory=list)
    weak_kpis: list[list[str]] = field(default_factory=list)  # one word naming part of several KPIs
    services: list[str] = field(default_factory=list)
    incidents: list[str] = field(default_factory=list)
    tickets: list[str] = field(default_factory=list)
    deployments: list[str] = field(default_factory=list)
    config_changes: list[str] = field(default_factory=list)
    commits: list[str] = field(default_factory=list)
    unknown: list[UnknownName] = field(default_factory=list)
    maybe_unknown: list[UnknownName] = field(default_factory=list)  # only counts when the question is about a place
    ambiguous: list[tuple[str, str, list[str]]] = field(default_factory=list)  # (kind, text, candidates)
    kpi_words: list[str] = field(default_factory=list)  # unlinked words right before "at/in <place>"

    def add(self, kind: str, value: str) -> None:
        lst: list[str] = getattr(self, {"station": "stations", "region": "regions", "kpi": "kpis",
                                        "service": "services", "incident": "incidents", "ticket": "tickets",
                                        "deployment": "deployments", "config_change": "config_changes",
                                        "commit": "commits"}[kind])
        if value not in lst:
            lst.append(value)


@dataclass
class _Tok:
    raw: str  # as typed
    norm: str  # lower-case, singular
    ix: int  # index of the raw word
    used: bool = False


def _suggest(text: str, choices: dict[str, str], n: int = 3) -> list[str]:
    """Close matches: ``choices`` maps what to compare → what to suggest."""
    got = process.extract(text.lower(), list(choices), scorer=fuzz.WRatio, limit=n * 2, score_cutoff=SUGGEST_CUTOFF)
    return list(dict.fromkeys(choices[c] for c, _, _ in got))[:n]


_MEASURE = frozenset("rate rates ratio time times score count index level pct percent percentage latency share".split())


def _acronym_measure(toks: list[_Tok], at: int) -> str | None:
    """"OTP MX rate": upper-case short words running into a measure word, a metric's name; else None."""
    j = at
    while j < len(toks) and re.fullmatch(r"[A-Z]{2,5}", toks[j].raw):
        j += 1
    if j == at or j >= len(toks) or toks[j].raw.lower() not in _MEASURE:
        return None
    return " ".join(t.raw for t in toks[at:j + 1])


def _station_choices(cat: Catalog) -> dict[str, str]:
    out = {c.lower(): c for c in cat.stations}
    out.update({fold(n).lower(): c for c, n in cat.stations.items()})
    return out


def _near_place(word: str, cat: Catalog) -> list[str]:
    """Station codes whose name has a word close to ``word`` ("dundy" → the station named "Dundee …"): a
    misspelled place after "at"/"in" is asked about, never silently dropped."""
    w = word.lower()
    if len(w) < 4:
        return []
    return [c for c, n in cat.stations.items()
            if any(len(x) >= 4 and fuzz.ratio(w, x) >= NEAR_PLACE_CUTOFF for x in re.findall(r"[a-z]+", fold(n).lower()))]


def link(question: str, cat: Catalog) -> Links:
    out = Links()
    question = fold(question)  # "Zürichberg", "Genève" as typed, with or without their accents
    raws = [(m.group(0).rstrip(".'/-_#"), m.start()) for m in _RAW.finditer(question)]
    raws = [(r, s) for r, s in raws if r]
    used_raw: set[int] = set()

    # 1. Identifiers, looked up in the data (any case, with or without the separator).
    squashed = cat.ids_squashed
    services_low = {s.lower(): s for s in cat.services}
    places_low = {fold(c).lower() for c in (*cat.stations, *cat.regions)}  # "ŁDZ-01" typed as "LDZ-01"
    numbered = cat.station_numbers
    for i in range(len(raws) - 1):  # an id or a site code typed with a space: "pd 88207", "DS 417"
        (a, at_a), (b, at_b) = raws[i], raws[i + 1]
        if not (a.isalpha() and re.fullmatch(r"\d+[a-z]?", b, re.I) and question[at_a + len(a):at_b].isspace()):
            continue
        site = numbered.get(a.lower() + re.sub(r"^0+(?=\d)", "", b.lower())) or initial_numbered(a, b, cat)
        hit = ("station", site) if site else squashed.get(a.lower() + b.lower())
        if hit and i not in used_raw:
            out.add(*hit)
            used_raw.update((i, i + 1))
        elif not hit and i not in used_raw and (miss := numbered_miss(a, b, cat)):
            out.unknown.append(miss)  # "Tower 999" when the towers are 114 and 207: not one of them
            used_raw.update((i, i + 1))
    for code, start, end in numbered_by_name(question, cat):  # "the 38": the site named "Route 38"
        out.add("station", code)
        used_raw.update(i for i, (_, at) in enumerate(raws) if start <= at < end)
    for codes, ix in code_runs(raws, question, used_raw, cat):  # "M1 J25": the one site coded "M1-J25-…"
        if len(codes) == 1:
            out.add("station", codes[0])
        else:
            out.ambiguous.append(("station", raws[ix[0]][0], codes))  # "J25": on two of the sites' codes
        used_raw.update(ix)
    for version, ext in cat.deployment_versions.items():  # "who deployed v12.4 hotfix 3": a version with spaces
        if " " in version.strip() and re.search(r"\d", version) and (
                m := re.search(rf"(?<![\w.]){re.escape(version.strip())}(?![\w.])", question, re.I)):
            out.add("deployment", ext)
            used_raw.update(i for i, (_, at) in enumerate(raws) if m.start() <= at < m.end())
    for word, ext in cat.version_products.items():  # "did the freeradius upgrade break anything": the product a
        for i, (r, _) in enumerate(raws):                # version string names ("freeradius 3.2.6"), only that one
            if i not in used_raw and r.lower() == word:
                out.add("deployment", ext)
                used_raw.add(i)
    for i, (r, _) in enumerate(raws):
        low = r.lower()
        if i in used_raw:
            continue
        if re.sub(r"'s$", "", low) in services_low:  # a service named like an id ("svc-01") is that service
            continue
        if low in places_low:  # a site coded like an id is that site (linked with the places below)
            continue
        hit = cat.ids.get(low) if any(ch.isdigit() for ch in low) or re.search(r"[._]", low) else None
        hit = hit or (squashed.get(re.sub(r"[-_]", "", low)) if any(ch.isdigit() for ch in low) else None)
        hit = hit or (("config_change", leaf) if (leaf := config_by_leaf(r, cat)) else None)  # a key's last part
        if hit:
            out.add(hit[0], hit[1])
            used_raw.add(i)
            continue
        parts = re.findall(r"[a-z]+|\d+", low)
        if site := numbered.get("".join(str(int(p)) if p.isdigit() else p for p in parts)) if any(ch.isdigit() for ch in low) else None:
            out.add("station", site)  # "ds-417", "ds417", "DS_417": the site coded DS_0417
            used_raw.add(i)
            continue
        if parts and parts[0].isalpha() and any(p.isdigit() for p in parts) and not re.fullmatch(r"p(?:50|75|90|95|99|999)", low) and (
                same := [c for c in cat.stations if re.match(rf"{re.escape(parts[0])}(?:[-_ ]?\d|[-_. ][a-z]+[-_. ]?\d)", fold(c).lower())]):
            out.unknown.append(UnknownName(kind="station", text=r, suggestions=[  # "DS_0999": not one of the DS_… sites
                c for c, _, _ in process.extract(r, same, scorer=fuzz.ratio, limit=3)]))
            used_raw.add(i)
            continue
        if len(low) >= 7 and re.fullmatch(r"[0-9a-f]+", low) and any(ch.isdigit() for ch in low):
            full = [s for s in cat.commits if s.lower().startswith(low)]
            if full:
                out.add("commit", full[0])
                used_raw.add(i)
                continue
        if _IDISH.match(r) and "-" in r and not re.fullmatch(r"[A-Za-z]\d+", r):
            prefix = re.match(r"[A-Za-z]+", r)
            kind = cat.id_prefixes.get(prefix.group(0).lower(), "") if prefix else ""
            if not kind:
                around = question.lower()
                kind = next((k for k, words in (("incident", ("incident", "outage")), ("ticket", ("ticket", "case")),
                                                ("deployment", ("deploy", "release")), ("config_change", ("config",)))
                             if any(w in around for w in words)), "")
            if kind or (prefix and prefix.group(0).isupper()):
                pool = {"incident": cat.incidents, "ticket": cat.tickets, "deployment": cat.deployments,
                        "config_change": cat.config_changes}.get(kind, [])
                same = [c for c in pool if prefix and c.upper().startswith(prefix.group(0).upper())] or pool
                sugg = [c for c, _, _ in process.extract(r.upper(), same, scorer=fuzz.ratio, limit=3)]
                out.unknown.append(UnknownName(kind=(kind or "id").replace("_", " "), text=r.upper(), suggestions=sugg))
                used_raw.add(i)

    # 1b. A kind word and a bare number ("incident 2042", "ticket #10256"): the one id of that kind with that number.
    for num in _NUMBERED.finditer(question):
        kind = next(k for k, words in _NUMBER_KINDS if num.group(1).lower().startswith(words))
        pool = {"incident": cat.incidents, "ticket": cat.tickets, "deployment": cat.deployments,
                "config_change": cat.config_changes}[kind]
        same = [c for c in pool if re.search(r"\d+", c) and int(re.findall(r"\d+", c)[-1]) == int(num.group(2))]
        if len(same) == 1:
            out.add(kind, same[0])
            used_raw.update(i for i, (_, at) in enumerate(raws) if num.start(2) <= at < num.end(2))
        elif not same and pool and kind in ("incident", "ticket") and not num.group(1).lower().endswith("s") and not any(num.group(2) in c for c in pool):
            sugg = [c for c, _, _ in process.extract(num.group(2), pool, scorer=fuzz.partial_ratio, limit=3)]
            typed = num.group(0) if not num.group(0)[len(num.group(1)):][:1].isspace() else f"{num.group(1)} {num.group(2)}"
            out.unknown.append(UnknownName(kind=kind, text=typed, suggestions=sugg))  # "INC0099999" as typed

    # 1c. A config setting named in words ("who changed the db pool config" → the latest change of db.pool.*);
    # without the word "config", all its words but one ("who changed the stock sync interval").
    if (_CONFIG_WORDS.search(question) or _CHANGED.search(question) or _TOGGLED.search(question)) and not out.config_changes:
        for ext in config_by_words(question, cat, strict=not _CONFIG_WORDS.search(question)):
            out.add("config_change", ext)
    if not out.config_changes:
        for ext in config_by_its_word(question, cat):  # "did the autoreset change hurt …": a key's own word
            out.add("config_change", ext)

    masked = question  # the question without the ids just linked (a config key is not a KPI or a place)
    for i in sorted(used_raw):
        r, at = raws[i]
        masked = masked[:at] + " " * len(r) + masked[at + len(r):]

    # 2. Exact service names as typed ("ledger-svc", "orders_db").
    for i, (r, _) in enumerate(raws):
        base = re.sub(r"'s$", "", r.lower())
        if i not in used_raw and base in services_low:
            out.add("service", services_low[base])
            used_raw.add(i)
        elif i not in used_raw and base in cat.kpi_compounds:  # "worst on on-time": the KPI's own hyphenated word
            out.add("kpi", cat.kpi_compounds[base])
            used_raw.add(i)
        elif i not in used_raw and re.fullmatch(r"[a-z][a-z0-9]*(?:[-_][a-z0-9]+)+", base) and not re.fullmatch(r"[a-z]+-\d+", base):
            close = [c for c, _, _ in process.extract(base, cat.services, scorer=fuzz.ratio, limit=3, score_cutoff=85)]
            if close:  # a hyphenated name close to a service but not one: say so, never guess
                out.unknown.append(UnknownName(kind="service", text=base, suggestions=close))
                used_raw.add(i)
    spaced_compounds(out, raws, used_raw, cat)  # "on time" for the KPI's "on-time"

    # 3. Phrases: longest first over the remaining words.
    toks: list[_Tok] = []
    for i, (r, _) in enumerate(raws):
        if i in used_raw:
            continue
        for part in re.split(r"[^A-Za-z0-9]+", re.sub(r"['’]s$", "s", r)):
            if part:
                toks.append(_Tok(raw=part, norm=stem(part.lower()), ix=i))
    phrases, taken = cat.phrases, []
    i = 0
    while i < len(toks):
        for n in range(min(6, len(toks) - i), 0, -1):
            span = toks[i:i + n]
            if any(t.used for t in span):
                continue
            p = " ".join(t.norm for t in span)
            cands = phrases.get(p)
            if not cands or (n == 1 and not _single_ok(span[0], toks, i)):
                continue
            if (n == 1 and common_word_only(toks, i, cands, cat)) or (
                    n == 1 and i + 1 < len(toks) and moving(toks[i].raw) and toks[i + 1].raw.lower().endswith("ing")
                    and moving(toks[i + 1].raw)):
                continue  # "the cross-region numbers" is not King's Cross; "start dropping" names no "… starts" KPI
            if (n == 1 and all(k == "service" and st == 1 for k, _, st in cands) and i + 1 < len(toks)
                    and toks[i + 1].norm in cat.kpi_words):
                continue  # "seat availability": one word of a service's name before a metric's word names neither
            if (n == 1 and all(k == "service" and st == 1 for k, _, st in cands) and re.search(r"[-_]", raws[span[0].ix][0])
                    and set(norm_tokens(raws[span[0].ix][0])) - set(norm_tokens(cands[0][1]))):
                continue  # "sbc-cluster" is not bng-cluster-b: a compound name with a word that service does not have
            if sibling_unknown(out, span, toks, i + n, cands, cat):
                i += n
                break
            if take(out, p, cands, n):
                for t in span:
                    t.used = True
                taken.append((i, n, cands))
                i += n - 1
                break
        i += 1

    # 4. Typos: fuzzy over the remaining words that are not plain English.
    for n in (3, 2, 1):
        for j in range(len(toks) - n + 1):
            span = toks[j:j + n]
            stop_end = span[-1].norm in STOP or span[-1].raw.lower() in STOP
            if any(t.used for t in span) or span[0].norm in STOP or span[0].raw.lower() in STOP or (stop_end and n == 1):
                continue
            if any(t.raw.isdigit() for t in span) or all(t.norm in GENERIC for t in span):
                continue  # "which depot": a common word is no typo of one site's "depot 2"
            p = " ".join(t.norm for t in span)
            if sum(len(t.raw) for t in span) < 5 or p in phrases:  # exact phrases were decided above
                continue
            got = process.extractOne(p, cat.fuzzy_keys, scorer=fuzz.ratio, score_cutoff=FUZZY_CUTOFF)
            if got and re.sub(r"\s*\d+", "", got[0]) == p:
                continue  # "which garage": a name's word and its number ("garage 2") is no typo of the word alone
            if got and stop_end and got[0].split()[-1] != span[-1].norm:
                continue  # a common last word ("rate") counts only as the name's own last word ("fil rate")
            if got and n > 1 and len(key := got[0].split()) == n and any(
                    fuzz.ratio(t.norm, w) < 70 for t, w in zip(span, key, strict=True)):
                continue  # a typo is within words: "fleet availability" is not "parts availability"
            if got and not_a_service_typo(p, got[0], phrases[got[0]], cat):
                continue  # "the vaults" (what the sites are called) is not a typo of the service "vaultwms"
            if got and take(out, p, phrases[got[0]], n, fuzzy=True):
                for t in span:
                    t.used = True
    if not out.services:
        link_described_service(out, toks, cat)  # "the payments service", "incidents on payments": by its description
    if not out.kpis:  # "WO backlog": an abbreviation of a KPI name's words counts as those words
        kpi_by_coverage(out, [t.norm for t in toks] + abbreviated_words([t.raw for t in toks if not t.used], cat), cat)
    narrow(out, toks, cat)
    other_place(out, taken, toks, raws, cat)  # "Chicago O'Hare" beside "Chicago Midway": not that site
    kind_contradicted(out, taken, toks, raws, cat)  # "tregarth solar park" when Tregarth is a wind farm
    apostrophe_place(out, toks, raws, cat)  # "how's O'Hare doing"
    free = [t for t in toks if not t.used]
    # "Zürichberg reservoir": a word shared by several names ("reservoir", "plant") that describes a place already
    # named is not a second, ambiguous place.
    out.ambiguous = [a for a in out.ambiguous if not (a[0] == "station" and set(a[2]) & set(out.stations))]

    # 5. Things that look like names but are not in the catalog.
    st_choices = _station_choices(cat)
    seen: set[str] = set()
    loud = shouting(raws)  # "WHY DID IT DROP AT XYZ"
    for t in free:
        at = toks.index(t)
        prev = toks[at - 1].raw.lower() if at > 0 else ""
        if prev == "the" and at > 1 and toks[at - 2].raw.lower() in ("at", "in", "near"):
            prev = toks[at - 2].raw.lower()  # "at the Leeds hub": the place after the article
        word = t.raw
        if word.upper() in ACRONYMS or word.upper() in PRODUCTS or word.lower() in seen:
            continue
        if not out.kpis and (named := _acronym_measure(toks, at)):  # "OTP MX rate": a KPI's name, not two places
            seen.update(w.lower() for w in named.split())
            kpi_names = {c.lower(): c for c in cat.kpis} | {n.lower(): c for c, v in cat.kpis.items() for n in v}
            out.unknown.append(UnknownName(kind="KPI", text=named, suggestions=_suggest(named, kpi_names)))
            continue
        if (re.fullmatch(r"[A-Z]{2,5}", word) and not _is_kpi_word(word, cat) and word.lower() not in STOP
                and (not loud or prev in ("at", "in", "vs", "versus"))):
            seen.add(word.lower())
            out.unknown.append(UnknownName(kind="station", text=word, suggestions=_suggest(word, st_choices)))
        elif prev in ("at", "in", "vs", "versus", "near") and word.lower() not in STOP and word.lower() not in GENERIC and word.isalpha() and (
            word.lower() not in _NOT_PLACES) and (
            word[:1].isupper() or 3 <= len(word) <= 4 or _near_place(word, cat)
            or (prev in ("at", "near") and len(word) >= 5 and word.lower() not in _AT_NOT_PLACES)  # "at glasgow"
        ) and not _is_kpi_word(word, cat):
            seen.add(word.lower())
            near, word = _near_place(word, cat), name_run(toks, at, cat)  # "at Mystic Falls": the whole name
            out.maybe_unknown.append(UnknownName(kind="station", text=word,
                                                 suggestions=list(dict.fromkeys(near + _suggest(word, st_choices)))[:3]))
    if out.kpis and not (out.stations or out.regions or out.ambiguous or any(
            u.kind in ("station", "region") for u in out.unknown + out.maybe_unknown)) and (
            said := name_before_kpi(toks, raws, cat)):  # "Mystic Falls queues last week": an unknown place
        out.maybe_unknown.append(UnknownName(kind="station", text=said, suggestions=_suggest(said, st_choices)))
    if place := unnamed_place(question.lower(), out, cat):
        out.maybe_unknown.append(place)  # "at airport hub": a place not in the catalog
    # Words naming a metric that is not one of the organisation's KPIs ("customer satisfaction at <place>").
    j = next((j for j, t in enumerate(toks) if t.used and j > 0 and toks[j - 1].raw.lower() in ("at", "in", "for")), 0)
    out.kpi_words = words_before_place([(t.raw, t.used) for t in toks[:j - 1]]) if j else []
    low_q = masked.lower()
    if m := re.search(r"\b(?:the\s+)?([a-z][\w-]*)\s+region\b", low_q):
        word = m.group(1)
        if not out.regions and word not in STOP and word not in ("whole", "entire", "each", "every", "our", "my"):
            names = {n.lower(): c for c, n in cat.regions.items()} | {c.lower(): c for c in cat.regions}
            out.unknown.append(UnknownName(kind="region", text=word, suggestions=_suggest(word, names) or list(cat.regions)))
    if not out.kpis and (m := re.search(r"\b([A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)\b", masked)):
        names = {c.lower(): c for c in cat.kpis} | {n[0].lower(): c for c, n in cat.kpis.items() if n}
        out.unknown.append(UnknownName(kind="KPI", text=m.group(1), suggestions=_suggest(m.group(1), names)))
    if not out.services:
        for word in re.findall(r"(?<![\w-])[a-z][a-z0-9]+(?:[-_][a-z0-9]+)+(?![\w-])", low_q):
            if re.fullmatch(r"[a-z]+-\d+", word) or word in ("post-mortem", "on-time", "follow-up", "week-over-week"):
                continue
            close = [c for c, _, _ in process.extract(word, cat.services, scorer=fuzz.ratio, limit=3, score_cutoff=70)]
            if close or word.endswith(("-api", "-service", "-svc", "-db", "-web", "-worker")) or (
                    close := service_slot_name(word, low_q, cat.services) or []):  # "p99 on the risk-engine"
                out.unknown.append(UnknownName(kind="service", text=word, suggestions=close))
                break
    if not out.services and not any(u.kind == "service" for u in out.unknown):
        for t in free:  # "deploys to RadiologyPortal": a CamelCase name is a system's name; not this org's: say so
            if not t.used and re.fullmatch(r"(?:[A-Z][a-z0-9]{2,}){2,}", t.raw):
                close = [c for c, _, _ in process.extract(t.raw, cat.services, scorer=fuzz.WRatio, limit=3, score_cutoff=60)]
                out.unknown.append(UnknownName(kind="service", text=t.raw, suggestions=close or cat.services[:3]))
                break
    out.config_changes = key_changes(out.config_changes, question, cat)
    return out


# What "X vs …" compares with that is not a place ("<KPI> at <site> vs goal", "vs target", "vs last year").
# what follows "at" and is not a place: times of day, moments, states ("at night", "at peak", "at capacity")
_AT_NOT_PLACES = frozenset("nights midnight weekends weekdays present capacity launch scale peak mornings evenings "
                           "close start random speed lunch lunchtime dawn dusk rush checkout startup shutdown runtime "
                           "boot large length full times least first worst moment night morning evening noon handover "
                           "shift shifts cutover rollover month's week's year's today's".split())
_NOT_PLACES = frozenset({"goal", "goals", "target", "targets", "budget", "plan", "baseline", "benchmark", "limit",
                         "limits", "norm", "forecast", "expected", "expectation", "sla", "average", "avg", "median",
                         "trend", "prior", "previous", "before", "ytd"})


def _is_kpi_word(word: str, cat: Catalog) -> bool:
    return stem(word.lower()) in cat.kpi_words


def _single_ok(t: _Tok, toks: list[_Tok], i: int) -> bool:
    """A lone short word links only when it cannot be plain English (or a place word precedes it)."""
    if t.norm not in STOP and t.raw.lower() not in STOP:
        return True
    if t.raw.isupper() and len(t.raw) >= 2:
        return True
    return i > 0 and toks[i - 1].raw.lower() in PLACE_PREPS | {"station", "and"}
