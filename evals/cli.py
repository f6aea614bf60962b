"""``opsgraph eval …``: the evaluation commands, a typer sub-app (:data:`eval_app`).

The composition root :mod:`opsgraph.cli` adds it to the ``opsgraph`` console script (the API does not import
``evals``: imports point api → agents → tools → store).
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.table import Table

from api.cli import _database, _fail, _settings, console, err

eval_app = typer.Typer(help="Evaluation runs: score the assistant on the cases in evals/cases.", no_args_is_help=True)


def _org_id(target: Any, org: str) -> int:
    with psycopg.connect(target.conninfo) as conn:
        row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()
    if row is None:
        hint = " (run `opsgraph seed` to load the demo data)" if org == "demo" else ""
        raise _fail(f"organisation {org!r} does not exist{hint}")
    return row[0]


def _with_sessions(target: Any, fn: Any) -> Any:
    """Run ``await fn(sessions)`` on a short-lived engine for ``target`` (the read-only commands)."""
    from store.db import make_async_engine, make_sessionmaker

    async def go() -> Any:
        engine = make_async_engine(target, pool_size=2)
        try:
            return await fn(make_sessionmaker(engine))
        finally:
            await engine.dispose()

    return asyncio.run(go())


class _BarProgress:
    """The rich progress bar of ``eval run``."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar
        self.task: Any = None
        self.passed = 0
        self.failed = 0

    async def started(self, eval_run_id: Any, total: int) -> None:
        self.task = self.bar.add_task("evaluating", total=total, passed=0, failed=0)

    async def item_started(self, index: int, rc: Any, variant: int, question: str) -> None:
        pass

    async def item_finished(self, index: int, result: Any) -> None:
        if result.passed:
            self.passed += 1
        else:
            self.failed += 1
            names = ", ".join(s.evaluator for s in result.scores if not s.passed)
            self.bar.console.print(f"  [red]✗[/] {result.case.key}#{result.variant} [dim]({names})[/]", highlight=False)
        self.bar.update(self.task, advance=1, passed=self.passed, failed=self.failed,
                        description=result.case.key[:40])


