"""Resumable run event streams: one LISTEN connection per process, fanned out to every subscriber.

The ``run_events`` table is the source of truth. Every event is committed with
the run's next sequence number before anyone hears of it, and committed events
of a run always form a prefix ``1..n`` (the ``UPDATE runs SET last_seq`` row
lock orders the commits), so a stream only ever needs "everything after the
last id I sent".

How a process learns that a run has new events (each is only a hint; the events
themselves are always read from Postgres):

- **local publish** — runs executed by this process call :meth:`EventHub.publish`
  after each commit (tokens included): no delay;
- **LISTEN/NOTIFY** — every non-token event is ``NOTIFY opsgraph_runs,
  '<run_id>:<seq>'`` in its own transaction; one connection per process
  listens (reconnecting with back-off) — a stream may follow a run executed
  by another worker;
- **polling** — every ``poll_interval`` (250 ms) one query reads
  ``runs.last_seq`` for all runs followed in this process: catches token events
  of other workers (never NOTIFYed) and anything missed while reconnecting.

One *fetcher* task turns hints into events: all runs whose known last seq is
ahead of what is buffered are read in **one** query (``unnest`` of run ids and
positions), appended to a per-run ring buffer and the run's subscribers are
woken; any number of streams of one run share that read. A stream first
replays what it missed straight from ``run_events`` (its own query, scoped to
the caller's organisation), then follows the buffer; if it falls behind the
buffer (slow client), it catches up from the table again. A subscriber that
hears nothing for a while re-reads the table itself, so a broken hub can slow
a stream down but never lose an event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator

import psycopg
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.event_log import (
    _FETCH_SQL,
    _LAST_SEQ_SQL,
    BUFFER_SIZE,
    REPLAY_BATCH,
    TERMINAL_EVENTS,
    StreamEvent,
    _Channel,
    canonical_json,
    read_events,
)
from store.runs import NOTIFY_CHANNEL, RunEvent

__all__ = ["BUFFER_SIZE", "LISTENER_NAME", "REPLAY_BATCH", "SAFETY_INTERVAL", "TERMINAL_EVENTS", "EventHub",
           "StreamEvent", "Subscription", "canonical_json", "read_events"]

log = logging.getLogger(__name__)

SAFETY_INTERVAL = 5.0  # a silent subscriber re-reads the table this often
LISTENER_NAME = "opsgraph-events"  # application_name of the LISTEN connection (visible in pg_stat_activity)


class Subscription:
    """One stream's registration with the hub; :meth:`events` yields, :meth:`close` unregisters (idempotent)."""

    def __init__(self, hub: EventHub, ch: _Channel, org_id: int, *, new_run: bool) -> None:
        self.hub, self.ch, self.org_id, self.new_run = hub, ch, org_id, new_run
        self.wake = asyncio.Event()
        ch.subscribers.add(self.wake)
        self.closed = False

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.hub._release(self.ch, self.wake)

    async def events(self, after: int, *, follow: bool = True, max_idle: float = 180.0) -> AsyncIterator[StreamEvent]:
        hub, ch, wake = self.hub, self.ch, self.wake
        run_id, org_id = ch.run_id, self.org_id
        last = after
        try:
            # 1. replay from the table (own query, organisation-scoped), until caught up
            if not (self.new_run and after == 0 and ch.hi is not None and ch.lo == 1):
                while True:
                    batch = await read_events(hub.sessions, org_id, run_id, last)
                    for e in batch:
                        yield e
                        last = e.seq
                        if e.terminal:
                            return
                    if len(batch) < REPLAY_BATCH:
                        break
            if not follow:
                return
            # 2. follow the shared buffer
            if ch.hi is None:
                ch.hi, ch.lo = last, last + 1
            hub.note(run_id, last)  # we have seen events up to here: the buffer must reach them too
            quiet_since = time.monotonic()
            while True:
                wake.clear()
                buffered = ch.after(last)
                if buffered is None:  # fell behind the buffer: catch up from the table
                    hub.stats["catch_ups"] += 1
                    batch = await read_events(hub.sessions, org_id, run_id, last)
                else:
                    batch = buffered
                for e in batch:
                    yield e
                    last = e.seq
                    if e.terminal:
                        return
                if batch:
                    quiet_since = time.monotonic()
                    continue
                try:
                    await asyncio.wait_for(wake.wait(), timeout=SAFETY_INTERVAL)
                except TimeoutError:
                    missed = await read_events(hub.sessions, org_id, run_id, last)
                    if missed:
                        hub.stats["safety_rereads"] += 1
                        log.warning("run %s: %d event(s) found by the safety re-read (hi=%s known=%s last=%s)",
                                    run_id, len(missed), ch.hi, ch.known, last)
                        for e in missed:
                            yield e
                            last = e.seq
                            if e.terminal:
                                return
                        quiet_since = time.monotonic()
                    elif time.monotonic() - quiet_since > max_idle:
                        return
        finally:
            self.close()


