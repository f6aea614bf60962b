"""Evaluation runs started from the API (``POST /api/evals/runs``) and the shared set-up checks.

The API never imports this package: the composition root (:mod:`opsgraph.cli`,
behind ``opsgraph serve`` and ``uvicorn --factory opsgraph.cli:create_app``)
hands a :class:`Launcher` to ``api.app.create_app(eval_launcher=…)``. The launcher validates the request, checks that the organisation holds
the demo data set, creates a ``runs`` row (trigger ``eval``) and the
``eval_runs`` row **with the same id**, and queues an ``opsgraph.evals.run``
job (queue ``evals``); a worker (``opsgraph worker`` or the one inside
``opsgraph serve``) executes it — the composition root registers the task on the
service's job app (:func:`register`). A job retried because its worker died fails
the evaluation with that reason (never left "running"). Its progress uses the chat runs' SSE machinery: the run's events
(``run.started``, ``agent.started``/``agent.completed`` per case variant — one
recorded step each —, ``message`` with the summary, ``run.completed``) are
committed through :meth:`agents.runtime.RunRecorder.emit`, so
``GET /api/runs/{id}/events`` streams them and ``GET /api/evals/runs/{id}``
shows the results.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import text

from evals.models import load_cases
from evals.refs import ResolvedCase
from evals.runner import ItemResult, Progress, RunOptions, code_version, eval_clock, run_evaluation

log = logging.getLogger(__name__)


class DemoDataMissing(LookupError):
    """The evaluation needs the demo data set (``opsgraph seed``) and its manifest."""


SEED_HINT = "run `opsgraph seed` first (the evaluation reads the demo data and its ground truth)"


def manifest_path(settings: Any) -> Path:
    from demo.seed import manifest_path as under

    return under(Path(settings.home))


def load_manifest(settings: Any) -> dict[str, Any]:
    path = manifest_path(settings)
    if not path.is_file():
        raise DemoDataMissing(f"the demo data's ground truth {path} does not exist: {SEED_HINT}")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise DemoDataMissing(f"cannot read {path} ({exc}): {SEED_HINT}") from None


async def check_demo_data(sessions: Any, org_id: int, manifest: Mapping[str, Any]) -> None:
    """The organisation holds the data set the manifest describes (its incidents and its last KPI day)."""
    want = [i["external_id"] for i in manifest.get("incidents", [])]
    async with sessions() as s:
        found = (await s.execute(text("SELECT count(*) FROM incidents WHERE org_id = :o AND external_id = ANY(:ids)"),
                                 {"o": org_id, "ids": want})).scalar_one()
        last = (await s.execute(text("SELECT max(day) FROM kpi_points WHERE org_id = :o"), {"o": org_id})).scalar()
    if not want or found != len(want) or last is None or last.isoformat() != str(manifest.get("kpi_last_day")):
        raise DemoDataMissing(f"this organisation does not hold the demo data set the manifest describes: {SEED_HINT}")


class EvalRequest(BaseModel):
    """What ``POST /api/evals/runs`` (or a caller of the launcher) may ask for."""

    model_config = ConfigDict(extra="forbid")

    suite: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    cases: list[str] = Field(default_factory=list)
    provider: Literal["offline", "openai"] | None = None
    concurrency: int = Field(default=2, ge=1, le=16)
    timeout_s: float | None = Field(default=None, gt=0, le=3600)
    min_pass_rate: float | None = Field(default=None, ge=0, le=1)

    @field_validator("suite", "tags", "cases", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        if v is None:
            return []
        return [v] if isinstance(v, str) else v


def effective_settings(settings: Any, provider: str | None) -> Any:
    """``settings`` with the LLM provider overridden (``offline``/``openai``)."""
    if not provider:
        return settings
    s = settings.model_copy(update={"llm": provider})
    s.__dict__.pop("llm_provider", None)  # a cached_property computed for the original
    if s.llm_provider == "openai" and not s.openai_api_key:
        raise ValueError("the openai provider needs OPENAI_API_KEY (and OPENAI_BASE_URL for other endpoints)")
    return s


class RecorderProgress(Progress):
    """Progress as run events: one recorded step (agent.started/agent.completed) per case variant."""

    def __init__(self, recorder: Any) -> None:
        self.recorder = recorder
        self.total = 0
        self.steps: dict[int, tuple[int, float, str]] = {}
        self.passed = 0
        self.done = 0

    async def started(self, eval_run_id: uuid.UUID, total: int) -> None:
        self.total = total

    async def item_started(self, index: int, rc: ResolvedCase, variant: int, question: str) -> None:
        agent = rc.key[:64]
        t0 = time.monotonic()
        step_id = await self.recorder.start_step(agent, {"case": rc.key, "variant": variant, "question": question,
                                                         "index": index + 1, "total": self.total})
        self.steps[index] = (step_id, t0, agent)

    async def item_finished(self, index: int, result: ItemResult) -> None:
        step_id, t0, agent = self.steps.pop(index)
        self.done += 1
        self.passed += result.passed
        failed = [s.evaluator for s in result.scores if not s.passed]
        summary = (f"{'passed' if result.passed else 'failed'} ({result.overall.score:.0f}/100)"
                   + (f": {', '.join(failed)}" if failed else "") + f" — {self.done}/{self.total} done")
        await self.recorder.finish_step(
            step_id, agent,
            {"summary": summary, "passed": result.passed, "score": result.overall.score, "failed_scorers": failed,
             "run_id": str(result.observation.run_id) if result.observation.run_id else None,
             "done": self.done, "total": self.total, "passed_so_far": self.passed},
            t0, status="completed" if result.passed else "failed",
        )


EVAL_TASK = "opsgraph.evals.run"
EVAL_QUEUE = "evals"  # workers listen on it (agents.jobs.WORKER_QUEUES)


def _progress_recorder(sessions: Any, org_id: int, run_id: uuid.UUID, publish: Any = None) -> Any:
    from agents.runtime import RunLimits, RunRecorder

    return RunRecorder(sessions=sessions, org_id=org_id, run_id=run_id, embedder=None,  # type: ignore[arg-type]
                       publish=publish, limits=RunLimits(max_steps=10**9, max_seconds=7 * 86400.0,
                                                         max_tokens=10**12, max_cost_usd=10**9))


def _select_cases(req: EvalRequest) -> list[Any]:
    cases = load_cases(suites=req.suite or None, tags=req.tags or None, ids=req.cases or None)
    if not cases:
        raise ValueError("no evaluation case matches that suite/tag/case filter")
    return cases


async def start_eval_run(
    *, settings: Any, sessions: Any, queue: Any, org_id: int, request: Mapping[str, Any] | BaseModel,
    api_key_id: int | None = None,
) -> uuid.UUID:
    """Validate, create the progress run and the eval run (same id), and queue the evaluation's job
    (:data:`EVAL_TASK` on :data:`EVAL_QUEUE`, executed by a worker: :func:`execute_eval_run`); return the id."""
    from agents.runtime import create_run

    raw = request.model_dump(exclude_none=True) if isinstance(request, BaseModel) else dict(request or {})
    req = EvalRequest.model_validate(raw)
    cases = _select_cases(req)
    manifest = load_manifest(settings)
    await check_demo_data(sessions, org_id, manifest)
    eff = effective_settings(settings, req.provider)
    provider_name = eff.llm_provider
    model = None if provider_name == "offline" else eff.model
    label = ", ".join(filter(None, [f"suite {'/'.join(req.suite)}" if req.suite else "all suites",
                                    f"tags {'/'.join(req.tags)}" if req.tags else ""]))
    run_id, thread_id = await create_run(
        sessions, org_id=org_id, question=f"Evaluation run ({label}, {len(cases)} cases)", trigger="eval",
        provider=provider_name, model=model, api_key_id=api_key_id, thread_title=f"Evaluation run ({label})",
    )
    from store import evals as store

    await store.create_eval_run(
        sessions, org_id, run_id=run_id, provider=provider_name, model=model, code_version=code_version(),
        suite=",".join(req.suite) or None, tags=req.tags,
        note=f"Queued. Progress events: /api/runs/{run_id}/events (run {run_id}).",
    )
    try:
        await queue.configure_task(EVAL_TASK, queue=EVAL_QUEUE).defer_async(
            run_id=str(run_id), org_id=org_id, thread_id=str(thread_id), request=req.model_dump(exclude_none=True))
    except Exception as exc:  # the rows exist: fail them rather than leave them "running"
        log.exception("could not queue evaluation run %s", run_id)
        await _fail(_progress_recorder(sessions, org_id, run_id), sessions, org_id, run_id,
                    f"the evaluation could not be queued ({type(exc).__name__})")
        raise RuntimeError("the evaluation could not be queued; try again") from None
    return run_id


def _target_of(assistant: Any) -> Any:
    """The database target of a worker's assistant (its engine's URL and its psycopg conninfo)."""
    from store.db import DatabaseTarget

    return DatabaseTarget(sqlalchemy_url=assistant.engine.url.render_as_string(hide_password=False),
                          conninfo=assistant.conninfo, embedded=False)


async def execute_eval_run(
    worker_assistant: Any, *, run_id: uuid.UUID, org_id: int, thread_id: uuid.UUID, request: Mapping[str, Any],
    attempt: int = 0,
) -> None:
    """The evaluation job: run the cases with an assistant on the demo clock, progress as run events, results
    and the report in the eval run. A retried attempt (its worker died mid-evaluation) fails the evaluation
    with that reason: the cases it already ran are kept, and a new evaluation run starts it again."""
    from agents.service import Assistant
    from evals.config import EvalSettings

    sessions = worker_assistant.sessions
    recorder = _progress_recorder(sessions, org_id, run_id, publish=worker_assistant.publish)
    if attempt > 0:
        await _fail(recorder, sessions, org_id, run_id,
                    "the worker executing this evaluation stopped before it finished; the cases it completed are "
                    "kept in the run's events — start a new evaluation run")
        return
    assistant = None
    try:
        req = EvalRequest.model_validate(dict(request))
        settings = worker_assistant.settings
        eff = effective_settings(settings, req.provider)
        cases = _select_cases(req)
        manifest = load_manifest(settings)
        if not await recorder.start(thread_id):
            await _fail(recorder, sessions, org_id, run_id, "the evaluation's run had already ended")
            return
        from store import evals as store

        await store.finish_eval_run(sessions, org_id, run_id, finished_at=None,
                                    report_markdown=f"Running. Progress events: /api/runs/{run_id}/events "
                                                    f"(run {run_id}).")
        es = EvalSettings()
        options = RunOptions(concurrency=req.concurrency, timeout_s=req.timeout_s or es.timeout_s, suites=req.suite,
                             tags=req.tags, limits=es.limits(), judge=es.judge_config())
        clock = eval_clock(manifest)
        assistant = await Assistant.open(eff, _target_of(worker_assistant), engine=worker_assistant.engine,
                                         clock=lambda: clock, recover=False)
        outcome = await run_evaluation(assistant, org_id=org_id, cases=cases, manifest=manifest, options=options,
                                       progress=RecorderProgress(recorder), eval_run_id=run_id)
        verdict = ""
        if req.min_pass_rate is not None:
            verdict = (" — meets" if outcome.pass_rate >= req.min_pass_rate else " — BELOW") + \
                      f" the minimum pass rate {req.min_pass_rate:.0%}"
        summary = (f"Evaluation run {run_id}: {sum(i.passed for i in outcome.items)} of {outcome.n_items} items "
                   f"passed ({outcome.pass_rate:.1%}){verdict}; p50 latency "
                   f"{outcome.p50_latency_ms or 0:.0f} ms, p95 {outcome.p95_latency_ms or 0:.0f} ms. "
                   f"Results: /api/evals/runs/{run_id}")
        failures = outcome.failures[:20]
        if failures:
            summary += "\n\nFailed: " + ", ".join(
                f"{f.case.key}#{f.variant} ({', '.join(s.evaluator for s in f.scores if not s.passed)})"
                for f in failures)
        await recorder.complete(thread_id, summary, [], [])
    except asyncio.CancelledError:
        await asyncio.shield(_fail(recorder, sessions, org_id, run_id,
                                   "the evaluation run was cancelled (its worker stopped or it was aborted)"))
        raise
    except Exception as exc:  # recorded on the run and the eval run
        log.exception("evaluation run %s failed", run_id)
        await _fail(recorder, sessions, org_id, run_id, f"internal error ({type(exc).__name__}): {exc}")
    finally:
        if assistant is not None:
            await assistant.close()


def register(app: Any) -> None:
    """Job registrar (``agents.jobs.make_queue(extra=[register])``): the evaluation-run task. The composition
    root (:mod:`opsgraph.cli`) hands it to the API's job app and to ``opsgraph worker``."""
    from procrastinate.job_context import JobContext

    @app.task(name=EVAL_TASK, queue=EVAL_QUEUE, pass_context=True)
    async def run_eval(context: JobContext, run_id: str, org_id: int, thread_id: str,
                       request: dict[str, Any]) -> None:
        assert context.job is not None
        await execute_eval_run(context.additional_context["assistant"], run_id=uuid.UUID(run_id), org_id=int(org_id),
                               thread_id=uuid.UUID(thread_id), request=request, attempt=context.job.attempts)


