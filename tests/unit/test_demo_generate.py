"""The deterministic demo data generator (demo): shapes, stories, ground truth."""

from __future__ import annotations

import ast
import dataclasses
import datetime as dt
import json
import re
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from demo import DemoData, generate_demo

ANCHOR = dt.date(2025, 6, 1)
SEED = 7
UTC = dt.UTC


@pytest.fixture(scope="module")
def demo() -> DemoData:
    return generate_demo(seed=SEED, anchor=ANCHOR)


def _series(demo: DemoData, kpi: str, station: str) -> np.ndarray:
    df = demo.kpi_points
    sel = df[(df["kpi"] == kpi) & (df["station"] == station)].sort_values("day")
    return sel["value"].to_numpy(dtype=float)


def _metric(demo: DemoData, service: str, metric: str) -> pd.Series:
    df = demo.metric_points
    sel = df[(df["service"] == service) & (df["metric"] == metric)]
    return pd.Series(sel["value"].to_numpy(), index=pd.DatetimeIndex(sel["ts"])).sort_index()


def _ts(s: str) -> dt.datetime:
    return dt.datetime.fromisoformat(s)


# ---------------------------------------------------------------- determinism and shape


def test_deterministic_for_same_seed_and_anchor(demo: DemoData) -> None:
    again = generate_demo(seed=SEED, anchor=ANCHOR)
    for f in dataclasses.fields(DemoData):
        a, b = getattr(demo, f.name), getattr(again, f.name)
        if isinstance(a, pd.DataFrame):
            pd.testing.assert_frame_equal(a, b)
        else:
            assert a == b, f.name
    assert json.dumps(demo.manifest, sort_keys=True) == json.dumps(again.manifest, sort_keys=True)


def test_different_seed_changes_the_noise_but_not_the_stories(demo: DemoData) -> None:
    other = generate_demo(seed=SEED + 1, anchor=ANCHOR)
    assert not np.allclose(_series(demo, "OTP_MX_RATE", "DAL"), _series(other, "OTP_MX_RATE", "DAL"))
    assert other.manifest["headline"]["start_date"] == demo.manifest["headline"]["start_date"]
    assert [i["service"] for i in other.manifest["incidents"]] == [i["service"] for i in demo.manifest["incidents"]]


def test_generation_is_fast() -> None:
    t0 = time.perf_counter()
    generate_demo(seed=11, anchor=ANCHOR)
    assert time.perf_counter() - t0 < 2.0


def test_default_anchor_is_today_utc() -> None:
    data = generate_demo()
    today = dt.datetime.now(UTC).date()
    assert data.manifest["anchor"] in {today.isoformat(), (today - dt.timedelta(days=1)).isoformat()}


def test_fields_and_catalogue(demo: DemoData) -> None:
    assert [f.name for f in dataclasses.fields(DemoData)] == [
        "org", "regions", "stations", "kpis", "kpi_points", "services", "dependencies", "metric_points",
        "commits", "deployments", "config_changes", "incidents", "tickets", "documents", "manifest",
    ]
    assert demo.org == {"slug": "demo", "name": "Demo Airline & Cloud Ops"}
    region_codes = {r["code"] for r in demo.regions}
    assert 3 <= len(region_codes) <= 4
    assert len(demo.stations) == 8 and {"DAL", "PHX", "HOU"} <= {s["code"] for s in demo.stations}
    assert all(s["region"] in region_codes for s in demo.stations)
    assert next(s for s in demo.stations if s["code"] == "DAL")["name"] == "Dallas Love Field"
    assert len(demo.kpis) >= 6
    keys = {"code", "name", "description", "aliases", "unit", "aggregation", "goal", "upper_limit", "lower_limit",
            "decimals", "higher_is_better", "related_services"}
    service_names = {s["name"] for s in demo.services}
    for k in demo.kpis:
        assert keys <= set(k)
        assert k["aggregation"] in ("mean", "sum")
        assert set(k["related_services"]) <= service_names
    otp = next(k for k in demo.kpis if k["code"] == "OTP_MX_RATE")
    assert otp["higher_is_better"] and otp["aggregation"] == "mean"
    assert {"otp mx", "otp mx rate", "maintenance otp", "mx otp"} <= set(otp["aliases"])
    for s in demo.services:
        assert {"name", "team", "tier", "description"} <= set(s) and s["tier"] in (1, 2, 3)


