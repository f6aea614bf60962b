"""``opsgraph keys …``, ``opsgraph schedules …`` and ``opsgraph db …``: the administrative command groups, added
to the main app by :mod:`api.cli` (whose helpers they use when they run)."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
schedules_app = typer.Typer(help="Cron-scheduled questions (answers posted to Slack when configured).",
                            no_args_is_help=True)


@keys_app.command("create")
def keys_create(
    org: Annotated[str, typer.Option(help="Organisation slug (created when new).")],
    role: Annotated[str, typer.Option(help="viewer, member or admin.")] = "member",
    name: Annotated[str | None, typer.Option(help="A label to recognise the key by.")] = None,
) -> None:
    """Create an API key and print it once (only its hash is stored)."""
    from sqlalchemy.orm import Session

    from api.cli import _database, _fail, _settings, err
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


def _known_org(session, org: str) -> None:
    """Stop with ``organisation 'x' does not exist (did you mean …?)`` unless ``org`` is one."""
    from api.cli import _fail
    from store.keys import org_slugs
    from store.names import close_matches, did_you_mean

    slugs = org_slugs(session)
    if org not in slugs:
        raise _fail(f"organisation {org!r} does not exist{did_you_mean(close_matches(org, slugs))}"
                    + ("" if slugs else " (create one with `opsgraph keys create --org SLUG --role admin`)"))


def _when(at) -> str:
    return f"{at:%Y-%m-%d %H:%M} UTC" if at is not None else ""


@keys_app.command("list")
def keys_list(org: Annotated[str, typer.Option(help="Organisation slug.")]) -> None:
    """List an organisation's keys (prefixes only)."""
    from sqlalchemy.orm import Session

    from api.cli import _database, _settings, console
    from store.db import make_sync_engine
    from store.keys import list_keys

    engine = make_sync_engine(_database(_settings()))
    try:
        with Session(engine) as session:
            _known_org(session, org)
            keys = list_keys(session, org)
    finally:
        engine.dispose()
    table = Table("prefix", "role", "name", "created", "last used", "revoked")
    for k in keys:
        table.add_row(k.prefix, k.role, k.name or "", _when(k.created_at), _when(k.last_used_at), _when(k.revoked_at))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(
    org: Annotated[str, typer.Option(help="Organisation slug.")],
    prefix: Annotated[str, typer.Option(help="The key's prefix (og_<prefix>_…).")],
) -> None:
    """Revoke a key by its prefix."""
    from sqlalchemy.orm import Session

    from api.cli import _database, _fail, _settings, console
    from store.db import make_sync_engine
    from store.keys import revoke_keys

    engine = make_sync_engine(_database(_settings()))
    try:
        with Session(engine) as session, session.begin():
            _known_org(session, org)
            n = revoke_keys(session, org_slug=org, prefix=prefix)
    finally:
        engine.dispose()
    if not n:
        raise _fail(f"no active key with prefix {prefix!r} in {org!r}", 1)
    console.print(f"Revoked {n} key(s).")


def _schedules_call(org: str, fn):
    """Run ``fn(session, org_id)`` in one transaction of ``org``'s database session."""
    import asyncio

    import psycopg

    from api.cli import _database, _fail, _settings
    from store.db import make_async_engine, make_sessionmaker

    settings = _settings()
    target = _database(settings)
    with psycopg.connect(target.conninfo) as conn:
        row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()
    if row is None:
        raise _fail(f"organisation {org!r} does not exist")

    async def run():
        engine = make_async_engine(target)
        try:
            async with make_sessionmaker(engine)() as s, s.begin():
                return await fn(s, row[0])
        finally:
            await engine.dispose()

    return asyncio.run(run())


@schedules_app.command("list")
def schedules_list(
    org: Annotated[str, typer.Option(help="Organisation slug.")] = "demo",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The organisation's scheduled questions."""
    from api.cli import console
    from store.schedules import list_schedules

    items = _schedules_call(org, list_schedules)
    if as_json:
        sys.stdout.write(json.dumps([i.model_dump(mode="json") for i in items], indent=2) + "\n")
        return
    table = Table("id", "name", "cron", "time zone", "next run (UTC)", "slack", "question")
    for i in items:
        table.add_row(str(i.id), i.name, i.cron, i.timezone, i.next_run_at.strftime("%Y-%m-%d %H:%M:%S"),
                      i.slack_channel or "—", i.question[:60])
    console.print(table)


@schedules_app.command("create")
def schedules_create(
    name: Annotated[str, typer.Argument(help="A name for the schedule (unique in the organisation).")],
    cron: Annotated[str, typer.Option(help="Cron expression: minute hour day month weekday, e.g. '0 8 * * 1'.")],
    question: Annotated[str, typer.Option(help="The question to ask at each firing.")],
    timezone: Annotated[str, typer.Option(help="IANA time zone the cron expression is read in.")] = "UTC",
    slack_channel: Annotated[str | None, typer.Option(help="Slack channel for the answers.")] = None,
    org: Annotated[str, typer.Option(help="Organisation slug.")] = "demo",
) -> None:
    """Ask QUESTION on CRON; each firing is a run with trigger `schedule`, executed once per cluster."""
    import datetime as _dt

    from api.cli import _fail, console
    from api.schedules import check, next_fire
    from store.schedules import DuplicateSchedule, create_schedule

    name, question = name.strip(), question.strip()
    if not name or not question:
        raise _fail("the name and the question must not be empty")
    try:
        check(cron, timezone)
    except ValueError as exc:
        raise _fail(str(exc)) from None
    first = next_fire(cron, timezone, _dt.datetime.now(_dt.UTC))
    try:
        made = _schedules_call(org, lambda s, org_id: create_schedule(
            s, org_id, name=name, question=question, cron=cron, timezone=timezone, slack_channel=slack_channel,
            next_run_at=first))
    except DuplicateSchedule as exc:
        raise _fail(str(exc)) from None
    console.print(f"schedule {made.id} [bold]{made.name}[/]: next run {made.next_run_at.isoformat()}", highlight=False)


@schedules_app.command("delete")
def schedules_delete(
    schedule: Annotated[str, typer.Argument(help="The schedule's id or name.")],
    org: Annotated[str, typer.Option(help="Organisation slug.")] = "demo",
) -> None:
    """Remove a schedule (its past runs stay)."""
    from api.cli import _fail, console
    from store.schedules import delete_schedule, get_schedule

    async def go(s, org_id):
        found = await get_schedule(s, org_id, schedule.strip())
        return found is not None and await delete_schedule(s, org_id, found.id)

    if not _schedules_call(org, go):
        raise _fail(f"schedule {schedule!r} not found")
    console.print(f"deleted schedule {schedule}", highlight=False)


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument(help="Target revision.")] = "head") -> None:
    """Apply the migrations."""
    from api.cli import _database, _settings, console
    from store import migrate

    target = _database(_settings(), migrate_schema=False)
    migrate.upgrade(target, revision)
    console.print(f"Database at revision {migrate.current_revision(target)} ({target.redacted()}).")


@db_app.command("downgrade")
def db_downgrade(revision: Annotated[str, typer.Argument(help="Target revision, e.g. base.")]) -> None:
    """Revert migrations down to REVISION."""
    from api.cli import _database, _settings, console
    from store import migrate

    target = _database(_settings(), migrate_schema=False)
    migrate.downgrade(target, revision)
    console.print(f"Database at revision {migrate.current_revision(target) or 'base'}.")
