"""Exports a city transit operator's tools write (qa21a), read one way: Freshdesk's numeric ticket status and
priority (not ServiceNow's "1 = critical"), Azure DevOps' release deployments, a firmware push sheet, a site
sheet's "Division" column; the same readings hold for any organisation's records of those shapes."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from store.importers_rows import DeploymentRow, StationRow
from store.incident_records import split_fields
from store.ticket_rows import TicketRow


def _as(model, obj):
    known, _extra = split_fields(model.unwrap(obj), model)
    return model.model_validate(known)


FRESHDESK = {"id": 7001, "subject": "Refund", "description_text": "Charged twice.", "created_at": "2026-11-28T14:00:00Z",
             "fr_due_by": "2026-11-28T18:00:00Z", "fr_escalated": False, "source": 2, "group_id": 1}


@pytest.mark.parametrize(("status", "priority", "ours"), [(2, 1, ("open", "low")), (3, 2, ("pending", "medium")),
                                                          (4, 3, ("resolved", "high")), (5, 4, ("closed", "critical"))])
def test_freshdesk_codes_by_freshdesk(status, priority, ours):
    t = _as(TicketRow, {**FRESHDESK, "status": status, "priority": priority})
    assert (t.status, t.priority) == ours


def test_a_freshdesk_custom_status_is_refused_and_other_desks_keep_their_reading():
    with pytest.raises(ValidationError):
        _as(TicketRow, {**FRESHDESK, "status": 7, "priority": 1})
    # without Freshdesk's own fields a bare priority 1 is still ServiceNow's "1 - Critical"
    plain = {k: v for k, v in FRESHDESK.items() if not k.startswith("fr_")}
    assert _as(TicketRow, {**plain, "status": "open", "priority": 1}).priority == "critical"


def test_azure_devops_release_deployments():
    rec = {"id": 5120, "release": {"id": 2291, "name": "Release-2291"},
           "releaseDefinition": {"id": 4, "name": "payments-api"}, "releaseEnvironment": {"name": "Production"},
           "deploymentStatus": "succeeded", "requestedFor": {"displayName": "Priya Nair"},
           "queuedOn": "2026-11-26T16:39:00Z", "startedOn": "2026-11-26T16:40:00Z",
           "completedOn": "2026-11-26T16:44:00Z"}
    d = _as(DeploymentRow, rec)
    assert (d.external_id, d.service, d.version, d.status, d.deployed_by, d.environment) == (
        "5120", "payments-api", "Release-2291", "succeeded", "Priya Nair", "Production")
    assert d.started_at == dt.datetime(2026, 11, 26, 16, 40, tzinfo=dt.UTC)
    assert d.finished_at == dt.datetime(2026, 11, 26, 16, 44, tzinfo=dt.UTC)


def test_a_firmware_push_sheet_and_a_division_column():
    d = _as(DeploymentRow, {"Push ID": "FP-1", "Service": "telematics", "Firmware": "TCU 2.1", "Result": "success",
                            "Pushed At": "2026-11-17T01:00:00Z", "Pushed By": "fleet-eng"})
    assert (d.external_id, d.version, d.deployed_by) == ("FP-1", "TCU 2.1", "fleet-eng")
    s = _as(StationRow, {"Site Code": "W-2", "Site Name": "Westbank works", "Division": "WEST",
                         "Division Name": "West division"})
    assert (s.code, s.region, s.region_name) == ("W-2", "WEST", "West division")