def test_dependencies_form_a_dag(demo: DemoData) -> None:
    names = {s["name"] for s in demo.services}
    graph: dict[str, list[str]] = {}
    for a, b in demo.dependencies:
        assert a in names and b in names and a != b
        graph.setdefault(a, []).append(b)
    state: dict[str, int] = {}

    def visit(n: str) -> None:
        assert state.get(n) != 1, f"cycle through {n}"
        if state.get(n) == 2:
            return
        state[n] = 1
        for m in graph.get(n, []):
            visit(m)
        state[n] = 2

    for n in names:
        visit(n)


def test_kpi_points_shape_and_dates(demo: DemoData) -> None:
    df = demo.kpi_points
    assert list(df.columns) == ["kpi", "station", "day", "value"]
    n_series = len(demo.kpis) * len(demo.stations)
    assert len(df) == 800 * n_series == demo.manifest["counts"]["kpi_points"]
    assert df.groupby(["kpi", "station"]).size().eq(800).all()
    assert isinstance(df["day"].iloc[0], dt.date) and not isinstance(df["day"].iloc[0], dt.datetime)
    assert df["day"].max() == ANCHOR - dt.timedelta(days=1)
    assert df["day"].min() == ANCHOR - dt.timedelta(days=800)
    assert demo.manifest["kpi_first_day"] == (ANCHOR - dt.timedelta(days=800)).isoformat()
    assert demo.manifest["kpi_series_days"] == 800


def test_kpi_values_respect_physical_ranges(demo: DemoData) -> None:
    df = demo.kpi_points
    for k in demo.kpis:
        v = df.loc[df["kpi"] == k["code"], "value"]
        assert v.min() >= 0
        if k["unit"] == "%":
            assert v.max() <= 100


def test_metric_points_shape(demo: DemoData) -> None:
    df = demo.metric_points
    assert list(df.columns) == ["service", "metric", "ts", "value"]
    assert str(df["ts"].dt.tz) == "UTC"
    midnight = pd.Timestamp(ANCHOR, tz="UTC")
    assert df["ts"].max() == midnight - pd.Timedelta(minutes=5)
    assert df["ts"].min() == midnight - pd.Timedelta(days=15)
    assert set(df["metric"]) == {"error_rate", "p99_latency_ms", "throughput"}
    assert df.groupby(["service", "metric"]).size().eq(15 * 288).all()
    assert set(df["service"]) == {s["name"] for s in demo.services}
    err = df.loc[df["metric"] == "error_rate", "value"]
    assert err.between(0, 1).all()
    assert len(df) == demo.manifest["counts"]["metric_points"]


def test_counts_match(demo: DemoData) -> None:
    c = demo.manifest["counts"]
    assert c["tickets"] == len(demo.tickets) == 600
    assert c["deployments"] == len(demo.deployments)
    assert c["config_changes"] == len(demo.config_changes)
    assert c["commits"] == len(demo.commits)
    assert c["incidents"] == len(demo.incidents) == 6
    assert c["documents"] == len(demo.documents)


def test_manifest_is_json_and_has_the_fixed_keys(demo: DemoData) -> None:
    m = json.loads(json.dumps(demo.manifest))
    assert m == demo.manifest
    for key in ("seed", "anchor", "version", "kpi_series_days", "kpi_first_day", "kpi_shifts", "kpi_spikes",
                "kpi_trends", "kpi_stable_series", "headline", "incidents", "harmless_changes",
                "undeployed_commits", "tickets", "injections", "counts"):
        assert key in m, key
    assert m["seed"] == SEED and m["anchor"] == ANCHOR.isoformat() and m["version"] == 1


