"""What the running service holds: settings, database target, engine, sessions."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from store.db import DatabaseTarget
from store.settings import Settings


@dataclass
class AppState:
    settings: Settings
    target: DatabaseTarget
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
