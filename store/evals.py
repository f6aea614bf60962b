"""Persistence of evaluation runs: ``eval_runs`` (one row per run) and ``eval_results``
(one row per case variant and scorer, plus an ``overall`` row carrying the question,
the answer and what the assistant did, so reports and comparisons need nothing else).

:class:`StoredRun` is the one read model of an evaluation run: the HTTP API (``/api/evals/runs``) and the
evaluation CLI, reports and comparisons all read it through :func:`read_eval_run` / :func:`read_eval_runs`;
the API's ``EvalRunOut`` / ``EvalResultOut`` are :class:`EvalRunRow` / :class:`ResultRow` as they are."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import insert, text, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.errors import NotFound
from store.models import EvalResult, EvalRun

Sessions = async_sessionmaker[AsyncSession]


def _jsonable(v: Any) -> Any:
    return json.loads(json.dumps(v, default=str))


async def create_eval_run(
    sessions: Sessions, org_id: int, *, provider: str, model: str | None, code_version: str | None,
    suite: str | None, tags: list[str], run_id: uuid.UUID | None = None, note: str | None = None,
) -> uuid.UUID:
    run_id = run_id or uuid.uuid4()
    async with sessions() as s, s.begin():
        await s.execute(insert(EvalRun).values(
            id=run_id, org_id=org_id, suite=suite[:100] if suite else None, tags=tags, provider=provider, model=model,
            code_version=code_version, status="running", report_markdown=note,
        ))
    return run_id


async def save_results(
    sessions: Sessions, org_id: int, eval_run_id: uuid.UUID, rows: list[dict[str, Any]]
) -> None:
    """Insert result rows (``case_id, variant, run_id, evaluator, score, passed, details, latency_ms``)."""
    if not rows:
        return
    values = [{**r, "org_id": org_id, "eval_run_id": eval_run_id, "details": _jsonable(r.get("details") or {})}
              for r in rows]
    async with sessions() as s, s.begin():
        await s.execute(insert(EvalResult), values)


async def finish_eval_run(sessions: Sessions, org_id: int, eval_run_id: uuid.UUID, **values: Any) -> None:
    values.setdefault("finished_at", dt.datetime.now(dt.UTC))
    async with sessions() as s, s.begin():
        await s.execute(update(EvalRun).where(EvalRun.id == eval_run_id, EvalRun.org_id == org_id).values(**values))


async def fail_stale_eval_runs(sessions: Sessions) -> int:
    """Eval runs still 'running' whose progress run (same id) has failed, e.g. after a crash, become failed."""
    async with sessions() as s, s.begin():
        res = await s.execute(text(
            """UPDATE eval_runs e SET status = 'failed', finished_at = now()
               FROM runs r WHERE r.id = e.id AND e.status = 'running' AND r.status = 'failed' RETURNING e.id"""))
        return len(res.all())


# ------------------------------------------------------------------ reading back


@dataclass
class ItemRow:
    """One case variant of a stored evaluation run, with every scorer's verdict."""

    case_id: str
    variant: int
    passed: bool
    score: float
    latency_ms: float | None
    run_id: uuid.UUID | None
    details: dict[str, Any]  # the overall row's details: question, answer, route, tools, suite, tags…
    scorers: dict[str, dict[str, Any]] = field(default_factory=dict)  # name → {score, passed, details}

    @property
    def key(self) -> str:
        return f"{self.case_id}#{self.variant}"

    @property
    def suite(self) -> str:
        return self.details.get("suite") or self.case_id.split("/", 1)[0]

    @property
    def tags(self) -> list[str]:
        return list(self.details.get("tags") or [])

    @property
    def failed_scorers(self) -> list[str]:
        return [n for n, s in self.scorers.items() if not s["passed"]]


class ResultRow(BaseModel):
    """One stored verdict: a scorer's (or the ``overall``) result for one case variant."""

    case_id: str
    variant: int
    evaluator: str
    score: float
    passed: bool
    details: dict[str, Any]
    latency_ms: float | None
    run_id: uuid.UUID | None
    created_at: dt.datetime


class EvalRunRow(BaseModel):
    """An ``eval_runs`` row: what every reader shows of an evaluation run (the API serves these fields)."""

    id: uuid.UUID
    suite: str | None
    tags: list[str]
    provider: str
    model: str | None
    code_version: str | None
    status: str
    n_cases: int
    pass_rate: float | None
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    report_markdown: str | None
    started_at: dt.datetime
    finished_at: dt.datetime | None


class StoredRun(EvalRunRow):
    """An evaluation run as read back: the row, every verdict (``results``) and the verdicts grouped per case
    variant (``items``)."""

    items: list[ItemRow] = Field(default_factory=list)
    #: Every stored verdict, in insertion order (``items`` groups them per case variant).
    results: list[ResultRow] = Field(default_factory=list)
    #: The run (same id) whose events reported the progress, for evaluation runs started through the API.
    progress_run_id: uuid.UUID | None = None

    @property
    def duration_s(self) -> float | None:
        if self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds()


class EvalRunNotFound(NotFound):
    pass