def test_datetimes_are_utc_aware(demo: DemoData) -> None:
    def check(d: dict, keys: tuple[str, ...]) -> None:
        for k in keys:
            v = d[k]
            if v is not None:
                assert isinstance(v, dt.datetime) and v.utcoffset() == dt.timedelta(0), (k, v)

    for c in demo.commits:
        check(c, ("committed_at", "merged_at"))
    for d in demo.deployments:
        check(d, ("started_at", "finished_at"))
    for c in demo.config_changes:
        check(c, ("changed_at",))
    for i in demo.incidents:
        check(i, ("started_at", "detected_at", "resolved_at"))
    for t in demo.tickets:
        check(t, ("created_at", "first_response_at", "resolved_at", "closed_at", "updated_at"))


# ---------------------------------------------------------------- the KPI stories


def test_headline_story(demo: DemoData) -> None:
    h = demo.manifest["headline"]
    assert (h["kpi"], h["station"]) == ("OTP_MX_RATE", "DAL")
    start = dt.date.fromisoformat(h["start_date"])
    assert start == ANCHOR - dt.timedelta(days=10)
    v = _series(demo, "OTP_MX_RATE", "DAL")
    before, after = v[:790], v[790:]
    sigma = np.std(before)
    assert (before.mean() - after.mean()) / sigma > 3.0
    assert (after < before.mean()).all()
    cause = h["cause"]
    dep = next(d for d in demo.deployments if d["external_id"] == cause["external_id"])
    assert cause["type"] == "deployment" and dep["service"] == cause["service"] == "parts-inventory"
    assert dep["finished_at"].date() == start - dt.timedelta(days=1)
    assert "parts-inventory" in next(k for k in demo.kpis if k["code"] == "OTP_MX_RATE")["related_services"]
    shift = next(s for s in demo.manifest["kpi_shifts"] if (s["kpi"], s["station"]) == ("OTP_MX_RATE", "DAL"))
    assert shift["bad"] and shift["direction"] == "down" and shift["cause"]["external_id"] == dep["external_id"]


def test_kpi_story_tables(demo: DemoData) -> None:
    m = demo.manifest
    shifts, spikes, trends = m["kpi_shifts"], m["kpi_spikes"], m["kpi_trends"]
    assert 7 <= len(shifts) <= 10 and 2 <= len(spikes) <= 3 and 1 <= len(trends) <= 2
    first = dt.date.fromisoformat(m["kpi_first_day"])
    near_end = 0
    for s in shifts:
        assert 2.5 <= s["magnitude_sigma"] <= 4.0
        assert dt.date.fromisoformat(s["start_date"]) == first + dt.timedelta(days=s["start_index"])
        near_end += not (40 <= s["start_index"] <= 800 - 40)
    assert near_end == 1  # only the headline
    phx = [s for s in shifts if (s["kpi"], s["station"]) == ("AOG_EVENTS", "PHX")]
    assert phx and phx[0]["start_date"] == (ANCHOR - dt.timedelta(days=300)).isoformat() and phx[0]["bad"]
    for s in spikes:
        v = _series(demo, s["kpi"], s["station"])
        rest = np.delete(v, s["index"])
        z = (v[s["index"]] - rest.mean()) / rest.std()
        assert abs(z) >= 4.5 and (z > 0) == (s["direction"] == "up")
    stable = {(s["kpi"], s["station"]) for s in m["kpi_stable_series"]}
    touched = {(x["kpi"], x["station"]) for x in [*shifts, *spikes, *trends]}
    assert not stable & touched
    assert len(stable) + len(touched) == len(demo.kpis) * len(demo.stations)


def test_yoy_exists_for_the_headline(demo: DemoData) -> None:
    df = demo.kpi_points
    last_year = ANCHOR - dt.timedelta(days=10 + 364)
    sel = df[(df["kpi"] == "OTP_MX_RATE") & (df["station"] == "DAL") & (df["day"] == last_year)]
    assert len(sel) == 1


def _kpi_matrix(frame: pd.DataFrame) -> tuple[list[tuple[str, str]], np.ndarray]:
    keys = list(dict.fromkeys(zip(frame["kpi"], frame["station"], strict=True)))
    rows = [
        frame[(frame["kpi"] == k) & (frame["station"] == st)].sort_values("day")["value"].to_numpy(dtype=float)
        for k, st in keys
    ]
    return keys, np.stack(rows)


