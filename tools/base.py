"""What every tool shares: the context it runs in and the shape of its output.

A tool is a plain ``async def`` taking a :class:`ToolContext` and typed
keyword arguments, returning ``ToolOutput[Result]``: a typed result plus the
evidence drafts it produced. Tools only read: :meth:`ToolContext.read` opens a
READ ONLY transaction, and every statement is parameterised. Storing evidence
is the runtime's job (``store.evidence.insert_evidence``).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from store.evidence import EvidenceDraft
from tools.embeddings import Embedder, HashEmbedder

T = TypeVar("T", bound=BaseModel)

__all__ = ["EvidenceDraft", "ToolContext", "ToolError", "ToolOutput"]


class ToolError(ValueError):
    """Bad arguments or unknown entities: the message is meant for the user (and lists close matches)."""

    def __init__(self, message: str, *, suggestions: list[str] | None = None) -> None:
        super().__init__(message)
        self.suggestions = suggestions or []


class TtlCache:
    """Small expiring entries (e.g. the planner estimates of :mod:`tools.retrieval`), owned by whoever builds the
    tool contexts — the assistant, the API state — and handed in through :attr:`ToolContext.cache`, so the
    tools keep no process-global state. A context built without one gets its own."""

    def __init__(self, max_entries: int = 4096) -> None:
        self.max_entries = max_entries
        self._entries: dict[Any, tuple[float, Any]] = {}

    def get(self, key: Any) -> Any | None:
        hit = self._entries.get(key)
        if hit is None or hit[0] < time.monotonic():
            return None
        return hit[1]

    def put(self, key: Any, value: Any, ttl_seconds: float) -> None:
        if ttl_seconds <= 0:
            return
        if len(self._entries) >= self.max_entries:
            self._entries.clear()
        self._entries[key] = (time.monotonic() + ttl_seconds, value)

    def clear(self) -> None:
        self._entries.clear()


@dataclass(frozen=True)
class ToolContext:
    sessions: async_sessionmaker[AsyncSession]
    org_id: int
    embedder: Embedder = field(default_factory=HashEmbedder)
    now: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    prometheus_url: str | None = None  # OPSGRAPH_PROMETHEUS_URL (an organisation's own setting wins)
    cache: TtlCache = field(default_factory=TtlCache, compare=False, repr=False)

    @property
    def today(self) -> dt.date:
        return self.now.date()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session in a READ ONLY transaction: tools cannot write, whatever they are asked."""
        async with self.sessions() as session, session.begin():
            await session.execute(text("SET TRANSACTION READ ONLY"))
            yield session


class ToolOutput(BaseModel, Generic[T]):
    result: T
    evidence: list[EvidenceDraft] = []
