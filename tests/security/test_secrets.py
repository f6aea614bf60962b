"""Issue 14 item 1: secrets are detected by key name and by value, stored as a marker with a hash (so a change
stays visible), never as the value — in config changes, commit messages and runbooks — and never served back."""

from __future__ import annotations

import json

import psycopg
import pytest

from store.secrets import (
    MARKER,
    is_opaque_secret,
    is_secret_key,
    redact_config_value,
    redact_text,
)

SLACK_HOOK = "https://hooks.slack.com/services/T0HARBOUR/B0QUAY77/9xQ2mZ7pLk3vR8sT1uW4yA6c"
AWS_ID = "AKIAQ3HARBOURX7Y2Z4B"
GH_TOKEN = "ghp_" + "Qm7Rk2Lp9Xv4Nt8Wz3Hb6Yc1Jd5Fg0Sa2Ue4"
JWT = ("eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJiZXJ0aC1wbGFubmVyIn0."
       "Xk2p9QmR4vL7tN1wZ8yB3cF6hJ0sD5gA2eU4iO7rT9q")
PEM = "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU\n-----END OPENSSH PRIVATE KEY-----"
OPAQUE = "Zx81kLq0PmN4vB7cT2yW9sRj5Hd"

SECRET_KEYS = ["DB_PASS", "redis.pwd", "JWT_SIGNING_KEY", "SLACK_WEBHOOK_URL", "AWS_ACCESS_KEY_ID", "encryption.key",
               "api_key", "apiKey", "signing key", "passwd", "smtp.password", "github.token", "oauth.clientSecret",
               "sentry.dsn", "ledger.credentials", "stripe_secret_key", "QUAY_GATEWAY_AUTH_TOKEN", "tls.key",
               "MSSQL_CONNECTION_STRING", "customer-portal.private_key"]
