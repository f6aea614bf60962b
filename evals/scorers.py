"""Deterministic scorers: routing, tool use, facts, forbidden claims, citations, latency, tokens, cost.

Each scorer looks at one :class:`Observation` (what the assistant did for one
case variant) and returns a :class:`ScoreResult`: a score from 0 to 100, passed
or failed, and details with what was expected and what was found (the report
shows them side by side). They read the answer as text, so they work for any
provider's wording, not only the offline provider's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from evals.refs import ResolvedCase, ResolvedFact, ResolvedForbidden

EvidenceLookup = Callable[[Sequence[int]], Awaitable[dict[int, uuid.UUID | None]]]


@dataclass
class Limits:
    """Defaults for the latency/tokens/cost scorers (a case's ``expect`` overrides them)."""

    latency_ms: float = 20_000.0
    tokens: int = 30_000
    cost_usd: float = 0.05


@dataclass
class Observation:
    """What the assistant did for one case variant: the final turn's run (and totals over all turns)."""

    question: str
    answer: str = ""
    status: str = "failed"
    error: str | None = None
    route: list[str] = field(default_factory=list)
    tools: list[str] = field(default_factory=list)
    tool_args: list[dict[str, Any]] = field(default_factory=list)
    run_id: uuid.UUID | None = None
    thread_id: uuid.UUID | None = None
    evidence_ids: list[int] = field(default_factory=list)
    latency_ms: float = 0.0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    cost_usd: float = 0.0
    # Over every turn of the thread (prior turns included).
    total_latency_ms: float = 0.0
    total_prompt_tokens: int = 0
    total_completion_tokens: int = 0
    total_cost_usd: float = 0.0
    turn_run_ids: list[str] = field(default_factory=list)

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def total_tokens(self) -> int:
        return self.total_prompt_tokens + self.total_completion_tokens

    @classmethod
    def from_record(cls, question: str, record: Any, latency_ms: float) -> Observation:
        """From a :class:`store.runs.RunRecord`."""
        return cls(
            question=question, answer=record.answer or "", status=record.status, error=record.error,
            route=[str(r) for r in (record.route or [])], tools=[c.tool for c in record.tool_calls],
            tool_args=[dict(c.arguments) for c in record.tool_calls], run_id=record.id, thread_id=record.thread_id,
            evidence_ids=[e.id for e in record.evidence], latency_ms=latency_ms, prompt_tokens=record.prompt_tokens,
            completion_tokens=record.completion_tokens, cost_usd=float(record.cost_usd or 0.0),
            total_latency_ms=latency_ms, total_prompt_tokens=record.prompt_tokens,
            total_completion_tokens=record.completion_tokens, total_cost_usd=float(record.cost_usd or 0.0),
            turn_run_ids=[str(record.id)],
        )


@dataclass
class ScoreResult:
    evaluator: str
    score: float
    passed: bool
    details: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.score = round(max(0.0, min(100.0, float(self.score))), 2)


# ------------------------------------------------------------------ reading answers

_CITE_GROUP = re.compile(r"\[\s*E:\s*\d+(?:\s*[,;]\s*(?:E:)?\s*\d+)*\s*\]")
_CITE_ID = re.compile(r"\d+")
_DATE = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_MONTH_DATE = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+(\d{1,2})(?:st|nd|rd|th)?"
                         r"(?:,?\s+(\d{4}))?\b", re.I)
_IDS = re.compile(r"\b[A-Z][A-Z0-9]*-\d+\b|\b[0-9a-f]{7,40}\b")
_TIME = re.compile(r"\b\d{1,2}:\d{2}(?::\d{2})?\b")
_NUMBER = re.compile(r"(?<![\w.])([-+−]?)(\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)(?![\w])")
_CLAIM_ID = re.compile(r"\b(?:DEP|CFG|INC|TCK|RB)-\d+\b|\b[0-9a-f]{40}\b")


def citations(answer: str) -> list[int]:
    """Every evidence id the answer cites (``[E:12]``, ``[E:12, E:13]``), in order."""
    return [int(n) for g in _CITE_GROUP.findall(answer or "") for n in _CITE_ID.findall(g)]


