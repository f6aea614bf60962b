"""``opsgraph ask``: one chat turn from the shell, started as fast as the assistant's imports allow.

What a turn needs is imported here, when the command runs (``opsgraph --help`` loads none of it), and only
that: the assistant (LangGraph, the checkpointer, the job queue, the ORM), not the API app, Slack, plotly, the
MCP SDK or langchain-openai (the latter only when the OpenAI provider is configured); a specialist's module and
its tools (pandas for the KPI analyst) are imported by the graph when the plan routes the question to it
(:mod:`agents.registry`). The assistant is imported in a background thread while the command joins the
database and checks the schema (one query, :func:`store.migrate.is_current`), and the cyclic garbage
collector is off for the whole (short) command, its survivors frozen at the end — see :func:`without_gc`.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import gc
import importlib
import threading
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING

import psycopg

if TYPE_CHECKING:
    from store.runs import RunEvent, RunRecord
    from store.settings import Settings

ASSISTANT_MODULE = "agents.service"


@contextlib.contextmanager
def without_gc() -> Iterator[None]:
    """The cyclic garbage collector off for a short command's start-up and work, its survivors frozen after.

    Importing the assistant creates a few hundred thousand objects that all live until the process exits; the
    collector traverses them again at every full collection, which costs about a fifth of the import time
    (1.1 s vs 1.4 s CPU for the assistant's imports on the benchmark machine). A single turn allocates little,
    and reference counting still frees everything that is not in a cycle. On the way out everything is frozen
    (``gc.freeze``: never traversed again), else the first collection after this and the one at interpreter
    exit would walk them all once more (another 0.3–0.4 s CPU)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()


def preload(*modules: str) -> threading.Thread:
    """Import ``modules`` in a background thread while the command connects to the database and checks the
    schema (both wait on the server), so the heavy imports overlap the start-up."""

    def run() -> None:
        for name in modules:
            with contextlib.suppress(Exception):  # the command imports it again and reports the error
                importlib.import_module(name)

    thread = threading.Thread(target=run, name="opsgraph-preload", daemon=True)
    thread.start()
    return thread


def ask_once(settings: Settings, question: str, *, org: str, thread_id: uuid.UUID | None,
             as_of: dt.datetime | dt.date | None, quiet: bool) -> RunRecord:
    """Run one turn in this process and return its record; the steps are printed to stderr as they happen
    (unless ``quiet``)."""
    from api.cli import _database, _fail, err

    with without_gc():
        preload(ASSISTANT_MODULE)
        target = _database(settings, hold=False)
        with psycopg.connect(target.conninfo) as conn:
            row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (org,)).fetchone()
        if row is None:
            raise _fail(f"organisation {org!r} does not exist (run `opsgraph seed` for the demo)")
        org_id = row[0]
        from agents.service import Assistant

        async def show(event: RunEvent) -> None:
            if quiet:
                return
            p = event.payload
            if event.type == "agent.started" and p["agent"] != "composer":
                err.print(f"[bold cyan]▶ {p['agent']}[/]")
            elif event.type == "tool.completed":
                mark = "[green]✓[/]" if p["status"] == "completed" else "[red]✗[/]"
                err.print(f"  {mark} {p['tool']} [dim]({p['latency_ms']:.0f} ms)[/] {p['summary'][:110]}",
                          highlight=False)
            elif event.type == "evidence":
                err.print(f"    [dim][E:{p['id']}] {p['kind']}[/]")

        async def run() -> RunRecord:
            assistant = await Assistant.open(settings, target)
            try:
                return await assistant.ask(org_id=org_id, question=question, thread_id=thread_id, trigger="api",
                                           publish=show, as_of=as_of)
            except LookupError as exc:
                raise _fail(str(exc)) from None
            finally:
                await assistant.close()

        return asyncio.run(run())
