"""``opsgraph promql set|list|delete`` (per-service PromQL) and ``opsgraph alerts settings`` (Prometheus URL,
alert label → service mapping). Registered on the main app by :mod:`api.cli`."""

from __future__ import annotations

import asyncio
import json
from typing import Annotated, Any

import typer
from rich.table import Table

promql_app = typer.Typer(help="Service metrics read from Prometheus: metric name → PromQL per service.",
                         no_args_is_help=True)
alerts_app = typer.Typer(help="Alertmanager alerts: Prometheus URL and how alert labels name services.",
                         no_args_is_help=True)

Org = Annotated[str, typer.Option(help="Organisation slug.")]


def _run(fn: Any) -> Any:
    """Run ``fn(session, org_id)`` in one transaction on the configured database."""
    from api.cli import _database, _fail, _settings
    from store.db import make_async_engine, make_sessionmaker

    target = _database(_settings())

    async def go(org: str) -> Any:
        engine = make_async_engine(target)
        try:
            async with make_sessionmaker(engine)() as s, s.begin():
                from sqlalchemy import text

                org_id = (await s.execute(text("SELECT id FROM orgs WHERE slug = :o"), {"o": org})).scalar()
                if org_id is None:
                    raise _fail(f"organisation {org!r} does not exist")
                return await fn(s, org_id)
        finally:
            await engine.dispose()

    return go


def _service(s: Any, org_id: int, name: str) -> Any:
    from api.cli import _fail
    from store import incidents as db
    from store.names import did_you_mean

    async def go() -> tuple[int, str]:
        try:
            return await db.resolve_service(s, org_id, name)
        except db.NotFound as exc:
            raise _fail(f"{exc}{did_you_mean(exc.suggestions)}") from None

    return go()


@promql_app.command("set")
def promql_set(
    service: Annotated[str, typer.Argument(help="The service (as imported).")],
    metric: Annotated[str, typer.Argument(help="Metric name, e.g. error_rate or p99_latency_ms.")],
    promql: Annotated[str, typer.Argument(help="PromQL; $service is replaced by the service name.")],
    step: Annotated[int, typer.Option(help="Step of range queries, in seconds.", min=1, max=86400)] = 60,
    org: Org = "demo",
) -> None:
    """Map a service metric to PromQL (create or replace)."""
    from api.cli import _fail, console
    from store import incidents as db

    if not promql.strip():
        raise _fail("the PromQL is empty")

    async def go(s: Any, org_id: int) -> tuple[str, bool]:
        sid, name = await _service(s, org_id, service)
        return name, await db.set_promql(s, org_id, sid, metric.strip(), promql.strip(), step)

    name, new = asyncio.run(_run(go)(org))
    console.print(f"{'Added' if new else 'Replaced'} {name} {metric}: {promql.strip()} (step {step}s).")


@promql_app.command("list")
def promql_list(
    service: Annotated[str | None, typer.Argument(help="Only this service.")] = None,
    org: Org = "demo",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The PromQL mappings."""
    from api.cli import console
    from store import incidents as db

    async def go(s: Any, org_id: int) -> list[dict[str, Any]]:
        name = (await _service(s, org_id, service))[1] if service else None
        return await db.list_promql(s, org_id, name)

    rows = asyncio.run(_run(go)(org))
    if as_json:
        typer.echo(json.dumps(rows, default=str, indent=2))
        return
    table = Table("service", "metric", "PromQL", "step")
    for r in rows:
        table.add_row(r["service"], r["metric"], r["promql"], f"{r['step_seconds']}s")
    console.print(table if rows else "No PromQL mappings yet: add one with `opsgraph promql set SERVICE METRIC QUERY`.")


@promql_app.command("delete")
def promql_delete(
    service: Annotated[str, typer.Argument()], metric: Annotated[str, typer.Argument()], org: Org = "demo",
) -> None:
    """Remove a mapping."""
    from api.cli import _fail, console
    from store import incidents as db

    async def go(s: Any, org_id: int) -> tuple[str, bool]:
        sid, name = await _service(s, org_id, service)
        return name, await db.delete_promql(s, org_id, sid, metric)

    name, done = asyncio.run(_run(go)(org))
    if not done:
        raise _fail(f"{name} has no PromQL for metric {metric!r}")
    console.print(f"Removed {name} {metric}.")


@alerts_app.command("settings")
def alerts_settings(
    org: Org = "demo",
    prometheus_url: Annotated[str | None, typer.Option(help="Prometheus base URL ('' clears it).")] = None,
    label: Annotated[list[str] | None, typer.Option(help="Alert label naming the service (repeat, in order).")] = None,
    map_: Annotated[list[str] | None, typer.Option("--map", help="VALUE=SERVICE or LABEL=VALUE=SERVICE.")] = None,
    join_window: Annotated[int | None, typer.Option(help="Minutes within which alerts join an open incident.",
                                                    min=0, max=10080)] = None,
) -> None:
    """Show (no options) or change the organisation's alert settings."""
    from api.cli import _fail, console
    from store import incidents as db

    async def go(s: Any, org_id: int) -> db.AlertConfig:
        cfg = await db.get_alert_config(s, org_id)
        if prometheus_url is not None:
            url = prometheus_url.strip().rstrip("/")
            if url and not url.startswith(("http://", "https://")):
                raise _fail("--prometheus-url must start with http:// or https://")
            cfg.prometheus_url = url or None
        if label:
            cfg.service_labels = [x.strip() for x in label if x.strip()]
        for item in map_ or []:
            key, sep, svc = item.rpartition("=")
            if not sep or not key or not svc:
                raise _fail(f"--map {item!r}: use VALUE=SERVICE or LABEL=VALUE=SERVICE")
            cfg.service_map[key] = (await _service(s, org_id, svc))[1]
        if join_window is not None:
            cfg.join_window_minutes = join_window
        if prometheus_url is not None or label or map_ or join_window is not None:
            await db.set_alert_config(s, org_id, cfg)
        return cfg

    cfg = asyncio.run(_run(go)(org))
    console.print(f"Prometheus: {cfg.prometheus_url or '(OPSGRAPH_PROMETHEUS_URL)'}\n"
                  f"Service labels: {', '.join(cfg.service_labels)}\n"
                  f"Label values mapped: {json.dumps(cfg.service_map) if cfg.service_map else 'none'}\n"
                  f"Join window: {cfg.join_window_minutes} min")
