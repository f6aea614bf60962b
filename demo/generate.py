"""The deterministic demo data set and its ground-truth manifest.

``generate_demo(seed, anchor)`` builds everything as offsets from ``anchor``
("today") with generators seeded from ``seed``: two calls with the same
arguments return identical data and an identical manifest. No database is
touched; :mod:`store.seed` loads the result.

The stories the data tells (and the manifest records):

1. Tech Ops KPIs: 800 daily points per KPI x station, stable i.i.d. noise plus
   level shifts (the headline: OTP_MX_RATE at DAL drops 10 days before the
   anchor, after a parts-inventory deployment), single-point spikes and slow
   trends.
2. Services: 15 days of 5-minute metrics, six incidents each caused by one
   change, with red herrings (harmless changes, never-deployed commits).
3. Tickets: 600 labelled support tickets with SLA lifecycles, a fixed 80/20
   train/test split (test tickets unlabelled in the data).
4. Documents: runbooks and past-incident summaries; prompt injections planted
   in a runbook, a commit message and three tickets.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from demo import catalog, runbooks
from demo.changes import METRIC_DAYS, generate_changes
from demo.kpis import HEADLINE_KPI, HEADLINE_STATION, KPI_SERIES_DAYS, generate_kpis
from demo.tickets import generate_tickets

MANIFEST_VERSION = 1


@dataclass
class DemoData:
    """Everything the loader writes for the demo organisation (see the module docstring)."""

    org: dict
    regions: list[dict]
    stations: list[dict]
    kpis: list[dict]
    kpi_points: pd.DataFrame  # kpi, station, day (datetime.date), value
    services: list[dict]
    dependencies: list[tuple[str, str]]
    metric_points: pd.DataFrame  # service, metric, ts (Timestamp, UTC), value
    commits: list[dict]
    deployments: list[dict]
    config_changes: list[dict]
    incidents: list[dict]
    tickets: list[dict]
    documents: list[dict]
    manifest: dict


def _jsonable(obj: Any) -> Any:
    """Datetimes and dates become ISO strings, tuples lists (for the manifest)."""
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_jsonable(v) for v in obj]
    if isinstance(obj, (dt.datetime, dt.date)):
        return obj.isoformat()
    if isinstance(obj, np.generic):
        return obj.item()
    return obj


def generate_demo(seed: int = 7, anchor: dt.date | None = None) -> DemoData:
    """Generate the demo data set for ``seed`` with ``anchor`` as "today" (default: today's UTC date)."""
    if anchor is None:
        anchor = dt.datetime.now(dt.UTC).date()
    if isinstance(anchor, dt.datetime):
        anchor = anchor.date()

    # Independent streams per story (derived from the seed) so that editing one story leaves the others intact.
    kpi_rng, change_rng, ticket_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(3))

    changes = generate_changes(change_rng, anchor, seed)
    kpis = generate_kpis(kpi_rng, anchor, changes.headline_cause)
    tickets = generate_tickets(ticket_rng, anchor)

    rb_docs, rb_injections = runbooks.build_runbooks()
    summaries = [runbooks.incident_summary(d) for d in changes.incident_details if d["incident"]["status"] != "open"]
    documents = rb_docs + summaries + runbooks.older_summaries(anchor)

    headline_shift = next(s for s in kpis.shifts if s["kpi"] == HEADLINE_KPI and s["station"] == HEADLINE_STATION)
    manifest: dict[str, Any] = {
        "seed": seed,
        "anchor": anchor.isoformat(),
        "version": MANIFEST_VERSION,
        "kpi_series_days": KPI_SERIES_DAYS,
        "kpi_first_day": kpis.first_day.isoformat(),
        "kpi_last_day": (anchor - dt.timedelta(days=1)).isoformat(),
        "kpi_shifts": kpis.shifts,
        "kpi_spikes": kpis.spikes,
        "kpi_trends": kpis.trends,
        "kpi_stable_series": kpis.stable,
        "kpi_series_params": kpis.series_params,
        "headline": {
            "kpi": HEADLINE_KPI,
            "station": HEADLINE_STATION,
            "start_date": headline_shift["start_date"],
            "start_index": headline_shift["start_index"],
            "direction": headline_shift["direction"],
            "magnitude_sigma": headline_shift["magnitude_sigma"],
            "question": "Why did OTP MX rate at DAL drop last week?",
            "cause": changes.headline_cause,
        },
        "metric_window": {
            "start": (dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC)
                      - dt.timedelta(days=METRIC_DAYS)).isoformat(),
            "end": dt.datetime(anchor.year, anchor.month, anchor.day, tzinfo=dt.UTC).isoformat(),
            "step_minutes": 5,
        },
        "incidents": changes.manifest_incidents,
        "harmless_changes": changes.harmless,
        "undeployed_commits": changes.undeployed,
        "tickets": {
            "train": tickets.train,
            "test": tickets.test,
            "labels": tickets.labels,
            "open": tickets.open_tickets,
            "sla": tickets.sla_summary,
        },
        "injections": tickets.injections + rb_injections + changes.injections,
        "counts": {
            "kpi_points": len(kpis.frame),
            "metric_points": len(changes.metric_points),
            "tickets": len(tickets.tickets),
            "deployments": len(changes.deployments),
            "config_changes": len(changes.config_changes),
            "commits": len(changes.commits),
            "incidents": len(changes.incidents),
            "documents": len(documents),
        },
    }
    manifest = _jsonable(manifest)
    json.dumps(manifest)  # fail loudly if anything is not JSON-serialisable

    return DemoData(
        org=dict(catalog.ORG),
        regions=[dict(r) for r in catalog.REGIONS],
        stations=[dict(s) for s in catalog.STATIONS],
        kpis=[k.as_dict() for k in catalog.KPI_SPECS],
        kpi_points=kpis.frame,
        services=changes.services,
        dependencies=list(catalog.DEPENDENCIES),
        metric_points=changes.metric_points,
        commits=changes.commits,
        deployments=changes.deployments,
        config_changes=changes.config_changes,
        incidents=changes.incidents,
        tickets=tickets.tickets,
        documents=documents,
        manifest=manifest,
    )
