"""POST /api/webhooks/alertmanager with Alertmanager's payloads: incidents opened or joined, one investigation
run per fingerprint (trigger ``alert``) whose ranked hypotheses land in ``hypotheses``, resolution."""

from __future__ import annotations

import datetime as dt

from tests.alerts.conftest import alert, iso, payload, utcnow, wait_hypotheses, wait_run


async def _deploy(client, org, ext, service, finished: dt.datetime, version="4.2.0"):
    r = await client.post("/api/webhooks/deployments", headers=org.h(), json={
        "external_id": ext, "service": service, "version": version, "started_at": iso(finished - dt.timedelta(minutes=3)),
        "finished_at": iso(finished), "deployed_by": "pipeline"})
    assert r.status_code in (200, 201), r.text


async def test_firing_alert_opens_incident_and_one_run_per_fingerprint_then_resolution_mitigates(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=3)
    await _deploy(client, org, "rel-4471", "ledger", starts - dt.timedelta(minutes=4))
    await _deploy(client, org, "rel-0990", "ledger", starts - dt.timedelta(hours=9), version="4.1.9")
    await _deploy(client, org, "edge-77", "quay-router", starts - dt.timedelta(minutes=2))  # not a dependency

    first = payload(alert("a1f0c0ffee000001", starts=starts))
    r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=first)
    assert r.status_code == 202, r.text
    (got,) = r.json()["incidents"]
    assert got["created"] is True and got["new_run"] is True and got["run_id"]
    incident, run_id = got["incident_id"], got["run_id"]

    run = await wait_run(client, org, run_id)
    assert run["trigger"] == "alert" and run["status"] == "completed", run.get("error")
    assert incident in run["question"] and "change_correlator" in run["route"]
    hyps = await wait_hypotheses(org, run_id)
    assert hyps and hyps[0][1] == "rel-4471", hyps  # the deployment just before startsAt ranks first
    assert "edge-77" not in [h[1] for h in hyps]
    assert 0 < hyps[0][2] <= 1 and hyps[0][3] == "deployment" and hyps[0][4]
    assert all(hyps[i][2] >= hyps[i + 1][2] for i in range(len(hyps) - 1))

    detail = (await client.get(f"/api/incidents/{incident}", headers=org.h("viewer"))).json()
    assert detail["incident"]["service"] == "ledger" and detail["incident"]["status"] == "open"
    assert detail["incident"]["severity"] == "sev1"
    assert detail["hypotheses"][0]["subject"] == "rel-4471"
    # The answer cites its evidence.
    assert "[E:" in run["answer"] and "rel-4471" in run["answer"]

    # Alertmanager repeats the notification: same fingerprint, no second run.
    again = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=first)
    assert again.status_code == 202
    (dup,) = again.json()["incidents"]
    assert dup["incident_id"] == incident and dup["run_id"] == run_id and not dup["new_run"] and not dup["created"]
    runs = org.rows("SELECT count(*) FROM alert_fingerprints f JOIN runs r ON r.id = f.run_id "
                    "WHERE f.fingerprint = 'a1f0c0ffee000001'")
    assert runs[0][0] == 1
    assert org.rows("SELECT count(*) FROM runs WHERE trigger = 'alert' AND question LIKE %s", f"%{incident}%")[0][0] == 1

    # A second alert of the same service in the window joins the incident (and gets its own run).
    second = payload(alert("a1f0c0ffee000002", starts=starts + dt.timedelta(minutes=3), name="LedgerLatencyHigh"))
    (joined,) = (await client.post("/api/webhooks/alertmanager", headers=org.h(), json=second)).json()["incidents"]
    assert joined["incident_id"] == incident and joined["created"] is False and joined["new_run"] is True
    assert joined["run_id"] != run_id
    await wait_run(client, org, joined["run_id"])

    # Resolved: the incident is mitigated once none of its alerts fires.
    ends = starts + dt.timedelta(minutes=30)
    r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=payload(
        alert("a1f0c0ffee000001", starts=starts, status="resolved", ends=ends), status="resolved"))
    assert r.status_code == 202 and r.json()["incidents"][0]["status"] == "resolved"
    assert org.rows("SELECT status FROM incidents WHERE external_id = %s", incident)[0][0] == "open"
    await client.post("/api/webhooks/alertmanager", headers=org.h(), json=payload(
        alert("a1f0c0ffee000002", starts=starts + dt.timedelta(minutes=3), status="resolved", ends=ends),
        status="resolved"))
    assert org.rows("SELECT status FROM incidents WHERE external_id = %s", incident)[0][0] == "mitigated"
    assert org.rows("SELECT count(*) FROM runs WHERE trigger = 'alert' AND question LIKE %s", f"%{incident}%")[0][0] == 2


async def test_alerts_without_a_known_service_are_ignored_with_close_matches(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=5)
    r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=payload(
        alert("b0b0000000000001", service="ledgr", starts=starts),
        alert("b0b0000000000002", service=None, starts=starts)))
    assert r.status_code == 202, r.text
    body = r.json()
    assert body["incidents"] == []
    typo, missing = body["ignored"]
    assert "ledgr" in typo["reason"] and "ledger" in typo["suggestions"]
    assert "service" in missing["reason"]
    assert org.rows("SELECT count(*) FROM alert_fingerprints WHERE fingerprint LIKE 'b0b0%%'")[0][0] == 0


