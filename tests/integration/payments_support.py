"""A payments company's telemetry and incidents, built for the on-call questions of test_qa_payments.py.

Services ``ledger-writer``, ``card-auth``, ``fx-quote`` and ``webhook-relay``; ten days of 5-minute points with a
daily swing and noise. Three stories, each with decoys:

- card-auth's ``latency_p99_ms`` steps from ~240 ms to ~520 ms ten minutes after release 5.2.0 (CA-2291), and comes
  back after its rollback (CA-2293); its ``latency_p50_ms`` does not move. Incident INC-4410 was paged 25 minutes
  after the step and resolved after the rollback.
- ledger-writer's ``http_5xx_rate`` jumps from ~0.1 % to ~3 % five minutes after the pool size was cut (config
  LW-CFG-88, late on the 25th) and falls back after the revert (LW-CFG-89, early on the 26th). INC-4406 was paged on
  the 26th. An fx-quote release the same evening and an older ledger-writer release are the decoys.
- fx-quote (``latency_p95_ms``, ``latency_median_ms``, ``http_5xx_rate``) and webhook-relay
  (``webhook_queue_depth`` and two p99s: ``delivery_latency_p99_ms``, ``enqueue_latency_p99_ms``) stay where they
  were: nothing to find.
"""

from __future__ import annotations

import datetime as dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from tests.fixtures.writers import Writer, z

SLUG = "tidewater-pay"
NAME = "Tidewater Pay"
CLOCK = dt.datetime(2026, 11, 27, 12, 0, tzinfo=dt.UTC)
AS_OF = CLOCK.date()
START = CLOCK - dt.timedelta(days=10)
STEP = dt.timedelta(minutes=5)

CARD_RELEASE = dt.datetime(2026, 11, 26, 9, 30, tzinfo=dt.UTC)
CARD_STEP = dt.datetime(2026, 11, 26, 9, 40, tzinfo=dt.UTC)
CARD_ROLLBACK = dt.datetime(2026, 11, 26, 13, 10, tzinfo=dt.UTC)
CARD_BACK = dt.datetime(2026, 11, 26, 13, 20, tzinfo=dt.UTC)
POOL_CUT = dt.datetime(2026, 11, 25, 23, 45, tzinfo=dt.UTC)
LEDGER_STEP = dt.datetime(2026, 11, 25, 23, 50, tzinfo=dt.UTC)
POOL_REVERT = dt.datetime(2026, 11, 26, 2, 20, tzinfo=dt.UTC)
LEDGER_BACK = dt.datetime(2026, 11, 26, 2, 30, tzinfo=dt.UTC)

SERVICES = [{"name": "ledger-writer", "team": "core-ledger"}, {"name": "card-auth", "team": "issuing"},
            {"name": "fx-quote", "team": "treasury"}, {"name": "webhook-relay", "team": "platform"}]


def _daily(t: dt.datetime, amplitude: float) -> float:
    return amplitude * math.sin(2 * math.pi * (t.hour + t.minute / 60 - 8) / 24)


def metric_rows(seed: int = 23) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    extra = np.random.default_rng(seed + 1)  # the webhook p99s: their own draws
    rows: list[dict[str, Any]] = []
    t = START
    while t < CLOCK:
        ts = z(t)
        slow = CARD_STEP <= t < CARD_BACK
        failing = LEDGER_STEP <= t < LEDGER_BACK
        vals = {
            ("card-auth", "latency_p99_ms"): (520 if slow else 240) + _daily(t, 12) + rng.normal(0, 8),
            ("card-auth", "latency_p50_ms"): 45 + _daily(t, 2) + rng.normal(0, 1.5),
            ("card-auth", "requests_per_min"): 4200 + _daily(t, 1500) + rng.normal(0, 90),
            ("card-auth", "http_5xx_rate"): max(0.0, 0.0008 + rng.normal(0, 0.0001)),
            ("ledger-writer", "http_5xx_rate"): max(0.0, (0.03 if failing else 0.001) + rng.normal(0, 0.00015)),
            ("ledger-writer", "latency_p99_ms"): 160 + _daily(t, 10) + rng.normal(0, 6),
            ("ledger-writer", "postings_per_min"): 2600 + _daily(t, 900) + rng.normal(0, 60),
            ("fx-quote", "latency_p95_ms"): 82 + _daily(t, 4) + rng.normal(0, 2.5),
            ("fx-quote", "latency_median_ms"): 31 + _daily(t, 1) + rng.normal(0, 0.8),
            ("fx-quote", "http_5xx_rate"): max(0.0, 0.0005 + rng.normal(0, 0.00008)),
            ("webhook-relay", "webhook_queue_depth"): max(0.0, 180 + _daily(t, 70) + rng.normal(0, 12)),
            ("webhook-relay", "delivery_latency_p99_ms"): 900 + _daily(t, 60) + extra.normal(0, 25),
            ("webhook-relay", "enqueue_latency_p99_ms"): 14 + _daily(t, 1) + extra.normal(0, 0.6),
        }
        for (svc, metric), v in vals.items():
            rows.append({"timestamp": ts, "service": svc, "metric": metric, "value": round(float(v), 6)})
        t += STEP
    return rows


