"""Which site a phrase names when several share it: a second word naming one of them ("kingston ED", "kgh
inpatient"), and a sibling site that is not in the catalog ("Mercy South" when only "Mercy North" exists)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz, process

from agents.plan import UnknownName
from agents.understanding.catalog import GENERIC, Catalog, fold, norm_tokens, stem
from agents.understanding.vocab import ACRONYMS, COMMON_PLACE_WORDS, DIRECTIONS, PLACE_PREPS, STOP, words

if TYPE_CHECKING:
    from agents.understanding.linking import Links

Tok = Any  # linking's token (raw, norm, ix, used)


def _site_words(code: str, cat: Catalog) -> set[str]:
    """The words that name a site: its code's parts ("kgh", "ed" of ``KGH.ED``) and its name's words."""
    segs = {w for w in re.split(r"[^a-z]+", fold(code).lower()) if len(w) >= 2}
    return {w for w in segs | set(norm_tokens(cat.stations.get(code, ""))) if w not in STOP and w not in GENERIC}


def narrow(out: Links, toks: list[Tok], cat: Catalog) -> None:
    """A phrase naming several sites and another free word of the question naming exactly one of them ("kingston
    ED" with ``KGH.ED`` and ``KGH.IN``; "kgh inpatient"): that one. Words already read as another name don't count."""
    keep = []
    for kind, text, cands in out.ambiguous:
        said = {w for j, t in enumerate(toks) if not t.used and not _counts(toks, j, text) for w in (t.norm, t.raw.lower())}
        if kind == "station" and len(cands) >= 2:
            marks = {c: _site_words(c, cat) for c in cands}
            own = {c: marks[c] - set().union(*(marks[o] for o in cands if o != c)) - set(text.split()) for c in cands}
            hit = [c for c in cands if own[c] & said]
            if len(hit) == 1:
                out.add("station", hit[0])
                continue
        keep.append((kind, text, cands))
    out.ambiguous = keep


def _counts(toks: list[Tok], j: int, text: str) -> bool:
    """A number counting the places the phrase names ("bottom 5 routes", "top 3 garages", "the 2 depots"), not the
    number of one of them ("Route 5")."""
    if not toks[j].raw.isdigit() or j + 1 >= len(toks):
        return False
    if j > 0 and toks[j - 1].raw.lower() in ("top", "bottom", "first", "worst", "best"):
        return True  # "top 5", "bottom 3"
    k = j + 2 if toks[j + 1].raw.lower() in _COUNTED and j + 2 < len(toks) else j + 1  # "the 5 worst routes"
    return toks[k].norm == text.split()[0] and toks[k].raw.lower() != toks[k].norm


def sibling_unknown(out: Links, span: list[Tok], toks: list[Tok], nxt: int, cands: list[tuple[str, str, int]],
                     cat: Catalog) -> bool:
    """Part of a site's name followed by another direction than its own ("Mercy South" when only "Mercy North"
    exists): a site that is not in the catalog, named as typed with the close ones, never the sibling silently."""
    if nxt >= len(toks) or toks[nxt].used or toks[nxt].norm not in DIRECTIONS:
        return False
    if any(k != "station" or st != 1 for k, _, st in cands):
        return False
    codes = sorted({v for _, v, _ in cands})
    names = [set(norm_tokens(cat.stations.get(c, ""))) for c in codes]
    if any(toks[nxt].norm in n for n in names) or not all(n & DIRECTIONS for n in names):
        return False
    text = " ".join(t.raw for t in (*span, toks[nxt]))
    out.unknown.append(UnknownName(kind="station", text=text, suggestions=codes[:3]))
    for t in (*span, toks[nxt]):
        t.used = True
    return True


def numbered_miss(word: str, number: str, cat: Catalog) -> UnknownName | None:
    """A word naming numbered sites followed by a number none of them has ("Tower 999" when the towers are
    ``TWR-114`` "Tower 114 …" and ``TWR-207``): a site that is not in the catalog, named as typed with those sites,
    never one of them asked about or taken silently."""
    w, n = fold(word).lower(), int(re.sub(r"\D", "", number) or -1)
    if len(w) < 2 or w in STOP or w in GENERIC:
        return None
    named = re.compile(rf"(?<![a-z]){re.escape(w)}[-_ .]?\d")  # the word right before a number: "TWR-114", "Tower 114"
    same = [c for c, name in cat.stations.items() if named.search(fold(c).lower()) or named.search(fold(name).lower())]
    nums = [{int(x) for x in re.findall(r"\d+", fold(f"{c} {cat.stations.get(c, '')}"))} for c in same]
    if not same or not all(nums) or any(n in x for x in nums):
        return None
    return UnknownName(kind="station", text=f"{word} {number}", suggestions=sorted(same)[:3])


_THE_NUMBER = re.compile(r"\b(\w+\s+)?the\s+(\d{1,3})\b(?!\s*(?:st|nd|rd|th)\b|\s*[%:/.,-]\d)(?:\s+([a-z]+))?", re.I)
_DATE_PREPS = frozenset({"on", "since", "from", "until", "till", "by", "before", "after", "to", "of", "between",
                         "through", "thru", "during", "last", "past", "next", "for"})
_COUNTED = frozenset({"worst", "best", "most", "least", "top", "bottom", "biggest", "largest", "highest", "lowest",
                      "am", "pm", "percent", "day", "week", "month", "year", "hour", "minute", "min", "mins", "times"})


def numbered_by_name(question: str, cat: Catalog) -> list[tuple[str, int, int]]:
    """Sites called by the number in their name ("how's the 38 doing", "the 73" for the site named "Route 73"):
    ``(code, start, end)`` of "the N" when exactly one site's name has N as a word of its own. Not a day ("on the
    12", "since the 9th"), a count ("the 5 worst", "the 3 routes") or a time."""
    owners: dict[int, set[str]] = {}
    for code, name in cat.stations.items():
        for n in re.findall(r"(?<![\w.])\d{1,3}(?![\w.])", fold(name)):
            owners.setdefault(int(n), set()).add(code)
    out = []
    for m in _THE_NUMBER.finditer(fold(question)):
        before, nxt = (m.group(1) or "").strip().lower(), (m.group(3) or "").lower()
        if (before in _DATE_PREPS and int(m.group(2)) <= 31) or nxt in _COUNTED or (nxt.endswith("s") and nxt not in ("bus", "is", "was", "has",
                                                                                            "does", "vs")):
            continue
        codes = owners.get(int(m.group(2)), set())
        if len(codes) == 1:
            out.append((next(iter(codes)), m.start(2), m.end(2)))
    return out


def _code_part(p: str) -> str:
    return re.sub(r"\d+", lambda m: str(int(m.group(0))), p)  # "0042" is "42"


def code_runs(raws: list[tuple[str, int]], question: str, used: set[int], cat: Catalog) -> list[tuple[list[str], list[int]]]:
    """Parts of sites' codes typed apart or short ("M1 J25", "m1-j25" of "M1-J25-TROWELL-S"; "dep 42 north" of
    "GB-DEP-0042-NORTH"; "J13" when it is a whole part of a code): ``(the codes it runs along, indices of the
    words)`` — two parts at least, one with a digit, or one part of letters and digits (not "Q4", "P1"). Longest
    runs first; one code is that site, several are asked about."""
    parts = {c: [_code_part(x) for x in re.split(r"[^a-z0-9]+", fold(c).lower()) if x] for c in cat.stations}
    out: list[tuple[list[str], list[int]]] = []
    i = 0
    while i < len(raws):
        for n in range(min(4, len(raws) - i), 0, -1):
            ix = list(range(i, i + n))
            if any(j in used for j in ix) or any(not question[raws[j][1] + len(raws[j][0]):raws[j + 1][1]].isspace()
                                                 for j in ix[:-1]):
                continue
            said = [_code_part(x) for j in ix for x in re.split(r"[^a-z0-9]+", fold(raws[j][0]).lower()) if x]
            if not any(ch.isdigit() for ch in "".join(said)) or (len(said) == 1 and (
                    not re.fullmatch(r"[a-z]+\d+[a-z]*", said[0]) or raws[i][0].upper() in ACRONYMS
                    or re.fullmatch(r"p\d+", said[0]))):
                continue
            owners = [c for c, ps in parts.items() if any(ps[k:k + len(said)] == said for k in range(len(ps)))]
            if owners and all(len(parts[c]) > len(said) for c in owners) and (
                    len(said) >= 2 or raws[i][0].upper() not in cat.stations):  # a whole code is linked as such
                out.append((owners, ix))
                i += n - 1
                break
        i += 1
    return out


_NOT_KINDS = frozenset({"top", "bottom", "last", "past", "next", "first", "worst", "best", "week", "day", "month",
                        "year", "hour", "line", "sev", "severity", "priority", "tier", "level", "stage", "phase"})


def initial_numbered(word: str, number: str, cat: Catalog) -> str | None:
    """A site coded by one letter and a number, called by a word starting with that letter and the number
    ("garage 3" for ``G-03`` when no site's name says "garage 3"): that site, when exactly one code has the shape."""
    w = fold(word).lower()
    if len(w) < 4 or w in STOP or w in GENERIC or w in _NOT_KINDS or not number.isdigit():
        return None
    hits = [c for c in cat.stations
            if (m := re.fullmatch(r"([a-z])[-_ ]?0*(\d+)", fold(c).lower())) and m.group(1) == w[0]
            and int(m.group(2)) == int(number)]
    return hits[0] if len(hits) == 1 else None


# "at airport hub", "in the north depot": words and a place noun after "at"/"in"/"near" name a place
_NAMED_PLACE = re.compile(r"\b(?:at|in|near)\s+(?:the\s+)?((?:[a-z][\w'-]*\s+){1,2}(?:station|site|location|depot|hub|"
                          r"yard|terminal|base|branch|store|warehouse|plant|facility|office|campus|dock|clinic|hospital|"
                          r"airport|shop|outlet|center|centre))\b")
# words before a place noun that pick among the sites instead of naming one ("at our busiest hub", "at each site")
_PICKS = frozenset({"each", "every", "all", "any", "our", "my", "your", "their", "its", "this", "that", "these", "those",
                    "which", "what", "one", "some", "other", "another", "same", "given", "single", "particular", "no",
                    "busiest", "quietest", "best", "worst", "biggest", "largest", "smallest", "top", "bottom", "most",
                    "least", "new", "main", "local", "nearest", "different", "certain"})


def unnamed_place(low_q: str, out: Links, cat: Catalog) -> UnknownName | None:
    """A place the question names with words and a place noun ("availability at airport hub") when no site, region or
    unknown place was found in it: that phrase as an unknown site, with the sites closest to it suggested — never
    dropped for an answer about the whole organisation."""
    if out.stations or out.regions or out.ambiguous or any(u.kind in ("station", "region") for u in
                                                           out.unknown + out.maybe_unknown):
        return None
    for m in _NAMED_PLACE.finditer(low_q):
        words = m.group(1).split()
        if any(w in _PICKS or w in STOP or w.isdigit() for w in words[:-1]):
            continue
        names = {fold(n).lower(): c for c, n in cat.stations.items()}
        got = process.extract(m.group(1), list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
        return UnknownName(kind="station", text=m.group(1), suggestions=[names[n] for n, _, _ in got]
                           or list(cat.stations)[:3])
    return None


# Words of a place's name that name its kind, not which one it is ("Chicago airport" is the Chicago site): never a
# second name after a site's own word. Qualifiers that tell places apart ("Lakeside Memorial", "Dallas Fort Worth",
# "Kingston General") are not among them.
_KIND_WORDS = GENERIC - words("fort port saint st san new old main city town county international national regional "
                              "central general memorial university community medical north south east west upper "
                              "lower de la le los las el") | words(
    "base hangar facility ops operations team crew staff folks people guys side shop warehouse store dock outlet "
    "market metro")
# Everyday words that follow a place in a question ("at mokotow right now", "at leeds yet"), dates and times.
_NOT_NAMES = words("january february march april may june july august september october november december jan feb mar "
                   "apr jun jul aug sep sept oct nov dec tonight overnight tomorrow alone relative pls plz thx ty asap "
                   "exactly right anymore yet already though tho really actually honestly lol again altogether alike "
                   "too either neither then there here versus compare against lately so far high low higher lower "
                   "stable unstable steady flat consistent volatile noisy erratic predictable reliable acceptable "
                   "terrible awful great poor poorer okay ok fine healthy bad good normal")
# Verbs a question puts right after a place ("when did X at kilmore start dropping", "did ppm at york go up")
_VERBS = words("start starts begin begins began begun go goes get gets climb climbs dip dips tank tanks crash crashes "
               "recover recovers stay stays remain remains keep keeps run runs perform performs seem seems move moves "
               "shift shifts hold holds hit hits miss misses reach reaches exceed exceeds beat beats lag lags lead "
               "leads become becomes became turn turns pick picks slip slips slide slides sink sinks sank soar soars "
               "surge surges plunge plunges plummet plummets rise rises fall falls drop drops jump jumps spike spikes "
               "improve improves worsen worsens suffer suffers struggle struggles compare compares look looks show "
               "shows need needs have has had hit see sees saw stop stops quit quits cease ceases fail fails")
_PARTICLES = words("up down off out back")
_MOVES_TOO = words("increase increases decrease decreases change changes degrade degrades deteriorate deteriorates")


def moving(word: str) -> bool:
    """A verb of movement or its particle, in any form: "go", "went", "going", "up", "dropping", "spiked", "tanked"."""
    w = word.lower()
    if w in _VERBS or w in _PARTICLES or w in _MOVES_TOO or w in ("went", "gone", "rose", "risen", "fell", "fallen", "got", "gotten"):
        return True
    for end, add in (("ing", ""), ("ing", "e"), ("ed", ""), ("ed", "e"), ("d", "")):
        if w.endswith(end) and len(w) > len(end) + 2:
            base = w[: -len(end)] + add
            if base in _VERBS or base in _MOVES_TOO or (len(base) > 3 and base[-1] == base[-2] and base[:-1] in _VERBS):  # "dropped"
                return True
    return False


_METRIC_TAILS = frozenset({"rate", "ratio", "count", "percentage", "level", "score", "index", "time", "number"})
# Ticket words that also name what a metric measures at a place ("queue time", "response rate"): kept before its tail
_METRIC_HEADS = frozenset({"queue", "backlog", "response", "resolution"})


def words_before_place(before: list[tuple[str, bool]]) -> list[str]:
    """The unlinked words naming a metric before "at/in/for <place>" (``before``: each word as typed and whether it
    was linked to a name), past a verb of movement: "customer satisfaction", "turnaround time" in "when did
    turnaround time go up at <place>"; none for "what went up at <place>"."""
    k = len(before) - 1
    while k > 1 and not before[k][1] and moving(before[k][0]):
        k -= 1
    if k < len(before) - 1 and (before[k][1] or not before[k][0].isalpha() or before[k][0].lower() in STOP - _METRIC_TAILS):
        k = len(before) - 1
    said: list[str] = []
    while k >= 0 and not before[k][1] and before[k][0].isalpha() and (before[k][0].lower() not in STOP | {"s"} or (
            not said and before[k][0].lower() in _METRIC_TAILS) or (said and before[k][0].lower() in _METRIC_HEADS)):
        said.insert(0, before[k][0])
        k -= 1
    while len(said) > 1 and said[0].lower() in ("avg", "average", "mean", "median", "typical"):
        said = said[1:]  # "avg queue time": the metric, not how it is summed up
    return said if any(w.lower() not in GENERIC for w in said) else []


_ASKS_YES_NO = words("is are was were has have had does do did will would can could should")
_APOSTROPHE_NAME = re.compile(r"[A-Za-z]{1,2}['’][A-Za-z]{2,}")  # "O'Hare", "D'Arcy" — never "'s"


def _abbreviates(w: str, word: str) -> bool:
    """``w`` is a shortening of ``word`` ("intl" of "international", "ctr" of "center")."""
    it = iter(word)
    return len(w) >= 2 and w[0] == word[0] and all(c in it for c in w)


def _second_name(raw: str, norm: str, name: list[str], cat: Catalog, *, first: bool) -> bool:
    """A word after a site's own word that names another place: not plain English, a metric's word, a date, the
    site's own word, a typo or shortening of one."""
    low = fold(raw).lower().replace("’", "'")
    letters = re.sub(r"'", "", low)
    if not letters.isalpha() or len(letters) < 3 or low in STOP or norm in STOP or low in _NOT_NAMES or low in _VERBS:
        return False
    if raw.upper() in ACRONYMS or norm in cat.kpi_words:
        return False
    if not first:
        return True  # "Glasgow Queen Street", "Birmingham Moor Street": the other name goes on
    return norm not in cat.phrases and norm not in _KIND_WORDS and not any(
        norm == w or _abbreviates(letters, w) or fuzz.ratio(letters, w) >= 80 for w in name)


def shouting(raws: list[tuple[str, int]]) -> bool:
    """The question typed in capitals ("WHY DID IT DROP AT XYZ"): capitals then say nothing about names."""
    alpha = [w for w, _ in raws if w.isalpha()]
    return len(alpha) >= 4 and sum(w.isupper() for w in alpha) > 0.6 * len(alpha)


def other_place(out: Links, taken: list[tuple[int, int, list[tuple[str, str, int]]]], toks: list[Tok],
                raws: list[tuple[str, int]], cat: Catalog) -> None:
    """A word of one site's name beside the name of another place ("Chicago O'Hare" when the only Chicago site is
    "Chicago Midway", "London Euston" beside "London King's Cross", "at lakeside memorial", "dunmore pier" when the one
    pier is "St Brennan's Pier"): a site that is not in the catalog, named as typed with the site it shares a word
    with — never that site silently. Lower-case words after it count only after "at/in/for…" (a name's second word,
    not "chicago folks"); capitalised ones anywhere."""
    loud = shouting(raws)
    yes_no = bool(raws) and raws[0][0].lower() in _ASKS_YES_NO
    for entry in taken:
        i, n, cands = entry
        codes = {v for k, v, st in cands if k == "station" and st == 1}
        if len(codes) != 1 or len(codes) != len(cands) or (code := codes.pop()) not in out.stations:
            continue
        name, said = norm_tokens(cat.stations.get(code, "")), [t.norm for t in toks[i:i + n]]
        if not any(name[k:k + n] == said for k in range(len(name))):
            continue  # a part of its code ("rvh" of rvh-main), not words of its name
        extra = _before(toks, i, n, name, raws, cat) or _after(toks, i, n, name, raws, cat, loud, yes_no)
        if not extra:
            continue
        for t in extra:
            t.used = True
        if not any(e is not entry and any(v == code for _, v, _ in e[2]) for e in taken):
            out.stations.remove(code)  # unless named again ("chicago ohare and midway")
        text = " ".join(raws[ix][0] for ix in sorted({t.ix for t in (*toks[i:i + n], *extra)}))
        out.unknown.append(UnknownName(kind="station", text=text, suggestions=[code]))


def _before(toks: list[Tok], i: int, n: int, name: list[str], raws: list[tuple[str, int]], cat: Catalog) -> list[Tok]:
    """A name before a site's last word ("dunmore pier" for "St Brennan's Pier"), or nothing."""
    if n != 1 or name[-1:] != [toks[i].norm] or i == 0 or toks[i - 1].used or toks[i - 1].ix == toks[i].ix:
        return []
    if toks[i].norm not in GENERIC and toks[i].norm not in _PLACE_WORDS and toks[i].norm not in _KIND_NOUNS:
        return []  # a proper name last ("Kläranlage Glatt" for "ARA Glatt"): the word before says what kind it is
    prev = toks[i - 1]
    if prev.raw.lower() in _PICKS or not _second_name(raws[prev.ix][0], prev.norm, name, cat, first=True):
        return []
    return [prev]


def _after(toks: list[Tok], i: int, n: int, name: list[str], raws: list[tuple[str, int]], cat: Catalog,
           loud: bool, yes_no: bool) -> list[Tok]:
    """The words of another name after a site's own word(s) ("chicago o'hare", "glasgow queen street"), or nothing."""
    after_prep = i > 0 and toks[i - 1].raw.lower() in PLACE_PREPS | {"near"}
    extra: list[Tok] = []
    j = i + n
    while j < len(toks) and len(extra) < 2 and toks[j].ix != toks[j - 1].ix:
        group = [t for t in toks[j:] if t.ix == toks[j].ix]
        raw = raws[toks[j].ix][0]
        capital = raw[:1].isupper() and not raw.isupper() and not loud
        predicate = yes_no and j + len(group) == len(toks)  # "is ppm at edinburgh stable?"
        proper = bool(_APOSTROPHE_NAME.fullmatch(raw)) or capital or (
            after_prep and not predicate and not raw.lower().endswith(("ed", "ing", "ly"))
            and (not extra or not extra[0].raw[:1].isupper()))
        if any(t.used for t in group) or not proper or _verb_then_gerund(toks, j + len(group), raws, cat) or \
                not _second_name(raw, stem(fold(raw).lower()), name, cat, first=not extra):
            break
        extra += group
        j += len(group)
    return extra


def _verb_then_gerund(toks: list[Tok], j: int, raws: list[tuple[str, int]], cat: Catalog) -> bool:
    """The word before ``toks[j]`` is a verb when a lower-case "-ing" word that no site's name has follows it ("at
    <site> stop restarting", "keep tripping"): not a second name glued onto the site's."""
    if j >= len(toks):
        return False
    raw = raws[toks[j].ix][0]
    names = {w for n in cat.stations.values() for w in fold(n).lower().split()}
    return raw.islower() and raw.endswith("ing") and len(raw) > 5 and raw not in names


def apostrophe_place(out: Links, toks: list[Tok], raws: list[tuple[str, int]], cat: Catalog) -> None:
    """A free word shaped like a place's name with an apostrophe ("how's O'Hare doing"): an unknown place with the
    closest sites, when the question is about places — never the whole organisation's answer instead."""
    for ix in dict.fromkeys(t.ix for t in toks if not t.used):
        raw = raws[ix][0]
        if _APOSTROPHE_NAME.fullmatch(raw) and all(not t.used for t in toks if t.ix == ix):
            names = {fold(n).lower(): c for c, n in cat.stations.items()}
            got = process.extract(raw.lower(), list(names), scorer=fuzz.WRatio, limit=3, score_cutoff=50)
            out.maybe_unknown.append(UnknownName(kind="station", text=raw, suggestions=[names[g] for g, _, _ in got]))
            for t in toks:
                t.used = t.used or t.ix == ix


def common_word_only(toks: list[Tok], i: int, cands: list[tuple[str, str, int]], cat: Catalog) -> bool:
    """An everyday word that is also part of site names ("the cross-region numbers" is not King's Cross), in lower
    case and not after "at/in…": not a place — unless it opens the question or precedes a metric's word and starts a
    site's name ("harbour otp last week" with "Harbour Quay" and "Harbour North Terminal")."""
    t = toks[i]
    if t.norm not in COMMON_PLACE_WORDS or not all(k == "station" and st == 1 for k, _, st in cands):
        return False
    if t.raw[:1].isupper() or (i > 0 and toks[i - 1].raw.lower() in PLACE_PREPS):
        return False
    opens = any(norm_tokens(cat.stations.get(v, ""))[:1] == [t.norm] for _, v, _ in cands)
    nxt, prev = toks[i + 1].norm if i + 1 < len(toks) else "", toks[i - 1].norm if i > 0 else ""
    named = (i == 0 or nxt in cat.kpi_words or nxt in _PLACE_WORDS or nxt in ("doing", "looking", "performing")
             or prev in ("which", "both", "all", "each", "every"))  # "the harbour sites", "which harbour", "how is harbour doing"
    return not (opens and named)


_PLACE_WORDS = words("site station location place one terminal depot hub port stop branch store office campus")
_KIND_NOUNS = words("pier quay marina dock wharf jetty slipway harbour harbor reservoir works mill farm school church "
                    "garage warehouse yard base airfield heliport mine quarry substation")
