"""'Did <change> hurt <service> latency?': the answer is about THAT change — the metric the days before it against the
days after — and when the metric has no data before the change, it says it cannot tell (a later jump caused by a
deploy is no "Yes"). On a museum's ticketing systems built here."""

from __future__ import annotations

import datetime as dt

import numpy as np
import psycopg
import pytest

from store.importers import run_import
from tests.integration.qa_support import load_org, org_assistant
from tests.integration.telemetry_support import zulu

NOW = dt.datetime(2027, 3, 20, 10, tzinfo=dt.UTC)
CHANGE_GATE = NOW - dt.timedelta(days=12)  # gate-hub: metrics begin 3 days after it; a deploy 5 days ago jumps
CHANGE_GUIDE = NOW - dt.timedelta(days=6)  # audio-guide: data both sides, latency triples at the change


@pytest.fixture
async def museum(fresh_db, pg_server, tmp_path):
    target = fresh_db()
    with psycopg.connect(target.conninfo) as conn:
        org_id = load_org(conn, "harbourmuseum", "Harbour Maritime Museum", {
            "stations": [{"code": "MAIN", "name": "Main Hall", "region": "HM", "region_name": "Harbour"}],
            "services": [{"name": "gate-hub", "team": "visitor-ops"}, {"name": "audio-guide", "team": "digital"}],
            "config-changes": [
                {"external_id": "HM-CR-12", "service": "gate-hub", "key": "TICKET_CACHE_TTL", "old_value": "60",
                 "new_value": "600", "changed_at": zulu(CHANGE_GATE), "changed_by": "r.ines"},
                {"external_id": "HM-CR-15", "service": "audio-guide", "key": "STREAM_BITRATE_KBPS", "old_value": "64",
                 "new_value": "256", "changed_at": zulu(CHANGE_GUIDE), "changed_by": "t.moyo"}],
            "deployments": [{"external_id": "gate-rel-88", "service": "gate-hub", "version": "2.4.0",
                             "started_at": zulu(NOW - dt.timedelta(days=5)), "status": "succeeded",
                             "message": "New barcode decoder"}],
        }, tmp_path)
        rng = np.random.default_rng(5)
        lines = ["ts,service,metric,value"]
        t = NOW - dt.timedelta(days=16)
        while t <= NOW:
            if t >= CHANGE_GATE + dt.timedelta(days=3):
                level = 900 if t >= NOW - dt.timedelta(days=5) else 300
                lines.append(f"{zulu(t)},gate-hub,gate_latency_p95_ms,{level + rng.normal(0, 10):.0f}")
            level = 450 if t >= CHANGE_GUIDE else 150
            lines.append(f"{zulu(t)},audio-guide,stream_latency_p95_ms,{level + rng.normal(0, 8):.0f}")
            t += dt.timedelta(minutes=15)
        (tmp_path / "metrics.csv").write_text("\n".join(lines) + "\n")
        run_import(conn, "harbourmuseum", "metrics", tmp_path / "metrics.csv")
    async with org_assistant(target, pg_server, NOW) as a:
        yield a, org_id


async def test_no_data_before_the_change_cannot_tell(museum):
    a, org_id = museum
    r = await a.ask(org_id=org_id, question="did raising TICKET_CACHE_TTL to 600 hurt gate-hub latency?")
    assert "HM-CR-12" in r.answer, r.answer
    assert "can't tell" in r.answer and "no gate_latency_p95_ms data" in r.answer, r.answer
    assert "Yes" not in r.answer, r.answer  # before: "Yes — gate-hub: 1 deployment(s) …" about gate-rel-88


async def test_data_on_both_sides_compared(museum):
    a, org_id = museum
    r = await a.ask(org_id=org_id, question="did the STREAM_BITRATE_KBPS change hurt audio-guide latency?")
    line = next((x for x in r.answer.splitlines() if "averaged" in x), "")
    assert "Yes — worse" in line and "HM-CR-15" in line, r.answer
