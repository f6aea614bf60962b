"""A KPI with no services recorded behind it (no ``related_services`` in its definition): every change the
organisation made around its onset is a candidate, and time alone never makes one plausible. What ties a change to
the KPI (:func:`ties`):

* words it shares with the KPI (its name, aliases, code and unit words) in its own record — the config key and
  note, the deployment's version, commit messages and file paths — counted fully; in its service's name or
  description only — half;
* its own service's metrics moving right after it (the co-movement the scoring already measured);
* its service named in the question.

A change with none of these keeps :data:`UNTIED_SHARE` of its score (:func:`weigh`). Pure: no database."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable

from tools.changes.candidates import _Candidate
from tools.changes.scoring import MOVED

#: The share of its score a change keeps when nothing but its timing ties it to the KPI.
UNTIED_SHARE = 0.3
#: A shared word only in the changed service's name or description ties it this much (its own record: fully).
SERVICE_WORD_TIE = 0.5

#: Words too common in KPI names and change records to tie one to the other.
GENERIC = frozenset("""
the and for with from into per not all any new old its our via out off how
rate rates ratio count counts total number avg average mean median percent pct share daily weekly monthly hourly
time times value values level minute minutes min hour hours day days sec second seconds unit units
app apps api apis service services server system data web update updates change changes fix fixes bump release
version deploy deployment config setting settings default enable disable add remove use make run
""".split())


def words(*texts: str | None) -> set[str]:
    """The content words of ``texts``: split on anything not a letter and at camelCase, lower-cased, stemmed
    ("failures" → "failure", "scanning" → "scan"), without :data:`GENERIC` words or words under three letters."""
    out: set[str] = set()
    for t in texts:
        for w in re.findall(r"[a-z]+", re.sub(r"([a-z])([A-Z])", r"\1 \2", t or "").lower()):
            w = _stem(w)
            if len(w) >= 3 and w not in GENERIC:
                out.add(w)
    return out


def _stem(w: str) -> str:
    if re.search(r"(ss|x|z|ch|sh)es$", w):  # "passes" → "pass"; "failures" keeps its e ("failure")
        return w[:-2]
    for end in ("ing", "ed", "s"):
        if len(w) > len(end) + 3 and w.endswith(end) and not w.endswith("ss"):
            w = w[: -len(end)]
            if end in ("ing", "ed") and len(w) > 3 and w[-1] == w[-2]:
                w = w[:-1]  # "scanning" → "scan"
            break
    return w


def kpi_words(code: str, name: str, unit: str, aliases: Iterable[str]) -> frozenset[str]:
    return frozenset(words(code.replace("_", " "), name, unit, *aliases))


def _own_text(c: _Candidate) -> list[str | None]:
    if c.config is not None:
        return [c.config.key, c.config.description]
    d = c.deployment
    return [] if d is None else [d.version, *(m.message for m in d.commits),
                                 *(f.path for m in d.commits for f in m.files)]


def ties(c: _Candidate, kpi: frozenset[str], service_text: str, asked: set[str]) -> tuple[float, str]:
    """How strongly ``c`` is tied to the KPI beyond its timing, in [0, 1], and the phrase saying why."""
    own = sorted(kpi & words(*_own_text(c)))
    svc = sorted(kpi & words(c.node.name, service_text))
    moved = c.comovement is not None and c.comovement >= MOVED
    said = []
    if own:
        said.append(f"its record shares {_quoted(own)} with the KPI")
    elif svc:
        said.append(f"its service's name or description shares {_quoted(svc)} with the KPI")
    if c.node.name.lower() in asked:
        said.append(f"{c.node.name} is the service asked about")
    strength = max(1.0 if own else SERVICE_WORD_TIE if svc else 0.0, 1.0 if c.node.name.lower() in asked else 0.0,
                   c.comovement if moved and c.comovement is not None else 0.0)
    if not said and not moved:
        said.append("nothing ties it to the KPI but its timing")
    return strength, "; ".join(said)


def _quoted(ws: list[str]) -> str:
    return ", ".join(f"'{w}'" for w in ws[:3])


def weigh(cands: list[_Candidate], kpi: frozenset[str], service_text: dict[int, str], asked: set[str]) -> None:
    """Scale each scored candidate by what ties it to the KPI (:data:`UNTIED_SHARE` with nothing but timing) and
    say why in its risk reason."""
    for c in cands:
        strength, why = ties(c, kpi, service_text.get(c.node.service_id, ""), asked)
        c.risk_reason = f"{c.risk_reason}; {why}" if c.risk_reason else why
        raw = c.score.raw * (UNTIED_SHARE + (1.0 - UNTIED_SHARE) * strength)
        c.components = dataclasses.replace(c.score, raw=raw, tie=strength)


def unlinked_note(kpi_name: str) -> str:
    """What the answer says first when the KPI has no services recorded behind it."""
    return (f"{kpi_name} has no related services configured (no related_services in its KPI definition), so no "
            "service is recorded behind it: every change the organisation made around the onset was weighed, by "
            "timing and by what ties it to the KPI (shared words, its service's metrics moving, a service named in "
            "the question) — timing alone never makes one likely; record the services behind it with "
            "related_services in the KPI definitions to search only theirs.")
