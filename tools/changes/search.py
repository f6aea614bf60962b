"""``search_changes``: the change log searched by what a change was about — "did anyone change the retry settings?",
"any changes to the TLS config last week?" — over every service's config keys (dotted, UPPER_CASE, camelCase),
descriptions, deployment versions, commit messages and the fields of a record with no column of their own.

A word of the question matches a word of the change when they are the same after folding plurals and -ing/-ed
endings ("retries" ~ "retry"), one is a typo of the other (rapidfuzz ratio ≥ :data:`TYPO_RATIO`), or they are
names of the same thing in operations (:data:`SAME_THING`: "tls" ~ "ssl" ~ "cert"). Every topic word must match.
When nothing matches, the nearest changes by rapidfuzz's token-set similarity are returned as suggestions (never
as matches). Read-only, org-scoped."""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from pydantic import BaseModel, Field
from rapidfuzz import fuzz
from sqlalchemy import text

from tools.base import EvidenceDraft, ToolContext, ToolError, ToolOutput
from tools.changes.models import ConfigChangeInfo, DeploymentInfo
from tools.changes.queries import _services, _utc, load_changes

DEFAULT_DAYS = 30
MAX_MATCHES = 20
TYPO_RATIO = 85  # rapidfuzz ratio for a word of 5+ letters to count as a typo of another
MIN_NEAREST = 40  # token-set similarity below which a change is not offered as the nearest
#: Words operators use for the same setting (each group is one thing); kept to what the domain names alike.
SAME_THING: tuple[frozenset[str], ...] = (
    frozenset({"tls", "ssl", "cert", "certificate", "https", "mtls"}),
    frozenset({"retry", "retries", "backoff", "reattempt"}),
    frozenset({"timeout", "deadline"}),
    frozenset({"flag", "toggle", "feature"}),
    frozenset({"ratelimit", "throttle", "throttling"}),
    frozenset({"db", "database", "postgres", "mysql", "sql"}),
    frozenset({"conn", "connection"}),
    frozenset({"pool", "poolsize"}),
    frozenset({"auth", "authentication", "login", "sso", "oauth"}),
    frozenset({"secret", "password", "credential", "token", "apikey"}),
    frozenset({"cache", "caching", "ttl"}),
    frozenset({"dns", "resolver", "hostname"}),
    frozenset({"log", "logging", "loglevel"}),
    frozenset({"memory", "mem", "heap"}),
    frozenset({"worker", "thread", "concurrency"}),
)

_SAID_SQL = """
SELECT 'deployment' AS kind, d.external_id, d.extra::text AS said
FROM deployments d WHERE d.org_id = :org AND d.external_id = ANY(CAST(:ids AS text[]))
UNION ALL
SELECT 'config_change', c.external_id, c.extra::text
FROM config_changes c WHERE c.org_id = :org AND c.external_id = ANY(CAST(:ids AS text[]))
"""


class ChangeMatch(BaseModel):
    type: Literal["deployment", "config_change"]
    external_id: str
    service: str
    at: dt.datetime
    what: str = Field(description="the key and values, or the version and what it shipped")
    by: str | None = None
    matched: list[str] = Field([], description="the words of the change that matched the topic")
    similarity: float = Field(0.0, description="rapidfuzz token-set similarity of the topic and the change, 0–100")


class ChangeSearch(BaseModel):
    topic: str
    words: list[str] = Field(description="the topic's words looked for")
    since: dt.datetime
    until: dt.datetime
    searched: int = Field(description="changes in the window")
    matches: list[ChangeMatch]
    nearest: list[ChangeMatch] = Field([], description="when nothing matched: the most similar changes")


def _split(s: str) -> list[str]:
    """Words of a key or a sentence: dotted, snake, kebab, UPPER_CASE and camelCase parts, lower-cased."""
    s = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", s)
    s = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", s)
    return [w for w in re.findall(r"[a-z][a-z0-9]*|[0-9]+", s.lower()) if w]