async def _fail(recorder: Any, sessions: Any, org_id: int, run_id: uuid.UUID, error: str) -> None:
    from store import evals as store

    try:
        await store.finish_eval_run(sessions, org_id, run_id, status="failed", report_markdown=f"Failed: {error}")
    finally:
        await recorder.fail(error)


class Launcher:
    """``app.state.eval_launcher``: validates and queues evaluation runs (a worker executes them).

    Called either as ``launcher(org_id, request)`` or as the API's
    ``launcher(request, org_id=…, api_key=…, state=…)``; ``request`` is a mapping or a
    pydantic model with ``suite``, ``tags``, ``min_pass_rate`` (and optionally ``cases``,
    ``provider``, ``concurrency``, ``timeout_s``). Returns the evaluation run's id, which is
    also the id of the run whose events report its progress. Bad requests raise
    ``ValueError``; missing demo data raises :class:`DemoDataMissing` (a ``LookupError``).
    The job goes on the job app of the state's assistant (``state.assistant.queue``), or on ``queue=``.
    """

    def __init__(self, state: Any = None, queue: Any = None) -> None:
        self.state = state  # the service's AppState when not handed in by each call (the API route does)
        self.queue = queue  # a procrastinate app (opened); default: the state's assistant's

    async def __call__(self, *args: Any, **kwargs: Any) -> uuid.UUID:
        if "org_id" in kwargs:
            org_id = int(kwargs["org_id"])
            request = args[0] if args else kwargs.get("request", {})
        elif len(args) == 2:
            org_id, request = int(args[0]), args[1]
        else:
            raise TypeError("call the launcher as launcher(org_id, request) or launcher(request, org_id=…)")
        state = kwargs.get("state") or self.state
        queue = kwargs.get("queue") or self.queue or getattr(getattr(state, "assistant", None), "queue", None)
        if state is None or queue is None:
            raise RuntimeError("the service is not started (no state or job queue handed to the launcher)")
        api_key = kwargs.get("api_key")
        from store import evals as store

        await store.fail_stale_eval_runs(state.sessions)
        return await start_eval_run(settings=state.settings, sessions=state.sessions, queue=queue, org_id=org_id,
                                    request=request, api_key_id=getattr(api_key, "id", None))
