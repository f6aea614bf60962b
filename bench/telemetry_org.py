"""The invented organisation of the real-telemetry benchmark (:mod:`bench.bench_telemetry`): NAB series as
one service each, planted causes and decoys, the questions. NAB is AGPL: nothing of it is committed here, it is
read from a clone at run time."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import random
import subprocess
import zlib
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: NAB file → (service, metric, the SRE's word for it). Series without labelled anomalies are asked "no onset?".
SERIES: list[tuple[str, str, str, str]] = [
    ("realKnownCause/ec2_request_latency_system_failure.csv", "ledger-core", "req_latency_ms", "latency"),
    ("realKnownCause/cpu_utilization_asg_misconfiguration.csv", "Notif.Dispatch", "cpu_pct", "cpu"),
    ("realKnownCause/machine_temperature_system_failure.csv", "kiln_ctrl", "board_temp_c", "temperature"),
    ("realAWSCloudwatch/ec2_cpu_utilization_24ae8d.csv", "img_resizer", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_53ea38.csv", "billing.sync", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_5f5533.csv", "Search-Indexer", "cpu_utilization", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_77c1ca.csv", "geo_lookup", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_825cc2.csv", "PAYOUTS", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_ac20cd.csv", "feed.ranker", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_c6585a.csv", "quiet-cache", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_cpu_utilization_fe7f93.csv", "auth_edge", "cpu_util", "cpu"),
    ("realAWSCloudwatch/ec2_disk_write_bytes_1ef3de.csv", "blob-archiver", "disk_write_bytes", "disk writes"),
    ("realAWSCloudwatch/ec2_disk_write_bytes_c0d644.csv", "ReportGen", "disk_write_bytes", "disk writes"),
    ("realAWSCloudwatch/ec2_network_in_257a54.csv", "ingest.gw", "network_in_bytes", "network in"),
    ("realAWSCloudwatch/ec2_network_in_5abac7.csv", "sync-relay", "network_in_bytes", "network in"),
    ("realAWSCloudwatch/elb_request_count_8c0756.csv", "edge.lb", "request_count", "requests"),
    ("realAWSCloudwatch/rds_cpu_utilization_cc0c53.csv", "orders_db", "db_cpu_pct", "cpu"),
    ("realAWSCloudwatch/rds_cpu_utilization_e47b3b.csv", "Inventory.DB", "cpu_pct", "cpu"),
]
#: More dev series (``--extra``; never held-out): NAB's other labelled AWS / known-cause service series, kept out
#: of the first passes' organisation so its numbers stay comparable. Scored as split "extra".
EXTRA_SERIES: list[tuple[str, str, str, str]] = [
    ("realAWSCloudwatch/grok_asg_anomaly.csv", "Warehouse.Pick", "asg_cpu_percent", "cpu"),
    ("realAWSCloudwatch/iio_us-east-1_i-a2eb1cd9_NetworkIn.csv", "mq-bridge", "network_in_octets", "network in"),
    ("realKnownCause/rogue_agent_key_hold.csv", "session_keeper", "lock_hold_seconds", "lock hold"),
    ("realKnownCause/rogue_agent_key_updown.csv", "TXN-ROUTER", "queue_wait_ms", "queue wait"),
]
CONFIG_KEYS = ["dispatch.pool.max_size", "WORKER_THREADS", "cache.ttl_seconds", "HTTP_CLIENT_TIMEOUT_MS",
               "queue.batch.size", "FEATURE_FAST_PATH"]
TARGET_START = dt.date(2026, 9, 7)  # a Monday; series are moved by whole weeks to start near it
EPOCH = dt.datetime(1970, 1, 1)


def split_of(rel: str) -> str:
    """Dev / held-out split, by series (fixed: CRC-32 of the NAB file path, even → dev). Tune on dev only.

    dev (17 anomalies): ledger-core, Notif.Dispatch, img_resizer, billing.sync, Search-Indexer, geo_lookup,
    PAYOUTS, ingest.gw, edge.lb, orders_db; held-out (16 anomalies and the quiet series): kiln_ctrl, feed.ranker,
    quiet-cache, auth_edge, blob-archiver, ReportGen, sync-relay, Inventory.DB."""
    return "dev" if zlib.crc32(rel.encode()) % 2 == 0 else "held-out"


QUESTIONS = [
    "what changed before {svc}'s {word} jumped?",
    "why is {svc} {word} so high since yesterday?",
    "when did {svc} {word} go bad?",
    "what caused the {word} spike on {svc}?",
]


# ------------------------------------------------------------------ NAB access


class Nab:
    """A NAB clone: a working tree or a bare git repository."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.bare = not (root / "data").is_dir()

    def read(self, rel: str) -> str:
        if not self.bare:
            return (self.root / rel).read_text()
        return subprocess.run(["git", f"--git-dir={self.root}", "show", f"HEAD:{rel}"], check=True,
                              capture_output=True, text=True).stdout


def find_nab(arg: str | None) -> Nab | None:
    for cand in (arg, os.environ.get("NAB_DIR"), "/work/.mirror/numenta+NAB/repo"):
        if cand and Path(cand).exists():
            nab = Nab(Path(cand))
            try:
                nab.read("labels/combined_windows.json")
            except (OSError, subprocess.CalledProcessError):
                continue
            return nab
    return None


def _ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s.split(".")[0])


