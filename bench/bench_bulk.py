"""Bulk loading: `opsgraph import metrics` on 1,000,000 points and `opsgraph seed`.

Compares the bulk path (CSV validated with pandas, COPY into a staging table,
one INSERT … ON CONFLICT) with the naive row-by-row INSERT in the same run.
The naive path is measured on a sample and extrapolated (it would take minutes).
Target: the million points in under 30 s.

    python bench/bench_bulk.py [--points 1000000] [--naive-sample 20000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np
import pandas as pd
import psycopg
from rich.console import Console
from rich.table import Table

from bench._db import machine, scratch_database
from store.importers import run_import


def _metrics_csv(path: Path, n: int, services: list[str]) -> None:
    metrics = ["error_rate", "p99_latency_ms", "throughput"]
    per_series = n // (len(services) * len(metrics))
    start = pd.Timestamp("2026-01-01T00:00:00Z")
    ts = start + pd.to_timedelta(np.arange(per_series) * 5, unit="min")
    rng = np.random.default_rng(0)
    frames = []
    for s in services:
        for m in metrics:
            frames.append(pd.DataFrame({"ts": ts.strftime("%Y-%m-%dT%H:%M:%SZ"), "service": s, "metric": m,
                                        "value": rng.normal(100, 5, per_series).round(4)}))
    pd.concat(frames).to_csv(path, index=False)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--points", type=int, default=1_000_000)
    ap.add_argument("--naive-sample", type=int, default=20_000)
    args = ap.parse_args()
    console = Console()
    services = [f"svc-{i:02d}" for i in range(12)]
    rows = []
    with scratch_database() as target, tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "metrics.csv"
        _metrics_csv(csv, args.points, services)
        n_points = sum(1 for _ in csv.open()) - 1
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            org = conn.execute("INSERT INTO orgs (slug, name) VALUES ('bench', 'bench') RETURNING id").fetchone()[0]
            for s in services:
                conn.execute("INSERT INTO services (org_id, name, tier) VALUES (%s, %s, 2)", (org, s))
            ids = dict(conn.execute("SELECT name, id FROM services WHERE org_id = %s", (org,)).fetchall())

            t0 = time.perf_counter()
            result = run_import(conn, "bench", "metrics", csv)
            bulk = time.perf_counter() - t0
            assert result.rows == n_points
            t0 = time.perf_counter()
            run_import(conn, "bench", "metrics", csv)
            again = time.perf_counter() - t0

            sample = pd.read_csv(csv, nrows=args.naive_sample)
            conn.execute("DELETE FROM metric_points")
            t0 = time.perf_counter()
            with conn.transaction(), conn.cursor() as cur:
                for r in sample.itertuples(index=False):
                    cur.execute(
                        "INSERT INTO metric_points (org_id, service_id, metric, ts, value) VALUES (%s, %s, %s, %s, %s)",
                        (org, ids[r.service], r.metric, dt.datetime.fromisoformat(r.ts.replace("Z", "+00:00")), float(r.value)),
                    )
            naive = (time.perf_counter() - t0) * n_points / len(sample)

        t0 = time.perf_counter()
        from demo import generate_demo
        from store.seed import load_demo

        data = generate_demo(seed=7, anchor=dt.date(2026, 11, 20))
        gen = time.perf_counter() - t0
        with psycopg.connect(target.conninfo, autocommit=True) as conn:
            seeded = load_demo(conn, data, reset=True)
        seed_rows = sum(seeded.counts.values())

    rows.append(("import metrics, bulk COPY + upsert", f"{n_points:,}", f"{bulk:.1f}", f"{n_points / bulk:,.0f}", "1.0×"))
    rows.append(("import metrics again (idempotent upsert)", f"{n_points:,}", f"{again:.1f}", f"{n_points / again:,.0f}", f"{again / bulk:.1f}×"))
    rows.append((f"row-by-row INSERT (extrapolated from {args.naive_sample:,})", f"{n_points:,}", f"{naive:.1f}", f"{n_points / naive:,.0f}", f"{naive / bulk:.1f}×"))
    rows.append(("seed: generate demo data", "—", f"{gen:.2f}", "—", "—"))
    rows.append(("seed: load demo data (COPY)", f"{seed_rows:,}", f"{seeded.seconds:.2f}", f"{seed_rows / seeded.seconds:,.0f}", "—"))
    table = Table("path", "rows", "seconds", "rows/s", "vs bulk", title=f"Bulk loading — {machine()}")
    for r in rows:
        table.add_row(*r)
    console.print(table)
    verdict = "PASS" if bulk < 30 else "FAIL"
    console.print(f"target: 1M points in < 30 s → {verdict} ({bulk:.1f} s)")


if __name__ == "__main__":
    main()
