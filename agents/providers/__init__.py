"""Providers plug in at one seam: routing and answer composition (and, for models, tool choice)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from agents.providers.base import Provider
from agents.providers.offline import OfflineProvider

if TYPE_CHECKING:
    from store.settings import Settings


def make_provider(settings: Settings) -> Provider:
    if settings.llm_provider == "openai":
        from agents.providers.openai import OpenAIProvider

        return OpenAIProvider(settings)
    return OfflineProvider()


__all__ = ["OfflineProvider", "Provider", "make_provider"]