def numbers(text: str) -> list[float]:
    """The numbers a text states (ids, dates, times and citations removed; ``1,234`` is 1234)."""
    text = _CITE_GROUP.sub(" ", text)
    text = _DATE.sub(" ", text)
    text = _TIME.sub(" ", text)
    text = _IDS.sub(" ", text)
    out = []
    for sign, digits in _NUMBER.findall(text):
        v = float(digits.replace(",", ""))
        out.append(-v if sign in ("-", "−") else v)
    return out


def dates(text: str, year_hint: int | None = None) -> list[dt.date]:
    out = []
    for y, m, d in _DATE.findall(text):
        with contextlib.suppress(ValueError):
            out.append(dt.date(int(y), int(m), int(d)))
    for mon, d, y in _MONTH_DATE.findall(text):
        with contextlib.suppress(ValueError):
            out.append(dt.date(int(y) if y else (year_hint or dt.date.today().year), _MONTHS[mon[:3].lower()], int(d)))
    return out


def _lines(answer: str, near: str | None) -> list[str]:
    lines = [ln for ln in (answer or "").splitlines() if ln.strip()]
    if near:
        rx = re.compile(near, re.I)
        lines = [ln for ln in lines if rx.search(ln)]
    return lines


_TOP_PATTERNS = [
    re.compile(r"most likely (?:cause|culprit) (?:is|was)\s+(?:the\s+)?(?:deployment|deploy|config change|commit)?\s*"
               r"[*`_]*([A-Za-z0-9][\w.\-]*)", re.I),
    re.compile(r"most likely (?:cause|culprit)(?! (?:is|was)\b)[^:\n]*?:\s*[*`_]*([A-Za-z0-9][\w.\-]*)", re.I),
    re.compile(r"top hypothesis[^:\n]*?(?::|\bis\b)\s*[*`_]*([A-Za-z0-9][\w.\-]*)", re.I),
    re.compile(r"^\s*\|\s*(?:#\s*)?1\s*\|\s*[*`_]*([A-Za-z0-9][\w.\-]*)", re.M),
]
_CHANGE_ID = re.compile(r"\b(?:DEP|CFG)-\d+\b|\b[0-9a-f]{40}\b")


def top_hypothesis(answer: str) -> str | None:
    """The change the answer ranks first as the cause, or None when it names none."""
    for rx in _TOP_PATTERNS:
        if m := rx.search(answer or ""):
            return m.group(1).rstrip(".,;:)")
    for line in (answer or "").splitlines():
        if re.search(r"\bcause|hypothes|culprit|responsible", line, re.I) and (m := _CHANGE_ID.search(line)):
            return m.group(0)
    return None


def claim_segments(answer: str) -> list[dict[str, Any]]:
    """The answer's claims and whether each is cited.

    A claim is text that states a number or an id (DEP-/CFG-/INC-/TCK-/RB-…, a
    commit sha). Each line is cut after every citation group; a piece that
    states something and is not followed by a citation on its line is an
    uncited claim. Headings, table rules and headers, italic meta lines and
    questions are not claims.
    """
    out: list[dict[str, Any]] = []
    in_table_header = False
    for raw in (answer or "").splitlines():
        line = raw.strip()
        if not line:
            in_table_header = False
            continue
        if line.startswith("#") or (re.fullmatch(r"\**[^*]+\**", line) and line.startswith("**") and line.endswith("**")):
            continue
        if line.startswith("|"):
            if re.fullmatch(r"\|?[\s:|-]+\|?", line):
                continue
            if not in_table_header:  # first row of a table: its header
                in_table_header = True
                if not _CITE_GROUP.search(line) and not numbers(line):
                    continue
        else:
            in_table_header = False
        body = re.sub(r"^[-*+>]\s+|^\d+\.\s+", "", line)
        if re.fullmatch(r"_[^_].*_", body) or body.rstrip("*_ ”\"").endswith("?"):
            continue
        pieces: list[tuple[str, bool]] = []
        last = 0
        for m in _CITE_GROUP.finditer(body):
            pieces.append((body[last:m.start()], True))
            last = m.end()
        pieces.append((body[last:], False))
        for text, cited in pieces:
            t = text.strip(" .;,|")
            if not t:
                continue
            states = bool(numbers(t) or _CLAIM_ID.search(t) or _DATE.search(t))
            if states:
                out.append({"text": t[:200], "cited": cited})
    return out


