"""The provider seam."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from agents.deps import RunDeps
    from agents.plan import QueryPlan
    from agents.router import RoutePlan


class Provider(Protocol):
    name: str
    model: str | None

    async def route(self, question: str, context: dict[str, Any], deps: RunDeps,
                    prior: QueryPlan | None = None) -> RoutePlan:
        """The question's QueryPlan (``prior``: the thread's last plan), the specialists and their context."""
        ...

    async def compose(self, state: dict[str, Any], deps: RunDeps) -> str:
        """Write the final answer from the findings, streaming it as ``token`` events; cite ``[E:id]``."""
        ...
