"""The evaluation runner: resolve cases, run them through the assistant, score, persist, summarise.

One *item* is one variant (paraphrase) of one case. For each item the runner
opens a fresh thread, asks the case's prior turns, then the question, under a
per-case timeout; scores the final turn's run with every scorer that applies
(plus the LLM judge when configured); and stores one ``eval_results`` row per
scorer and an ``overall`` row. The pass rate is the share of items that pass
every scorer.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import subprocess
import time
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from evals.config import JudgeConfig
from evals.hooks import HookContext
from evals.models import Case
from evals.refs import ResolvedCase, Resolver
from evals.scorers import Limits, Observation, ScoreResult, db_lookup, overall, score_all, setup_failure
from store import evals as store

log = logging.getLogger(__name__)
REPO = Path(__file__).resolve().parents[1]
ANSWER_CHARS = 6000


def code_version() -> str | None:
    """The git commit of the code under test, when it is a git checkout (read-only git call)."""
    try:
        out = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=REPO, capture_output=True, text=True,
                             timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    sha = out.stdout.strip()
    return sha or None


def eval_clock(manifest: Mapping[str, Any]) -> dt.datetime:
    """Noon UTC of the demo's anchor day: relative dates in cases ("last week") mean what they meant at seed time."""
    anchor = dt.date.fromisoformat(str(manifest["anchor"])[:10])
    return dt.datetime.combine(anchor, dt.time(12, 0), dt.UTC)


@dataclass
class RunOptions:
    concurrency: int = 2
    timeout_s: float = 60.0
    limits: Limits = field(default_factory=Limits)
    judge: JudgeConfig | None = None
    suites: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    code_version: str | None = None


@dataclass
class ItemResult:
    case: ResolvedCase
    variant: int
    question: str
    observation: Observation
    scores: list[ScoreResult]
    overall: ScoreResult

    @property
    def passed(self) -> bool:
        return self.overall.passed


@dataclass
class EvalOutcome:
    eval_run_id: uuid.UUID
    items: list[ItemResult]
    provider: str
    model: str | None
    code_version: str | None
    started: dt.datetime
    duration_s: float
    pass_rate: float
    p50_latency_ms: float | None
    p95_latency_ms: float | None
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    status: str = "completed"

    @property
    def n_items(self) -> int:
        return len(self.items)

    @property
    def n_cases(self) -> int:
        return len({i.case.key for i in self.items})

    @property
    def failures(self) -> list[ItemResult]:
        return [i for i in self.items if not i.passed]


class Progress:
    """Callbacks while a run goes (the CLI draws a progress bar, the API emits run events)."""

    async def started(self, eval_run_id: uuid.UUID, total: int) -> None: ...

    async def item_started(self, index: int, rc: ResolvedCase, variant: int, question: str) -> None: ...

    async def item_finished(self, index: int, result: ItemResult) -> None: ...


async def execute(assistant: Any, org_id: int, rc: ResolvedCase, question: str, timeout_s: float) -> Observation:
    """Ask the prior turns then the question in a new thread; the final turn's run is observed."""
    thread_id = None
    totals = {"latency": 0.0, "prompt": 0, "completion": 0, "cost": 0.0}
    run_ids: list[str] = []

    def account(rec: Any, ms: float) -> None:
        totals["latency"] += ms
        totals["prompt"] += rec.prompt_tokens
        totals["completion"] += rec.completion_tokens
        totals["cost"] += float(rec.cost_usd or 0.0)
        run_ids.append(str(rec.id))

    try:
        async with asyncio.timeout(timeout_s):
            for turn in rc.turns:
                t0 = time.monotonic()
                rec = await assistant.ask(org_id=org_id, question=turn, thread_id=thread_id, trigger="eval")
                account(rec, (time.monotonic() - t0) * 1000)
                thread_id = rec.thread_id
                if rec.status != "completed":
                    return Observation(question=question, status="failed", thread_id=thread_id,
                                       error=f"prior turn {turn!r} failed: {rec.error}", turn_run_ids=run_ids)
            t0 = time.monotonic()
            rec = await assistant.ask(org_id=org_id, question=question, thread_id=thread_id, trigger="eval")
            latency = (time.monotonic() - t0) * 1000
    except TimeoutError:
        return Observation(question=question, status="timeout", error=f"the case timed out after {timeout_s:g} s",
                           latency_ms=timeout_s * 1000, thread_id=thread_id, turn_run_ids=run_ids)
    except Exception as exc:  # a crash is a failed item, not a failed evaluation
        log.exception("case %s crashed", rc.key)
        return Observation(question=question, status="error", error=f"{type(exc).__name__}: {exc}",
                           thread_id=thread_id, turn_run_ids=run_ids)
    obs = Observation.from_record(question, rec, latency)
    account(rec, latency)
    obs.total_latency_ms = totals["latency"]
    obs.total_prompt_tokens, obs.total_completion_tokens = int(totals["prompt"]), int(totals["completion"])
    obs.total_cost_usd = totals["cost"]
    obs.turn_run_ids = run_ids
    return obs