class EventHub:
    """Per-process fan-out of run events (see the module docstring)."""

    def __init__(
        self, conninfo: str, sessions: async_sessionmaker[AsyncSession], *, poll_interval: float = 0.25,
        listen: bool = True,
    ) -> None:
        self.conninfo = conninfo
        self.sessions = sessions
        self.poll_interval = poll_interval
        self.listen = listen
        self.channels: dict[str, _Channel] = {}
        self.listening = False
        self.stats = {"notifies": 0, "publishes": 0, "local": 0, "polls": 0, "fetches": 0, "fetched_events": 0,
                      "catch_ups": 0, "safety_rereads": 0, "reconnects": 0}
        self._dirty: set[_Channel] = set()
        self._dirty_event = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        self._conn: psycopg.AsyncConnection | None = None

    # -- lifecycle -------------------------------------------------------------

    async def start(self) -> None:
        self._tasks = [asyncio.create_task(self._fetcher(), name="events-fetcher"),
                       asyncio.create_task(self._poller(), name="events-poller")]
        if self.listen:
            self._tasks.append(asyncio.create_task(self._listener(), name="events-listener"))

    async def close(self) -> None:
        for t in self._tasks:
            t.cancel()
        for t in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await t
        self._tasks = []
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.close()
        for ch in self.channels.values():
            ch.wake()

    # -- hints -----------------------------------------------------------------

    async def publish(self, event: RunEvent) -> None:
        """The ``publish`` callback for runs executed in this process (never raises, never blocks).

        The event is committed, so it goes straight into the run's buffer (no query) when it is the next one;
        out of order it waits there for the gap, which the fetcher fills from the table if need be.
        """
        self.stats["publishes"] += 1
        run_id = str(event.run_id)
        ch = self.channels.get(run_id)
        if ch is None:
            return
        try:
            if ch.hi is not None and event.seq > ch.hi:
                before = ch.hi
                ch.add(StreamEvent(seq=event.seq, type=event.type, data=canonical_json(event.payload),
                                   created_at=event.created_at))
                if ch.hi > before:
                    self.stats["local"] += 1
                    ch.wake()
        except Exception:
            log.exception("run %s: could not publish event %s locally", run_id, event.seq)
        self.note(run_id, event.seq)

    def note(self, run_id: str, seq: int) -> None:
        ch = self.channels.get(run_id)
        if ch is None:
            return
        ch.known = max(ch.known, seq)
        if ch.hi is not None and ch.known > ch.hi and ch not in self._dirty:
            self._dirty.add(ch)
            self._dirty_event.set()

    # -- subscribing -------------------------------------------------------------

    def subscribe(self, run_id: uuid.UUID, org_id: int, *, new_run: bool = False) -> Subscription:
        """Register interest in a run now (so nothing published from here on is missed).

        ``new_run``: the run was just created by this process and has emitted nothing yet, so the stream can
        follow its buffer from seq 0 without a first read of the table.
        """
        key = str(run_id)
        ch = self.channels.get(key)
        if ch is None:
            ch = self.channels[key] = _Channel(run_id=key, org_id=org_id)
            if new_run:
                ch.hi, ch.lo = 0, 1
        return Subscription(self, ch, org_id, new_run=new_run)

    async def stream(
        self, run_id: uuid.UUID, org_id: int, after: int, *, follow: bool = True, max_idle: float = 180.0
    ) -> AsyncIterator[StreamEvent]:
        """Every committed event after ``after``, then live ones until the run ends (or ``max_idle`` of silence)."""
        sub = self.subscribe(run_id, org_id)
        try:
            async for e in sub.events(after, follow=follow, max_idle=max_idle):
                yield e
        finally:
            sub.close()

    def _release(self, ch: _Channel, wake: asyncio.Event) -> None:
        ch.subscribers.discard(wake)
        if not ch.subscribers and self.channels.get(ch.run_id) is ch:
            del self.channels[ch.run_id]
            self._dirty.discard(ch)

    # -- background tasks ----------------------------------------------------------

    async def _fetcher(self) -> None:
        while True:
            await self._dirty_event.wait()
            self._dirty_event.clear()
            chans = [c for c in self._dirty if c.subscribers and c.hi is not None and c.known > c.hi]
            self._dirty.clear()
            if not chans:
                continue
            params = {"ids": [c.run_id for c in chans], "orgs": [c.org_id for c in chans],
                      "his": [c.hi for c in chans]}
            try:
                async with self.sessions() as s:
                    rows = (await s.execute(_FETCH_SQL, params)).all()
            except Exception:
                log.exception("event fetch failed; retrying")
                self._dirty.update(chans)
                await asyncio.sleep(0.5)
                self._dirty_event.set()
                continue
            self.stats["fetches"] += 1
            self.stats["fetched_events"] += len(rows)
            by_id = {c.run_id: c for c in chans}
            for r in rows:
                ch = by_id.get(r.run_id)
                if ch is not None and ch.hi is not None:
                    ch.add(StreamEvent(seq=r.seq, type=r.type, data=canonical_json(json.loads(r.data)),
                                       created_at=r.created_at))
            for ch in chans:
                ch.wake()

    async def _poller(self) -> None:
        while True:
            await asyncio.sleep(self.poll_interval)
            ids = [k for k, c in self.channels.items() if c.hi is not None]
            if not ids:
                continue
            try:
                async with self.sessions() as s:
                    rows = (await s.execute(_LAST_SEQ_SQL, {"ids": ids})).all()
            except Exception:
                log.exception("event poll failed")
                continue
            self.stats["polls"] += 1
            for run_id, last_seq in rows:
                self.note(run_id, last_seq)

    async def _listener(self) -> None:
        delay = 0.2
        while True:
            try:
                conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True,
                                                             application_name=LISTENER_NAME)
                self._conn = conn
                async with conn:
                    await conn.execute(f"LISTEN {NOTIFY_CHANNEL}")
                    self.listening = True
                    delay = 0.2
                    # Anything committed while we were not listening is found by the poller within one interval.
                    while True:
                        async for n in conn.notifies(timeout=30.0):
                            self.stats["notifies"] += 1
                            run_id, _, seq = n.payload.rpartition(":")
                            try:
                                self.note(run_id, int(seq))
                            except ValueError:
                                log.warning("ignoring malformed notification %r", n.payload)
                        await conn.execute("SELECT 1")  # quiet for 30 s: make sure the connection is alive
            except asyncio.CancelledError:
                self.listening = False
                raise
            except Exception as exc:  # noqa: BLE001 - reconnect with back-off
                self.listening = False
                self.stats["reconnects"] += 1
                log.warning("LISTEN %s connection lost (%s); reconnecting in %.1f s", NOTIFY_CHANNEL, exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
            else:
                self.listening = False
                await asyncio.sleep(delay)
