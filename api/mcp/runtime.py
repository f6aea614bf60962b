"""What the MCP tools and resources run with: the caller, the database, the assistant, the limits.

One :class:`McpRuntime` per server process. The stdio server acts as the key in
``OPSGRAPH_API_KEY`` (re-checked on every call, so revoking it takes effect at
once); the HTTP endpoint acts as the bearer key of each request (resolved by
:class:`api.mcp.auth.ApiKeyVerifier`). Either way every tool and resource asks
:meth:`McpRuntime.principal` first and scopes everything to that organisation.

Direct analytics tools store the evidence they produce the way a run's tool
calls do (embedded, :func:`store.evidence.insert_evidence`), without a run, so
their ids can be cited and opened (``GET /api/evidence/{id}``,
``opsgraph://evidence/{id}``).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from api.limits import ApiLimits
from store.evidence import EvidenceDraft, EvidenceRecord, insert_evidence
from store.keys import ApiKeyInfo, resolve_key
from store.settings import Settings

if TYPE_CHECKING:
    from agents.runtime import Publisher
    from agents.runtime import RunEvent as RunEventOut
    from agents.service import Assistant
    from tools.base import ToolContext
    from tools.embeddings import Embedder

log = logging.getLogger(__name__)

ROLE_RANK = {"viewer": 0, "member": 1, "admin": 2}
FENCE_OPEN, FENCE_CLOSE = "<<<DATA", "DATA>>>"


class CallerError(Exception):
    """Something the caller can fix (bad key, role, limits, unknown id): the message is shown as is."""


class NotFound(CallerError):
    """An id that does not exist in the caller's organisation (exactly like a missing one)."""


def fence(value: Any) -> str:
    """Data (people's text, tool output) as a delimited block that says it is data, never instructions."""
    text = value if isinstance(value, str) else json.dumps(value, default=str, ensure_ascii=False, indent=1)
    text = text.replace("<<<", "‹‹‹").replace(">>>", "›››")  # nothing inside can close the fence
    return f"{FENCE_OPEN}\n{text}\n{FENCE_CLOSE}"


def plain(value: Any) -> Any:
    """JSON-ready form of a tool result (pydantic models, dates, lists of them)."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


# Who is calling: from the stdio key or from the HTTP request (the MCP request context).
PrincipalSource = Callable[[Any], Awaitable[ApiKeyInfo]]


@dataclass
class McpRuntime:
    settings: Settings
    sessions: async_sessionmaker[AsyncSession]
    principal_of: PrincipalSource
    assistant_factory: Callable[[], Awaitable[Assistant]]
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    limits: ApiLimits = field(default_factory=ApiLimits)
    public_url: str = "http://127.0.0.1:8000"
    embedder_factory: Callable[[], Embedder] | None = None
    # stdio: runs execute in this process (``Assistant.ask``); the service: its workers take them.
    inline: bool = False
    # Where run events go besides MCP progress (inline runs only).
    publish: Publisher | None = None
    _embedder: Embedder | None = None
    _assistant_lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    # -- who and what ----------------------------------------------------------

    async def principal(self, request_context: Any, *, role: str = "viewer") -> ApiKeyInfo:
        p = await self.principal_of(request_context)
        if ROLE_RANK.get(p.role, -1) < ROLE_RANK[role]:
            raise CallerError(f"this needs the {role} role (the API key is {p.role})")
        return p

    def embedder(self) -> Embedder:
        if self._embedder is None:
            if self.embedder_factory is not None:
                self._embedder = self.embedder_factory()
            else:
                from tools.embeddings import make_embedder

                self._embedder = make_embedder(self.settings)
        return self._embedder

    def tool_context(self, principal: ApiKeyInfo, *, as_of: dt.datetime | None = None) -> ToolContext:
        """The tools' context for the caller's organisation; ``as_of`` (a past moment) pins its "now"."""
        from tools.base import ToolContext

        return ToolContext(sessions=self.sessions, org_id=principal.org_id, embedder=self.embedder(),
                           now=as_of or self.clock())

    async def assistant(self) -> Assistant:
        async with self._assistant_lock:
            return await self.assistant_factory()

    def progress_publisher(self, report: Callable[[float, str], Awaitable[None]]) -> Publisher:
        """Forward a run's events to the hub, and each agent step and tool result as an MCP progress message."""
        steps = 0

        async def publish(event: RunEventOut) -> None:
            nonlocal steps
            if self.publish is not None:
                await self.publish(event)
            p = event.payload
            if event.type == "agent.started":
                message = f"{p.get('agent')} started"
            elif event.type == "tool.completed":
                message = f"{p.get('tool')} {p.get('status')} ({p.get('latency_ms', 0):.0f} ms)"
            else:
                return
            steps += 1
            try:
                await report(steps, message)
            except Exception:
                log.debug("could not send MCP progress", exc_info=True)

        return publish

    def run_link(self, run_id: Any) -> str:
        return f"{self.public_url.rstrip('/')}/#/runs/{run_id}"

    def evidence_link(self, evidence_id: int) -> str:
        return f"{self.public_url.rstrip('/')}/#/evidence/{evidence_id}"

    # -- evidence --------------------------------------------------------------

    async def store_evidence(self, org_id: int, drafts: Sequence[EvidenceDraft]) -> list[EvidenceRecord]:
        """Embed and store a tool's evidence drafts (no run): the ids the answer can cite."""
        if not drafts:
            return []
        vectors = await asyncio.to_thread(self.embedder().embed, [f"{d.kind}: {d.summary}" for d in drafts])
        async with self.sessions() as s, s.begin():
            return await insert_evidence(s, org_id, drafts, vectors)

    async def get_evidence(self, org_id: int, evidence_id: int) -> EvidenceRecord:
        from store.evidence import get_evidence

        async with self.sessions() as s:
            found = await get_evidence(s, org_id, [evidence_id])
        if not found:
            raise NotFound(f"evidence {evidence_id} not found")
        return found[0]

    # -- runs ------------------------------------------------------------------


async def key_principal(sessions: async_sessionmaker[AsyncSession], key: str) -> ApiKeyInfo | None:
    """The key's organisation and role, or None when it is unknown or revoked."""
    async with sessions() as s, s.begin():
        return await resolve_key(s, key)
