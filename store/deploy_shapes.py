"""Deploy tools' resource shapes read as one flat deployment record (imports and the deployments webhook).

An **Argo CD Application** (``kubectl get application -o json``, the Argo CD API) nests what a deployment record
needs: the app's name two levels deep (``metadata.name``) and its last sync under ``status.operationState``
(``phase``, ``startedAt``, ``finishedAt``, ``syncResult.revision``, ``operation.initiatedBy.username``). Read as:

- service ← ``metadata.name``; version ← the synced revision (``operationState.syncResult.revision``, else
  ``status.sync.revision``, else ``spec.source.targetRevision``); status ← the operation's phase;
- external id ← the record's own ``id`` when it has one, else ``<name>#<id of the last status.history entry>``,
  else ``<name>@<startedAt>`` — one row per sync, so re-importing the same export changes nothing;
- the rest of ``metadata``/``spec``/``status`` is kept in the row's metadata (``argocd_*``), not guessed.

Anything that is not such a resource is returned unchanged. Imports no project code.
"""

from __future__ import annotations

from typing import Any


def _dict(v: Any) -> dict[str, Any]:
    return v if isinstance(v, dict) else {}


def is_argo_application(obj: Any) -> bool:
    md = _dict(obj.get("metadata")) if isinstance(obj, dict) else {}
    return (isinstance(md.get("name"), str) and bool(md["name"].strip())
            and (obj.get("kind") == "Application" or "operationState" in _dict(obj.get("status"))))


def flatten_argo_application(obj: Any) -> Any:
    """A flat deployment record from an Argo CD Application resource (see the module docstring)."""
    if not is_argo_application(obj):
        return obj
    md, st, spec = _dict(obj["metadata"]), _dict(obj.get("status")), _dict(obj.get("spec"))
    op = _dict(st.get("operationState"))
    name = md["name"].strip()
    flat: dict[str, Any] = {k: v for k, v in obj.items() if k not in ("metadata", "status", "spec")}
    revision = (_dict(op.get("syncResult")).get("revision") or _dict(st.get("sync")).get("revision")
                or _dict(spec.get("source")).get("targetRevision"))
    who = _dict(_dict(op.get("operation")).get("initiatedBy")).get("username")
    history = [h for h in st.get("history") or [] if isinstance(h, dict)]
    for key, value in (("service", name), ("version", revision), ("status", op.get("phase")),
                       ("started_at", op.get("startedAt") or (history[-1].get("deployStartedAt") if history else None)),
                       ("finished_at", op.get("finishedAt") or (history[-1].get("deployedAt") if history else None)),
                       ("deployed_by", who)):
        if value not in (None, "") and key not in flat:
            flat[key] = value
    if not any(k in obj for k in ("id", "external_id", "deployment_id")):
        last = history[-1].get("id") if history else None
        flat["external_id"] = f"{name}#{last}" if last is not None else f"{name}@{flat.get('started_at', '')}"
    rest_md = {k: v for k, v in md.items() if k != "name"}
    rest_st = {k: v for k, v in st.items() if k != "operationState"}
    for key, value in (("argocd_metadata", rest_md), ("argocd_spec", spec), ("argocd_status", rest_st)):
        if value:
            flat[key] = value
    return flat


# --- ServiceNow change requests -------------------------------------------------------------------------------
# A change request (``change_request`` table: ``number`` CHG…, ``short_description``, planned ``start_date`` /
# ``end_date``, actual ``work_start`` / ``work_end``, ``state``, ``close_code``, ``cmdb_ci``, ``assigned_to``,
# ``type`` normal/standard/emergency) read as a deployment or a config change. Its states as ServiceNow names them
# (or their numbers in a raw Table API export); a change not implemented yet is refused, not imported.
_CHANGE_STATES = {"-5": "new", "-4": "assess", "-3": "authorize", "-2": "scheduled", "-1": "implement",
                  "0": "review", "3": "closed", "4": "canceled"}
_NOT_YET = ("new", "assess", "authorize", "scheduled")
_CLOSE_CODES = {"successful": "succeeded", "successful with issues": "succeeded", "unsuccessful": "failed"}


