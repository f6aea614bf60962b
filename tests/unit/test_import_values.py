"""The readers of exported values (store.importers_values, store.importers_fields): what one way of reading
accepts, and what is refused with what to write instead."""

from __future__ import annotations

import datetime as dt

import pytest

from store.importers_fields import DEPLOYMENT, TICKET, split_known
from store.importers_rows import DeploymentRow, KpiDefinitionRow
from store.importers_values import (
    epoch_guard,
    field_key,
    goal,
    higher_is_better,
    html_to_text,
    is_total,
    name_of,
    number,
    period,
    same_unit,
)
from store.ticket_rows import TicketRow


@pytest.mark.parametrize(("cell", "decimal_comma", "expected"), [
    ("87.5%", False, (87.5, True)),
    (" 87,5 % ", True, (87.5, True)),
    ("1,234", False, (1234.0, False)),
    ("1,234,567.25", False, (1234567.25, False)),
    ("1 234", False, (1234.0, False)),
    ("1\u00a0234,5", True, (1234.5, False)),
    ("1\u202f234", True, (1234.0, False)),
    ("1'234.5", False, (1234.5, False)),
    ("1.234,5", True, (1234.5, False)),
    ("1.234", True, (1.234, False)),  # a point stays a decimal point where the decimal mark is a comma
    ("0,77", True, (0.77, False)),
    ('="0042"', False, (42.0, False)),
    ("'17", False, (17.0, False)),
    ("-3.5", False, (-3.5, False)),
])
def test_spreadsheet_numbers(cell, decimal_comma, expected):
    assert number(cell, decimal_comma=decimal_comma) == expected


@pytest.mark.parametrize(("cell", "decimal_comma", "reason"), [
    ("0,5", False, "a comma separates thousands"),  # a decimal comma in a comma-separated file: not guessed
    ("0,775", False, "a comma separates thousands"),  # 775 or 0.775? refused
    ("12,34", False, "a comma separates thousands"),
    ("1,2,3", True, "is not a number"),
    ("n/a", False, "is not a number"),
    ("inf", False, "is not a number"),
    ("1 23", False, "is not a number"),
])
def test_numbers_that_are_not_read(cell, decimal_comma, reason):
    with pytest.raises(ValueError, match=reason):
        number(cell, decimal_comma=decimal_comma)


@pytest.mark.parametrize(("cell", "expected"), [
    ("2026-03-14", (dt.date(2026, 3, 14), "day")),
    ("2026-03-14T23:30:00-04:00", (dt.date(2026, 3, 14), "day")),
    ("2026/03/14", (dt.date(2026, 3, 14), "day")),
    ("14.03.2026", (dt.date(2026, 3, 14), "day")),
    ("2026-03", (dt.date(2026, 3, 1), "month")),
    ("2026/3", (dt.date(2026, 3, 1), "month")),
    ("Mar 2026", (dt.date(2026, 3, 1), "month")),
    ("September 2026", (dt.date(2026, 9, 1), "month")),
    ("Sept. 2026", (dt.date(2026, 9, 1), "month")),
    ("März 2026", (dt.date(2026, 3, 1), "month")),
    ("2026 okt", (dt.date(2026, 10, 1), "month")),
    ("2026-W14", (dt.date(2026, 3, 30), "week")),
    ("2026W01", (dt.date(2025, 12, 29), "week")),
    ("2020-W53", (dt.date(2020, 12, 28), "week")),
])
def test_periods(cell, expected):
    assert period(cell) == expected


@pytest.mark.parametrize(("cell", "reason"), [
    ("03/04/2026", "could be day/month or month/day"),
    ("3/4/26", "could be day/month or month/day"),
    ("Mar-26", "could be a day of the month or a two-digit year"),
    ("Sep 26", "could be a day of the month or a two-digit year"),
    ("2026-W54", "is not a date"),
    ("2026-13", "is not a date"),
    ("2026-02-30", "is not a date"),
    ("Q1 2026", "is not a date"),
    ("Blorp 2026", "is not a date"),
    ("Total", "is not a date"),
])
def test_periods_that_are_not_read(cell, reason):
    with pytest.raises(ValueError, match=reason) as info:
        period(cell)
    assert "2026-W14" in str(info.value)  # says what to write instead


