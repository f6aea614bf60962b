"""The ``opsgraph`` command line (SPEC §3)."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from api.cli_admin import db_app, keys_app, schedules_app
from api.cli_analyze import analyze
from store.settings import Settings

app = typer.Typer(
    name="opsgraph",
    help="Operations-investigation assistant: KPIs, control limits, changes, tickets, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")
app.add_typer(schedules_app, name="schedules")

console = Console()
err = Console(stderr=True)


@dataclass(frozen=True)
class CliOptions:
    """What the composition root (:mod:`opsgraph.cli`) hands the commands, as typer's context object.

    ``create_app`` builds the service ``opsgraph serve`` runs (the console script passes one that adds the
    evaluation launcher); ``python -m api.cli`` runs without it and serves the bare :func:`api.app.create_app`.
    """

    create_app: Callable[..., Any] | None = None
    # seed_demo(settings, target, *, reset, seed, anchor, status) -> demo.seed.SeededDemo
    seed_demo: Callable[..., Any] | None = None
    # extra job registrars (procrastinate app -> None) for `opsgraph worker` (e.g. the evaluation-run job)
    job_registrars: tuple[Callable[..., Any], ...] = ()


def _options(ctx: typer.Context) -> CliOptions:
    return ctx.obj if isinstance(ctx.obj, CliOptions) else CliOptions()


def _fail(message: str, code: int = 2) -> typer.Exit:
    from rich.markup import escape

    err.print(f"[bold red]error:[/] {escape(message)}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # noqa: BLE001 - pydantic's ValidationError or SettingsError: a bad environment
        raise _fail(f"bad configuration: {exc}") from None


def _database(settings: Settings, *, migrate_schema: bool = True, hold: bool = True):
    """Connect (``hold=False``: join a running embedded server without holding it, see
    :func:`store.db.running_embedded_server`) and bring the schema to head (one query when it is there)."""
    from store import migrate
    from store.db import resolve_database

    with console.status("Connecting to the database…"):
        try:
            target = resolve_database(settings, hold=hold)
        except Exception as exc:  # noqa: BLE001 - any start-up failure is a CLI error
            raise _fail(f"cannot reach the database: {exc}") from None
        if migrate_schema:
            migrate.upgrade(target)
    return target


def _seed_demo(ctx: typer.Context, settings: Settings, target, **kwargs: Any):
    """Load the demo data set through the composition root's seeder (the API does not import ``demo``)."""
    seeder = _options(ctx).seed_demo
    if seeder is None:
        raise _fail("the demo data set is loaded by the `opsgraph` console script (python -m opsgraph seed)")
    return seeder(settings, target, status=console.status, **kwargs)


# ------------------------------------------------------------------ commands


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Load the demo data on first start.")] = True,
    worker: Annotated[bool, typer.Option("--worker/--no-worker",
                                         help="Also execute queued jobs in this process (--no-worker: API only, "
                                              "run `opsgraph worker` elsewhere).")] = True,
) -> None:
    """Start the service (migrates, seeds the demo on first start, prints the login link)."""
    import signal

    import uvicorn

    from api.app import create_app as bare_app

    create_app = _options(ctx).create_app or bare_app

    settings = _settings()
    target = _database(settings)
    if seed:
        info = _seed_demo(ctx, settings, target, reset=False)
        if info.loaded:
            console.print(f"Loaded the demo data set ({sum(info.counts.values()):,} rows) in {info.seconds:.2f} s.")
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    link = _login_link(target, f"http://{shown}:{port}", org="demo", role="admin")
    console.print(f"\n[bold]opsgraph[/] is starting — open the chat panel:\n\n  {link}\n\n"
                  "(the link works once, for 15 minutes; `opsgraph login-link` prints a new one)\n", soft_wrap=True)
    # uvicorn re-raises the signal that stopped it once it has shut down. SIGTERM's default action (``kill``,
    # systemd, docker stop) would then end the process before its exit handlers, leaving the embedded PostgreSQL
    # running with a dead holder; exiting normally lets the last holder stop it, as Ctrl+C does.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))
    uvicorn.run(create_app(settings, target=target, run_migrations=False, worker=worker), host=host, port=port,
                log_level="info")


