"""Chat, runs (record and resumable event stream) and threads."""

from __future__ import annotations

import logging
import uuid
from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, HTTPException, Path, Query, Response
from sse_starlette import EventSourceResponse, ServerSentEvent
from sse_starlette.sse import SendTimeoutError
from starlette.types import Receive, Scope, Send

from api import queries as repo
from api.deps import AssistantDep, Member, State, Viewer
from api.errors import ApiError, responses
from api.events import StreamEvent, Subscription
from api.limits import LimitExceeded
from api.models import SSE_RESPONSE, ChatRequest, RunSummary, ThreadDetail, ThreadList
from api.services import lock_open_investigation, record_step
from api.state import AppState
from store.errors import StoreError
from store.keys import ApiKeyInfo
from store.runs import RunLimitReached, RunRecord, active_runs_of_thread, get_run

log = logging.getLogger(__name__)
router = APIRouter(tags=["chat"])

MAX_SEQ = 2**31 - 1
RunId = Annotated[uuid.UUID, Path(description="the run's id (from `run.started`)")]


class RunEventStream(EventSourceResponse):
    """An SSE response that releases its per-key stream slot however the stream ends."""

    def __init__(self, content: AsyncIterator[ServerSentEvent], *, on_close: Callable[[], None], **kwargs: Any) -> None:
        super().__init__(content, **kwargs)
        self._on_close = on_close
        self._closed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await super().__call__(scope, receive, send)
        except SendTimeoutError:  # a client that stopped reading: drop it, the run is unaffected
            log.info("closed a stream whose client stopped reading")
        finally:
            self.release()

    def release(self) -> None:
        if not self._closed:
            self._closed = True
            self._on_close()


def _acquire_stream(state: AppState, principal: ApiKeyInfo) -> None:
    assert state.counters is not None and state.limits is not None
    try:
        state.counters.acquire_stream(principal.id, state.limits.max_streams_per_key)
    except LimitExceeded as exc:
        raise HTTPException(429, exc.message, headers={"Retry-After": "5"}) from None


def _stream(
    state: AppState, principal: ApiKeyInfo, sub: Subscription, after: int, *, follow: bool,
    headers: dict[str, str] | None = None,
) -> RunEventStream:
    """The SSE response for a subscription; the caller holds the stream slot (both released when it ends)."""
    assert state.limits is not None and state.counters is not None
    counters = state.counters
    max_idle = state.settings.run_max_seconds + 60.0

    async def events() -> AsyncIterator[ServerSentEvent]:
        first = True
        e: StreamEvent
        async for e in sub.events(after, follow=follow, max_idle=max_idle):
            yield ServerSentEvent(data=e.data, event=e.type, id=str(e.seq), retry=2000 if first else None)
            first = False

    def close() -> None:
        sub.close()
        counters.release_stream(principal.id)

    return RunEventStream(
        events(), on_close=close,
        ping=state.limits.stream_ping_seconds, send_timeout=state.limits.stream_send_timeout_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no", **(headers or {})},
    )


@router.post(
    "/api/chat", response_class=EventSourceResponse,
    responses=SSE_RESPONSE | responses(401, 403, 404, 409, 413, 422, 429),
    summary="Ask a question: starts a run and streams its events",
)
async def chat(body: ChatRequest, state: State, principal: Member, assistant: AssistantDep) -> RunEventStream:
    """Starts a run and streams it as server-sent events; the first event is `run.started` with `run_id` and
    `thread_id` (also in the `X-Run-Id` / `X-Thread-Id` headers). The run executes independently of this
    request: if the client goes away it keeps going, and `GET /api/runs/{run_id}/events` resumes the stream.

    With `investigation_id` the run is recorded as the next step of that investigation, in its thread.
    """
    assert state.limits is not None and state.counters is not None and state.hub is not None
    _acquire_stream(state, principal)
    sub: Subscription | None = None
    try:
        thread_id = body.thread_id
        async with state.sessions() as s:
            if body.investigation_id is not None:
                inv = await repo.investigation_row(s, principal.org_id, body.investigation_id)
                if inv is None:
                    raise ApiError(404, f"investigation {body.investigation_id} not found")
                if inv["status"] != "open":
                    raise ApiError(409, f"investigation {body.investigation_id} is already finalised")
                if thread_id is not None and thread_id != inv["thread_id"]:
                    raise ApiError(422, "thread_id is not the investigation's thread; leave it out")
                thread_id = inv["thread_id"]
            elif thread_id is not None and not await repo.thread_exists(s, principal.org_id, thread_id):
                raise ApiError(404, f"thread {thread_id} not found")
            busy = await active_runs_of_thread(s, principal.org_id, thread_id) if thread_id is not None else []
        if busy and body.multitask == "reject":
            raise ApiError(409, f"thread {thread_id} already has a run in progress ({busy[0]}); wait for it, or "
                                "send again with \"multitask\": \"enqueue\" or \"interrupt\"")
        if busy and body.multitask == "interrupt":
            for other in busy:
                await assistant.cancel(principal.org_id, other, reason="interrupted by a new message")
        try:
            # Counted in Postgres under a per-key lock: the limit holds across every API process.
            started = await assistant.start(
                org_id=principal.org_id, question=body.message, thread_id=thread_id, trigger="chat",
                api_key_id=principal.id, as_of=body.as_of, max_active_for_key=state.limits.max_concurrent_runs_per_key,
                publish=None,
            )
        except RunLimitReached as exc:
            raise HTTPException(429, str(exc), headers={"Retry-After": "5"}) from None
        except LookupError as exc:
            raise ApiError(404, str(exc)) from None
        except ValueError as exc:
            raise ApiError(422, str(exc)) from None
        # The run may already be executing on a worker (here or elsewhere): replay from the table, then follow.
        sub = state.hub.subscribe(started.run_id, principal.org_id)
        if body.investigation_id is not None:
            try:
                async with state.sessions() as s, s.begin():
                    await lock_open_investigation(s, principal.org_id, body.investigation_id)
                    await record_step(s, principal.org_id, body.investigation_id, body.message, started.run_id)
            except StoreError:  # finalised in the meantime: the run goes on, it is just not a step
                log.warning("investigation %s was finalised before run %s was recorded", body.investigation_id,
                            started.run_id)
        return _stream(
            state, principal, sub, 0, follow=True,
            headers={"X-Run-Id": str(started.run_id), "X-Thread-Id": str(started.thread_id),
                     "Location": f"/api/runs/{started.run_id}"},
        )
    except BaseException:
        if sub is not None:
            sub.close()
        state.counters.release_stream(principal.id)
        raise