def test_totals_labels_and_units():
    assert all(map(is_total, ["Total", " grand total: ", "AVERAGE", "Summe", "Sum"]))
    assert not any(map(is_total, ["Totnes", "2026-03", "OSL-DC1", ""]))
    assert same_unit("%", "pct") and same_unit("(%)", "percent") and same_unit("Min", "min")
    assert not same_unit("s", "ms") and not same_unit("%", "count")


@pytest.mark.parametrize(("text", "expected"), [
    ("higher is better", True), ("Up is good", True), ("more is better", True), ("maximise", True), ("↑", True),
    ("yes", True), (True, True), ("lower is better", False), ("down is good", False), ("fewer is better", False),
    ("higher is worse", False), ("up is bad", False), ("lower is worse", True), ("no", False), ("↓", False),
])
def test_direction_words(text, expected):
    assert higher_is_better(text) is expected


@pytest.mark.parametrize("text", ["sideways", "higher or lower", "", "better"])
def test_direction_words_that_say_nothing(text):
    with pytest.raises(ValueError, match="does not say which direction is better"):
        higher_is_better(text)


@pytest.mark.parametrize(("text", "expected"), [
    ("≥ 95%", (95.0, True, True)), (">=99.9 %", (99.9, True, True)), ("≤ 2%", (2.0, False, True)),
    ("< 30", (30.0, False, False)), ("at least 1,000", (1000.0, True, False)), ("max 5", (5.0, False, False)),
    ("95", (95.0, None, False)), (99.5, (99.5, None, False)), ("0,5", (0.5, None, False)),
])
def test_goals(text, expected):
    assert goal(text) == expected


def test_kpi_definition_rows_read_goals_and_direction_words_together():
    row = KpiDefinitionRow.model_validate({"kpi": "yard_util", "label": "Yard use", "target": "≤ 85%"})
    assert (row.code, row.name, row.goal, row.higher_is_better, row.unit) == ("YARD_UTIL", "Yard use", 85.0, False, "%")
    row = KpiDefinitionRow.model_validate({"code": "DWELL", "name": "Dwell", "direction": "down is good",
                                           "goal": "4", "unit": "h", "upper_limit": "12"})
    assert (row.higher_is_better, row.goal, row.upper_limit, row.unit) == (False, 4.0, 12.0, "h")
    with pytest.raises(ValueError, match="make them agree"):
        KpiDefinitionRow.model_validate({"code": "DWELL", "name": "Dwell", "direction": "up is good", "goal": "<= 4"})
    with pytest.raises(ValueError, match="higher_is_better"):
        KpiDefinitionRow.model_validate({"code": "DWELL", "name": "Dwell", "goal": "4"})  # direction still required


def test_html_bodies_become_inert_text():
    body = ('<html><head><style>p{color:red}</style></head><body><p>Gate 4 &amp; 5 are down.</p>'
            '<script type="text/javascript">document.location="https://evil.example"</script>'
            '<p>See <a href="https://wiki.example/gates">the runbook</a>, <a href="javascript:void(0)">click</a>, '
            '<a href="data:text/html,boom">data</a>.</p><img src="x" onerror="alert(1)" alt="photo"><iframe src="https://x">'
            'inner</iframe><ul><li>one</li><li>two</li></ul></body></html>')
    text = html_to_text(body)
    assert text.splitlines()[0] == "Gate 4 & 5 are down."
    assert "See the runbook (https://wiki.example/gates), click, data." in text
    assert "[image: photo]" in text and "one\n" in text and "two" in text
    for gone in ("<", "evil", "javascript", "data:", "alert", "inner", "color"):
        assert gone not in text
    for plain in ("latency < 5 ms and > 2", "use <service-name> here", "a & b", "if (x<y) {}",
                  'the page runs <img src=x onerror="alert(1)"> <script>alert(2)</script>'):  # typed, not an HTML body
        assert html_to_text(plain) == plain
    assert html_to_text("<script>x()</script>Gate down") == "Gate down"  # a body that begins with a tag is HTML
    assert html_to_text("Hi,<br>gate <b>4</b> is down") == "Hi,\ngate 4 is down"