DEPLOYMENTS = [
    {"external_id": "CA-2291", "service": "card-auth", "version": "5.2.0", "started_at": z(CARD_RELEASE),
     "finished_at": z(CARD_RELEASE + dt.timedelta(minutes=6)), "deployed_by": "priya.n", "status": "succeeded",
     "environment": "prod"},
    {"external_id": "CA-2293", "service": "card-auth", "version": "5.1.4", "started_at": z(CARD_ROLLBACK),
     "deployed_by": "oncall-bot", "status": "succeeded", "environment": "prod", "is_rollback": True,
     "rollback_of": "CA-2291"},
    {"external_id": "FX-0907", "service": "fx-quote", "version": "2026.11.25", "started_at": "2026-11-25T22:00:00Z",
     "deployed_by": "tomas.k", "status": "succeeded", "environment": "prod"},
    {"external_id": "LW-1180", "service": "ledger-writer", "version": "3.8.2", "started_at": "2026-11-20T10:15:00Z",
     "deployed_by": "amara.o", "status": "succeeded", "environment": "prod"},
]
CONFIGS = [
    {"external_id": "LW-CFG-88", "service": "ledger-writer", "key": "ledger.db.pool_max", "old_value": "64",
     "new_value": "16", "changed_at": z(POOL_CUT), "changed_by": "amara.o",
     "description": "Shrink the Postgres pool after the replica move"},
    {"external_id": "LW-CFG-89", "service": "ledger-writer", "key": "ledger.db.pool_max", "old_value": "16",
     "new_value": "64", "changed_at": z(POOL_REVERT), "changed_by": "oncall-bot", "description": "Revert LW-CFG-88"},
    {"external_id": "WR-CFG-12", "service": "webhook-relay", "key": "RETRY_BACKOFF_MAX_S", "old_value": "300",
     "new_value": "600", "changed_at": "2026-11-23T15:00:00Z", "changed_by": "li.wei"},
]
INCIDENTS = [
    {"external_id": "INC-4410", "service": "card-auth", "title": "Card authorisations timing out at the issuer",
     "severity": "SEV-2", "status": "resolved", "started_at": "2026-11-26T10:05:00Z",
     "resolved_at": "2026-11-26T13:30:00Z", "summary": "Slow authorisations after 5.2.0; rolled back."},
    {"external_id": "INC-4406", "service": "ledger-writer", "title": "Ledger postings failing with 5xx",
     "severity": "SEV-1", "status": "resolved", "started_at": "2026-11-26T00:25:00Z",
     "resolved_at": "2026-11-26T02:45:00Z", "summary": "Connection pool exhausted; pool size restored."},
]


def write_files(out: Path) -> None:
    """The organisation's import files: services.json, metrics.csv, deployments.json, config-changes.json,
    incidents.jsonl."""
    w = Writer(out)
    w.json("services.json", SERVICES)
    w.csv("metrics.csv", metric_rows())
    w.json("deployments.json", DEPLOYMENTS)
    w.json("config-changes.json", CONFIGS)
    w.jsonl("incidents.jsonl", INCIDENTS)


KINDS = {"services": "services.json", "metrics": "metrics.csv", "deployments": "deployments.json",
         "config-changes": "config-changes.json", "incidents": "incidents.jsonl"}