def _fold(w: str) -> str:
    for suffix, repl in (("ies", "y"), ("sses", "ss"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if w.endswith(suffix) and len(w) - len(suffix) >= 3 and not w.endswith("ss"):
            return w[: len(w) - len(suffix)] + repl
    return w


def _group(w: str) -> frozenset[str]:
    for g in SAME_THING:
        if w in g or _fold(w) in {_fold(x) for x in g}:
            return g
    return frozenset({w})


def _word_matches(q: str, words: list[str]) -> str | None:
    """The change's word that matches the topic word ``q`` (same, folded, a typo, the same thing), else None."""
    fq, group = _fold(q), {_fold(x) for x in _group(q)}
    for w in words:
        fw = _fold(w)
        if fw == fq or fw in group:
            return w
    for w in words:
        if len(q) >= 5 and len(w) >= 5 and fuzz.ratio(q, w) >= TYPO_RATIO:
            return w
    joined = "".join(words)  # "ratelimit" in rate_limit, "poolsize" in POOL_SIZE
    if len(q) >= 5 and q in joined:
        return q
    return None


def _describe(kind: str, change: DeploymentInfo | ConfigChangeInfo) -> tuple[str, str, dt.datetime, str | None]:
    """(the words searched, what it is, when, by whom)."""
    if isinstance(change, ConfigChangeInfo):
        values = change.values()
        return (f"{change.key} {change.description or ''} {change.service}", f"{change.key} {values}",
                change.changed_at, change.changed_by)
    msgs = " ".join(c.message for c in change.commits)
    return (f"{change.version} {msgs} {change.service}", f"deploy {change.version} ({change.status})",
            change.finished_at or change.started_at, change.deployed_by)


async def search_changes(
    ctx: ToolContext, *, topic: str, since: dt.datetime | dt.date | None = None,
    until: dt.datetime | dt.date | None = None, service: str | None = None,
) -> ToolOutput[ChangeSearch]:
    """Deployments and config changes of every service (or of ``service``) in [since, until] (default: the last
    30 days; a date ``until`` means the end of that day) whose key, description, version, commit messages or other
    recorded fields are about ``topic`` ("retry settings", "TLS config"), newest first; when none is, the nearest
    ones as suggestions."""
    words = [w for w in dict.fromkeys(_split(topic)) if w not in _FILLER]
    if not words:
        raise ToolError(f"say what the change was about ({topic!r} names no setting or component)")
    end = min(_utc(until) + (dt.timedelta(days=1) if until is not None and not isinstance(until, dt.datetime)
                             else dt.timedelta(0)) if until is not None else ctx.now, ctx.now)
    start = _utc(since) if since is not None else end - dt.timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise ToolError(f"since ({start:%Y-%m-%d}) is after until ({end:%Y-%m-%d})")
    async with ctx.read() as session:
        services = await _services(session, ctx.org_id)
        if service is not None:
            hit = next((sid for name, sid in services.items() if name.lower() == service.strip().lower()), None)
            if hit is None:
                raise ToolError(f"unknown service {service!r}")
            sids = [hit]
        else:
            sids = list(services.values())
        deps, cfgs = await load_changes(session, ctx.org_id, sids, start, end)
        changes: list[tuple[str, DeploymentInfo | ConfigChangeInfo]] = (
            [("deployment", d) for _, d in deps] + [("config_change", c) for _, c in cfgs])
        extra = {(k, e): s for k, e, s in (await session.execute(text(_SAID_SQL), {
            "org": ctx.org_id, "ids": [c.external_id for _, c in changes]})).all()} if changes else {}
    matches: list[ChangeMatch] = []
    near: list[ChangeMatch] = []
    for kind, ch in changes:
        said, what, at, by = _describe(kind, ch)
        said += " " + re.sub(r'"[a-z_]+":', " ", extra.get((kind, ch.external_id), "") or "")
        cw = _split(said)
        hits = [_word_matches(w, cw) for w in words]
        m = ChangeMatch(type=kind, external_id=ch.external_id, service=ch.service, at=at, what=what, by=by,
                        matched=sorted({h for h in hits if h}),
                        similarity=round(float(fuzz.token_set_ratio(" ".join(words), " ".join(cw))), 1))
        (matches if all(hits) else near).append(m)
    matches.sort(key=lambda m: m.at, reverse=True)
    nearest = sorted((m for m in near if m.similarity >= MIN_NEAREST), key=lambda m: -m.similarity)[:3]
    result = ChangeSearch(topic=topic, words=words, since=start, until=end, searched=len(changes),
                          matches=matches[:MAX_MATCHES], nearest=[] if matches else nearest)
    return ToolOutput(result=result, evidence=_evidence(result, service))


#: Words of a question's topic that say nothing about which setting ("the retry settings", "the TLS config").
_FILLER = frozenset({"the", "a", "an", "our", "any", "some", "its", "their", "of", "for", "on", "in", "to", "and",
                     "setting", "settings", "config", "configs", "configuration", "configurations", "value", "values",
                     "parameter", "parameters", "param", "params", "option", "options", "key", "keys", "change",
                     "changes", "changed", "stuff", "thing", "things", "properties", "property", "knob", "knobs"})


def _evidence(r: ChangeSearch, service: str | None) -> list[EvidenceDraft]:
    period = f"{r.since:%Y-%m-%d %H:%M}–{r.until:%Y-%m-%d %H:%M} UTC"
    ref = {"tool": "search_changes", "args": {"topic": r.topic, "since": r.since.isoformat(),
                                              "until": r.until.isoformat(), "service": service},
           "query": "deployments (with commit messages) and config changes of the organisation's services in the "
                    "window; keys, descriptions, versions and recorded fields matched word by word"}
    if r.matches:
        summary = (f"{len(r.matches)} of {r.searched} change(s) {period} are about {' '.join(r.words)}: "
                   + "; ".join(f"{m.external_id} on {m.service}" for m in r.matches[:8]))
    else:
        summary = (f"none of the {r.searched} change(s) {period} is about {' '.join(r.words)}"
                   + ("; nearest: " + "; ".join(f"{m.external_id} {m.what}" for m in r.nearest) if r.nearest else ""))
    head = EvidenceDraft(kind="change_search", source="tools.changes.search_changes", ref=ref,
                         payload=r.model_dump(mode="json"), summary=summary)
    items = [EvidenceDraft(kind="change", source="tools.changes.search_changes",
                           ref=ref | {"subject": {"type": m.type, "external_id": m.external_id}},
                           payload=m.model_dump(mode="json") | {"external_id": m.external_id},
                           summary=f"{m.external_id} on {m.service} at {m.at:%Y-%m-%d %H:%M} UTC: {m.what}"
                                   + (f" by {m.by}" if m.by else ""))
             for m in (r.matches or r.nearest)]
    return [head, *items]