async def resolve_eval_run_id(session: AsyncSession, org_id: int, ref: str) -> uuid.UUID:
    """A run by id, unique id prefix, ``latest`` or ``previous`` (the one before the latest)."""
    ref = ref.strip()
    if ref in ("latest", "previous"):
        rows = (await session.execute(text(
            "SELECT id FROM eval_runs WHERE org_id = :o ORDER BY started_at DESC LIMIT 2"), {"o": org_id})).all()
        idx = 0 if ref == "latest" else 1
        if len(rows) <= idx:
            raise EvalRunNotFound(f"there is no {ref} evaluation run in this organisation")
        return rows[idx][0]
    try:
        return uuid.UUID(ref)
    except ValueError:
        pass
    if len(ref) < 4 or not all(c in "0123456789abcdef-" for c in ref.lower()):
        raise EvalRunNotFound(f"{ref!r} is not an evaluation run id (a UUID, a prefix of one, latest or previous)")
    rows = (await session.execute(text(
        "SELECT id FROM eval_runs WHERE org_id = :o AND id::text LIKE :p ORDER BY started_at DESC LIMIT 3"),
        {"o": org_id, "p": ref.lower() + "%"})).all()
    if not rows:
        raise EvalRunNotFound(f"no evaluation run {ref!r} in this organisation")
    if len(rows) > 1:
        raise EvalRunNotFound(f"{ref!r} is ambiguous: {', '.join(str(r[0]) for r in rows)}")
    return rows[0][0]


_HEADER = """SELECT id, suite, tags, provider, model, code_version, status, n_cases, pass_rate, p50_latency_ms,
                     p95_latency_ms, prompt_tokens, completion_tokens, cost_usd, started_at, finished_at,
                     report_markdown
              FROM eval_runs"""


def _header(row: Any) -> StoredRun:
    return StoredRun(**{**row, "tags": list(row["tags"] or [])})


async def read_eval_run(session: AsyncSession, org_id: int, run_id: uuid.UUID) -> StoredRun | None:
    """The run with every verdict (``results``) grouped per case variant (``items``); None when not in the org."""
    row = (await session.execute(text(_HEADER + " WHERE id = :id AND org_id = :o"),
                                 {"id": run_id, "o": org_id})).mappings().first()
    if row is None:
        return None
    run = _header(row)
    run.results = [ResultRow(**{**r, "details": r["details"] or {}}) for r in (await session.execute(text(
        """SELECT case_id, variant, evaluator, score, passed, details, latency_ms, run_id, created_at
           FROM eval_results WHERE eval_run_id = :id AND org_id = :o ORDER BY case_id, variant, id"""),
        {"id": run_id, "o": org_id})).mappings()]
    run.progress_run_id = (await session.execute(text("SELECT id FROM runs WHERE id = :id AND org_id = :o"),
                                                 {"id": run_id, "o": org_id})).scalar()
    by_key: dict[tuple[str, int], ItemRow] = {}
    for r in run.results:
        k = (r.case_id, r.variant)
        item = by_key.get(k)
        if item is None:
            item = by_key[k] = ItemRow(case_id=r.case_id, variant=r.variant, passed=False, score=0.0,
                                       latency_ms=None, run_id=r.run_id, details={})
        if r.evaluator == "overall":
            item.passed, item.score, item.latency_ms = r.passed, r.score, r.latency_ms
            item.details = dict(r.details)
            item.run_id = r.run_id
        else:
            item.scorers[r.evaluator] = {"score": r.score, "passed": r.passed, "details": r.details}
    run.items = list(by_key.values())
    return run


async def read_eval_runs(session: AsyncSession, org_id: int, limit: int = 20) -> list[StoredRun]:
    """The newest runs (headers only: no ``results``/``items``)."""
    rows = (await session.execute(text(_HEADER + " WHERE org_id = :o ORDER BY started_at DESC LIMIT :n"),
                                  {"o": org_id, "n": limit})).mappings().all()
    return [_header(r) for r in rows]


async def load_eval_run(sessions: Sessions, org_id: int, ref: str | uuid.UUID) -> StoredRun:
    """A run by id or reference (see :func:`resolve_eval_run_id`); EvalRunNotFound when there is none."""
    async with sessions() as s:
        run_id = ref if isinstance(ref, uuid.UUID) else await resolve_eval_run_id(s, org_id, ref)
        run = await read_eval_run(s, org_id, run_id)
    if run is None:
        raise EvalRunNotFound(f"no evaluation run {ref} in this organisation")
    return run


_LISTED = ("id", "suite", "tags", "provider", "model", "code_version", "status", "n_cases", "pass_rate",
           "p50_latency_ms", "p95_latency_ms", "started_at", "finished_at")


async def list_eval_runs(sessions: Sessions, org_id: int, limit: int = 20) -> list[dict[str, Any]]:
    """:func:`read_eval_runs` as plain rows (for tables)."""
    async with sessions() as s:
        runs = await read_eval_runs(s, org_id, limit)
    return [{k: getattr(r, k) for k in _LISTED} for r in runs]