def _overall_details(rc: ResolvedCase, variant: int, obs: Observation, scores: list[ScoreResult]) -> dict[str, Any]:
    c = rc.case
    return {
        "suite": c.suite, "tags": c.tags, "difficulty": c.difficulty, "description": rc.description or c.description,
        "question": obs.question, "turns": rc.turns, "variants": len(rc.questions),
        "answer": obs.answer[:ANSWER_CHARS], "answer_truncated": len(obs.answer) > ANSWER_CHARS,
        "status": obs.status, "error": obs.error, "route": obs.route, "tools": obs.tools,
        "thread_id": str(obs.thread_id) if obs.thread_id else None, "turn_run_ids": obs.turn_run_ids,
        "evidence_ids": obs.evidence_ids[:200], "latency_ms": round(obs.latency_ms, 1),
        "tokens": obs.total_tokens, "cost_usd": obs.total_cost_usd,
        "failed": [s.evaluator for s in scores if not s.passed],
    }


async def run_evaluation(
    assistant: Any,
    *,
    org_id: int,
    cases: list[Case],
    manifest: Mapping[str, Any],
    options: RunOptions | None = None,
    progress: Progress | None = None,
    eval_run_id: uuid.UUID | None = None,
) -> EvalOutcome:
    """Run ``cases`` through ``assistant`` (an :class:`agents.service.Assistant`) and persist the evaluation run.

    With ``eval_run_id`` the ``eval_runs`` row must exist already (the API creates it first); otherwise
    one is created here.
    """
    options = options or RunOptions()
    if options.code_version is None:
        options.code_version = code_version()
    progress = progress or Progress()
    sessions = assistant.sessions
    provider, model = assistant.provider.name, assistant.provider.model
    started = dt.datetime.now(dt.UTC)
    t_start = time.monotonic()
    if eval_run_id is None:
        eval_run_id = await store.create_eval_run(
            sessions, org_id, provider=provider, model=model, code_version=options.code_version,
            suite=",".join(options.suites) or None, tags=options.tags,
        )
    try:
        resolver = Resolver(manifest, HookContext(sessions, org_id, assistant.clock(), manifest))
        resolved = [await resolver.resolve(c) for c in cases]
        items = [(rc, v, q) for rc in resolved for v, q in enumerate(rc.questions)]
        await progress.started(eval_run_id, len(items))
        lookup = db_lookup(sessions, org_id)
        judge = None
        if options.judge is not None:
            from evals.judge import Judge

            judge = Judge(options.judge)
        sem = asyncio.Semaphore(max(1, options.concurrency))

        async def one(index: int, rc: ResolvedCase, variant: int, question: str) -> ItemResult:
            async with sem:
                await progress.item_started(index, rc, variant, question)
                if rc.error:
                    obs = Observation(question=question, status="error", error=rc.error)
                    scores = [setup_failure(rc, rc.error)]
                else:
                    obs = await execute(assistant, org_id, rc, question, rc.case.timeout_s or options.timeout_s)
                    scores = await score_all(rc, obs, lookup, options.limits)
                    if judge is not None and rc.rubric:
                        verdict = await judge.score(rc, obs)
                        if verdict is not None:
                            scores.append(verdict)
                ov = overall(scores)
                ov.details.update(_overall_details(rc, variant, obs, scores))
                rows = [
                    {"case_id": rc.key, "variant": variant, "run_id": obs.run_id, "evaluator": s.evaluator,
                     "score": s.score, "passed": s.passed, "details": s.details, "latency_ms": obs.latency_ms}
                    for s in [*scores, ov]
                ]
                await store.save_results(sessions, org_id, eval_run_id, rows)
                result = ItemResult(case=rc, variant=variant, question=question, observation=obs, scores=scores,
                                    overall=ov)
                await progress.item_finished(index, result)
                return result

        results = list(await asyncio.gather(*(one(i, rc, v, q) for i, (rc, v, q) in enumerate(items))))
    except BaseException:
        await asyncio.shield(store.finish_eval_run(sessions, org_id, eval_run_id, status="failed"))
        raise

    latencies = [r.observation.latency_ms for r in results if r.observation.run_id is not None]
    prompt = sum(r.observation.total_prompt_tokens for r in results)
    completion = sum(r.observation.total_completion_tokens for r in results)
    outcome = EvalOutcome(
        eval_run_id=eval_run_id, items=results, provider=provider, model=model, code_version=options.code_version,
        started=started, duration_s=time.monotonic() - t_start,
        pass_rate=(sum(r.passed for r in results) / len(results)) if results else 0.0,
        p50_latency_ms=float(np.percentile(latencies, 50)) if latencies else None,
        p95_latency_ms=float(np.percentile(latencies, 95)) if latencies else None,
        prompt_tokens=prompt, completion_tokens=completion,
        cost_usd=sum(r.observation.total_cost_usd for r in results),
    )
    from evals.report import render_markdown

    stored = await store.load_eval_run(sessions, org_id, eval_run_id)
    stored.status, stored.n_cases, stored.pass_rate = "completed", outcome.n_items, outcome.pass_rate
    stored.p50_latency_ms, stored.p95_latency_ms = outcome.p50_latency_ms, outcome.p95_latency_ms
    stored.prompt_tokens, stored.completion_tokens, stored.cost_usd = prompt, completion, outcome.cost_usd
    stored.finished_at = started + dt.timedelta(seconds=outcome.duration_s)
    await store.finish_eval_run(
        sessions, org_id, eval_run_id, status="completed", n_cases=outcome.n_items, pass_rate=outcome.pass_rate,
        p50_latency_ms=outcome.p50_latency_ms, p95_latency_ms=outcome.p95_latency_ms, prompt_tokens=prompt,
        completion_tokens=completion, cost_usd=outcome.cost_usd, report_markdown=render_markdown(stored),
        finished_at=stored.finished_at,
    )
    return outcome