PLAIN_KEYS = ["DATABASE_URL", "http.client.timeout_ms", "berth.max_vessels", "password_min_length", "token_ttl",
              "cache_key", "primary_key", "key_prefix", "ssl.key_file", "feature.dual_cranes", "retry.backoff_ms",
              "passwordless_login_enabled"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_secret_key_names(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", PLAIN_KEYS)
def test_plain_key_names(key):
    assert not is_secret_key(key)


@pytest.mark.parametrize("secret", [SLACK_HOOK, AWS_ID, GH_TOKEN, JWT, PEM, "xoxb-2048-4096-Qm7Rk2Lp9Xv4Nt8W"])
def test_known_formats_are_redacted_inside_text(secret):
    text = f"Rotated after the audit; the old value {secret} is gone. See the berth runbook."
    out = redact_text(text)
    assert secret not in out and MARKER.search(out)
    assert out.startswith("Rotated after the audit") and out.endswith("See the berth runbook."), "the rest is kept"


def test_values_with_credentials_and_opaque_values():
    value, secret = redact_config_value("LEDGER_DB", "postgres://ledger:Harb0ur!pw@db.quay.internal:5432/ledger")
    assert secret and "Harb0ur!pw" not in value and value.startswith("postgres://ledger:[redacted sha256:")
    assert value.endswith("@db.quay.internal:5432/ledger")
    assert redact_config_value("berth.release_channel", OPAQUE) == (redact_text(f"password: {OPAQUE}")[10:], True)
    assert is_opaque_secret(OPAQUE)
    for plain in ("3f2a9c1d7e0412aa9b8c7d6e5f4a3b2c1d0e9f8a", "2.14.0-rc.1", "550e8400-e29b-41d4-a716-446655440000",
                  "registry.quay.internal/berth-planner:2026.11.3", "Send the vessel ETA to the quay lead"):
        assert redact_config_value("image.ref", plain) == (plain, False), plain
    assert "password: [redacted sha256:" in redact_text("the password: Tr1cky-Passw0rd was shared")


def _config_rows() -> list[dict]:
    base = {"service": "berth-planner", "changed_by": "quay-ops", "changed_at": "2026-11-20T08:00:00Z"}
    rows = [
        ("DB_PASS", "Old-Quay-Pw-1", "New-Quay-Pw-2"),
        ("DATABASE_URL", "postgres://app:S3cr3t@db/app", "postgres://app:S4cr4t@db/app"),
        ("redis.pwd", "r3dis-old", "r3dis-new"),
        ("JWT_SIGNING_KEY", "signing-old-value", "signing-new-value"),
        ("SLACK_WEBHOOK_URL", None, SLACK_HOOK),
        ("AWS_ACCESS_KEY_ID", "AKIAQ3HARBOUROLD0000", AWS_ID),
        ("encryption.key", "enc-old-1234", "enc-new-5678"),
        ("notify.target", "#quay", SLACK_HOOK),  # a harmless key holding a secret value
        ("berth.max_vessels", "12", "14"),
    ]
    return [{**base, "external_id": f"HB-CFG-{i}", "key": k, "old_value": o, "new_value": n,
             "changed_at": f"2026-11-20T0{i}:00:00Z", "description": f"changed {k}"} for i, (k, o, n) in enumerate(rows)]


SECRETS = ["Old-Quay-Pw-1", "New-Quay-Pw-2", "S3cr3t", "S4cr4t", "r3dis-old", "r3dis-new", "signing-old-value",
           "signing-new-value", SLACK_HOOK, "hooks.slack.com/services", AWS_ID, "AKIAQ3HARBOUROLD0000", "enc-old-1234",
           "enc-new-5678", GH_TOKEN]


async def test_config_changes_and_commits_never_serve_secrets(sec, sec_client, tmp_path):
    result = sec.import_file(tmp_path, "config-changes", _config_rows())
    assert result.details["secret_values_redacted"] == 8
    push = {"ref": "refs/heads/main", "repository": {"name": "berth-planner", "default_branch": "main"},
            "commits": [{"id": "b1e2a3d4c5f60718293a4b5c6d7e8f9012345678", "timestamp": "2026-11-20T07:30:00Z",
                         "message": f"Wire the quay gateway (token {GH_TOKEN})", "modified": ["app/gateway.py"]}]}
    r = await sec_client.post("/api/webhooks/github", json=push, headers=sec.h("member"))
    assert r.status_code == 200, r.text

    stored = json.dumps(sec.sql("SELECT key, old_value, new_value, description FROM config_changes WHERE org_id = %s",
                                sec.harbour_id))
    stored += json.dumps(sec.sql("SELECT message FROM commits WHERE org_id = %s", sec.harbour_id))
    assert not [s for s in SECRETS if s in stored], "nothing secret is stored"

    r = await sec_client.get("/api/services/berth-planner/changes", headers=sec.h("viewer"),
                             params={"since": "2026-11-19T00:00:00Z", "until": "2026-11-20T12:00:00Z"})
    assert r.status_code == 200, r.text
    assert not [s for s in SECRETS if s in r.text], "a viewer reads no secret"
    changes = {c["key"]: c for c in r.json()["config_changes"]}
    db_pass = changes["DB_PASS"]
    assert db_pass["is_secret"] and MARKER.fullmatch(db_pass["old_value"]) and MARKER.fullmatch(db_pass["new_value"])
    assert db_pass["old_value"] != db_pass["new_value"], "that it changed stays visible"
    assert changes["DATABASE_URL"]["new_value"].endswith("@db/app"), "the non-secret part of a URL is kept"
    assert MARKER.search(changes["notify.target"]["new_value"]) and changes["notify.target"]["old_value"] == "#quay"
    assert changes["berth.max_vessels"]["new_value"] == "14" and not changes["berth.max_vessels"]["is_secret"]
    assert any("[redacted sha256:" in c["message"] for d in r.json().get("deployments", []) for c in d.get("commits", [])) \
        or "[redacted sha256:" in json.dumps(sec.sql("SELECT message FROM commits WHERE org_id = %s", sec.harbour_id))

    # A chat answer about those changes quotes no secret either.
    r = await sec_client.post("/api/chat", headers=sec.h("member"),
                              json={"message": "What config changes happened on berth-planner today?"})
    assert r.status_code == 200
    assert not [s for s in SECRETS if s in r.text]
    run_id = next(json.loads(line[5:])["run_id"] for line in r.text.splitlines() if line.startswith("data:"))
    run = (await sec_client.get(f"/api/runs/{run_id}", headers=sec.h("viewer"))).json()
    assert run["status"] == "completed", run
    assert not [s for s in SECRETS if s in json.dumps(run)]


def test_runbooks_are_redacted_not_dropped(sec, tmp_path):
    body = f"1. Page the quay lead.\n2. Post to {SLACK_HOOK}\n3. Log in with password: Qu4y-Adm1n-Pw and restart."
    sec.import_file(tmp_path, "runbooks", [{"external_id": "RB-QUAY-1", "title": "Berth planner stuck",
                                            "body": body, "service": "berth-planner"}])
    (title, stored), = sec.sql("SELECT title, body FROM documents WHERE org_id = %s AND external_id = 'RB-QUAY-1'",
                               sec.harbour_id)
    assert title == "Berth planner stuck" and "Page the quay lead" in stored and "restart" in stored
    assert SLACK_HOOK not in stored and "Qu4y-Adm1n-Pw" not in stored and stored.count("[redacted sha256:") == 2


def test_upgrading_redacts_secrets_stored_by_earlier_versions(fresh_db):
    from store import migrate

    target = fresh_db(migrated=False)
    migrate.upgrade(target, "0001")
    with psycopg.connect(target.conninfo, autocommit=True) as conn:
        org = conn.execute("INSERT INTO orgs (slug, name) VALUES ('tugs', 'Tugs') RETURNING id").fetchone()[0]
        svc = conn.execute("INSERT INTO services (org_id, name) VALUES (%s, 'tug-dispatch') RETURNING id",
                           (org,)).fetchone()[0]
        conn.execute("""INSERT INTO config_changes (org_id, external_id, service_id, key, old_value, new_value,
                            is_secret, changed_at) VALUES (%s, 'C1', %s, 'SLACK_WEBHOOK_URL', NULL, %s, false, now()),
                            (%s, 'C2', %s, 'tug.max_jobs', '3', '4', false, now())""",
                     (org, svc, SLACK_HOOK, org, svc))
        conn.execute("INSERT INTO commits (org_id, service_id, sha, message, committed_at) VALUES (%s, %s, 'abc1234', "
                     "%s, now())", (org, svc, f"add token {GH_TOKEN}"))
        conn.execute("INSERT INTO documents (org_id, kind, external_id, title, body) VALUES (%s, 'runbook', 'R1', "
                     "'Tugs', %s)", (org, f"Post to {SLACK_HOOK}"))
    migrate.upgrade(target)
    with psycopg.connect(target.conninfo) as conn:
        rows = {k: (n, s) for k, n, s in conn.execute("SELECT key, new_value, is_secret FROM config_changes")}
        text = json.dumps([rows, conn.execute("SELECT message FROM commits").fetchall(),
                           conn.execute("SELECT body FROM documents").fetchall()])
    assert rows["tug.max_jobs"] == ("4", False) and rows["SLACK_WEBHOOK_URL"][1] is True
    assert SLACK_HOOK not in text and GH_TOKEN not in text and text.count("[redacted sha256:") == 3


async def test_the_demo_organisation_gets_the_same_redaction(sec, sec_client, tmp_path):
    (service,), = sec.sql("SELECT name FROM services WHERE org_id = %s ORDER BY name LIMIT 1", sec.demo.org_id)
    rows = [{"external_id": "SEC-DEMO-1", "service": service, "key": "smtp.password", "old_value": "Mail-Old-9x",
             "new_value": "Mail-New-7y", "changed_at": "2026-11-20T10:00:00Z"},
            {"external_id": "SEC-DEMO-2", "service": service, "key": "alerts.sink", "old_value": None,
             "new_value": SLACK_HOOK, "changed_at": "2026-11-20T10:05:00Z"}]
    sec.import_file(tmp_path, "config-changes", rows, org="demo")
    r = await sec_client.get(f"/api/services/{service}/changes", headers=sec.h("demo_viewer"),
                             params={"since": "2026-11-20T00:00:00Z", "until": "2026-11-20T12:00:00Z"})
    assert r.status_code == 200, r.text
    assert "Mail-Old-9x" not in r.text and "Mail-New-7y" not in r.text and SLACK_HOOK not in r.text
    mine = {c["key"]: c for c in r.json()["config_changes"] if c["external_id"].startswith("SEC-DEMO")}
    assert mine["smtp.password"]["is_secret"] and MARKER.fullmatch(mine["smtp.password"]["new_value"])
    assert mine["alerts.sink"]["is_secret"] and MARKER.fullmatch(mine["alerts.sink"]["new_value"])


@pytest.mark.parametrize("plain", [
    "region APACSOUTHEAST1 failover", "Bump the berth client to 4.2.1 (see PR #812)",
    "Merge branch 'main' into feature/token-refresh", "Set pool.max_size=40 and timeout=30s",
    "Reverts 3f2a9c1d7e0412aa9b8c7d6e5f4a3b2c1d0e9f8a", "https://grafana.quay.internal/d/abc?orgId=1&from=now-6h",
    "registry.quay.internal/berth-planner@sha256:3f2a9c1d7e0412aa9b8c7d6e5f4a3b2c1d0e9f8a3f2a9c1d7e0412aa9b8c7d6e",
])
def test_ordinary_text_is_left_alone(plain):
    assert redact_text(plain) == plain
    assert redact_config_value("deploy.note", plain) == (plain, False)