# ------------------------------------------------------------------ scorers


def score_status(rc: ResolvedCase, obs: Observation) -> ScoreResult:
    want = rc.expect.status
    ok = obs.status == want
    return ScoreResult("status", 100 if ok else 0, ok, {"expected": want, "actual": obs.status, "error": obs.error})


def score_routing(rc: ResolvedCase, obs: Observation) -> ScoreResult | None:
    want = rc.expect.route
    if want is None:
        return None
    got = obs.route
    mode = rc.expect.route_match
    if mode == "exact":
        ok = got == want
    elif mode == "prefix":
        ok = got[: len(want)] == want
    else:
        ok = all(w in got for w in want)
    if ok or (not want and not got):
        score = 100.0
    else:
        union = set(want) | set(got)
        score = 100.0 * len(set(want) & set(got)) / len(union) if union else 0.0
        score = min(score, 99.0)
    return ScoreResult("routing", score, ok, {"expected": want, "actual": got, "match": mode})


def _subsequence(want: list[str], got: list[str]) -> bool:
    it = iter(got)
    return all(any(g == w for g in it) for w in want)


def score_tools(rc: ResolvedCase, obs: Observation) -> ScoreResult | None:
    want, banned = rc.expect.tools, rc.expect.tools_forbidden
    if want is None and not banned:
        return None
    got = obs.tools
    mode = rc.expect.tools_match
    problems = []
    if want is not None:
        ok = {
            "exact": got == want,
            "prefix": got[: len(want)] == want,
            "subsequence": _subsequence(want, got),
            "contains": all(w in got for w in want),
        }[mode]
        if not ok:
            problems.append(f"expected {mode} {want}, called {got}")
        found = sum(1 for w in want if w in got)
        score = 100.0 if ok else (100.0 * found / len(want) if want else 0.0) * 0.9
    else:
        score = 100.0
    called_banned = [t for t in got if t in banned]
    if called_banned:
        problems.append(f"called forbidden tool(s) {sorted(set(called_banned))}")
        score = min(score, 50.0) * (0.5 if len(set(called_banned)) > 1 else 1)
    return ScoreResult("tools", score, not problems, {"expected": want, "actual": got, "match": mode,
                                                    "forbidden": banned, "problems": problems})


def check_fact(fact: ResolvedFact, answer: str) -> dict[str, Any]:
    """Whether the answer states one fact; ``{"passed", "expected", "found", "why"}``."""
    flags = 0 if fact.case_sensitive else re.I
    lines = _lines(answer, fact.near)
    scope = "\n".join(lines)
    base = {"fact": fact.label(), "kind": fact.kind, "expected": fact.value}
    if fact.near and not lines:
        return base | {"passed": False, "found": None, "why": f"no line of the answer matches /{fact.near}/"}

    if fact.kind == "number":
        tol = fact.tolerance + fact.rel_tolerance * abs(fact.value)
        if fact.pattern:
            cands = []
            for m in re.finditer(fact.pattern, scope, flags):
                cands.extend(numbers(m.group(1) if m.groups() else m.group(0)))
        else:
            cands = numbers(scope)
        if not cands:
            return base | {"passed": False, "found": None, "tolerance": tol, "why": "no number found"}
        best = min(cands, key=lambda x: abs(x - fact.value))
        ok = abs(best - fact.value) <= tol + 1e-9
        return base | {"passed": ok, "found": best, "tolerance": tol,
                       "why": "" if ok else f"closest stated number {best:g} is off by {abs(best - fact.value):.4g} "
                                            f"(tolerance {tol:g})"}

    if fact.kind == "date":
        want = dt.date.fromisoformat(fact.value)
        text = scope
        if fact.pattern:
            text = "\n".join(m.group(1) if m.groups() else m.group(0) for m in re.finditer(fact.pattern, scope, flags))
        cands = dates(text, want.year)
        if not cands:
            return base | {"passed": False, "found": None, "why": "no date found"}
        best = min(cands, key=lambda d: abs((d - want).days))
        ok = abs((best - want).days) <= fact.tolerance
        return base | {"passed": ok, "found": best.isoformat(), "tolerance_days": fact.tolerance,
                       "why": "" if ok else f"closest date {best} is {abs((best - want).days)} day(s) off"}

    if fact.kind == "top_hypothesis":
        got = top_hypothesis(answer)
        ok = got is not None and (got == fact.value if fact.case_sensitive else got.lower() == fact.value.lower())
        return base | {"passed": ok, "found": got,
                       "why": "" if ok else ("no top hypothesis stated" if got is None else f"ranked {got} first")}

    value = re.escape(fact.value)
    if fact.kind == "label":
        value = value.replace("_", "[ _-]")  # at_risk reads "at risk"
    if fact.pattern:
        rx = re.compile(fact.pattern.replace("{value}", value), flags)
    elif fact.kind in ("label", "entity"):
        rx = re.compile(rf"(?<![\w-]){value}(?![\w-])", flags)
    else:
        rx = re.compile(value, flags)
    m = rx.search(scope)
    return base | {"passed": m is not None, "found": m.group(0) if m else None,
                   "why": "" if m else f"not stated (looked for /{rx.pattern}/)"}


