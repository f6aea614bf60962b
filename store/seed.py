"""Load the demo data set (``opsgraph seed``) with COPY, in one transaction.

The data comes from :func:`demo.generate_demo` (the store imports no project code: ``data`` is any object with
the attributes of ``demo.DemoData``; :func:`demo.seed.seed_demo` composes generate → load → embed); the loader maps codes
and names to ids and streams the large tables with COPY. Embeddings are
filled afterwards by the caller (``tools.embeddings.embed_missing``), so the
store needs no embedding model.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import psycopg
from psycopg.types.json import Jsonb

from store.bulk import copy_frame, copy_rows

DEMO_ORG = "demo"


@dataclass
class SeedResult:
    org_id: int
    loaded: bool  # False when the demo org already existed and nothing was done
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def _ids(cur: psycopg.Cursor, query: str, org_id: int) -> dict[str, int]:
    return {k: v for v, k in cur.execute(query, (org_id,)).fetchall()}


def purge_org(cur: psycopg.Cursor, slug: str) -> bool:
    """Delete an organisation and everything it owns (feedback included)."""
    cur.execute("SET LOCAL opsgraph.allow_purge = 'on'")
    cur.execute("DELETE FROM orgs WHERE slug = %s", (slug,))
    deleted = cur.rowcount > 0
    cur.execute("SET LOCAL opsgraph.allow_purge = 'off'")
    return deleted


def demo_org_id(conn: psycopg.Connection) -> int | None:
    row = conn.execute("SELECT id FROM orgs WHERE slug = %s", (DEMO_ORG,)).fetchone()
    return row[0] if row else None


def load_demo(conn: psycopg.Connection, data: Any, *, reset: bool = False) -> SeedResult:
    """Load ``data`` as organisation ``demo``. Without ``reset`` an existing demo org is kept."""
    t0 = time.perf_counter()
    counts: dict[str, int] = {}
    with conn.transaction(), conn.cursor() as cur:
        # Serialise concurrent seeders (two `make run`s starting at once).
        cur.execute("SELECT pg_advisory_xact_lock(7230412002)")
        existing = cur.execute("SELECT id FROM orgs WHERE slug = %s", (data.org["slug"],)).fetchone()
        if existing and not reset:
            return SeedResult(org_id=existing[0], loaded=False, seconds=time.perf_counter() - t0)
        if existing:
            purge_org(cur, data.org["slug"])
        inserted = cur.execute(
            "INSERT INTO orgs (slug, name) VALUES (%s, %s) RETURNING id", (data.org["slug"], data.org["name"])
        ).fetchone()
        if inserted is None:  # pragma: no cover - INSERT … RETURNING returns its row
            raise RuntimeError("the organisation insert returned no row")
        org_id = inserted[0]

        # Tech Ops ---------------------------------------------------------
        for r in data.regions:
            cur.execute("INSERT INTO regions (org_id, code, name) VALUES (%s, %s, %s)", (org_id, r["code"], r["name"]))
        regions = _ids(cur, "SELECT id, code FROM regions WHERE org_id = %s", org_id)
        for s in data.stations:
            cur.execute(
                "INSERT INTO stations (org_id, code, name, region_id) VALUES (%s, %s, %s, %s)",
                (org_id, s["code"], s["name"], regions[s["region"]]),
            )
        stations = _ids(cur, "SELECT id, code FROM stations WHERE org_id = %s", org_id)
        for k in data.kpis:
            cur.execute(
                """INSERT INTO kpi_definitions (org_id, code, name, description, aliases, unit, aggregation, goal,
                       upper_limit, lower_limit, decimals, higher_is_better, related_services)
                   VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)""",
                (
                    org_id, k["code"], k["name"], k.get("description"), list(k.get("aliases", [])), k["unit"],
                    k["aggregation"], k.get("goal"), k.get("upper_limit"), k.get("lower_limit"),
                    k.get("decimals"), k["higher_is_better"], list(k.get("related_services", [])),
                ),
            )
        kpis = _ids(cur, "SELECT id, code FROM kpi_definitions WHERE org_id = %s", org_id)
        points = data.kpi_points
        frame = pd.DataFrame(
            {
                "org_id": org_id,
                "kpi_id": points["kpi"].map(kpis),
                "station_id": points["station"].map(stations),
                "day": pd.to_datetime(points["day"]).dt.strftime("%Y-%m-%d"),
                "value": points["value"].astype(float),
            }
        )
        counts["kpi_points"] = copy_frame(cur, "kpi_points", frame, list(frame.columns))

        # Services, metrics and changes -------------------------------------
        for s in data.services:
            cur.execute(
                "INSERT INTO services (org_id, name, team, tier, description) VALUES (%s, %s, %s, %s, %s)",
                (org_id, s["name"], s.get("team"), s.get("tier", 2), s.get("description")),
            )
        services = _ids(cur, "SELECT id, name FROM services WHERE org_id = %s", org_id)
        cur.executemany(
            "INSERT INTO service_dependencies (org_id, service_id, depends_on_id) VALUES (%s, %s, %s)",
            [(org_id, services[a], services[b]) for a, b in data.dependencies],
        )
        mp = data.metric_points
        frame = pd.DataFrame(
            {
                "org_id": org_id,
                "service_id": mp["service"].map(services),
                "metric": mp["metric"],
                "ts": pd.to_datetime(mp["ts"], utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "value": mp["value"].astype(float),
            }
        )
        counts["metric_points"] = copy_frame(cur, "metric_points", frame, list(frame.columns))

        counts["commits"] = copy_rows(
            cur,
            "commits",
            ["org_id", "service_id", "sha", "message", "author", "committed_at", "merged_at", "pr_number"],
            (
                (org_id, services[c["service"]], c["sha"], c["message"], c.get("author"), c["committed_at"],
                 c.get("merged_at"), c.get("pr_number"))
                for c in data.commits
            ),
        )
        commits = _ids(cur, "SELECT id, sha FROM commits WHERE org_id = %s", org_id)
        counts["commit_files"] = copy_rows(
            cur,
            "commit_files",
            ["org_id", "commit_id", "path", "change_type", "additions", "deletions"],
            (
                (org_id, commits[c["sha"]], f["path"], f["change_type"], f.get("additions", 0), f.get("deletions", 0))
                for c in data.commits
                for f in c.get("files", [])
            ),
        )
        counts["deployments"] = copy_rows(
            cur,
            "deployments",
            ["org_id", "external_id", "service_id", "version", "environment", "status", "started_at",
             "finished_at", "deployed_by", "commit_from_sha", "commit_to_sha", "is_rollback"],
            (
                (org_id, d["external_id"], services[d["service"]], d["version"], d.get("environment", "production"),
                 d.get("status", "succeeded"), d["started_at"], d.get("finished_at"), d.get("deployed_by"),
                 d.get("commit_from_sha"), d.get("commit_to_sha"), bool(d.get("is_rollback", False)))
                for d in data.deployments
            ),
        )
        deployments = _ids(cur, "SELECT id, external_id FROM deployments WHERE org_id = %s", org_id)
        cur.executemany(
            "UPDATE deployments SET rollback_of_id = %s WHERE id = %s",
            [(deployments[d["rollback_of"]], deployments[d["external_id"]]) for d in data.deployments if d.get("rollback_of")],
        )
        copy_rows(
            cur,
            "deployment_commits",
            ["org_id", "deployment_id", "commit_id"],
            (
                (org_id, deployments[d["external_id"]], commits[sha])
                for d in data.deployments
                for sha in dict.fromkeys(d.get("commits", []))
            ),
        )
        counts["config_changes"] = copy_rows(
            cur,
            "config_changes",
            ["org_id", "external_id", "service_id", "key", "old_value", "new_value", "is_secret", "changed_at",
             "changed_by", "description"],
            (
                (org_id, c["external_id"], services[c["service"]], c["key"],
                 None if c.get("is_secret") else c.get("old_value"),
                 None if c.get("is_secret") else c.get("new_value"),
                 bool(c.get("is_secret", False)), c["changed_at"], c.get("changed_by"), c.get("description"))
                for c in data.config_changes
            ),
        )
        counts["incidents"] = copy_rows(
            cur,
            "incidents",
            ["org_id", "external_id", "title", "service_id", "severity", "status", "started_at", "detected_at",
             "resolved_at", "summary"],
            (
                (org_id, i["external_id"], i["title"], services.get(i.get("service")), i.get("severity", "sev3"),
                 i.get("status", "resolved"), i["started_at"], i.get("detected_at"), i.get("resolved_at"),
                 i.get("summary"))
                for i in data.incidents
            ),
        )

        # Tickets and documents ---------------------------------------------
        counts["tickets"] = copy_rows(
            cur,
            "tickets",
            ["org_id", "external_id", "subject", "content", "product", "urgency", "priority", "customer",
             "customer_tier", "status", "created_at", "first_response_at", "resolved_at", "closed_at",
             "updated_at", "status_history", "resolution"],
            (
                (org_id, t["external_id"], t["subject"], t["content"], t.get("product"), t.get("urgency"),
                 t.get("priority", "medium"), t.get("customer"), t.get("customer_tier", "standard"),
                 t.get("status", "new"), t["created_at"], t.get("first_response_at"), t.get("resolved_at"),
                 t.get("closed_at"), t.get("updated_at"), Jsonb(t.get("status_history", [])), t.get("resolution"))
                for t in data.tickets
            ),
        )
        counts["documents"] = copy_rows(
            cur,
            "documents",
            ["org_id", "kind", "external_id", "title", "body", "service", "tags"],
            (
                (org_id, d["kind"], d["external_id"], d["title"], d["body"], d.get("service"), list(d.get("tags", [])))
                for d in data.documents
            ),
        )
    return SeedResult(org_id=org_id, loaded=True, counts=counts, seconds=time.perf_counter() - t0)


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(manifest, indent=2, sort_keys=True, default=str))
    tmp.replace(path)
