"""Resolving references in cases: manifest expressions, question templates and computed hooks.

The manifest is the ground truth written by ``opsgraph seed``. Expressions and
templates are evaluated in a sandboxed Jinja environment with ``StrictUndefined``,
so a typo in a case (``incidents[0].cuase``) is an error, never an empty value.
"""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import StrictUndefined
from jinja2.exceptions import TemplateError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from evals.hooks import HOOKS, HookContext
from evals.models import Case, Computed, Expect, Fact, Forbidden, FromManifest


class ReferenceError_(ValueError):
    """A reference in a case that cannot be resolved (message says which and why)."""


def _ticket(manifest: Mapping[str, Any], split: str = "test", product: str | None = None,
            urgency: str | None = None, n: int = 0) -> str:
    """The ``n``-th ticket of a split whose true label matches (ids in manifest order)."""
    labels = manifest["tickets"]["labels"]
    ids = [t for t in manifest["tickets"][split]
           if (product is None or labels[t]["product"] == product) and (urgency is None or labels[t]["urgency"] == urgency)]
    if n >= len(ids):
        raise ReferenceError_(f"no {split} ticket #{n} with product={product} urgency={urgency}")
    return ids[n]


def _shift(manifest: Mapping[str, Any], kpi: str, station: str, n: int = 0) -> dict[str, Any]:
    found = [s for s in manifest["kpi_shifts"] if s["kpi"] == kpi and s["station"] == station]
    if n >= len(found):
        raise ReferenceError_(f"no injected shift #{n} for {kpi} at {station}")
    return found[n]


def _injection(manifest: Mapping[str, Any], kind: str) -> dict[str, Any]:
    found = [i for i in manifest["injections"] if i["kind"] == kind]
    if not found:
        raise ReferenceError_(f"no planted injection of kind {kind!r}")
    return found[0]


def _date_add(value: str, days: int) -> str:
    return (dt.date.fromisoformat(str(value)[:10]) + dt.timedelta(days=days)).isoformat()


def _last_week_end(value: str) -> str:
    """The Sunday ending the week before ``value``'s week (what "last week" ends on)."""
    d = dt.date.fromisoformat(str(value)[:10])
    return (d - dt.timedelta(days=d.weekday() + 1)).isoformat()


def _month_end_before(value: str) -> str:
    """The last day of the month before ``value``'s month (what "last month" ends on)."""
    return (dt.date.fromisoformat(str(value)[:10]).replace(day=1) - dt.timedelta(days=1)).isoformat()


def make_environment(manifest: Mapping[str, Any]) -> ImmutableSandboxedEnvironment:
    env = ImmutableSandboxedEnvironment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)
    env.globals.update(
        manifest=manifest,
        ticket=lambda **kw: _ticket(manifest, **kw),
        shift=lambda kpi, station, n=0: _shift(manifest, kpi, station, n),
        injection=lambda kind: _injection(manifest, kind),
        date_add=_date_add,
        month_end_before=_month_end_before,
        last_week_end=_last_week_end,
    )
    env.filters["date"] = lambda v: str(v)[:10]
    env.filters["date_add"] = _date_add
    return env


@dataclass
class ResolvedFact:
    kind: str
    value: Any
    tolerance: float = 0.0
    rel_tolerance: float = 0.0
    pattern: str | None = None
    near: str | None = None
    case_sensitive: bool = False
    description: str | None = None

    def label(self) -> str:
        return self.description or f"{self.kind} {self.value!r}"


@dataclass
class ResolvedForbidden:
    text: str | None = None
    pattern: str | None = None
    top_hypothesis: str | None = None
    reason: str | None = None

    def label(self) -> str:
        if self.text is not None:
            return f"says {self.text!r}"
        if self.pattern is not None:
            return f"matches /{self.pattern}/"
        return f"ranks {self.top_hypothesis} first"


@dataclass
class ResolvedCase:
    """A case with every reference replaced by its value, ready to run and score."""

    case: Case
    questions: list[str]
    turns: list[str]
    expect: Expect
    facts: list[ResolvedFact] = field(default_factory=list)
    forbidden: list[ResolvedForbidden] = field(default_factory=list)
    rubric: str | None = None
    description: str = ""
    error: str | None = None  # set when resolution failed: the case fails without running

    @property
    def key(self) -> str:
        return self.case.key