async def test_label_to_service_mapping_is_configurable(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=7)
    bad = await client.put("/api/alerts/settings", headers=org.h("admin"), json={
        "service_labels": ["app"], "service_map": {"qr-edge-prod": "quay-routr"}})
    assert bad.status_code == 422 and "quay-router" in bad.json()["suggestions"]
    assert (await client.put("/api/alerts/settings", headers=org.h(), json={"service_labels": ["app"]})).status_code == 403
    ok = await client.put("/api/alerts/settings", headers=org.h("admin"), json={
        "service_labels": ["app", "service"], "service_map": {"qr-edge-prod": "quay-router"}})
    assert ok.status_code == 200, ok.text
    try:
        r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=payload(
            alert("c0c0000000000001", service="qr-edge-prod", label="app", starts=starts, name="EdgeSaturated",
                  severity="warning")))
        (got,) = r.json()["incidents"]
        assert got["service"] == "quay-router" and got["created"]
        row = org.rows("SELECT s.name, i.severity FROM incidents i JOIN services s ON s.id = i.service_id "
                       "WHERE i.external_id = %s", got["incident_id"])
        assert row == [("quay-router", "sev3")]
        await wait_run(client, org, got["run_id"])
    finally:
        await client.put("/api/alerts/settings", headers=org.h("admin"), json={})


async def test_webhook_auth_isolation_and_bad_payloads(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=9)
    body = payload(alert("d0d0000000000001", starts=starts))
    assert (await client.post("/api/webhooks/alertmanager", json=body)).status_code == 401
    assert (await client.post("/api/webhooks/alertmanager", headers=org.h("viewer"), json=body)).status_code == 403
    # Another organisation's key: its own services only (ledger is not one of them).
    other = await client.post("/api/webhooks/alertmanager", headers=org.h("other_member"), json=body)
    assert other.status_code == 202 and other.json()["incidents"] == [] and other.json()["ignored"]
    nul = alert("d0d0000000000001", starts=starts)
    nul["annotations"]["summary"] = "broken\u0000text"
    unset = alert("d0d0000000000001", starts=starts)
    unset["startsAt"] = "0001-01-01T00:00:00Z"
    for bad in ({"version": "4"}, {**body, "alerts": [{"labels": {"service": "ledger"}}]},
                {**body, "version": "1"}, {**body, "alerts": "nope"}, payload(nul),
                payload(alert("d0d0000000000002", starts=starts), unset)):
        r = await client.post("/api/webhooks/alertmanager", headers=org.h(), json=bad)
        assert r.status_code == 422, (bad, r.text)
        assert "detail" in r.json() and "Traceback" not in r.text
    assert org.rows("SELECT count(*) FROM alert_fingerprints WHERE fingerprint LIKE 'd0d0%%'")[0][0] == 0


async def test_an_alert_whose_run_never_started_is_retried_by_the_next_notification(client, alerts_org):
    org = alerts_org
    starts = utcnow() - dt.timedelta(days=15)
    body = payload(alert("9a9a000000000001", starts=starts))
    (first,) = (await client.post("/api/webhooks/alertmanager", headers=org.h(), json=body)).json()["incidents"]
    await wait_run(client, org, first["run_id"])
    # As if the process had died between recording the alert and starting its run, a while ago.
    org.rows("UPDATE alert_fingerprints SET run_id = NULL, updated_at = now() - interval '5 minutes' "
             "WHERE fingerprint = '9a9a000000000001' RETURNING id")
    (again,) = (await client.post("/api/webhooks/alertmanager", headers=org.h(), json=body)).json()["incidents"]
    assert again["new_run"] is True and again["run_id"] not in (None, first["run_id"])
    assert again["incident_id"] == first["incident_id"]
    await wait_run(client, org, again["run_id"])
    # Started just now by another delivery: not retried.
    (third,) = (await client.post("/api/webhooks/alertmanager", headers=org.h(), json=body)).json()["incidents"]
    assert third["new_run"] is False and third["run_id"] == again["run_id"]


async def test_concurrent_deliveries_of_one_alert_start_one_run(client, alerts_org):
    """An Alertmanager HA pair notifies twice at the same moment: one incident, one run."""
    import asyncio

    org = alerts_org
    starts = utcnow() - dt.timedelta(days=17)
    body = payload(alert("7c7c000000000001", starts=starts, service="vault-cache"))
    answers = await asyncio.gather(*(client.post("/api/webhooks/alertmanager", headers=org.h(), json=body)
                                     for _ in range(4)))
    got = [a.json()["incidents"][0] for a in answers]
    assert sum(g["new_run"] for g in got) == 1 and sum(g["created"] for g in got) == 1
    assert len({g["incident_id"] for g in got}) == 1
    run_id = next(g["run_id"] for g in got if g["new_run"])
    await wait_run(client, org, run_id)
    assert org.rows("SELECT count(*) FROM runs WHERE trigger = 'alert' AND question LIKE %s",
                    f"%{got[0]['incident_id']}%")[0][0] == 1
