"""Stop 15: wide metrics sheets and the deployments webhook's Argo CD shapes as a careless user and an attacker
send them. A wide sheet with a header given twice, a column with values but no name, a spreadsheet formula or a
time outside years 1-9999 is refused with ``line N: reason`` and writes nothing (pandas would quietly read the
second ``error_rate`` column as a new metric ``error_rate_1``, and a year-10000 point poisons later reads); the
webhook answers 4xx to JSON bombs, too many items, another organisation's service and malformed Applications —
never a 500 or a logged traceback, and nothing is written."""

from __future__ import annotations

import json

import httpx
import pytest

from store.importers import ImportRejected

T = "2026-11-19T08:00:00Z"
T2 = "2026-11-19T08:05:00Z"


def _points(sec) -> int:
    return sec.sql("SELECT count(*) FROM metric_points WHERE org_id = %s", sec.harbour_id)[0][0]


@pytest.mark.parametrize(("sheet", "line", "says"), [
    (f"ts,service,queue_depth,queue_depth\n{T},berth-planner,4,5\n", 1, "'queue_depth' appears twice"),
    (f"ts,metric,berth-planner,Berth-Planner\n{T},queue_depth,4,5\n", 1, "appears twice"),
    (f"ts,service,queue_depth,\n{T},berth-planner,4,17\n", 1, "column 4 has values but no name"),
    (f"ts;service;queue_depth\n{T};berth-planner;=cmd|' /C calc'!A0\n{T2};berth-planner;3\n", 2,
     "not a number"),
    ("ts,service,queue_depth\n9999-12-31T23:00:00-05:00,berth-planner,4\n", 2, "outside years 1-9999"),
    ("ts,metric,crane-telemetry\n0001-01-01T00:30:00+01:00,queue_depth,4\n", 2, "outside years 1-9999"),
    (f"ts,metric,checkout-api\n{T},queue_depth,4\n", 1, "not a known service"),  # another organisation's service
])
def test_bad_wide_metric_sheets_are_refused_by_line_and_write_nothing(sec, tmp_path, sheet, line, says):
    before = _points(sec)
    with pytest.raises(ImportRejected) as exc:
        sec.import_file(tmp_path, "metrics", sheet, name="telemetry.csv")
    assert any(n == line and says in reason for n, reason in exc.value.errors), exc.value.errors
    assert _points(sec) == before


def test_a_wide_sheet_with_a_trailing_separator_and_odd_headers_still_imports(sec, tmp_path):
    sheet = f"ts,service,Queue Depth (msgs),<b>Lag</b>,\n{T},crane-telemetry,4,0.5,\n{T2},crane-telemetry,6,0.7,\n"
    result = sec.import_file(tmp_path, "metrics", sheet, name="telemetry.csv")
    assert result.rows == 4
    names = {m for (m,) in sec.sql("SELECT DISTINCT metric FROM metric_points WHERE org_id = %s", sec.harbour_id)}
    assert {"queue_depth", "b_lag_b"} <= names  # header text becomes an inert snake_case name


def _argo(name: str, **status) -> dict:
    return {"apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": {"name": name},
            "status": {"operationState": {"phase": "Succeeded", "startedAt": "2026-11-19T09:00:00Z",
                                          "syncResult": {"revision": "b3a9"}}, **status}}


def _deep(levels: int) -> dict:
    out: dict = {}
    for _ in range(levels):
        out = {"x": out}
    return out


BODIES = [
    ("object bomb", ('{"a":' * 100_000 + "{}" + "}" * 100_000).encode(), 400),
    ("array bomb", ("[" * 200_000 + "]" * 200_000).encode(), 400),
    ("501 items", json.dumps([_argo("berth-planner")] * 501).encode(), 422),
    ("nested spec", json.dumps({**_argo("berth-planner"), "spec": _deep(12)}).encode(), 422),
    ("name not text", json.dumps({**_argo("x"), "metadata": {"name": 7}}).encode(), 422),
    ("no sync, odd history", json.dumps({**_argo("berth-planner"), "status": {"history": [1, "x", None]}}).encode(), 422),
    ("revision object", json.dumps(_argo("berth-planner", operationState={"startedAt": "2026-11-19T09:00:00Z",
                                                                          "syncResult": {"revision": {"a": 1}}})).encode(), 422),
    ("year 10000", json.dumps(_argo("berth-planner", operationState={"startedAt": "9999-12-31T23:00:00-05:00",
                                                                     "syncResult": {"revision": "b3a9"}})).encode(), 422),
    ("another org's service", json.dumps(_argo("checkout-api")).encode(), 422),
    ("items not a list", b'{"apiVersion": "v1", "kind": "List", "items": "none"}', 422),
    ("NUL in an annotation", json.dumps({**_argo("berth-planner"), "metadata": {
        "name": "berth-planner", "annotations": {"a": "x\u0000"}}}).encode(), 422),
    ("not JSON", b"kind: Application\nmetadata: {name: berth-planner}\n", 422),
]


@pytest.mark.parametrize(("what", "body", "status"), BODIES, ids=[b[0] for b in BODIES])
def test_bad_webhook_bodies_are_4xx_and_write_nothing(sec, sec_server, what, body, status):
    before = sec.sql("SELECT count(*), coalesce(max(id), 0) FROM deployments")[0]
    sec_server.errors.take()
    r = httpx.post(f"{sec_server.base}/api/webhooks/deployments", content=body, timeout=60,
                   headers=sec.h("member") | {"Content-Type": "application/json"})
    assert r.status_code == status, (what, r.text[:500])
    assert r.json()["detail"] and "Traceback" not in r.text and "SELECT" not in r.text
    assert sec.sql("SELECT count(*), coalesce(max(id), 0) FROM deployments")[0] == before
    assert sec_server.errors.take() == []
