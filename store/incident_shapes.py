"""ServiceNow incident records with raw choice values, read by ServiceNow's documented default codes.

A Table API export without ``sysparm_display_value`` (and a list export of the values) writes an incident's
choices as numbers: ``state`` / ``incident_state`` 1 New, 2 In Progress, 3 On Hold, 6 Resolved, 7 Closed,
8 Canceled; ``priority`` 1 Critical … 5 Planning; ``urgency``, ``impact`` and ``severity`` 1 High, 2 Medium,
3 Low. A record is read this way only when it is shaped like a ServiceNow incident (a ``short_description``,
an ``incident_state`` or ``sys_…`` fields); a code outside the defaults (an instance's own states) is refused
naming the codes understood, never guessed. Words (``Resolved``, ``1 - Critical``, ``{"display_value": …}``)
are left to the usual readers. The same reading serves the tickets import (a helpdesk on ServiceNow exports its
incidents and requested items the same way); a requested item or catalog task (``sys_class_name`` ``sc_req_item``
/ ``sc_task``, or a ``RITM`` / ``SCTASK`` number) has the task table's states instead: -5 Pending, 1 Open,
2 Work in Progress, 3 Closed Complete, 4 Closed Incomplete, 7 Closed Skipped. This module imports no project code
besides the value readers.
"""

from __future__ import annotations

import re
from typing import Any

from store.importers_values import field_key

STATES = {1: "new", 2: "in progress", 3: "on hold", 6: "resolved", 7: "closed", 8: "canceled"}
TASK_STATES = {-5: "pending", 1: "open", 2: "work in progress", 3: "closed complete", 4: "closed incomplete",
               7: "closed skipped"}  # ServiceNow's task table (requested items, catalog tasks)
_TASK_CLASSES = frozenset({"sc_req_item", "sc_task", "task"})
_TASK_NUMBER = re.compile(r"^\s*(RITM|SCTASK)\d", re.IGNORECASE)
PRIORITIES = {1: ("Critical", "sev1"), 2: ("High", "sev2"), 3: ("Moderate", "sev3"), 4: ("Low", "sev4"),
              5: ("Planning", "sev4")}
LEVELS = {1: "High", 2: "Medium", 3: "Low"}  # urgency, impact and ServiceNow's own severity
# ServiceNow's default priority lookup (dl_u_priority): (impact, urgency) → priority
PRIORITY_MATRIX = {(1, 1): 1, (1, 2): 2, (1, 3): 3, (2, 1): 2, (2, 2): 3, (2, 3): 4, (3, 1): 3, (3, 2): 4, (3, 3): 5}

_MARKERS = frozenset({"short_description", "incident_state", "sys_id", "sys_created_on", "sys_updated_on",
                      "sys_class_name", "sys_created_by"})
_CHOICES = frozenset({"state", "incident_state", "priority", "urgency", "impact", "severity"})
_CODE = re.compile(r"^\s*(-?\d+)(?:\.0+)?\s*$")
_NUMBERED = re.compile(r"^\s*(\d)\s*-\s*([^\W\d_][\w ]*)$")


def _codes(table: dict[int, Any], label: Any = None) -> str:
    return ", ".join(f"{k} {label(v) if label else v}" for k, v in table.items())


STATE_CODES = _codes(STATES, lambda v: v.title())
TASK_STATE_CODES = _codes(TASK_STATES, lambda v: v.title())
PRIORITY_CODES = _codes(PRIORITIES, lambda v: v[0])
LEVEL_CODES = _codes(LEVELS)


def is_servicenow_incident(obj: Any) -> bool:
    return isinstance(obj, dict) and any(field_key(k) in _MARKERS for k in obj)


def _raw(value: Any) -> Any:
    """A ``{"display_value": …, "value": …}`` object is its display value when it has one (a word), else its value."""
    if isinstance(value, dict):
        keys = {field_key(k): v for k, v in value.items()}
        shown = keys.get("display_value")
        return shown if shown not in (None, "") else keys.get("value")
    return value