@app.command()
def worker(
    ctx: typer.Context,
    concurrency: Annotated[int, typer.Option(min=1, max=64, help="Jobs executed at once.")] = 4,
) -> None:
    """Execute queued jobs (runs, maintenance, schedules, evaluation runs) until stopped (SIGINT/SIGTERM finish the jobs in
    progress, up to OPSGRAPH_WORKER_SHUTDOWN_SECONDS; a killed worker's jobs resume on another worker)."""
    import asyncio
    import logging
    import signal

    from agents import jobs
    from agents.service import Assistant
    from api.jobs import make_app

    registrars = _options(ctx).job_registrars
    settings = _settings()
    target = _database(settings)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")

    async def run() -> None:
        assistant = await Assistant.open(settings, target, queue=make_app(target.conninfo, extra=registrars))
        w = jobs.SupervisedWorker(lambda: jobs.worker(assistant.queue, settings, assistant=assistant,
                                                      concurrency=concurrency))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, w.stop)
        err.print(f"opsgraph worker ready (concurrency {concurrency}) on {target.redacted()}", highlight=False)
        try:
            await w.run()
        finally:
            await assistant.close()

    asyncio.run(run())


def _login_link(target, base: str, *, org: str, role: str) -> str:
    """A one-time login link (a code exchanged for a session; see store.sessions). Earlier links stay valid."""
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.sessions import create_login_code

    engine = make_sync_engine(target)
    try:
        with Session(engine) as session, session.begin():
            code = create_login_code(session, org_slug=org, role=role)
    finally:
        engine.dispose()
    return f"{base.rstrip('/')}/?token={code}"


@app.command("login-link")
def login_link(
    org: Annotated[str, typer.Option(help="Organisation to sign in to.")] = "demo",
    role: Annotated[str, typer.Option(help="viewer, member or admin.")] = "admin",
    base: Annotated[str, typer.Option(help="Where the service is reachable.")] = "http://127.0.0.1:8000",
) -> None:
    """Print a one-time login link for the chat panel (valid once, for 15 minutes)."""
    if role not in ("viewer", "member", "admin"):
        raise _fail(f"--role must be viewer, member or admin (got {role!r})")
    from sqlalchemy.orm import Session

    from api.cli_admin import _known_org
    from store.db import make_sync_engine

    target = _database(_settings())
    engine = make_sync_engine(target)
    try:
        with Session(engine) as session:
            _known_org(session, org)  # a typo is not a new organisation
    finally:
        engine.dispose()
    sys.stdout.write(_login_link(target, base, org=org, role=role) + "\n")