@eval_app.command("run")
def eval_run(
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Only this suite (repeatable).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only cases with this tag (repeatable: any of).")] = None,
    case: Annotated[list[str] | None, typer.Option("--case", help="Only this case id or suite/id (repeatable).")] = None,
    provider: Annotated[str | None, typer.Option(help="offline or openai (default: OPSGRAPH_LLM).")] = None,
    concurrency: Annotated[int, typer.Option(min=1, max=16, help="Cases run at the same time.")] = 2,
    min_pass_rate: Annotated[float, typer.Option(min=0.0, max=1.0, help="Exit 1 below this pass rate.")] = 0.9,
    report: Annotated[Path | None, typer.Option(help="Write the report here (.md and .html side by side).")] = None,
    timeout: Annotated[float | None, typer.Option(min=0.1, help="Per-case timeout in seconds (default 60).")] = None,
    judge_model: Annotated[str | None, typer.Option(help="LLM judge model for the rubrics (OpenAI-compatible).")] = None,
    org: Annotated[str, typer.Option(help="Organisation holding the demo data.")] = "demo",
    cases_dir: Annotated[Path | None, typer.Option("--cases-dir", help="Case directory (default: evals/cases).")] = None,
) -> None:
    """Run the evaluation cases against the demo data, store the results, write a report."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from agents.service import Assistant
    from evals.config import EvalSettings
    from evals.launcher import DemoDataMissing, check_demo_data, effective_settings, load_manifest
    from evals.models import CASES_DIR, CaseFileError, load_cases
    from evals.report import write_reports
    from evals.runner import RunOptions, code_version, eval_clock, run_evaluation
    from store.evals import load_eval_run

    if provider not in (None, "offline", "openai"):
        raise _fail(f"--provider must be offline or openai (got {provider!r})")
    try:
        cases = load_cases(cases_dir or CASES_DIR, suites=suite or None, tags=tag or None, ids=case or None)
    except CaseFileError as exc:
        raise _fail(str(exc)) from None
    if not cases:
        raise _fail("no case matches that --suite/--tag/--case filter")
    settings = _settings()
    try:
        eff = effective_settings(settings, provider)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    try:
        es = EvalSettings()
    except Exception as exc:  # noqa: BLE001 - pydantic ValidationError: bad environment
        raise _fail(f"bad evaluation configuration: {exc}") from None
    try:
        manifest = load_manifest(settings)
    except DemoDataMissing as exc:
        raise _fail(str(exc)) from None
    target = _database(settings)
    org_id = _org_id(target, org)
    options = RunOptions(concurrency=concurrency, timeout_s=timeout or es.timeout_s, limits=es.limits(),
                         judge=es.judge_config(judge_model), suites=list(suite or []), tags=list(tag or []),
                         code_version=code_version())
    clock = eval_clock(manifest)
    n_items = sum(len(c.questions) for c in cases)
    err.print(f"Evaluating {len(cases)} case(s), {n_items} item(s) with the {eff.llm_provider} provider "
              f"(clock {clock:%Y-%m-%d %H:%M} UTC{', judge ' + options.judge.model if options.judge else ''})…")

    async def go() -> Any:

        assistant = await Assistant.open(eff, target, clock=lambda: clock)
        try:
            await check_demo_data(assistant.sessions, org_id, manifest)
            columns = [SpinnerColumn(), TextColumn("{task.description:<40}"), BarColumn(), MofNCompleteColumn(),
                       TextColumn("[green]{task.fields[passed]} passed[/] [red]{task.fields[failed]} failed[/]"),
                       TimeElapsedColumn()]
            with Progress(*columns, console=err, transient=False) as bar:
                outcome = await run_evaluation(assistant, org_id=org_id, cases=cases, manifest=manifest,
                                               options=options, progress=_BarProgress(bar))
            stored = await load_eval_run(assistant.sessions, org_id, outcome.eval_run_id)
            return outcome, stored
        finally:
            await assistant.close()

    t0 = time.monotonic()
    try:
        outcome, stored = asyncio.run(go())
    except DemoDataMissing as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail("interrupted; the evaluation run is recorded as failed", 130) from None
    elapsed = time.monotonic() - t0

    table = Table("suite", "items", "passed", "pass rate", title=f"Evaluation run {outcome.eval_run_id}")
    by_suite: dict[str, list[bool]] = {}
    for it in outcome.items:
        by_suite.setdefault(it.case.case.suite, []).append(it.passed)
    for name, xs in sorted(by_suite.items()):
        table.add_row(name, str(len(xs)), str(sum(xs)), f"{sum(xs) / len(xs):.1%}")
    console.print(table)
    passed = sum(i.passed for i in outcome.items)
    console.print(
        f"[bold]{passed}/{outcome.n_items} passed ({outcome.pass_rate:.1%})[/] · p50 {outcome.p50_latency_ms or 0:.0f} ms"
        f" · p95 {outcome.p95_latency_ms or 0:.0f} ms · tokens {outcome.prompt_tokens + outcome.completion_tokens:,}"
        f" · cost ${outcome.cost_usd:.4f} · {elapsed:.1f} s · code {outcome.code_version or '—'}", highlight=False)
    if report is not None:
        paths = write_reports(stored, report)
        console.print("Report: " + ", ".join(str(p) for p in paths))
    console.print(f"Compare with a later run: opsgraph eval compare {outcome.eval_run_id} <RUN>", highlight=False)
    if outcome.pass_rate < min_pass_rate:
        err.print(f"[bold red]pass rate {outcome.pass_rate:.1%} is below --min-pass-rate {min_pass_rate:.0%}[/]")
        raise typer.Exit(1)


@eval_app.command("compare")
def eval_compare(
    run_a: Annotated[str, typer.Argument(help="The baseline run (id, unique prefix, latest or previous).")],
    run_b: Annotated[str, typer.Argument(help="The run to compare with it.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print the comparison as JSON.")] = False,
    fail_on_regression: Annotated[bool, typer.Option(help="Exit 1 when anything regressed.")] = False,
    org: Annotated[str, typer.Option(help="Organisation of the runs.")] = "demo",
) -> None:
    """What regressed and what improved from RUN_A to RUN_B."""
    from evals.compare import compare_runs
    from store.evals import EvalRunNotFound, load_eval_run

    target = _database(_settings())
    org_id = _org_id(target, org)

    async def both(sessions: Any) -> Any:
        return compare_runs(await load_eval_run(sessions, org_id, run_a), await load_eval_run(sessions, org_id, run_b))

    try:
        cmp = _with_sessions(target, both)
    except EvalRunNotFound as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(cmp.as_dict(), indent=2, default=str) + "\n")
    else:
        summary = Table("metric", "A", "B", title=f"A {cmp.a.id}  →  B {cmp.b.id}")
        for m, x, y in cmp.summary():
            summary.add_row(m, cmp.fmt(m, x), cmp.fmt(m, y))
        console.print(summary)
        for title, changes, style in (("Regressed", cmp.regressed, "red"), ("Improved", cmp.improved, "green")):
            if not changes:
                console.print(f"[{style}]{title}: none[/]")
                continue
            t = Table("case", "variant", "scorers", "expected", "actual", title=f"[{style}]{title}: {len(changes)}[/]",
                      show_lines=True)
            for c in changes:
                flips = "\n".join(f"{s['scorer']} {'✓' if s['before'] else '✗'}→{'✓' if s['after'] else '✗'}"
                                  for s in c.scorers)
                t.add_row(c.case_id, str(c.variant), flips, "\n".join(s["expected"][:160] for s in c.scorers),
                          "\n".join(s["actual"][:160] for s in c.scorers))
            console.print(t)
        if cmp.still_failing:
            console.print(f"Failing in both: {', '.join(cmp.still_failing)}", highlight=False)
        def few(xs: list[str]) -> str:
            return (", ".join(xs[:8]) + (f" … ({len(xs)} in all)" if len(xs) > 8 else "")) if xs else "—"

        if cmp.only_in_a or cmp.only_in_b:
            console.print(f"Only in A: {few(cmp.only_in_a)}\nOnly in B: {few(cmp.only_in_b)}", highlight=False)
    if fail_on_regression and cmp.regressed:
        raise typer.Exit(1)


@eval_app.command("report")
def eval_report(
    run: Annotated[str, typer.Argument(help="The run (id, unique prefix, latest or previous).")],
    out: Annotated[Path, typer.Option(help="Where to write the report (.md and .html side by side).")],
    org: Annotated[str, typer.Option(help="Organisation of the run.")] = "demo",
) -> None:
    """Write the report of a stored evaluation run again."""
    from evals.report import write_reports
    from store.evals import EvalRunNotFound, load_eval_run

    target = _database(_settings())
    org_id = _org_id(target, org)

    try:
        stored = _with_sessions(target, lambda sessions: load_eval_run(sessions, org_id, run))
    except EvalRunNotFound as exc:
        raise _fail(str(exc)) from None
    console.print("Report: " + ", ".join(str(p) for p in write_reports(stored, out)))


@eval_app.command("list")
def eval_list(
    suite: Annotated[list[str] | None, typer.Option("--suite", help="Only this suite (repeatable).")] = None,
    tag: Annotated[list[str] | None, typer.Option("--tag", help="Only cases with this tag (repeatable).")] = None,
) -> None:
    """The cases (validated), with counts by suite and tag."""
    from evals.models import CaseFileError, load_cases

    try:
        cases = load_cases(suites=suite or None, tags=tag or None)
    except CaseFileError as exc:
        raise _fail(str(exc)) from None
    table = Table("case", "variants", "tags", "description")
    for c in cases:
        table.add_row(c.key, str(len(c.questions)), ", ".join(c.tags), c.description[:80])
    console.print(table)
    suites: dict[str, int] = {}
    tags: dict[str, int] = {}
    for c in cases:
        suites[c.suite] = suites.get(c.suite, 0) + 1
        for t in c.tags:
            tags[t] = tags.get(t, 0) + 1
    console.print(f"{len(cases)} case(s), {sum(len(c.questions) for c in cases)} item(s). Suites: "
                  + ", ".join(f"{k} {v}" for k, v in sorted(suites.items())), highlight=False)
    console.print("Tags: " + ", ".join(f"{k} {v}" for k, v in sorted(tags.items())), highlight=False)


@eval_app.command("runs")
def eval_runs(
    limit: Annotated[int, typer.Option(min=1, max=200, help="How many, newest first.")] = 20,
    org: Annotated[str, typer.Option(help="Organisation of the runs.")] = "demo",
) -> None:
    """The stored evaluation runs, newest first."""
    from store.evals import list_eval_runs

    target = _database(_settings())
    org_id = _org_id(target, org)

    table = Table("id", "started", "status", "provider", "suite", "items", "pass rate", "p95", "code")
    for r in _with_sessions(target, lambda sessions: list_eval_runs(sessions, org_id, limit)):
        table.add_row(str(r["id"]), f"{r['started_at']:%Y-%m-%d %H:%M}", r["status"], r["provider"], r["suite"] or "all",
                      str(r["n_cases"]), "—" if r["pass_rate"] is None else f"{r['pass_rate']:.1%}",
                      "—" if r["p95_latency_ms"] is None else f"{r['p95_latency_ms']:.0f} ms", r["code_version"] or "—")
    console.print(table)