@router.get(
    "/api/runs/{run_id}/events", response_class=EventSourceResponse,
    responses=SSE_RESPONSE | {204: {"description": "The run has ended and nothing comes after the given id"}}
    | responses(401, 404, 422, 429),
    summary="Replay and follow a run's events (resumable)",
)
async def run_events(
    run_id: RunId,
    state: State,
    principal: Viewer,
    after: Annotated[int, Query(ge=0, le=MAX_SEQ, description="replay events after this sequence number")] = 0,
    follow: Annotated[bool, Query(description="keep following live events until the run ends")] = True,
    last_event_id: Annotated[
        str | None, Header(alias="Last-Event-ID", description="the last id received; wins over `after` when larger")
    ] = None,
) -> Response:
    """Replays every committed event after `Last-Event-ID` (or `?after=`), then follows live events until the
    run ends. Ids are the run's sequence numbers, without gaps: a client that reconnects with the last id it
    saw receives each event exactly once. Works on any worker, whichever process executes the run."""
    start = after
    if last_event_id is not None and last_event_id.strip():
        try:
            leid = int(last_event_id.strip())
        except ValueError:
            leid = -1
        if not 0 <= leid <= MAX_SEQ:
            raise ApiError(422, "Last-Event-ID must be a sequence number (an integer >= 0)")
        start = max(start, leid)
    async with state.sessions() as s:
        found = await repo.run_status(s, principal.org_id, run_id)
    if found is None:
        raise ApiError(404, f"run {run_id} not found")
    status, last_seq = found
    if status in ("completed", "failed") and start >= last_seq:
        return Response(status_code=204)  # tells an EventSource to stop reconnecting
    _acquire_stream(state, principal)
    assert state.hub is not None
    return _stream(state, principal, state.hub.subscribe(run_id, principal.org_id), start, follow=follow)


@router.post(
    "/api/runs/{run_id}/cancel", response_model=RunRecord, responses=responses(401, 403, 404, 409, 422),
    summary="Cancel a run",
)
async def cancel_run(run_id: RunId, state: State, principal: Member, assistant: AssistantDep) -> RunRecord:
    """Ends the run with `run.failed` (reason: cancelled), wherever it executes: a queued run is withdrawn, a
    running one is aborted by the worker holding it (within a second). 409 when the run has already ended."""
    try:
        cancelled = await assistant.cancel(principal.org_id, run_id)
    except LookupError:
        raise ApiError(404, f"run {run_id} not found") from None
    record = await assistant.record(principal.org_id, run_id)
    if record is None:
        raise ApiError(404, f"run {run_id} not found")
    if not cancelled:
        raise ApiError(409, f"run {run_id} has already ended ({record.status})")
    return record


@router.get("/api/runs", response_model=list[RunSummary], responses=responses(401, 422))
async def list_runs(
    state: State,
    principal: Viewer,
    thread_id: uuid.UUID | None = None,
    status: Literal["queued", "running", "completed", "failed"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[RunSummary]:
    """The organisation's runs, newest first."""
    async with state.sessions() as s:
        return await repo.list_runs(s, principal.org_id, thread_id=thread_id, status=status, limit=limit, offset=offset)


@router.get("/api/runs/{run_id}", response_model=RunRecord, responses=responses(401, 404, 422))
async def get_run_record(run_id: RunId, state: State, principal: Viewer) -> RunRecord:
    """The run with its steps, tool calls, evidence, token usage and cost."""
    async with state.sessions() as s:
        record = await get_run(s, principal.org_id, run_id)
    if record is None:
        raise ApiError(404, f"run {run_id} not found")
    return record


@router.get("/api/threads", response_model=ThreadList, responses=responses(401, 422))
async def list_threads(
    state: State,
    principal: Viewer,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> ThreadList:
    """The organisation's threads, most recently active first."""
    async with state.sessions() as s:
        items = await repo.list_threads(s, principal.org_id, limit, offset)
    return ThreadList(items=items, limit=limit, offset=offset)


@router.get("/api/threads/{thread_id}", response_model=ThreadDetail, responses=responses(401, 404, 422))
async def get_thread(thread_id: uuid.UUID, state: State, principal: Viewer) -> ThreadDetail:
    """A thread with its messages (user and assistant, with cited evidence ids) and its runs."""
    async with state.sessions() as s:
        thread = await repo.get_thread(s, principal.org_id, thread_id)
    if thread is None:
        raise ApiError(404, f"thread {thread_id} not found")
    return thread