@app.command()
def seed(
    ctx: typer.Context,
    reset: Annotated[bool, typer.Option("--reset", help="Delete the demo organisation and load it again.")] = False,
    random_seed: Annotated[int, typer.Option("--random-seed", help="Seed of the generator.")] = 7,
    anchor: Annotated[
        str | None, typer.Option(help="'Today' of the data set, YYYY-MM-DD (default: today, UTC).")
    ] = None,
) -> None:
    """(Re)load the demo data set and write its ground-truth manifest."""
    settings = _settings()
    try:
        anchor_date = dt.date.fromisoformat(anchor) if anchor else None
    except ValueError:
        raise _fail(f"--anchor {anchor!r} is not a date (YYYY-MM-DD)") from None
    target = _database(settings)
    info = _seed_demo(ctx, settings, target, reset=reset, seed=random_seed, anchor=anchor_date)
    if not info.loaded:
        console.print("The demo data set is already loaded (use [bold]--reset[/] to load it again).")
        return
    table = Table("table", "rows", title=f"Demo data loaded in {round(info.seconds, 2)} s")
    for name, n in info.counts.items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"Ground truth: {info.manifest_file}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="stations, kpi-definitions, kpis, services, metrics, commits, deployments, "
                                               "config-changes, tickets, runbooks, metric-roles, incidents or freeze-windows")],
    file: Annotated[Path, typer.Argument(help="CSV (kpis, metrics; `,` `;` or tab), JSON/JSONL or CSV (the rest) or a Markdown runbook (.md).")],
    org: Annotated[str | None, typer.Option(
        help="Organisation to import into (default: the only one; required when there are several).")] = None,
    tz: Annotated[str | None, typer.Option(
        "--tz", help="Time zone of the file's times written without one (Europe/Oslo, UTC, +01:00); "
                     "without it such times are refused.")] = None,
) -> None:
    """Load your own data. A file with any bad row is rejected whole."""
    from rich.markup import escape

    from store.importers import IMPORTERS, ImportRejected, choose_org, run_import
    from tools.embeddings import embed_missing, make_embedder

    if kind not in IMPORTERS:
        raise _fail(f"unknown kind {kind!r}; choose one of: {', '.join(IMPORTERS)}")
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    settings = _settings()
    target = _database(settings)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        try:
            org = choose_org(conn, org)
            with console.status(f"Importing {kind} from {file} into {org}…"):
                result = run_import(conn, org, kind, file, tz=tz)
        except ImportRejected as exc:
            hint = ("\nIf the file's times are all in one zone, say which with --tz (e.g. --tz UTC or "
                    "--tz Europe/Oslo)." if tz is None and "needs a timezone" in str(exc) else "")
            raise _fail(str(exc) + hint, 1) from None
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if kind in ("tickets", "runbooks"):
            found = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()
            if found is None:
                raise _fail(f"unknown organisation {org!r}")
            org_id = found[0]
            embed_missing(conn, make_embedder(settings), org_id)
    extra = "".join(f", {k.replace('_', ' ')}: {v:,}" for k, v in result.details.items())
    for warning in getattr(result, "warnings", []):
        err.print(f"[yellow]warning:[/] {escape(warning)}")
    console.print(f"Imported {result.rows:,} {kind} row(s) into {org}{extra}.")


app.command()(analyze)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. \"why did <KPI> at <station> drop last week?\"")],
    thread: Annotated[str | None, typer.Option(help="Continue this thread (id printed by an earlier ask).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
    org: Annotated[str, typer.Option(help="Organisation to ask in.")] = "demo",
    as_of: Annotated[str | None, typer.Option("--as-of", help="Pin \"now\" (YYYY-MM-DD or YYYY-MM-DDTHH:MM, UTC) "
                                               "so relative dates and SLA states mean what they meant then.")] = None,
) -> None:
    """One chat turn: stream the steps as they happen, then the answer with its evidence ids."""
    import uuid

    try:
        thread_id = uuid.UUID(thread) if thread else None
    except ValueError:
        raise _fail(f"--thread {thread!r} is not a thread id") from None
    if not question.strip():
        raise _fail("the question is empty")
    pinned = None
    if as_of:
        import datetime as _dt

        try:
            pinned = _dt.datetime.fromisoformat(as_of) if "T" in as_of or " " in as_of else _dt.date.fromisoformat(as_of)
        except ValueError:
            raise _fail(f"--as-of {as_of!r} is not a date (YYYY-MM-DD) or a time (YYYY-MM-DDTHH:MM)") from None
    from api.cli_ask import ask_once

    record = ask_once(_settings(), question, org=org, thread_id=thread_id, as_of=pinned, quiet=as_json)
    if as_json:
        sys.stdout.write(record.model_dump_json(indent=2) + "\n")
    else:
        from rich.markdown import Markdown

        console.print()
        console.print(Markdown(record.answer or record.error or ""))
        ids = [e.id for e in record.evidence]
        console.print(f"\n[dim]run {record.id} · thread {record.thread_id} · {record.status} · evidence "
                      f"{', '.join(f'E:{i}' for i in ids) or 'none'}[/]", highlight=False)
    if record.status != "completed":
        raise typer.Exit(1)


@app.command("mcp")
def mcp_server() -> None:
    """MCP server over stdio for the organisation (and role) of the API key in OPSGRAPH_API_KEY."""
    from api.mcp.stdio import main as serve_mcp

    code = serve_mcp(_settings())
    if code:
        raise typer.Exit(code)


def _register_alerts() -> None:
    from api.cli_alerts import alerts_app, promql_app

    app.add_typer(promql_app, name="promql")
    app.add_typer(alerts_app, name="alerts")


_register_alerts()


def main() -> None:
    app()


if __name__ == "__main__":
    main()