def load_series(nab: Nab, rel: str) -> list[tuple[dt.datetime, float]]:
    """The series, one point per timestamp (NAB's local-time exports repeat an hour at DST changes: last wins,
    as the importer rejects a file with duplicate points)."""
    rows = csv.DictReader(io.StringIO(nab.read(f"data/{rel}")))
    return sorted({_ts(r["timestamp"]): float(r["value"]) for r in rows}.items())


def hourly(points: list[tuple[dt.datetime, float]]) -> list[tuple[dt.datetime, float]]:
    acc: dict[dt.datetime, list[float]] = defaultdict(list)
    for t, v in points:
        acc[t.replace(minute=0, second=0)].append(v)
    return [(t, sum(vs) / len(vs)) for t, vs in sorted(acc.items())]


# ------------------------------------------------------------------ the organisation


@dataclass
class Episode:
    service: str
    metric: str
    word: str
    window: tuple[dt.datetime, dt.datetime] | None  # None: a series without a labelled anomaly
    label: dt.datetime | None
    as_of: dt.datetime
    cause: str | None = None  # external id of the true cause
    cause_version: str | None = None
    decoys: list[str] = field(default_factory=list)
    split: str = "dev"


@dataclass
class OrgData:
    services: list[dict[str, Any]]
    metrics_csv: str
    deployments: list[dict[str, Any]]
    configs: list[dict[str, Any]]
    episodes: list[Episode]
    step_minutes: int


def _z(t: dt.datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def build(nab: Nab, resolution: str, seed: int = 13, limit: int | None = None, extra: bool = False) -> OrgData:
    rng = random.Random(seed)
    windows = json.loads(nab.read("labels/combined_windows.json"))
    labels = json.loads(nab.read("labels/combined_labels.json"))
    base = SERIES[:limit] if limit else SERIES
    series = base + EXTRA_SERIES if extra else base
    names = [s[1] for s in series]
    services = [{"name": n, "team": "platform", "tier": 2} for n in names]
    out = io.StringIO()
    out.write("ts,service,metric,value\n")
    deps: list[dict[str, Any]] = []
    cfgs: list[dict[str, Any]] = []
    episodes: list[Episode] = []
    counter = {"d": 0, "c": 0}

    def deploy(svc: str, at: dt.datetime) -> tuple[str, str]:
        counter["d"] += 1
        week = at.isocalendar().week
        version = f"v2026.{week}.{counter['d']}"
        ext = f"rel-{counter['d']:04d}"
        deps.append({"external_id": ext, "service": svc, "version": version, "started_at": _z(at),
                     "finished_at": _z(at + dt.timedelta(minutes=4)), "status": "succeeded",
                     "environment": "production", "deployed_by": "ci-bot"})
        return ext, version

    def config(svc: str, at: dt.datetime) -> str:
        counter["c"] += 1
        ext = f"chg_{counter['c']}"
        key = CONFIG_KEYS[counter["c"] % len(CONFIG_KEYS)]
        cfgs.append({"external_id": ext, "service": svc, "key": key, "changed_at": _z(at),
                     "old_value": str(rng.randint(2, 40)), "new_value": str(rng.randint(41, 90)),
                     "changed_by": "oncall"})
        return ext

    n_ep = 0
    for i, (rel, svc, metric, word) in enumerate(series):
        pts = load_series(nab, rel)
        delta = dt.timedelta(days=7 * round((dt.datetime.combine(TARGET_START, dt.time()) - pts[0][0]).days / 7))
        pts = [(t + delta, v) for t, v in pts]
        if resolution == "hourly":
            pts = hourly(pts)
        for t, v in pts:
            out.write(f"{_z(t)},{svc},{metric},{v:.6g}\n")
        other = names[(i + 1) % len(base)] if i < len(base) else names[len(base) + (i + 1 - len(base)) % len(EXTRA_SERIES)]
        wins = windows.get(rel, [])
        if not wins:  # no anomaly: ask at three times, with changes around them
            for k in (3, 7, 11):
                as_of = pts[0][0] + dt.timedelta(days=k, hours=rng.randint(0, 23))
                ep = Episode(svc, metric, word, None, None, as_of, split=split_of(rel) if i < len(base) else "extra")
                ep.decoys.append(deploy(svc, as_of - dt.timedelta(minutes=rng.randint(30, 300)))[0])
                episodes.append(ep)
            continue
        for (ws, we), lab in zip(wins, labels.get(rel, []), strict=False):
            w0, w1, label = _ts(ws) + delta, _ts(we) + delta, _ts(lab) + delta
            ep = Episode(svc, metric, word, (w0, w1), label, as_of=w1, split=split_of(rel) if i < len(base) else "extra")
            n_ep += 1
            cause_at = label - dt.timedelta(minutes=rng.randint(10, 45))
            if n_ep % 4 != 0:
                if n_ep % 2:
                    ep.cause, ep.cause_version = deploy(svc, cause_at)
                else:
                    ep.cause = config(svc, cause_at)
            ep.decoys.append(config(svc, label - dt.timedelta(hours=rng.uniform(14, 20))))
            ep.decoys.append(deploy(svc, label + dt.timedelta(hours=rng.uniform(1, 3)))[0])
            ep.decoys.append(deploy(other, cause_at + dt.timedelta(minutes=rng.randint(-5, 5)))[0])
            episodes.append(ep)
    return OrgData(services, out.getvalue(), deps, cfgs, episodes, 60 if resolution == "hourly" else 5)
