"""The specialist registry: each specialist module declares ``NAME, TITLE, DESCRIPTION, OPERATIONS``
(and optionally ``applies(plan) -> bool``); the router, prompts, panel labels and eval models read it here.

Adding a specialist is one module plus one line in :data:`MODULES`.

The declarations are literals at the top of each module, so they are read from its source (``ast``) without
importing it: a specialist's module — and the tools, pandas and so on it imports — is loaded on first use
(:attr:`Specialist.module`), i.e. only when a plan routes a question to it. A module that declares
``applies`` (a function) is imported when the registry is built, as is one whose declarations are not plain
literals.
"""

from __future__ import annotations

import ast
import importlib
import importlib.util
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

from agents.plan import QueryPlan

MODULES: tuple[str, ...] = (
    "agents.specialists.kpi_analyst",
    "agents.specialists.change_correlator",
    "agents.specialists.ticket_triager",
    "agents.specialists.report_writer",
)
DECLARED = ("NAME", "TITLE", "DESCRIPTION", "OPERATIONS")


@dataclass(frozen=True)
class Specialist:
    name: str
    title: str
    description: str
    operations: tuple[str, ...]
    path: str  # dotted module path, imported on first use
    applies: Callable[[QueryPlan], bool] | None = None

    @property
    def module(self) -> ModuleType:
        """The specialist's module (``run(state, deps)``), imported the first time it is asked for."""
        return importlib.import_module(self.path)


def _assignment(node: ast.stmt) -> tuple[str, ast.expr] | None:
    """``NAME = value`` or ``NAME: T = value`` at module level: (NAME, value)."""
    if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
        return node.targets[0].id, node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
        return node.target.id, node.value
    return None


def declarations(path: str) -> dict[str, Any] | None:
    """``NAME, TITLE, DESCRIPTION, OPERATIONS`` of the module at ``path``, read from its source without importing
    it; None when that is not possible (a declaration that is not a literal, or an ``applies`` function)."""
    spec = importlib.util.find_spec(path)
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        return None
    found: dict[str, Any] = {}
    for node in ast.parse(Path(spec.origin).read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == "applies":
            return None
        assigned = _assignment(node)
        if assigned is not None and assigned[0] in DECLARED:
            try:
                found[assigned[0]] = ast.literal_eval(assigned[1])
            except ValueError:
                return None
    return found if set(found) == set(DECLARED) else None


def _default_applies(name: str) -> Callable[[QueryPlan], bool] | None:
    if name == "kpi_analyst":  # an explanation of a service's metric needs no KPI analysis
        return lambda plan: plan.operation != "explain" or bool(plan.kpis) or "explain:flagged" in plan.notes
    return None


def _specialist(path: str) -> Specialist:
    declared = declarations(path)
    if declared is None:  # read them from the imported module
        module = importlib.import_module(path)
        declared = {k: getattr(module, k) for k in DECLARED} | {"applies": getattr(module, "applies", None)}
    name = declared["NAME"]
    return Specialist(name=name, title=declared["TITLE"], description=declared["DESCRIPTION"],
                      operations=tuple(declared["OPERATIONS"]), path=path,
                      applies=declared.get("applies") or _default_applies(name))


REGISTRY: dict[str, Specialist] = {s.name: s for s in map(_specialist, MODULES)}
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
