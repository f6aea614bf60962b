"""The provider seam."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from agents.deps import RunDeps
    from agents.plan import QueryPlan
    from agents.router import RoutePlan
    from agents.state import GraphState, ThreadContext


class Provider(Protocol):
    name: str

    @property
    def model(self) -> str | None:
        """The model's name (None for the offline provider)."""
        ...

    async def route(self, question: str, context: ThreadContext, deps: RunDeps,
                    prior: QueryPlan | None = None) -> RoutePlan:
        """The question's QueryPlan (``prior``: the thread's last plan), the specialists and their context."""
        ...

    async def compose(self, state: GraphState, deps: RunDeps) -> str:
        """Write the final answer from the findings, streaming it as ``token`` events; cite ``[E:id]``."""
        ...