def _code(value: Any) -> int | None:
    """The number a raw choice value is (``6``, ``"6"``, ``6.0``), or None when it is written as a word."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    m = _CODE.match(value) if isinstance(value, str) else None
    return int(m.group(1)) if m else None


def _level(field: str, value: Any) -> int | None:
    """1–3 for an urgency/impact/severity written as a code, ``1 - High`` or ``High``; None for other words
    (left to the usual readers); a code outside 1–3 is refused."""
    code = _code(value)
    if code is not None:
        if code not in LEVELS:
            raise ValueError(f"{field}: unknown ServiceNow {field} code {value!r}; the codes are {LEVEL_CODES}")
        return code
    text = str(value).strip().lower()
    if m := _NUMBERED.match(text):
        return int(m.group(1)) if int(m.group(1)) in LEVELS else None
    return next((k for k, w in LEVELS.items() if w.lower() == text), None)


def is_task_record(obj: dict[str, Any]) -> bool:
    """A requested item or catalog task (the task table's states), not an incident."""
    keyed = {field_key(k): v for k, v in obj.items()}
    cls = _raw(keyed.get("sys_class_name"))
    number = _raw(keyed.get("number"))
    return (isinstance(cls, str) and cls.strip().lower() in _TASK_CLASSES) or (
        isinstance(number, str) and bool(_TASK_NUMBER.match(number)))


def servicenow_incident(obj: dict[str, Any]) -> dict[str, Any]:
    """A ServiceNow-shaped incident (or requested item) record with its raw codes read (see the module
    docstring); any other record is returned unchanged. Raises ``ValueError`` (``field: reason``) for a code
    outside ServiceNow's defaults."""
    if not is_servicenow_incident(obj):
        return obj
    keyed = {field_key(k): k for k in obj}
    out = {k: (_raw(v) if field_key(k) in _CHOICES else v) for k, v in obj.items()}
    errors: list[str] = []
    states, state_codes = (TASK_STATES, TASK_STATE_CODES) if is_task_record(obj) else (STATES, STATE_CODES)

    state_keys = [keyed[k] for k in ("state", "incident_state") if _present(out, keyed.get(k))]
    for key in state_keys:
        code = _code(out[key])
        if code is not None and code not in states:
            errors.append(f"{key}: unknown ServiceNow state code {out[key]!r}; the codes are {state_codes} "
                          "(or export the state's name)")
        elif code is not None:
            out[key] = states[code]
    said = [str(out[k]).strip().lower() for k in state_keys]
    if len(state_keys) == 2 and said[0] == said[1]:
        del out[state_keys[1]]  # incident_state repeating state: one status, not a field kept twice
    elif state_keys and state_keys[0] != keyed.get("state") and "status" not in keyed:
        out["status"] = out.pop(state_keys[0])  # only incident_state: it is the incident's status
    _read_priority(out, keyed, errors)
    if errors:
        raise ValueError("; ".join(errors))
    return out


def _present(out: dict[str, Any], key: str | None) -> bool:
    return bool(key) and key in out and out[key] not in (None, "")


def _read_priority(out: dict[str, Any], keyed: dict[str, str], errors: list[str]) -> None:
    """Priority codes as ``N - Word`` (read like any ``1 - Critical``); without a priority, the one ServiceNow's
    default lookup gives for the urgency and impact, else the urgency (or ServiceNow's severity) as its word.
    ServiceNow's own ``severity`` field is kept as ``servicenow_severity`` when a priority or urgency says more."""
    p_key, u_key, i_key, s_key = (keyed.get(k, "") for k in ("priority", "urgency", "impact", "severity"))
    if _present(out, p_key):
        code = _code(out[p_key])
        if code is not None and code not in PRIORITIES:
            errors.append(f"{p_key}: unknown ServiceNow priority code {out[p_key]!r}; the codes are {PRIORITY_CODES}")
        elif code is not None:
            out[p_key] = f"{code} - {PRIORITIES[code][0]}"
    levels: dict[str, int | None] = {}
    for key in (u_key, i_key, s_key):
        if _present(out, key):
            try:
                levels[key] = _level(key, out[key])
            except ValueError as exc:
                errors.append(str(exc))
    if errors:
        return
    urgency, impact, own = (levels.get(k) if k else None for k in (u_key, i_key, s_key))
    for key, level in ((u_key, urgency), (i_key, impact), (s_key, own)):
        if key and level is not None:
            out[key] = f"{level} - {LEVELS[level]}"  # readable where it is kept as metadata
    if not _present(out, p_key) and urgency is not None and impact is not None:
        code = PRIORITY_MATRIX[(impact, urgency)]
        out["priority"] = f"{code} - {PRIORITIES[code][0]}"  # what ServiceNow itself would have set
        p_key = "priority"
    elif not _present(out, p_key) and u_key and urgency is not None:
        out[u_key] = LEVELS[urgency]  # read as the word: High → sev2, as any tool's "high" urgency
    if s_key and (_present(out, p_key) or (u_key and urgency is not None)):
        out["servicenow_severity"] = out.pop(s_key)  # not opsgraph's severity: the priority (or urgency) is
    elif s_key and own is not None:
        out[s_key] = LEVELS[own]