def test_field_names_in_other_spellings_and_objects_for_names():
    assert [field_key(k) for k in ("startedAt", "Started At", "started-at", " STARTED_AT ", "run.id")] == [
        "started_at", "started_at", "started_at", "started_at", "run_id"]
    assert name_of({"id": 7, "name": "yard-api"}, "service") == "yard-api"
    assert name_of({"login": "kari", "id": 3}, "deployed_by") == "kari"
    assert name_of({"title": "fix retries", "sha": "9f1c2e7a"}, "commits") == "9f1c2e7a"
    row = TicketRow.model_validate({"id": 9, "subject": "s", "comment": {"html_body": "<p>Gate <b>4</b></p>"},
                                    "created_at": "2026-03-05T09:30:00Z"})
    assert (row.external_id, row.content) == ("9", "Gate 4")
    assert name_of({"id": "9f1c2e7a", "message": "m"}, "commit_to_sha") == "9f1c2e7a"
    with pytest.raises(ValueError, match=r"service: expected text, got an object without a name \(keys: id, uid\)"):
        name_of({"id": 7, "uid": "x"}, "service")
    known, extra = split_known({"status": "completed", "conclusion": "success", "startedAt": 1, "app": "a",
                                "workflow": "ci"}, DeploymentRow.model_fields, DEPLOYMENT, frozenset({"conclusion"}))
    assert known == {"status": "success", "started_at": 1, "service": "a"}
    assert extra == {"status": "completed", "workflow": "ci"}
    known, extra = split_known({"created_at": "queued", "run_started_at": "ran", "deployed_at": "d"},
                               DeploymentRow.model_fields, DEPLOYMENT)
    assert known == {"started_at": "ran"} and extra == {"created_at": "queued", "deployed_at": "d"}
    row = DeploymentRow.model_validate({"id": 1, "repository": {"name": "yard"}, "head_sha": "abcdef1",
                                        "created_at": "2026-03-01T10:00:00Z", "run_started_at": "2026-03-01T10:02:00Z",
                                        "status": "completed", "conclusion": "success"})
    assert (row.started_at.minute, row.status, row.service) == (2, "succeeded", "yard")  # the losers are not extra
    known, extra = split_known({"subject": "s", "title": "t", "Description": "d"}, TicketRow.model_fields, TICKET)
    assert known == {"subject": "s", "content": "d"} and extra == {"title": "t"}  # the field's own name wins


@pytest.mark.parametrize("value", [1772442000, 1772442000123, "1772442000", 1772442000.5, "2026-03-05T09:30:00Z"])
def test_epoch_times(value):
    assert epoch_guard(value) == value


def test_a_time_named_utc_is_utc_and_other_zone_names_are_not_read():
    assert epoch_guard("2026-03-05 09:30:00 UTC") == "2026-03-05 09:30:00Z"
    assert epoch_guard("2026-03-05T09:30 gmt") == "2026-03-05T09:30Z"
    with pytest.raises(ValueError, match="a zone name such as 'IST' can mean several offsets; write the offset"):
        DeploymentRow.model_validate({"id": "d", "app": "a", "version": "1", "startedAt": "2026-03-05 09:30:00 IST"})


@pytest.mark.parametrize("value", [20260305, "20260305", 45321, 0, 99999999999999])
def test_numbers_that_are_not_times(value):
    with pytest.raises(ValueError, match="is not a time"):
        epoch_guard(value)


@pytest.mark.parametrize(("status", "expected"), [
    ("Healthy", "succeeded"), ("success", "succeeded"), ("Synced", "succeeded"), ("failure", "failed"),
    ("Degraded", "failed"), ("Running", "in_progress"), ("queued", "in_progress"), ("rolled back", "rolled_back"),
    ("ROLLED_BACK", "rolled_back"), ("reverted", "rolled_back"),
])
def test_deploy_tool_statuses(status, expected):
    row = DeploymentRow.model_validate({"id": "d1", "app": "a", "head_sha": "abc1234", "status": status,
                                        "startedAt": "2026-03-05T09:30:00Z"})
    assert (row.status, row.version, row.commit_to_sha) == (expected, "abc1234", "abc1234")


@pytest.mark.parametrize("status", ["completed", "cancelled", "aborted", "skipped"])
def test_deploy_statuses_that_do_not_say_what_happened(status):
    with pytest.raises(ValueError, match="give succeeded, failed, rolled_back or in_progress"):
        DeploymentRow.model_validate({"id": "d1", "app": "a", "version": "1", "status": status,
                                      "startedAt": "2026-03-05T09:30:00Z"})