def _key(name: Any) -> str:
    return "_".join(str(name).strip().lower().replace("-", " ").split())


def _first(keyed: dict[str, Any], *names: str) -> Any:
    return next((keyed[n] for n in names if keyed.get(n) not in (None, "")), None)


def _source(keyed: dict[str, Any], *names: str) -> str | None:
    return next((n for n in names if keyed.get(n) not in (None, "")), None)


def _word(value: Any) -> str:
    if isinstance(value, dict):  # {"display_value": "Closed", "value": "3"}
        value = value.get("display_value", value.get("value"))
    return " ".join(str(value or "").strip().lower().split())


def is_change_request(obj: Any) -> bool:
    if not isinstance(obj, dict):
        return False
    keys = {_key(k) for k in obj}
    return ("number" in keys and "short_description" in keys
            and bool(keys & {"start_date", "end_date", "work_start", "work_end", "planned_start_date", "actual_start"}))


def flatten_change_request(obj: Any, kind: str) -> Any:
    """A flat ``deployment`` or ``config-change`` record from a ServiceNow change request; anything else unchanged.
    The change's own fields stay in the record (kept as metadata); only fields the record lacks are filled in."""
    if not is_change_request(obj):
        return obj
    keyed = {_key(k): v for k, v in obj.items()}
    number = _word(keyed["number"]).upper()
    state = _CHANGE_STATES.get(_word(keyed.get("state")), _word(keyed.get("state")))
    if state in _NOT_YET:
        raise ValueError(f"change {number} is {state!r}: not implemented yet; import it once it has been "
                         "(state Implement, Review or Closed)")
    start = _first(keyed, "work_start", "actual_start", "start_date", "planned_start_date")
    end = _first(keyed, "work_end", "actual_end", "end_date", "planned_end_date")
    service = _first(keyed, "cmdb_ci", "configuration_item", "business_service")
    who = _first(keyed, "assigned_to")
    fill: dict[str, Any] = {"external_id": keyed["number"], "service": service}
    if kind == "deployment":
        close = _word(keyed.get("close_code"))
        if close and close not in _CLOSE_CODES:
            raise ValueError(f"change {number} has close_code {close!r}; write successful, successful with issues "
                             "or unsuccessful")
        if close:
            status: Any = _CLOSE_CODES[close]
        elif state == "implement":
            status = "in_progress"
        elif state in ("review", "closed"):
            raise ValueError(f"change {number} is {state!r} without a close_code: say whether it succeeded "
                             "(close_code successful or unsuccessful)")
        else:
            status = state or None  # canceled → refused with the deploy status words' reason
        fill |= {"status": status, "started_at": start, "finished_at": end, "deployed_by": who,
                 "version": None if _first(keyed, "version", "u_version") else number}
    else:
        if state in ("canceled", "cancelled"):
            raise ValueError(f"change {number} was canceled: nothing was changed; leave it out")
        fill |= {"changed_at": start, "changed_by": who, "description": keyed.get("short_description")}
    # the fields read are not kept twice (as metadata); the rest (type, the planned dates beside the actual ones,
    # short_description of a deployment …) are
    used = {"external_id": "number", "service": _source(keyed, "cmdb_ci", "configuration_item", "business_service"),
            "started_at": _source(keyed, "work_start", "actual_start", "start_date", "planned_start_date"),
            "changed_at": _source(keyed, "work_start", "actual_start", "start_date", "planned_start_date"),
            "finished_at": _source(keyed, "work_end", "actual_end", "end_date", "planned_end_date"),
            "deployed_by": "assigned_to", "changed_by": "assigned_to", "description": "short_description",
            "status": "close_code" if keyed.get("close_code") else "state"}
    original = {_key(k): k for k in obj}
    flat = dict(obj)
    for key, value in fill.items():
        if value not in (None, "") and key not in keyed:
            flat[key] = value
            source = used.get(key)
            if source in original and source not in ("state",):
                flat.pop(original[source], None)
    return flat
