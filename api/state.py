"""What the running service holds: settings, database, the assistant, the event hub, limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import DatabaseTarget
from store.settings import Settings

if TYPE_CHECKING:
    from agents.service import Assistant
    from api.events import EventHub
    from api.limits import ApiLimits, KeyCounters

Clock = Callable[[], dt.datetime]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class AppState:
    settings: Settings
    target: DatabaseTarget
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    assistant: Assistant | None = None
    hub: EventHub | None = None
    limits: ApiLimits | None = None
    counters: KeyCounters | None = None
    clock: Clock = field(default=utcnow)

    def now(self) -> dt.datetime:
        return self.clock()
