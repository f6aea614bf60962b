"""Rules the linker applies (pure helpers of :mod:`agents.understanding.linking`): a config setting named in words,
a KPI named by the words of its name, and what a matched phrase records."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from agents.understanding.catalog import GENERIC, Catalog

if TYPE_CHECKING:
    from agents.understanding.linking import Links

KINDS = ("kpi", "station", "region", "service")


_UNIT_WORDS = frozenset("ms millis seconds secs sec minutes mins min hours hrs pct percent count size enabled".split())


_TURNED_ON = re.compile(r"\b(?:turn|switch|flip|flick|toggl)\w*\s+(?:\S+\s+){0,3}?on\b|\benabl\w*", re.I)
_TURNED_OFF = re.compile(r"\b(?:turn|switch|flip|flick|toggl)\w*\s+(?:\S+\s+){0,3}?off\b|\bdisabl\w*", re.I)
_TRUE, _FALSE = {"true", "on", "1", "yes", "enabled"}, {"false", "off", "0", "no", "disabled"}


_LOWERED = re.compile(r"\b(?:lower\w*|reduc\w*|decreas\w*|dropp\w*|cut|cutting|shrank|shrunk|shrink\w*|halv\w*)\b", re.I)
_RAISED = re.compile(r"\b(?:rais\w*|increas\w*|bump\w*|doubl\w*|tripl\w*|grew|grow\w*|upp(?:ed|ing))\b", re.I)
_WHO_CHANGED = re.compile(r"\b(?:who|when)\b.*\b(?:chang\w*|set|touch\w*|edit\w*|updat\w*|modif\w*)\b|\bhistory\b", re.I)


def asks_turned(question: str) -> bool:
    """The question says a flag was turned on or off, a value lowered or raised, or asks who changed a key
    (:func:`by_state` / :func:`key_changes` then need the keys' history)."""
    return bool(_TURNED_ON.search(question) or _TURNED_OFF.search(question) or _LOWERED.search(question)
                or _RAISED.search(question) or _WHO_CHANGED.search(question))


def _number(v: object) -> float | None:
    try:
        return float(str(v).strip())
    except ValueError:
        return None


def key_changes(exts: list[str], question: str, cat: Catalog) -> list[str]:
    """The changes a question means when it names config keys (each key is named by its latest change): "turning on"
    / "lowering" <key> — the latest change that did so; "who changed <key>" — its changes, newest first (up to 5),
    so a revert is never shown alone; an id typed as such stays that change."""
    said = re.sub(r"\S*[._]\S*", " ", question)  # not the key's own words ("pool.max_connections")
    low, up = bool(_LOWERED.search(said)), bool(_RAISED.search(said))
    out: list[str] = []
    for ext in exts:
        changes = next((c for c in cat.config_history.values() if any(e == ext for e, _ in c)), [])
        if ext.lower() in question.lower() or len(changes) < 2:
            out.append(ext)
        elif low != up:  # the latest change that moved the value the way asked
            prev: list[str | None] = [None, *(v for _, v in changes[:-1])]  # the value before, when none is stored
            steps = [(e, _number(cat.config_old.get(e) or p), _number(b)) for (e, b), p in zip(changes, prev, strict=True)]
            out.append(next((e for e, a, b in reversed(steps) if a is not None and b is not None
                             and (b < a if low else b > a)), ext))
        elif _TURNED_ON.search(said) or _TURNED_OFF.search(said):
            out.append(by_state(ext, question, cat))
        elif _WHO_CHANGED.search(said) and not re.search(r"\b(?:last|latest|most\s+recent)\b", said, re.I):
            out += [e for e, _ in reversed(changes)][:5]
        else:
            out.append(ext)
    return list(dict.fromkeys(out))


def by_state(ext: str, question: str, cat: Catalog) -> str:
    """"turning on <flag>" / "when was <flag> switched off": of that key's changes, the latest that set it so (the
    catalog names a key by its latest change, which may be the other way)."""
    said = re.sub(r"\S*[._]\S*", " ", question)  # not the key's own words ("routing.v2.enabled")
    on, off = bool(_TURNED_ON.search(said)), bool(_TURNED_OFF.search(said))
    if on == off:
        return ext
    for changes in cat.config_history.values():
        if any(e == ext for e, _ in changes):
            want = _TRUE if on else _FALSE
            return next((e for e, v in reversed(changes) if str(v).strip().lower() in want), ext)
    return ext


def key_parts(key: str) -> set[str]:
    """A config key's words, lower-cased: split at punctuation and at camelCase humps ("ocpp.heartbeatIntervalSec" →
    ocpp, heartbeat, interval, sec; "DRYER_MAX_TEMP_C" → dryer, max, temp, c)."""
    return {p.lower() for p in re.findall(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+", key)}


def config_by_leaf(token: str, cat: Catalog) -> str | None:
    """A structured key's last part typed alone ("connectionTimeoutSec" for ocpp.connectionTimeoutSec,
    "DRYER_MAX_TEMP_C" for dryer.burner.DRYER_MAX_TEMP_C): its latest change, when one key only ends so. Only a
    name written like a key (camelCase or with an underscore, six characters at least)."""
    if len(token) < 6 or not (re.search(r"[a-z][A-Z]", token) or "_" in token.strip("_")):
        return None
    low = token.lower()
    owners = {ext for key, ext in cat.config_keys.items() if "." in key and key.lower().rsplit(".", 1)[1] == low}
    return owners.pop() if len(owners) == 1 else None


def config_by_words(question: str, cat: Catalog, *, strict: bool = False) -> list[str]:
    """The latest change of the config key(s) sharing the most words (two at least) with the question; ``strict``:
    all the key's words but one, and two at least."""
    words = {w for w in re.findall(r"[a-z0-9]+", question.lower()) if len(w) >= 2}
    scored: dict[str, int] = {}
    for key, ext in cat.config_keys.items():
        parts = {p for p in re.split(r"[^a-z0-9]+", key.lower()) if len(p) >= 2} | {
            p for p in key_parts(key) if len(p) >= 2}  # "the heartbeat interval" for …heartbeatIntervalSec too
        hit = len(parts & words)
        # besides: all but its namespace and its unit ("the ETA window" for tracking.eta_window_minutes)
        loose = parts - words <= {key.lower().split(".")[0], *_UNIT_WORDS} if "." in key else False
        if hit >= 2 and (not strict or hit >= len(parts) - 1 or loose):
            scored[ext] = max(scored.get(ext, 0), hit)
    best = max(scored.values(), default=0)
    return [e for e, n in scored.items() if n == best][:3]


def abbreviated_words(raws: list[str], cat: Catalog) -> list[str]:
    """The words an upper-case abbreviation stands for in a KPI's name: "WO" → "work", "order" when a KPI is
    named "Work orders …" (its words' initials, "WOs" too), so "WO backlog" covers that KPI's words."""
    out: list[str] = []
    for r in raws:
        if not (m := re.fullmatch(r"([A-Z]{2,4})s?", r)):
            continue
        letters = m.group(1).lower()
        for _, toks in cat.kpi_name_tokens:
            for i in range(len(toks) - len(letters) + 1):
                run = toks[i:i + len(letters)]
                if "".join(t[0] for t in run) == letters and all(t.isalpha() for t in run):
                    out.extend(run)
    return out


def kpi_by_coverage(out: Links, words: list[str], cat: Catalog) -> None:
    """No KPI named exactly: the KPI whose name's words the question covers best ("on-time maintenance rate")."""
    have = set(words)
    prefixes = tuple(w for w in have if len(w) >= 4)
    scores: dict[str, float] = {}
    distinct: dict[str, float] = {}  # the share of the KPI's own words covered, not "average", "per", "rate"
    for code, toks in cat.kpi_name_tokens:
        hit = [t in have or (bool(prefixes) and t.startswith(prefixes))  # "perf" → performance
               or (len(t) >= 6 and any(len(w) >= 6 and fuzz.ratio(t, w) >= 85 for w in have))  # "perfomance"
               for t in toks]
        n = sum(hit)
        if not n:
            continue
        specific = any(h and t not in GENERIC for h, t in zip(hit, toks, strict=True))
        if not (specific or (n >= 3 and n / len(toks) >= 0.75)):
            continue
        scores[code] = max(scores.get(code, 0.0), n / len(toks))
        own = [h for h, t in zip(hit, toks, strict=True) if t not in GENERIC]
        distinct[code] = max(distinct.get(code, 0.0), sum(own) / max(len(own), 1))
    ranked = sorted(scores.items(), key=lambda kv: -kv[1])
    if ranked and any(distinct[c] >= distinct[ranked[0][0]] for c, _ in ranked[1:]):
        return  # "charging time per session": ahead of "Failed session rate" only by generic words — neither
    if ranked and ranked[0][1] >= 0.6 and (len(ranked) == 1 or ranked[1][1] < ranked[0][1]):
        out.add("kpi", ranked[0][0])
        out.weak_kpis = []


def take(out: Links, text: str, cands: list[tuple[str, str, int]], n: int, *, fuzzy: bool = False) -> bool:
    """Record what a phrase names. Returns False when the phrase should be left for others."""
    best = max(s for _, _, s in cands)
    top = [(k, v) for k, v, s in cands if s == best]
    kinds = [k for k in KINDS if any(kk == k for kk, _ in top)]
    kind = kinds[0]
    values = list(dict.fromkeys(v for k, v in top if k == kind))
    if len(values) == 1:
        if kind == "kpi" and best == 1 and n == 1:
            if values not in out.weak_kpis:
                out.weak_kpis.append(values)
            return False
        out.add(kind, values[0])
        return True
    if kind == "kpi" and n == 1:
        if values not in out.weak_kpis:
            out.weak_kpis.append(values)
        return False  # leave the word for a longer typo'd name ("fleet availabilty")
    if fuzzy:
        return False
    out.ambiguous.append((kind, text, values))
    return True



# Words that put a name in a service's place: its telemetry, its health, its changes and incidents.
_SERVICE_SLOT = re.compile(
    r"\b(?:latenc\w*|p\d{2,3}|median|5xx|4xx|errors?|error\s+rate|err\s+rate|failures?|throughput|traffic|requests?|"
    r"queue|backlog|healthy|health|deploy\w*|releases?|rollbacks?|incidents?|outages?|service|svc)\b", re.I)


def service_slot_name(word: str, low_q: str, services: list[str]) -> list[str] | None:
    """A hyphenated name not among the services, in a service's place ("p99 latency on the risk-engine", "how's the
    payments-gateway service?", "deploys to settlement-batch"): the services to suggest (the closest first), else
    None when the word is not asked about as a service."""
    if not services:
        return None
    w = re.escape(word)
    named = (re.search(rf"(?<![\w-]){w}\s+(?:service|svc|api|app|job|worker)\b", low_q)
             or (re.search(rf"\b(?:on|of|for|to|from|with)\s+(?:the\s+)?{w}(?![\w-])", low_q)
                 and _SERVICE_SLOT.search(low_q.replace(word, " "))))
    if not named:
        return None
    scored = sorted(services, key=lambda s: -fuzz.WRatio(word, s))
    return scored[:3]


_VERB_BEFORE = frozenset("is are was were be been being get gets got arrive arrives leave leaves left run runs ran come "
                         "comes came finish finishes done do does did pay paid start starts ship ships go goes went "
                         "answer answers reply replies respond responds deliver delivers".split())


def spaced_compounds(out: Links, raws: list[tuple[str, int]], used: set[int], cat: Catalog) -> None:
    """A KPI's own hyphenated word typed with a space ("on time at <site>" for "On-time sailings"): that KPI — not
    after a verb ("were tickets answered on time", "did they arrive on time"), where it is plain English."""
    for i in range(len(raws) - 1):
        joined = f"{raws[i][0]}-{raws[i + 1][0]}".lower()
        prev = raws[i - 1][0].lower() if i > 0 else ""
        if prev.endswith("ed") or prev in _VERB_BEFORE:
            continue
        if i not in used and i + 1 not in used and joined in cat.kpi_compounds:
            out.add("kpi", cat.kpi_compounds[joined])
            used.update((i, i + 1))


def config_by_its_word(question: str, cat: Catalog) -> list[str]:
    """"the autoreset change", "did the autoreset setting hurt …": one word of a config key (6 letters at least, in no
    other key) said just before "change"/"setting"/"config"/"flag" — that key's latest change."""
    out: list[str] = []
    for m in re.finditer(r"\b([a-z][a-z0-9]{5,})\s+(?:change|setting|config\w*|flag|switch|tweak)\b", question.lower()):
        owners = [ext for key, ext in cat.config_keys.items()
                  if m.group(1) in set(re.split(r"[^a-z0-9]+", key.lower())) | key_parts(key)]
        if len(owners) == 1:
            out.append(owners[0])
    return out[:1]