def _detection_report(frame: pd.DataFrame, shifts: list[dict], stable: list[dict], spikes: list[dict]) -> dict:
    """What the assistant's own detector finds in honest (drawn-once) demo noise."""
    from tools.control_limits import analyze_many

    keys, M = _kpi_matrix(frame)
    starts = {key: [st.start for st in r.stages[1:]] for key, r in zip(keys, analyze_many(M), strict=True)}
    found = [s for s in shifts if any(abs(f - s["start_index"]) <= 3 for f in starts[(s["kpi"], s["station"])])]
    shifted = {(s["kpi"], s["station"]) for s in shifts}
    extra = [
        (key, f)
        for key in shifted
        for f in starts[key]
        if all(abs(f - s["start_index"]) > 3 for s in shifts if (s["kpi"], s["station"]) == key)
    ]
    return {
        "starts": starts,
        "found": len(found),
        "extra": extra,
        "stable_with_stage": [s for s in stable if starts[(s["kpi"], s["station"])]],
        "spiked_with_stage": [s for s in spikes if starts[(s["kpi"], s["station"])]],
    }


def test_injected_shifts_are_detected_within_tolerance(demo: DemoData) -> None:
    """The demo's noise is drawn once; the detector must find its stories anyway.

    Measured on generate_kpis seeds 0-5 and the demo seed: every injected shift
    found within ±3 days (9/9), no extra stage on a shifted series, no stage on
    any of the 43 stable or 3 spiked series, the headline on its day (seeds 0-5)
    or one day late (demo seed 7: that day's noise put it halfway between the
    two levels).  The assertions leave a little slack.
    """
    m = demo.manifest
    rep = _detection_report(demo.kpi_points, m["kpi_shifts"], m["kpi_stable_series"], m["kpi_spikes"])
    assert rep["found"] >= len(m["kpi_shifts"]) - 1, rep["found"]
    assert len(rep["extra"]) <= 1, rep["extra"]
    assert len(rep["stable_with_stage"]) <= 1, rep["stable_with_stage"]
    assert not rep["spiked_with_stage"], rep["spiked_with_stage"]
    h = m["headline"]
    assert any(abs(f - h["start_index"]) <= 1 for f in rep["starts"][(h["kpi"], h["station"])])


@pytest.mark.parametrize("seed", [1, 2])
def test_detection_holds_for_other_seeds(seed: int) -> None:
    from demo.kpis import generate_kpis

    k = generate_kpis(np.random.default_rng(seed), ANCHOR, {})
    rep = _detection_report(k.frame, k.shifts, k.stable, k.spikes)
    assert rep["found"] >= len(k.shifts) - 1
    assert len(rep["stable_with_stage"]) <= 1 and not rep["spiked_with_stage"]


