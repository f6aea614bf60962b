"""The ``opsgraph`` command line (SPEC §3)."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path
from typing import Annotated

import psycopg
import typer
from rich.console import Console
from rich.table import Table

from store.settings import Settings

app = typer.Typer(
    name="opsgraph",
    help="Operations-investigation assistant: KPIs, control limits, changes, tickets, reports.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(keys_app, name="keys")

console = Console()
err = Console(stderr=True)


def _fail(message: str, code: int = 2) -> typer.Exit:
    err.print(f"[bold red]error:[/] {message}", highlight=False)
    return typer.Exit(code)


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: bad environment
        raise _fail(f"bad configuration: {exc}") from None


def _database(settings: Settings, *, migrate_schema: bool = True):  # noqa: ANN202
    from store import migrate
    from store.db import resolve_database

    with console.status("Connecting to the database…"):
        try:
            target = resolve_database(settings)
        except Exception as exc:  # noqa: BLE001 - any start-up failure is a CLI error
            raise _fail(f"cannot reach the database: {exc}") from None
        if migrate_schema:
            migrate.upgrade(target)
    return target


def manifest_path(settings: Settings) -> Path:
    return settings.home / "demo" / "manifest.json"


def seed_demo(settings: Settings, target, *, reset: bool, seed: int = 7, anchor: dt.date | None = None) -> dict:  # noqa: ANN001
    """Load the demo data (unless present and not ``reset``), embed it, write the manifest."""
    from store.demo import generate_demo
    from store.seed import load_demo, write_manifest
    from tools.embeddings import embed_missing, make_embedder

    with console.status("Generating the demo data set…"):
        data = generate_demo(seed=seed, anchor=anchor)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        with console.status("Loading (COPY)…"):
            result = load_demo(conn, data, reset=reset)
        if not result.loaded:
            return {"loaded": False, "org_id": result.org_id}
        with console.status("Embedding tickets and documents…"):
            embedded = embed_missing(conn, make_embedder(settings), result.org_id)
    write_manifest(manifest_path(settings), data.manifest)
    return {"loaded": True, "org_id": result.org_id, "counts": result.counts, "embedded": embedded,
            "seconds": round(result.seconds, 2), "manifest": str(manifest_path(settings))}


# ------------------------------------------------------------------ commands


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    seed: Annotated[bool, typer.Option("--seed/--no-seed", help="Load the demo data on first start.")] = True,
) -> None:
    """Start the service (migrates, seeds the demo on first start, prints the login link)."""
    import uvicorn

    from api.app import create_app
    from store.db import make_sync_engine
    from store.keys import create_key, revoke_keys
    from sqlalchemy.orm import Session

    settings = _settings()
    target = _database(settings)
    if seed:
        info = seed_demo(settings, target, reset=False)
        if info["loaded"]:
            console.print(f"Loaded the demo data set ({sum(info['counts'].values()):,} rows) in {info['seconds']} s.")
    engine = make_sync_engine(target)
    with Session(engine) as session, session.begin():
        # One live login link at a time: the previous one stops working.
        revoke_keys(session, org_slug="demo", name="panel-login")
        created, _ = create_key(session, org_slug="demo", role="admin", name="panel-login")
    engine.dispose()
    shown = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    console.print(f"\n[bold]opsgraph[/] is starting — open the chat panel:\n\n  http://{shown}:{port}/?token={created.key}\n")
    uvicorn.run(create_app(settings, target=target, run_migrations=False), host=host, port=port, log_level="info")


@app.command()
def seed(
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
    info = seed_demo(settings, target, reset=reset, seed=random_seed, anchor=anchor_date)
    if not info["loaded"]:
        console.print("The demo data set is already loaded (use [bold]--reset[/] to load it again).")
        return
    table = Table("table", "rows", title=f"Demo data loaded in {info['seconds']} s")
    for name, n in info["counts"].items():
        table.add_row(name, f"{n:,}")
    console.print(table)
    console.print(f"Ground truth: {info['manifest']}")


@app.command("import")
def import_(
    kind: Annotated[str, typer.Argument(help="kpis, metrics, stations, kpi-definitions, services, deployments, "
                                               "config-changes, commits, tickets or runbooks")],
    file: Annotated[Path, typer.Argument(help="CSV (kpis, metrics) or JSON/JSONL (the rest).")],
    org: Annotated[str, typer.Option(help="Organisation to import into.")] = "demo",
) -> None:
    """Load your own data. A file with any bad row is rejected whole."""
    from store.importers import IMPORTERS, ImportRejected, run_import
    from tools.embeddings import embed_missing, make_embedder

    if kind not in IMPORTERS:
        raise _fail(f"unknown kind {kind!r}; choose one of: {', '.join(IMPORTERS)}")
    if not file.is_file():
        raise _fail(f"{file}: no such file")
    settings = _settings()
    target = _database(settings)
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        try:
            with console.status(f"Importing {kind} from {file}…"):
                result = run_import(conn, org, kind, file)
        except ImportRejected as exc:
            raise _fail(str(exc), 1) from None
        except ValueError as exc:
            raise _fail(str(exc)) from None
        if kind in ("tickets", "runbooks"):
            org_id = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()[0]
            embed_missing(conn, make_embedder(settings), org_id)
    extra = "".join(f", {k.replace('_', ' ')}: {v:,}" for k, v in result.details.items())
    console.print(f"Imported {result.rows:,} {kind} row(s) into {org}{extra}.")


@app.command()
def analyze(
    file: Annotated[Path, typer.Argument(help="CSV with a date/timestamp column and a value column.")],
    column: Annotated[str | None, typer.Option(help="Value column (default: the first numeric one).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the stages and signals as JSON.")] = False,
    higher_is_better: Annotated[
        bool | None, typer.Option("--higher-is-better/--lower-is-better", help="Which direction is good.")
    ] = None,
) -> None:
    """Wheeler XmR with stage detection and signals for any series, without importing it."""
    from tools.control_limits.csvio import analyze_csv

    try:
        result = analyze_csv(file, column, higher_is_better=higher_is_better)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    if as_json:
        sys.stdout.write(json.dumps(result, indent=2, default=str) + "\n")
        return
    stages = Table("stage", "start", "from", "end", "centre", "LCL", "UCL", "confirmed by", title="Stages")
    for i, s in enumerate(result["stages"], start=1):
        stages.add_row(
            str(i), str(s["start"]), str(s.get("start_date", "")), str(s["end"]), f"{s['cl']:.4g}",
            f"{s['lcl']:.4g}", f"{s['ucl']:.4g}", str(s.get("confirmed_by") or "—"),
        )
    console.print(stages)
    if not result["signals"]:
        console.print("No signals: the series is predictable within each stage.")
        return
    signals = Table("index", "date", "value", "rule", "state", title="Signals")
    for s in result["signals"]:
        style = {"critical": "bold red", "warning": "yellow"}.get(s["state"], "")
        signals.add_row(
            str(s["index"]), str(s.get("date", "")), f"{s.get('value', float('nan')):.4g}", s["rule"],
            f"[{style}]{s['state']}[/]" if style else s["state"],
        )
    console.print(signals)


@app.command()
def ask(
    question: Annotated[str, typer.Argument(help="The question, e.g. \"why did OTP MX rate at DAL drop last week?\"")],
    thread: Annotated[str | None, typer.Option(help="Continue this thread (id printed by an earlier ask).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the run record as JSON.")] = False,
    org: Annotated[str, typer.Option(help="Organisation to ask in.")] = "demo",
) -> None:
    """One chat turn: stream the steps as they happen, then the answer with its evidence ids."""
    import asyncio
    import uuid

    from agents.runtime import RunEventOut
    from agents.service import Assistant

    try:
        thread_id = uuid.UUID(thread) if thread else None
    except ValueError:
        raise _fail(f"--thread {thread!r} is not a thread id") from None
    if not question.strip():
        raise _fail("the question is empty")
    settings = _settings()
    target = _database(settings)
    with psycopg.connect(target.conninfo) as conn:
        row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()
    if row is None:
        raise _fail(f"organisation {org!r} does not exist (run `opsgraph seed` for the demo)")
    quiet = as_json

    async def show(event: RunEventOut) -> None:
        if quiet:
            return
        p = event.payload
        if event.type == "agent.started" and p["agent"] != "composer":
            err.print(f"[bold cyan]▶ {p['agent']}[/]")
        elif event.type == "tool.completed":
            mark = "[green]✓[/]" if p["status"] == "completed" else "[red]✗[/]"
            err.print(f"  {mark} {p['tool']} [dim]({p['latency_ms']:.0f} ms)[/] {p['summary'][:110]}", highlight=False)
        elif event.type == "evidence":
            err.print(f"    [dim][E:{p['id']}] {p['kind']}[/]")

    async def run():  # noqa: ANN202
        assistant = await Assistant.open(settings, target)
        try:
            return await assistant.ask(org_id=row[0], question=question, thread_id=thread_id, trigger="api", publish=show)
        except LookupError as exc:
            raise _fail(str(exc)) from None
        finally:
            await assistant.close()

    record = asyncio.run(run())
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


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organisation slug (created when new).")],
    role: Annotated[str, typer.Option(help="viewer, member or admin.")] = "member",
    name: Annotated[str | None, typer.Option(help="A label to recognise the key by.")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.keys import create_key
    from store.models import ROLES

    if role not in ROLES:
        raise _fail(f"--role must be one of {', '.join(ROLES)} (got {role!r})")
    if not org or not org.replace("-", "").replace("_", "").isalnum() or org != org.lower():
        raise _fail(f"--org {org!r} must be a lower-case slug (letters, digits, - and _)")
    target = _database(_settings())
    engine = make_sync_engine(target)
    with Session(engine) as session, session.begin():
        created, new_org = create_key(session, org_slug=org, role=role, name=name)
    engine.dispose()
    if new_org:
        err.print(f"Created organisation {org!r}.")
    err.print(f"New {role} key for {org!r} (shown once, store it now):")
    print(created.key)


@keys_app.command("list")
def keys_list(org: Annotated[str, typer.Option(help="Organisation slug.")]) -> None:
    """List an organisation's keys (prefixes only)."""
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.keys import list_keys

    engine = make_sync_engine(_database(_settings()))
    with Session(engine) as session:
        keys = list_keys(session, org)
    engine.dispose()
    table = Table("prefix", "role", "name", "created", "last used", "revoked")
    for k in keys:
        table.add_row(k.prefix, k.role, k.name or "", str(k.created_at or ""), str(k.last_used_at or ""),
                      str(k.revoked_at or ""))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    prefix: Annotated[str, typer.Option(help="The key's prefix (og_<prefix>_…).")],
) -> None:
    """Revoke a key by its prefix."""
    from sqlalchemy.orm import Session

    from store.db import make_sync_engine
    from store.keys import revoke_keys

    engine = make_sync_engine(_database(_settings()))
    with Session(engine) as session, session.begin():
        n = revoke_keys(session, org_slug=org, prefix=prefix)
    engine.dispose()
    if not n:
        raise _fail(f"no active key with prefix {prefix!r} in {org!r}", 1)
    console.print(f"Revoked {n} key(s).")


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations."""
    from store import migrate

    target = _database(_settings(), migrate_schema=False)
    migrate.upgrade(target, revision)
    console.print(f"Database at revision {migrate.current_revision(target)} ({target.redacted()}).")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")]) -> None:
    """Revert migrations down to REVISION."""
    from store import migrate

    target = _database(_settings(), migrate_schema=False)
    migrate.downgrade(target, revision)
    console.print(f"Database at revision {migrate.current_revision(target) or 'base'}.")


def main() -> None:
    app()


if __name__ == "__main__":
    main()
