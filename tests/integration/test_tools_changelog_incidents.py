"""Change log, change lookups, dependencies, incidents and change correlation on an imported organisation whose
names, ids, config keys and metric names look nothing like the demo's (#12 items 6, 7, 9; #13 item 3)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import psycopg
import pytest

from tests.integration import org2 as o2
from tests.integration.org2 import ctx2, demo_ctx, org2_db  # pytest fixtures
from tools.base import ToolError
from tools.changes import correlate_changes, metric_onset
from tools.changes.changelog import change_log, change_lookup, service_links
from tools.incidents import incident_list, incident_status


def _sql(conninfo, q, *args):
    with psycopg.connect(conninfo) as conn:
        return conn.execute(q, args).fetchall()


# ------------------------------------------------------------------ second organisation


async def test_org2_change_log_names_people_commits_and_links(ctx2):
    out = await change_log(ctx2, service="edge_gw", since=dt.date(2026, 10, 1))
    r = out.result
    assert [d.external_id for d in r.deployments] == ["rel/edge_gw/2026.10.12-1"]
    d = r.deployments[0]
    assert d.deployed_by == "marta.k" and [c.author for c in d.commits] == ["marta.k"]
    assert d.change_types and d.commits[0].files[0].path == "src/http/upstream_client.go"
    assert [c.key for c in r.config_changes] == ["FEATURE_FAST_ROUTING"]
    assert r.links.depends_on == ["ledger.core"] and r.links.dependents == []
    assert "marta.k" in out.evidence[0].summary and "depends on ledger.core" in out.evidence[0].summary
    assert {e.ref["subject"]["external_id"] for e in out.evidence[1:]} == {"rel/edge_gw/2026.10.12-1", "chg-9003"}
    deeper = (await change_log(ctx2, service="edge_gw", since=dt.date(2026, 10, 1), include_dependencies=True)).result
    assert {c.external_id for c in deeper.config_changes} == {"chg-9001", "chg-9002", "chg-9003"}
    assert "rel/ledger/7731" in {x.external_id for x in deeper.deployments}
    assert set(deeper.people) >= {"piotr.w", "ci-bot", "marta.k"}


async def test_org2_the_window_is_honoured(ctx2):
    r = (await change_log(ctx2, service="ledger.core", since=dt.date(2026, 10, 14), until=dt.date(2026, 10, 14))).result
    assert {c.external_id for c in r.config_changes} == {"chg-9001", "chg-9002"} and r.deployments == []
    r = (await change_log(ctx2, service="ledger.core", since=dt.date(2026, 10, 13), until=dt.date(2026, 10, 13))).result
    assert [d.external_id for d in r.deployments] == ["rel/ledger/7731"] and r.deployments[0].commits == []


async def test_org2_lookups_by_id_and_was_it_deployed(ctx2, org2_db):
    _, org = org2_db
    r = (await change_lookup(ctx2, deployment="REL/LEDGER/7731")).result
    assert r.deployment.deployed_by == "ci-bot" and r.deployment.commits == []
    c = (await change_lookup(ctx2, config_change="chg-9001")).result.config_change
    assert (c.changed_by, c.key, c.old_value, c.new_value) == ("piotr.w", "LEDGER.DB.POOL.MAX_SIZE", "64", "4")
    out = await change_lookup(ctx2, commit="retry backoff")  # words of the message
    cl = out.result.commit
    assert cl.commit.sha == org.truth["unshipped"] and not cl.deployed and "never deployed" in out.evidence[0].summary
    cl = (await change_lookup(ctx2, commit=org.truth["shipped"][:9])).result.commit
    assert cl.deployed and [d.external_id for d in cl.deployments] == ["rel/edge_gw/2026.10.12-1"]
    with pytest.raises(ToolError) as e:
        await change_lookup(ctx2, deployment="rel/ledger/7732")
    assert "rel/ledger/7731" in e.value.suggestions
    links = (await service_links(ctx2, service="ledger.core")).result
    assert links.depends_on == [] and links.dependents == ["edge_gw"]


async def test_org2_correlation_by_metric_role_and_upper_dotted_keys(ctx2, org2_db):
    _, org = org2_db
    onset = (await metric_onset(ctx2, service="ledger.core", metric="errors", hours=48)).result
    assert onset.metric == "http_5xx_ratio" and onset.direction == "up"
    assert abs((onset.onset - org.truth["metric_onset"]).total_seconds()) <= 15 * 60
    lat = (await metric_onset(ctx2, service="ledger.core", metric="p99_latency_ms", hours=48)).result
    assert lat.metric == "p99_ms"  # another org's name for the same role
    r = (await correlate_changes(ctx2, service="ledger.core", lookback=dt.timedelta(hours=36))).result
    assert r.onset_source == "metric_onset"
    top = r.hypotheses[0]
    assert top.subject == org.truth["config_cause"] and top.plausible
    assert "LEDGER.DB.POOL.MAX_SIZE" in top.rationale and "rose above" in top.rationale
    assert top.components.comovement > 0.5  # http_5xx_ratio / p99_ms moved right after it
    benign = next(h for h in r.hypotheses if h.subject == "chg-9002")
    assert benign.confidence < top.confidence
    inc = (await correlate_changes(ctx2, incident="OUT-77", lookback=dt.timedelta(hours=36))).result
    assert inc.hypotheses[0].subject == org.truth["config_cause"]
    alone = (await correlate_changes(ctx2, service="inventory-sync", onset=o2.NOW)).result
    assert [s.service for s in alone.searched] == ["inventory-sync"]  # no dependency edges: itself only


async def test_org2_incident_list_filters_and_latest(ctx2):
    r = (await incident_list(ctx2, status=["open"])).result
    assert [i.external_id for i in r.items] == ["OUT-78"]
    r = (await incident_list(ctx2, status=["unresolved"])).result
    assert [i.external_id for i in r.items] == ["OUT-78", "OUT-77"]
    r = (await incident_list(ctx2, service="edge_gw")).result
    assert [i.external_id for i in r.items] == ["OUT-71"]
    latest = (await incident_list(ctx2, limit=1)).result
    assert latest.items[0].external_id == "OUT-78" and latest.total == 3
    when = (await incident_list(ctx2, start=dt.date(2026, 10, 6), end=dt.date(2026, 10, 6))).result
    assert [i.external_id for i in when.items] == ["OUT-71"]
    with pytest.raises(ToolError):
        await incident_list(ctx2, status=["exploded"])


async def test_org2_incident_status_resolution_and_remediation(ctx2):
    out = await incident_status(ctx2, incident="out-71")
    assert out.result.resolved and out.result.duration_minutes == pytest.approx(120)
    assert "keepalive" in out.result.resolution and "resolved" in out.evidence[0].summary
    open_ = (await incident_status(ctx2, incident="OUT-78")).result
    assert not open_.resolved and open_.incident.status == "open"


async def test_org2_a_replay_as_of_a_moment_sees_the_incident_as_it_stood(ctx2):
    """Before: "which incidents are still open?" asked as of a moment during OUT-71 said none (it read the resolution
    written two hours later), and its status said "resolved" with the fix."""
    done = (await incident_status(ctx2, incident="OUT-71")).result.incident
    assert done.resolved_at is not None
    during = dataclasses.replace(ctx2, now=done.started_at + dt.timedelta(minutes=30))
    open_then = (await incident_list(during, status=["open"])).result
    assert "OUT-71" in [i.external_id for i in open_then.items]
    then = next(i for i in open_then.items if i.external_id == "OUT-71")
    assert then.resolved_at is None and then.summary is None
    st = await incident_status(during, incident="out-71")
    assert not st.result.resolved and st.result.resolution is None and "not resolved as of" in st.evidence[0].summary
    assert "keepalive" not in st.evidence[0].summary
    after = dataclasses.replace(ctx2, now=done.resolved_at + dt.timedelta(minutes=1))
    assert (await incident_status(after, incident="OUT-71")).result.resolved


# ------------------------------------------------------------------ demo


async def test_demo_change_log_counts_match_the_rows(demo_ctx, demo):
    since = demo_ctx.now - dt.timedelta(days=14)
    (svc,) = _sql(demo.target.conninfo, """SELECT s.name FROM deployments d JOIN services s ON s.id = d.service_id
                   WHERE d.org_id = %s GROUP BY s.name ORDER BY count(*) DESC, s.name LIMIT 1""", demo.org_id)[0]
    r = (await change_log(demo_ctx, service=svc, since=since)).result
    n = _sql(demo.target.conninfo, """SELECT count(*) FROM deployments d JOIN services s ON s.id = d.service_id
              WHERE d.org_id = %s AND s.name = %s AND d.started_at <= %s
              AND COALESCE(d.finished_at, d.started_at) >= %s""", demo.org_id, svc, demo_ctx.now, since)[0][0]
    assert len(r.deployments) == n and n > 0
    assert all(d.deployed_by for d in r.deployments)


async def test_demo_undeployed_commit_is_said_so(demo_ctx, demo):
    sha = demo.manifest["undeployed_commits"][0]
    r = (await change_lookup(demo_ctx, commit=sha[:10])).result.commit
    assert not r.deployed and r.deployments == []


async def test_demo_incidents_status_and_latest(demo_ctx, demo):
    incs = demo.manifest["incidents"]
    latest = max(incs, key=lambda i: i["onset"])
    r = (await incident_list(demo_ctx, limit=1)).result
    assert r.items[0].external_id == latest["external_id"] and r.total == len(incs)
    for i in incs:
        st = (await incident_status(demo_ctx, incident=i["external_id"])).result
        assert st.incident.status == i["status"]
        if i.get("rollback"):
            assert i["rollback"] in {x.subject for x in st.remediation}


async def test_org2_metric_roles_configuration_wins_over_the_convention(ctx2, org2_db, tmp_path):
    from store.importers import ImportRejected, run_import

    target, _ = org2_db
    bad = tmp_path / "bad.json"
    bad.write_text('[{"metric": "rps", "role": "saturation"},\n{"metric": "p99_ms", "role": "speed"}]')
    with psycopg.connect(target.conninfo) as conn:
        with pytest.raises(ImportRejected, match="line 2"):
            run_import(conn, o2.SLUG, "metric-roles", bad)
        assert conn.execute("SELECT count(*) FROM metric_roles").fetchone()[0] == 0  # nothing half-written
    with pytest.raises(ToolError):  # by convention rps is throughput: no saturation metric yet
        await metric_onset(ctx2, service="edge_gw", metric="saturation", hours=48)
    good = tmp_path / "roles.json"
    good.write_text('[{"metric": "rps", "role": "saturation"}]')
    with psycopg.connect(target.conninfo) as conn:
        assert run_import(conn, o2.SLUG, "metric-roles", good).rows == 1
    try:
        r = (await metric_onset(ctx2, service="edge_gw", metric="saturation", hours=48)).result
        assert r.metric == "rps"
    finally:
        with psycopg.connect(target.conninfo) as conn:
            conn.execute("DELETE FROM metric_roles")