def test_demo_generator_does_not_know_the_detector() -> None:
    src = (Path(__file__).resolve().parents[2] / "demo" / "kpis.py").read_text()
    tree = ast.parse(src)
    names = {n.name for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert not names & {"binseg", "zscore", "_series_ok"}
    assert "MAX_REDRAWS" not in src and "ruptures" not in src


# ---------------------------------------------------------------- changes and incidents


def test_commit_and_deployment_records(demo: DemoData) -> None:
    change_types = {"db_migration", "dependency", "config", "timeout_retry", "http_client", "shared_util", "auth",
                    "test", "docs", "other"}
    shas = [c["sha"] for c in demo.commits]
    assert len(set(shas)) == len(shas)
    for c in demo.commits:
        assert re.fullmatch(r"[0-9a-f]{40}", c["sha"])
        assert c["merged_at"] is None or c["committed_at"] <= c["merged_at"]
        assert c["files"] and all(f["change_type"] in change_types for f in c["files"])
    ids = [d["external_id"] for d in demo.deployments]
    assert ids == [f"DEP-{i:04d}" for i in range(1, len(ids) + 1)]
    for d in demo.deployments:
        assert d["environment"] == "production" and d["started_at"] < d["finished_at"]
        assert d["status"] in ("succeeded", "failed", "rolled_back", "in_progress")
    cfg_ids = [c["external_id"] for c in demo.config_changes]
    assert cfg_ids == [f"CFG-{i:04d}" for i in range(1, len(cfg_ids) + 1)]
    secrets = [c for c in demo.config_changes if c["is_secret"]]
    assert secrets and all(c["old_value"] is None and c["new_value"] is None for c in secrets)


def test_deployments_ship_contiguous_commit_ranges(demo: DemoData) -> None:
    by_sha = {c["sha"]: c for c in demo.commits}
    per_service: dict[str, list[str]] = {}
    for c in sorted(demo.commits, key=lambda c: c["merged_at"]):
        per_service.setdefault(c["service"], []).append(c["sha"])
    last_pos: dict[str, int] = {}
    for d in sorted(demo.deployments, key=lambda d: d["started_at"]):
        if d["is_rollback"]:
            assert d["commits"] == []
            bad = next(x for x in demo.deployments if x["external_id"] == d["rollback_of"])
            assert bad["service"] == d["service"] and bad["status"] == "rolled_back"
            assert d["commit_from_sha"] == bad["commit_to_sha"]
            continue
        order = per_service[d["service"]]
        pos = [order.index(s) for s in d["commits"]]
        assert pos == list(range(pos[0], pos[0] + len(pos))), d["external_id"]
        assert d["commit_from_sha"] == d["commits"][0] and d["commit_to_sha"] == d["commits"][-1]
        assert pos[0] > last_pos.get(d["service"], -1)
        last_pos[d["service"]] = pos[-1]
        for s in d["commits"]:
            assert by_sha[s]["service"] == d["service"] and by_sha[s]["merged_at"] < d["started_at"]


def test_incident_ground_truth(demo: DemoData) -> None:
    m = demo.manifest
    deps = {d["external_id"]: d for d in demo.deployments}
    cfgs = {c["external_id"]: c for c in demo.config_changes}
    incidents = {i["external_id"]: i for i in demo.incidents}
    assert len(m["incidents"]) == len(demo.incidents) == 6
    on_dependency = 0
    for mi in m["incidents"]:
        inc = incidents[mi["external_id"]]
        assert re.fullmatch(r"INC-\d{4}", mi["external_id"])
        onset = _ts(mi["onset"])
        assert inc["started_at"] == onset and inc["service"] == mi["service"]
        assert onset < inc["detected_at"] <= onset + dt.timedelta(minutes=15)
        assert inc["severity"] in ("sev1", "sev2", "sev3", "sev4")
        assert inc["status"] in ("resolved", "mitigated", "open")
        assert (inc["resolved_at"] is not None) == (inc["status"] == "resolved")
        cause = mi["cause"]
        if cause["type"] == "deployment":
            rec = deps[cause["external_id"]]
            at = rec["finished_at"]
            files = [f for s in rec["commits"] for c in demo.commits if c["sha"] == s for f in c["files"]]
            assert {f["change_type"] for f in files} & {"db_migration", "timeout_retry", "http_client", "dependency"}
        else:
            rec = cfgs[cause["external_id"]]
            at = rec["changed_at"]
            assert rec["key"] in ("db.pool.max_connections", "http.client.timeout_ms", "retry.max_attempts",
                                  "feature.new_checkout_flow")
        assert rec["service"] == cause["service"]
        lag = (onset - at).total_seconds() / 60
        assert 2 <= lag <= 20, (mi["external_id"], lag)
        assert cause["service"] in mi["affected_services"] and mi["service"] in mi["affected_services"]
        on_dependency += cause["service"] != mi["service"]
        if cause["service"] != mi["service"]:
            assert (mi["service"], cause["service"]) in demo.dependencies
    assert on_dependency >= 1
    rollbacks = [mi for mi in m["incidents"] if mi["rollback"]]
    assert rollbacks
    for mi in rollbacks:
        rb = deps[mi["rollback"]]
        assert rb["is_rollback"] and rb["rollback_of"] == mi["cause"]["external_id"]


def test_metric_effects_follow_the_causes(demo: DemoData) -> None:
    callers: dict[str, set[str]] = {}
    for a, b in demo.dependencies:
        callers.setdefault(b, set()).add(a)
    for mi in demo.manifest["incidents"]:
        onset = pd.Timestamp(mi["onset"])
        window = slice(onset, onset + pd.Timedelta(minutes=25))
        base = slice(onset - pd.Timedelta(hours=2), onset - pd.Timedelta(minutes=5))
        cause_svc = mi["cause"]["service"]

        def lift(service: str, window: slice = window, base: slice = base) -> float:
            e = _metric(demo, service, "error_rate")
            p = _metric(demo, service, "p99_latency_ms")
            return max(e[window].mean() / e[base].mean(), p[window].mean() / p[base].mean())

        assert lift(cause_svc) > 3.0, mi["external_id"]
        for svc in callers.get(cause_svc, ()):
            assert svc in mi["affected_services"]
            assert lift(svc) > 2.0, (mi["external_id"], svc)
        assert lift(cause_svc) > max(lift(s) for s in mi["affected_services"] if s != cause_svc)
        unaffected = [s["name"] for s in demo.services if s["name"] not in mi["affected_services"]]
        for svc in unaffected:
            assert lift(svc) < 1.5, (mi["external_id"], svc)
        # the point just before the onset is normal
        e = _metric(demo, cause_svc, "error_rate")
        assert e[onset - pd.Timedelta(minutes=5)] < 3 * e[base].median()
        if mi["rollback"]:
            rb = next(d for d in demo.deployments if d["external_id"] == mi["rollback"])
            after = pd.Timestamp(rb["finished_at"]) + pd.Timedelta(minutes=10)
            recovered = e[after : after + pd.Timedelta(minutes=60)]
            assert recovered.mean() < 1.5 * e[base].mean()


def test_red_herrings(demo: DemoData) -> None:
    m = demo.manifest
    deps = {d["external_id"]: d for d in demo.deployments}
    cfgs = {c["external_id"]: c for c in demo.config_changes}

    def when(kind: str, ext: str) -> dt.datetime:
        return deps[ext]["finished_at"] if kind == "deployment" else cfgs[ext]["changed_at"]

    all_ids = set(deps) | set(cfgs)
    harmless = m["harmless_changes"]
    assert len([h for h in harmless if h["role"] != "remediation"]) >= 20
    cause_ids = {mi["cause"]["external_id"] for mi in m["incidents"]} | {m["headline"]["cause"]["external_id"]}
    for h in harmless:
        assert h["external_id"] in all_ids and h["external_id"] not in cause_ids
    harmless_ids = {h["external_id"] for h in harmless}
    assert harmless_ids | cause_ids == all_ids

    graph: dict[str, set[str]] = {}
    for a, b in demo.dependencies:
        graph.setdefault(a, set()).add(b)

    def closure(s: str) -> set[str]:
        seen, stack = set(), [s]
        while stack:
            for n in graph.get(stack.pop(), ()):
                if n not in seen:
                    seen.add(n)
                    stack.append(n)
        return seen

    closer = 0
    near = 0
    for mi in m["incidents"]:
        onset = _ts(mi["onset"])
        cause_at = _ts(mi["cause"]["at"])
        svc_closure = closure(mi["service"]) | {mi["service"]}
        for h in harmless:
            t = when(h["type"], h["external_id"])
            if onset - dt.timedelta(hours=3) <= t < onset:
                near += 1
                assert h["service"] not in svc_closure | set(mi["affected_services"]), (mi["external_id"], h)
            if cause_at < t < onset:
                closer += 1
    assert near >= len(m["incidents"])
    assert closer <= 1

    deployed = {s for d in demo.deployments for s in d["commits"]}
    commits = {c["sha"]: c for c in demo.commits}
    risky = {"db_migration", "timeout_retry", "http_client", "dependency"}
    assert len(m["undeployed_commits"]) >= 2
    onsets = [_ts(mi["onset"]) for mi in m["incidents"]]
    for sha in m["undeployed_commits"]:
        c = commits[sha]
        assert sha not in deployed and c["merged_at"] is not None
        assert {f["change_type"] for f in c["files"]} & risky
        assert any(dt.timedelta(0) < o - c["merged_at"] <= dt.timedelta(hours=1) for o in onsets)
