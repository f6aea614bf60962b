"""The specialist registry: each specialist module declares ``NAME, TITLE, DESCRIPTION, OPERATIONS``
(and optionally ``applies(plan) -> bool``); the router, prompts, panel labels and eval models read it here.

Adding a specialist is one module plus one line in :data:`MODULES`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType

from agents.plan import QueryPlan
from agents.specialists import (
    change_correlator,
    kpi_analyst,
    report_writer,
    ticket_triager,
)

MODULES: tuple[ModuleType, ...] = (kpi_analyst, change_correlator, ticket_triager, report_writer)


@dataclass(frozen=True)
class Specialist:
    name: str
    title: str
    description: str
    operations: tuple[str, ...]
    module: ModuleType
    applies: Callable[[QueryPlan], bool] | None = None


def _default_applies(name: str) -> Callable[[QueryPlan], bool] | None:
    if name == "kpi_analyst":  # an explanation of a service's metric needs no KPI analysis
        return lambda plan: plan.operation != "explain" or bool(plan.kpis)
    return None


REGISTRY: dict[str, Specialist] = {
    m.NAME: Specialist(name=m.NAME, title=m.TITLE, description=m.DESCRIPTION, operations=tuple(m.OPERATIONS),
                       module=m, applies=getattr(m, "applies", None) or _default_applies(m.NAME))
    for m in MODULES
}
NAMES: tuple[str, ...] = tuple(REGISTRY)
TITLES: dict[str, str] = {"coordinator": "Coordinator", "composer": "Composer"} | {n: s.title for n, s in REGISTRY.items()}


def specialists_for(plan: QueryPlan) -> list[str]:
    """The specialists a plan needs, in registry order (an investigation report analyses, correlates, then writes)."""
    if plan.operation == "report":
        if plan.report_kind == "investigation":
            return [n for n in ("kpi_analyst", "change_correlator", "report_writer") if n in REGISTRY]
        return [n for n, s in REGISTRY.items() if "report" in s.operations] if plan.subjects.incidents else []
    return [n for n, s in REGISTRY.items() if plan.operation in s.operations and (s.applies is None or s.applies(plan))]


def describe() -> list[dict[str, object]]:
    """The registry as plain data (for prompts, the panel and the API)."""
    return [{"name": s.name, "title": s.title, "description": s.description, "operations": list(s.operations)}
            for s in REGISTRY.values()]
