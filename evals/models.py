"""Evaluation cases: the YAML schema, validated strictly (unknown fields are errors).

A case lives in ``evals/cases/<suite>/<NNN_name>.yaml``; the file name (without
``.yaml``) is its id inside the suite and ``<suite>/<NNN_name>`` its id
everywhere else (database rows, reports, ``eval compare``).

Expected values are never typed in where the demo data can say them: any value
in ``expect`` may be a *reference* instead of a literal:

- ``{from_manifest: "incidents[0].cause.external_id"}`` — a Jinja expression
  evaluated against the ground-truth manifest of the demo data set (filters,
  indexing and arithmetic work: ``"kpi_series_params['OTP_MX_RATE@DAL'].level"``);
- ``{computed: kpi_value, args: {kpi: OTP_MX_RATE, station: DAL, day: latest}}``
  — a hook from :mod:`evals.hooks` evaluated against the database (args may be
  references too).

Questions and prior turns are Jinja templates over the manifest as well
(``"What caused {{ incidents[1].external_id }}?"``).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from agents.registry import NAMES as SPECIALISTS

CASES_DIR = Path(__file__).with_name("cases")
DIFFICULTIES = ("easy", "medium", "hard")
KNOWN_TAGS = (
    *DIFFICULTIES,
    # domains
    "kpi", "changes", "tickets", "sla", "reports", "incidents", "services",
    # kinds of case
    "injection", "follow-up", "out-of-scope", "unknown-entity", "multi-specialist", "paraphrase", "charts",
    "signals", "regions", "yoy", "time-window", "smoke",
)
_NAME = re.compile(r"^\d{3}_[a-z0-9_]+$")


def _check_regex(pattern: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        raise ValueError(f"bad regular expression {pattern!r}: {exc}") from None


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class FromManifest(_Strict):
    """A value read from the demo manifest (a Jinja expression over its keys)."""

    from_manifest: str


class Computed(_Strict):
    """A value computed from the database by a named hook (see :mod:`evals.hooks`)."""

    computed: str
    args: dict[str, Any] = Field(default_factory=dict)


Ref = Union[FromManifest, Computed, bool, int, float, str, list[Any], None]  # noqa: UP007 - pydantic union order


class Fact(_Strict):
    """Something the answer must state."""

    kind: Literal["number", "label", "entity", "text", "date", "top_hypothesis"]
    value: Ref
    #: number: absolute tolerance; date: tolerance in days (a literal or a reference).
    tolerance: float | FromManifest | Computed = 0.0
    #: number: relative tolerance (fraction of the expected value), added to ``tolerance``.
    rel_tolerance: float = 0.0
    #: A regex; for number/date its first group is the stated value, for label/entity/text it must match
    #: with ``{value}`` replaced by the (escaped) expected value.
    pattern: str | None = None
    #: A regex: only the answer's lines that match it are searched.
    near: str | None = None
    case_sensitive: bool = False
    description: str | None = None

    @field_validator("pattern", "near")
    @classmethod
    def _regex(cls, v: str | None) -> str | None:
        if v is not None:
            _check_regex(v.replace("{value}", "x"))
        return v


class Forbidden(_Strict):
    """A claim the answer must not make: a phrase, a regex, or a top hypothesis it must not rank first.

    A ``text`` or ``top_hypothesis`` reference that resolves to a list forbids each of its items.
    """

    text: Ref = None
    pattern: str | None = None
    top_hypothesis: Ref = None
    reason: str | None = None

    @model_validator(mode="after")
    def _one(self) -> Forbidden:
        given = [x for x in (self.text, self.pattern, self.top_hypothesis) if x is not None]
        if len(given) != 1:
            raise ValueError("a forbidden claim needs exactly one of text, pattern, top_hypothesis")
        if self.pattern is not None:
            _check_regex(self.pattern)
        return self


class Expect(_Strict):
    #: The run's final status.
    status: Literal["completed", "failed"] = "completed"
    #: The specialists, in order (``[]`` = none: answered by the coordinator).
    route: list[str] | None = None
    route_match: Literal["exact", "prefix", "contains"] = "exact"
    #: Tools that must be called.
    tools: list[str] | None = None
    tools_match: Literal["exact", "prefix", "subsequence", "contains"] = "subsequence"
    #: Tools that must not be called.
    tools_forbidden: list[str] = Field(default_factory=list)
    facts: list[Fact] = Field(default_factory=list)
    #: Shorthand for a ``top_hypothesis`` fact.
    top_hypothesis: Ref = None
    must_not: list[Forbidden | str] = Field(default_factory=list)
    #: Every claim (a line or sentence stating a number or an id) must cite ``[E:<id>]``.
    every_claim_cited: bool = True
    #: At least one citation must be present.
    min_citations: int = 0
    max_latency_ms: float | None = None
    max_tokens: int | None = None
    max_cost_usd: float | None = None

    @field_validator("route")
    @classmethod
    def _specialists(cls, v: list[str] | None) -> list[str] | None:
        for name in v or []:
            if name not in SPECIALISTS:
                raise ValueError(f"unknown specialist {name!r}; expected one of {', '.join(SPECIALISTS)}")
        return v

    def forbidden(self) -> list[Forbidden]:
        return [Forbidden(text=f) if isinstance(f, str) else f for f in self.must_not]

    def all_facts(self) -> list[Fact]:
        facts = list(self.facts)
        if self.top_hypothesis is not None:
            facts.append(Fact(kind="top_hypothesis", value=self.top_hypothesis, description="the top hypothesis"))
        return facts


class Case(_Strict):
    """One evaluation case (see the module docstring)."""

    description: str
    #: The question, or a list of paraphrases (each run as a variant).
    question: str | Annotated[list[str], Field(min_length=1)]
    #: Prior user turns of the same thread, asked first (their answers are not scored).
    turns: list[str] = Field(default_factory=list)
    tags: list[str] = Field(min_length=1)
    expect: Expect = Field(default_factory=Expect)
    #: Rubric for the optional LLM judge.
    rubric: str | None = None
    #: Per-case timeout (seconds) overriding the runner's.
    timeout_s: float | None = None

    # Filled in by the loader from the path.
    id: str = Field(default="", exclude=True)
    suite: str = Field(default="", exclude=True)

    @field_validator("tags")
    @classmethod
    def _tags(cls, v: list[str]) -> list[str]:
        unknown = [t for t in v if t not in KNOWN_TAGS]
        if unknown:
            raise ValueError(f"unknown tag(s) {unknown}; known tags: {', '.join(KNOWN_TAGS)}")
        if sum(t in DIFFICULTIES for t in v) != 1:
            raise ValueError("exactly one difficulty tag (easy, medium, hard) is required")
        return v

    @property
    def questions(self) -> list[str]:
        return [self.question] if isinstance(self.question, str) else list(self.question)

    @property
    def key(self) -> str:
        return f"{self.suite}/{self.id}"

    @property
    def difficulty(self) -> str:
        return next(t for t in self.tags if t in DIFFICULTIES)


class CaseFileError(ValueError):
    """A case file that does not parse or validate (message names the file)."""


def load_case(path: Path) -> Case:
    if not _NAME.match(path.stem):
        raise CaseFileError(f"{path}: a case file is named NNN_name.yaml (lower case, digits, underscores)")
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise CaseFileError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CaseFileError(f"{path}: a case is a mapping (description, question, tags, expect…)")
    try:
        case = Case.model_validate(data)
    except ValidationError as exc:
        raise CaseFileError(f"{path}: {exc}") from None
    case.id = path.stem
    case.suite = path.parent.name
    return case


def load_cases(
    root: Path = CASES_DIR,
    *,
    suites: list[str] | None = None,
    tags: list[str] | None = None,
    ids: list[str] | None = None,
) -> list[Case]:
    """All cases under ``root`` (sorted by suite and id), filtered by suite, tag (any of) and case id/key."""
    if not root.is_dir():
        raise CaseFileError(f"{root}: no such case directory")
    known_suites = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith(("_", ".")))
    for s in suites or []:
        if s not in known_suites:
            raise CaseFileError(f"unknown suite {s!r}; suites: {', '.join(known_suites)}")
    for t in tags or []:
        if t not in KNOWN_TAGS:
            raise CaseFileError(f"unknown tag {t!r}; tags: {', '.join(KNOWN_TAGS)}")
    cases = []
    for suite in known_suites:
        if suites and suite not in suites:
            continue
        for path in sorted((root / suite).glob("*.y*ml")):
            case = load_case(path)
            if tags and not set(tags) & set(case.tags):
                continue
            if ids and case.id not in ids and case.key not in ids:
                continue
            cases.append(case)
    return cases
