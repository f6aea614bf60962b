"""The pieces of a run's event stream (see :mod:`api.events` for the hub that moves them): an event as it is sent
(its payload as canonical JSON text), one followed run's ring buffer (``_Channel``: in-order events, out-of-order
ones held until the gap fills), and the organisation-scoped queries that read committed events from
``run_events`` (a replay after a sequence number; the batched fetch and ``last_seq`` poll of the hub)."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.runs import plain as _plain

TERMINAL_EVENTS = frozenset({"run.completed", "run.failed"})
BUFFER_SIZE = 512  # events kept per followed run
REPLAY_BATCH = 2000


def canonical_json(payload: object) -> str:
    """One spelling for a payload, whether it comes from Postgres (jsonb) or from the run in this process."""
    return json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_plain)


@dataclass(slots=True, frozen=True)
class StreamEvent:
    seq: int
    type: str
    data: str  # the payload as canonical JSON text (one line)
    created_at: dt.datetime | None = None

    @property
    def terminal(self) -> bool:
        return self.type in TERMINAL_EVENTS


@dataclass(eq=False)
class _Channel:
    run_id: str
    org_id: int
    subscribers: set[asyncio.Event] = field(default_factory=set)
    buffer: dict[int, StreamEvent] = field(default_factory=dict)
    hi: int | None = None  # every event in (lo - 1, hi] is buffered; None until a subscriber went live
    lo: int = 1
    known: int = 0  # highest seq known to be committed
    pending: dict[int, StreamEvent] = field(default_factory=dict)  # published out of order, waiting for the gap

    def wake(self) -> None:
        for ev in self.subscribers:
            ev.set()

    def add(self, e: StreamEvent) -> None:
        """Append ``e`` when it is the next event (then anything pending that now follows); else keep it aside."""
        assert self.hi is not None
        if e.seq > self.hi + 1:
            if len(self.pending) < BUFFER_SIZE:
                self.pending[e.seq] = e
            return
        if e.seq <= self.hi:
            return
        while True:
            self.buffer[e.seq] = e
            self.hi = e.seq
            self.known = max(self.known, e.seq)
            nxt = self.pending.pop(self.hi + 1, None)
            if nxt is None:
                break
            e = nxt
        if self.pending:
            for seq in [s for s in self.pending if s <= self.hi]:
                del self.pending[seq]
        while self.hi - self.lo + 1 > BUFFER_SIZE:
            self.buffer.pop(self.lo, None)
            self.lo += 1

    def after(self, last: int) -> list[StreamEvent] | None:
        """Buffered events after ``last``; None when the buffer no longer reaches back that far."""
        if self.hi is None or last + 1 < self.lo:
            return None
        return [self.buffer[s] for s in range(last + 1, self.hi + 1)]


_FETCH_SQL = text(
    """SELECT e.run_id::text AS run_id, e.seq, e.type, e.payload::text AS data, e.created_at
       FROM unnest(CAST(:ids AS uuid[]), CAST(:orgs AS bigint[]), CAST(:his AS int[])) AS w(run_id, org_id, hi)
       JOIN run_events e ON e.run_id = w.run_id AND e.org_id = w.org_id AND e.seq > w.hi
       ORDER BY e.run_id, e.seq"""
)
_LAST_SEQ_SQL = text("SELECT id::text, last_seq FROM runs WHERE id = ANY(CAST(:ids AS uuid[]))")
_REPLAY_SQL = text(
    """SELECT seq, type, payload::text AS data, created_at FROM run_events
       WHERE run_id = :run AND org_id = :org AND seq > :after ORDER BY seq LIMIT :limit"""
)


async def read_events(
    sessions: async_sessionmaker[AsyncSession], org_id: int, run_id: uuid.UUID | str, after: int,
    limit: int = REPLAY_BATCH,
) -> list[StreamEvent]:
    """Committed events of one run after ``after`` (organisation-scoped), in order."""
    async with sessions() as s:
        rows = (await s.execute(_REPLAY_SQL, {"run": str(run_id), "org": org_id, "after": after, "limit": limit})).all()
    return [StreamEvent(seq=r.seq, type=r.type, data=canonical_json(json.loads(r.data)), created_at=r.created_at)
            for r in rows]
