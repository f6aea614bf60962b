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