class Resolver:
    """Resolves a case's templates and references against the manifest and (for hooks) the database."""

    def __init__(self, manifest: Mapping[str, Any], hooks: HookContext | None = None, *, dry_run: bool = False) -> None:
        """With ``dry_run`` (no database), computed references are only checked (hook name and arguments)
        and resolve to 0."""
        self.manifest = manifest
        self.env = make_environment(manifest)
        self.hooks = hooks
        self.dry_run = dry_run
        self._cache: dict[str, Any] = {}

    def render(self, template: str) -> str:
        if "{{" not in template and "{%" not in template:
            return template
        try:
            return self.env.from_string(template).render(**self.manifest)
        except (TemplateError, ReferenceError_, KeyError, IndexError, TypeError) as exc:
            raise ReferenceError_(f"template {template!r}: {exc}") from None

    def expression(self, expr: str) -> Any:
        try:
            value = self.env.compile_expression(expr, undefined_to_none=False)(**self.manifest)
        except (TemplateError, ReferenceError_, KeyError, IndexError, TypeError, ValueError) as exc:
            raise ReferenceError_(f"from_manifest {expr!r}: {exc}") from None
        if isinstance(value, StrictUndefined):  # pragma: no cover - StrictUndefined raises on use
            raise ReferenceError_(f"from_manifest {expr!r} is undefined")
        try:
            str(value)
        except UndefinedError as exc:
            raise ReferenceError_(f"from_manifest {expr!r}: {exc}") from None
        return value

    async def value(self, ref: Any) -> Any:
        if isinstance(ref, FromManifest):
            return self.expression(ref.from_manifest)
        if isinstance(ref, Computed):
            return await self.computed(ref)
        if isinstance(ref, list):
            return [await self.value(r) for r in ref]
        if isinstance(ref, dict):
            if set(ref) == {"from_manifest"}:
                return self.expression(ref["from_manifest"])
            if "computed" in ref:
                return await self.computed(Computed.model_validate(ref))
            return {k: await self.value(v) for k, v in ref.items()}
        if isinstance(ref, str):
            return self.render(ref)
        return ref

    async def computed(self, ref: Computed) -> Any:
        hook = HOOKS.get(ref.computed)
        if hook is None:
            raise ReferenceError_(f"unknown computed hook {ref.computed!r}; hooks: {', '.join(sorted(HOOKS))}")
        args = {k: await self.value(v) for k, v in ref.args.items()}
        key = f"{ref.computed}:{sorted(args.items())!r}"
        if key in self._cache:
            return self._cache[key]
        if self.hooks is None:
            if not self.dry_run:
                raise ReferenceError_(f"computed hook {ref.computed!r} needs the database")
            try:
                inspect.signature(hook).bind(None, **args)
            except TypeError as exc:
                raise ReferenceError_(f"computed {ref.computed}({args}): {exc}") from None
            return 0
        try:
            value = await hook(self.hooks, **args)
        except TypeError as exc:
            raise ReferenceError_(f"computed {ref.computed}({args}): {exc}") from None
        except LookupError as exc:
            raise ReferenceError_(f"computed {ref.computed}({args}): {exc}") from None
        self._cache[key] = value
        return value

    async def resolve(self, case: Case) -> ResolvedCase:
        try:
            questions = [self.render(q) for q in case.questions]
            turns = [self.render(t) for t in case.turns]
            rubric = self.render(case.rubric) if case.rubric else None
        except ReferenceError_ as exc:
            return ResolvedCase(case=case, questions=case.questions, turns=case.turns, expect=case.expect,
                                description=case.description, error=str(exc))
        out = ResolvedCase(case=case, questions=questions, turns=turns, expect=case.expect, rubric=rubric)
        try:
            out.description = self.render(case.description)
        except ReferenceError_:
            out.description = case.description
        errors = []
        for f in case.expect.all_facts():
            try:
                out.facts.append(await self._fact(f))
            except ReferenceError_ as exc:
                errors.append(str(exc))
        for g in case.expect.forbidden():
            try:
                out.forbidden.extend(await self._forbidden(g))
            except ReferenceError_ as exc:
                errors.append(str(exc))
        out.error = "; ".join(errors) or None
        return out

    async def _fact(self, f: Fact) -> ResolvedFact:
        value = await self.value(f.value)
        if f.kind == "number":
            try:
                value = float(value)
            except (TypeError, ValueError):
                raise ReferenceError_(f"number fact: {value!r} is not a number") from None
        elif f.kind == "date":
            value = str(value)[:10]
        else:
            value = str(value)
        tolerance = await self.value(f.tolerance)
        try:
            tolerance = float(tolerance)
        except (TypeError, ValueError):
            raise ReferenceError_(f"tolerance {tolerance!r} is not a number") from None
        return ResolvedFact(kind=f.kind, value=value, tolerance=tolerance, rel_tolerance=f.rel_tolerance,
                            pattern=f.pattern, near=f.near, case_sensitive=f.case_sensitive,
                            description=self.render(f.description) if f.description else None)

    async def _forbidden(self, f: Forbidden) -> list[ResolvedForbidden]:
        if f.pattern is not None:
            return [ResolvedForbidden(pattern=self.render(f.pattern), reason=f.reason)]
        value = await self.value(f.text if f.text is not None else f.top_hypothesis)
        values = list(value) if isinstance(value, list | tuple) else [value]
        field_ = "text" if f.text is not None else "top_hypothesis"
        return [ResolvedForbidden(**{field_: str(v)}, reason=f.reason) for v in values]