def score_facts(rc: ResolvedCase, obs: Observation) -> ScoreResult | None:
    if not rc.facts:
        return None
    checks = [check_fact(f, obs.answer) for f in rc.facts]
    n_ok = sum(c["passed"] for c in checks)
    failed = [c for c in checks if not c["passed"]]

    def want(c: dict[str, Any]) -> str:
        tol = c.get("tolerance", c.get("tolerance_days"))
        return f"{c['fact']}: {_short(c['expected'])}" + (f" (± {tol:g})" if tol else "")

    return ScoreResult(
        "facts", 100.0 * n_ok / len(checks), n_ok == len(checks),
        {"checks": checks,
         "expected": "; ".join(want(c) for c in failed) if failed else f"{len(checks)} fact(s)",
         "actual": "; ".join(c["why"] if c["found"] is None else f"{_short(c['found'])} — {c['why']}"
                             for c in failed) if failed
         else f"all {len(checks)} stated"},
    )


def _short(v: Any) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.6g}"
    return str(v)


def check_forbidden(f: ResolvedForbidden, answer: str) -> dict[str, Any]:
    if f.text is not None:
        i = (answer or "").lower().find(f.text.lower())
        hit = answer[max(0, i - 40): i + len(f.text) + 40] if i >= 0 else None
    elif f.pattern is not None:
        m = re.search(f.pattern, answer or "", re.I | re.M)
        hit = answer[max(0, m.start() - 40): m.end() + 40] if m else None
    else:
        top = top_hypothesis(answer)
        hit = f"ranked {top} first" if top and f.top_hypothesis and top.lower() == f.top_hypothesis.lower() else None
    return {"claim": f.label(), "reason": f.reason, "violated": hit is not None, "found": hit}


def score_forbidden(rc: ResolvedCase, obs: Observation) -> ScoreResult | None:
    if not rc.forbidden:
        return None
    checks = [check_forbidden(f, obs.answer) for f in rc.forbidden]
    bad = [c for c in checks if c["violated"]]
    return ScoreResult("forbidden", 100.0 * (len(checks) - len(bad)) / len(checks), not bad,
                       {"checks": checks, "expected": "none of: " + "; ".join(c["claim"] for c in checks),
                        "actual": [c["found"] for c in bad] or "none made"})


