"""Places named by words the catalog does not have. A capitalised name typed right before a KPI with no verb
("Mystic Falls queues last week", "Ashby Vale dwell time yesterday"): a place asked after. When it is none of the
organisation's sites or regions it is said so (with the closest sites), never dropped for the whole company's
answer. Words that are no place's name never count: KPI words, the organisation's own names, services, months,
weekdays, verbs of movement and everyday question words. The whole name after "at" ("at Mystic Falls", "at mystic
falls"): :func:`name_run`."""

from __future__ import annotations

from typing import Any

from agents.understanding.calendar_words import MON, WEEKDAYS
from agents.understanding.catalog import GENERIC, Catalog, stem
from agents.understanding.sites import _ASKS_YES_NO, _NOT_NAMES, moving, shouting
from agents.understanding.vocab import ACRONYMS, STOP
from store.models import PRODUCTS

_NOT_NAME = frozenset("stats statistics figures data numbers metrics kpi kpis report summary trend chart graph "
                      "ytd mtd qtd wow mom yoy please pls thanks today tonight yesterday tomorrow".split())


def _name_word(raw: str, cat: Catalog, *, first: bool) -> bool:
    """A word that can be part of a place's name; after its first word a verb's form is a name's too ("Falls")."""
    low = raw.lower()
    return (raw[:1].isupper() and raw.isalpha() and not raw.isupper() and len(raw) >= 3
            and low not in STOP and low not in GENERIC and low not in _NOT_NAME and low not in MON
            and not any(d.startswith(low[:3]) and len(low) >= 3 and d.startswith(low) for d in WEEKDAYS)
            and raw.upper() not in ACRONYMS and raw.upper() not in PRODUCTS and not (first and moving(raw))
            and stem(low) not in cat.kpi_words and stem(low) not in cat.phrases
            and low not in {s.lower() for s in cat.services})


def name_before_kpi(toks: list[Any], raws: list[tuple[str, int]], cat: Catalog) -> str | None:
    """The capitalised words, as typed, that run straight into a KPI's word ("Mystic Falls queues"): two or more of
    them, or one that does not open the question (a sentence's first word is capitalised anyway: "Weekly queues").
    None when there is no such run, or the question is typed in capitals."""
    if shouting(raws):
        return None
    run: list[Any] = []
    for t in toks:
        if not t.used and _name_word(t.raw, cat, first=not run) and (not run or t.ix == run[-1].ix + 1):
            run.append(t)
            continue
        if run and stem(t.raw.lower()) in cat.kpi_words and t.ix == run[-1].ix + 1 and (len(run) >= 2 or run[0].ix > 0):
            return " ".join(x.raw for x in run)
        run = [t] if not t.used and _name_word(t.raw, cat, first=True) else []
    return None


def name_run(toks: list[Any], at: int, cat: Catalog) -> str:
    """The words from ``toks[at]`` on that make one name ("at Mystic Falls"), as typed: capitalised words, or
    lower-case ones when no auxiliary verb asks for a verb later ("queues at mystic falls", never "did queues at
    glasgow drop"); the first alone when the next word is plain English, a KPI's word or already linked."""
    run, low = [toks[at].raw], toks[at].raw.islower() and not any(t.raw.lower() in _ASKS_YES_NO for t in toks[:at])
    for t in toks[at + 1:at + 4]:
        w = t.raw.lower()
        capital = (run[0][:1].isupper() and t.raw[:1].isupper() and t.raw.isalpha() and not t.used
                   and w not in STOP and t.raw.upper() not in ACRONYMS and stem(w) not in cat.kpi_words)
        plain = (low and t.raw.islower() and t.raw.isalpha() and len(w) >= 3 and not t.used
                 and t.ix == toks[at].ix + len(run) and w not in STOP and w not in GENERIC and w not in _NOT_NAMES
                 and stem(w) not in cat.kpi_words and not (w.endswith("ing") and moving(w)))
        if not (capital or plain):
            break
        run.append(t.raw)
    return " ".join(run)
