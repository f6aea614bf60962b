"""Other tools' words and shapes read one way (ServiceNow ``N - Word`` priorities and ``u_`` fields, Jira's
times, zones named with ``--tz``); anything else is left to be refused."""

from __future__ import annotations

import datetime as dt

import pytest
from pydantic import ValidationError

from store.importers_fields import CONFIG_CHANGE, split_known
from store.importers_rows import ConfigChangeRow, DeploymentRow
from store.importers_values import epoch_guard, file_zone, times_in_zone
from store.incident_records import IncidentRecord, normalise_severity, normalise_status, split_fields
from store.ticket_rows import TicketRow
from store.ticket_words import priority_word, status_word


@pytest.mark.parametrize(("raw", "ours"), [("1 - Critical", "critical"), ("2 - High", "high"),
                                           ("3 - Moderate", "medium"), ("4 - Low", "low"), ("5 - Planning", "low"),
                                           ("2 - Whatever", "high"), ("Highest", "critical"), ("Lowest", "low")])
def test_ticket_priorities_as_service_desks_write_them(raw, ours):
    assert priority_word(raw) == ours


def test_unknown_priorities_are_left_to_be_refused():
    assert priority_word("sometime") == "sometime"
    assert priority_word("9 - Later") == "9 - Later"


@pytest.mark.parametrize(("raw", "sev"), [("1 - Critical", "sev1"), ("2 - High", "sev2"), ("3 - Moderate", "sev3"),
                                          ("4 - Low", "sev4"), ("5 - Planning", "sev4")])
def test_incident_priorities_numbered_with_a_word(raw, sev):
    assert normalise_severity(raw) == sev


def test_service_desk_states():
    assert [normalise_status(s) for s in ("New", "In Progress", "On Hold", "Resolved", "Closed", "Canceled")] == [
        "open", "open", "open", "resolved", "resolved", "resolved"]
    assert [status_word(s) for s in ("Work in Progress", "Closed Complete", "Canceled", "To Do",
                                     "Waiting for customer", "Waiting for support")] == [
        "open", "closed", "closed", "new", "pending", "open"]


def test_times_without_a_zone_only_in_a_named_zone():
    assert epoch_guard("2026-11-24 21:40:00") == "2026-11-24 21:40:00"  # left for the model to refuse
    with pytest.raises(ValueError, match="needs a timezone"):
        epoch_guard("24/Nov/26 9:40 PM")
    with times_in_zone(file_zone("Asia/Kolkata")):
        assert epoch_guard("2026-11-24 21:40:00") == "2026-11-24T21:40:00+05:30"
        assert epoch_guard("3/Jan/27 12:05 AM") == "2027-01-03T00:05:00+05:30"
        assert epoch_guard("2026-11-24T21:40:00Z") == "2026-11-24T21:40:00Z"  # a zone given is kept
    with times_in_zone(file_zone("-03:30")):
        assert epoch_guard("2026-11-24T07:00") == "2026-11-24T07:00:00-03:30"
    for bad in ("Mars/Olympus", "+25:00", ""):
        with pytest.raises(ValueError, match=r"not an offset|unknown time zone"):
            file_zone(bad)


def test_a_row_model_reads_a_naive_time_in_the_named_zone_only():
    row = {"number": "RITM1", "short_description": "Badge", "sys_created_on": "2026-11-24 08:00:00"}
    with pytest.raises(ValidationError, match="needs a timezone"):
        TicketRow.model_validate(row)
    with times_in_zone(file_zone("UTC")):
        t = TicketRow.model_validate(row)
    assert (t.external_id, t.subject, t.content, t.created_at) == (
        "RITM1", "Badge", "Badge", dt.datetime(2026, 11, 24, 8, tzinfo=dt.UTC))


def test_servicenow_custom_fields_named_after_ours():
    known, extra = split_known({"u_config_key": "A", "u_ward": "4", "u_new_value": "9"},
                               ConfigChangeRow.model_fields, CONFIG_CHANGE)
    assert known == {"key": "A", "new_value": "9"} and extra == {"u_ward": "4"}
    known, extra = split_known({"key": "B", "u_key": "C"}, ConfigChangeRow.model_fields, CONFIG_CHANGE)
    assert known == {"key": "B"} and extra == {"u_key": "C"}  # the field itself wins over a custom one


def _as(model, obj):
    """As a file import reads a record: the tool's shape flattened, the fields without a column set aside."""
    known, _extra = split_fields(model.unwrap(obj), model)
    return model.model_validate(known)


def test_change_requests_say_what_happened_or_are_refused():
    base = {"number": "CHG9", "short_description": "x", "cmdb_ci": "svc", "start_date": "2026-11-24T08:00:00Z"}
    assert _as(DeploymentRow, {**base, "state": "Implement"}).status == "in_progress"
    assert _as(DeploymentRow, {**base, "state": "3", "close_code": "unsuccessful"}).status == "failed"
    for state, reason in (("Scheduled", "not implemented yet"), ("Closed", "without a close_code"),
                          ("Canceled", "does not say whether anything was deployed")):
        with pytest.raises(ValueError, match=reason):
            _as(DeploymentRow, {**base, "state": state})
    with pytest.raises(ValueError, match="was canceled"):
        _as(ConfigChangeRow, {**base, "state": "Canceled", "u_config_key": "K"})
    c = _as(ConfigChangeRow, {**base, "state": "Closed", "u_config_key": "K", "u_new_value": 5})
    assert (c.external_id, c.key, c.new_value, c.description) == ("CHG9", "K", "5", "x")


def test_pagerduty_objects_and_null_priority():
    rec = IncidentRecord.model_validate({"external_id": "P1", "title": "t", "started_at": "2026-11-24T08:00:00Z",
                                         "service": {"summary": "billing"}, "severity": {"summary": "P2"}})
    assert (rec.service, rec.severity) == ("billing", "sev2")