async def score_citations(rc: ResolvedCase, obs: Observation, lookup: EvidenceLookup) -> ScoreResult:
    """Every cited id exists and belongs to this run; with ``every_claim_cited``, every claim cites something."""
    cited = citations(obs.answer)
    unique = list(dict.fromkeys(cited))
    owners = await lookup(unique) if unique else {}
    missing = [i for i in unique if i not in owners]
    foreign = [i for i in unique if i in owners and owners[i] != obs.run_id]
    claims = claim_segments(obs.answer) if rc.expect.every_claim_cited else []
    uncited = [c["text"] for c in claims if not c["cited"]]
    problems = []
    if missing:
        problems.append(f"cites evidence that does not exist: {', '.join(f'E:{i}' for i in missing)}")
    if foreign:
        problems.append(f"cites evidence of another run: {', '.join(f'E:{i}' for i in foreign)}")
    if uncited:
        problems.append(f"{len(uncited)} claim(s) without a citation")
    if len(unique) < rc.expect.min_citations:
        problems.append(f"{len(unique)} citation(s), at least {rc.expect.min_citations} expected")
    validity = (len(unique) - len(missing) - len(foreign)) / len(unique) if unique else 1.0
    coverage = (len(claims) - len(uncited)) / len(claims) if claims else 1.0
    enough = 1.0 if len(unique) >= rc.expect.min_citations else (len(unique) / rc.expect.min_citations)
    return ScoreResult(
        "citations", 100.0 * validity * coverage * enough, not problems,
        {"expected": "every cited id exists and belongs to the run"
                     + ("; every claim cited" if rc.expect.every_claim_cited else ""),
         "actual": "; ".join(problems) or f"{len(unique)} valid citation(s), {len(claims)} claim(s) all cited",
         "cited": unique, "missing": missing, "foreign": foreign, "uncited_claims": uncited[:10],
         "claims": len(claims)},
    )


def _budget(name: str, actual: float, limit: float, unit: str) -> ScoreResult:
    ok = actual <= limit
    score = 100.0 if ok or actual <= 0 else 100.0 * limit / actual
    return ScoreResult(name, score, ok, {"expected": f"<= {limit:g} {unit}", "actual": f"{actual:g} {unit}",
                                         "limit": limit, "value": actual})


def score_latency(rc: ResolvedCase, obs: Observation, limits: Limits) -> ScoreResult:
    return _budget("latency", round(obs.latency_ms, 1), rc.expect.max_latency_ms or limits.latency_ms, "ms")


def score_tokens(rc: ResolvedCase, obs: Observation, limits: Limits) -> ScoreResult:
    return _budget("tokens", obs.tokens, rc.expect.max_tokens or limits.tokens, "tokens")


def score_cost(rc: ResolvedCase, obs: Observation, limits: Limits) -> ScoreResult:
    return _budget("cost", round(obs.cost_usd, 6), rc.expect.max_cost_usd or limits.cost_usd, "USD")


async def score_all(
    rc: ResolvedCase, obs: Observation, lookup: EvidenceLookup, limits: Limits | None = None
) -> list[ScoreResult]:
    """Every deterministic scorer that applies to the case."""
    limits = limits or Limits()
    results: list[ScoreResult | None] = [
        score_status(rc, obs),
        score_routing(rc, obs),
        score_tools(rc, obs),
        score_facts(rc, obs),
        score_forbidden(rc, obs),
        await score_citations(rc, obs, lookup),
        score_latency(rc, obs, limits),
        score_tokens(rc, obs, limits),
        score_cost(rc, obs, limits),
    ]
    return [r for r in results if r is not None]


def overall(results: Iterable[ScoreResult]) -> ScoreResult:
    rs = list(results)
    failed = [r.evaluator for r in rs if not r.passed]
    score = sum(r.score for r in rs) / len(rs) if rs else 0.0
    return ScoreResult("overall", score, not failed and bool(rs), {"failed": failed})


def setup_failure(rc: ResolvedCase, message: str) -> ScoreResult:
    return ScoreResult("setup", 0, False, {"expected": "the case resolves and runs", "actual": message})


def db_lookup(sessions: Any, org_id: int) -> EvidenceLookup:
    """Evidence id → run id, for the ids that exist in the organisation."""
    from sqlalchemy import text

    async def lookup(ids: Sequence[int]) -> dict[int, uuid.UUID | None]:
        if not ids:
            return {}
        async with sessions() as s:
            rows = await s.execute(text("SELECT id, run_id FROM evidence WHERE org_id = :o AND id = ANY(:ids)"),
                                   {"o": org_id, "ids": list(ids)})
            return {int(i): r for i, r in rows}

    return lookup
