"""Field names as other tools spell them, per import kind, and the split of a record into known fields and the rest.

A field is found under its own name in any spelling (``started_at``, ``startedAt``, ``Started At``), then under
the first of its aliases below that the record has (``app`` → ``service`` for a deployment; a GitHub Actions run's
``run_started_at`` before its ``created_at``). An alias in ``PREFERRED`` wins over the field's
own name (a GitHub Actions run's ``conclusion: failure`` says more than its ``status: completed``); the field it
displaced is kept with the other unknown fields. Only names with one meaning in the tools that use them are
listed; anything else is kept as metadata (files) or rejected as an unknown field (the API). This module imports
no project code.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Iterable
from typing import Annotated, Any, Union, get_args, get_origin

from store.importers_values import field_key


def _aliases(**by_field: str) -> dict[str, str]:
    """``field="alias1 alias2"`` → ``{alias: field}``."""
    return {alias: name for name, spaced in by_field.items() for alias in spaced.split()}


_PLACES = ("depot", "branch", "store", "location", "facility", "warehouse", "plant", "hub", "base")
STATION = _aliases(code="site site_code station_code station_id site_id " + " ".join(f"{p}_code {p}_id" for p in _PLACES),
                   name="site_name station_name label " + " ".join(f"{p}_name" for p in _PLACES),
                   region="region_code area zone division division_code district",
                   region_name="area_name zone_name division_name district_name")
_OTHER_PLACE_FIELDS = ("region", "area", "zone", "division", "district")


def place_columns(data: dict[str, Any], fields: Iterable[str], known: dict[str, str]) -> dict[str, Any]:
    """A site record whose code or name column is under the organisation's own word for its places ("Port Code",
    "Pier Name", "Clinic ID"), read as ``code`` / ``name`` when exactly one such column is there and no column has a
    known name for that field (a region's, area's or zone's code or name is never taken); with no region column, the
    one remaining pair of a grouping's code and name ("Corridor", "Corridor Name") is read as the region."""
    keys = {field_key(k): k for k in data}
    have = {known.get(k, k) for k in keys if k in fields or k in known}
    out = dict(data)
    base = None  # "plaza" of "Plaza ID": its name is "Plaza Name", not another grouping's
    for field, suffixes in (("code", ("_code", "_id")), ("name", ("_name",))):
        if field in have:
            continue
        own = [k for k in keys if k.endswith(suffixes) and k not in known and k not in fields
               and not k.startswith(_OTHER_PLACE_FIELDS)]
        if len(own) > 1 and base and f"{base}_name" in own:
            own = [f"{base}_name"]
        if len(own) == 1:
            out[field] = out.pop(keys[own[0]])
            base = own[0].removesuffix("_code").removesuffix("_id")
    if "region" not in have:  # "Corridor" + "Corridor Name", "Territory ID" + "Territory Name": the grouping's pair
        keys = {field_key(k): k for k in out}
        spare = [k for k in keys if k not in fields and k not in known]
        pairs = [(k, f"{base}_name") for k in spare
                 for base in (k.removesuffix("_code").removesuffix("_id"),) if not k.endswith("_name")
                 and f"{base}_name" in spare]
        if len(pairs) == 1:
            code, name = pairs[0]
            out["region"] = out.pop(keys[code])
            if "region_name" not in have:
                out["region_name"] = out.pop(keys[name])
    return out


KPI_DEFINITION = _aliases(
    code="kpi kpi_code kpi_id metric_code metric measure measure_code",
    name="kpi_name label title display_name metric_name measure_name",
    higher_is_better="direction better good_direction higher_better is_higher_better good_when",
    goal="target objective goal_value", unit="units uom", decimals="precision decimal_places",
    description="definition", aggregation="agg rollup",
)
SERVICE = _aliases(name="service service_name", team="owner owning_team squad",
                   depends_on="dependencies depends deps")
DEPLOYMENT = _aliases(
    external_id="id deployment_id deploy_id run_id uid rollout_id release_id push_id",
    service="app application app_name application_name service_name component repository repo project "
            "release_definition",
    version="revision release tag image_tag target_revision ref firmware firmware_version",
    status="conclusion state phase result deployment_status",
    started_at="run_started_at deploy_started_at started start_time start deployed_at triggered_at created_at "
               "started_on pushed_at queued_on",
    finished_at="completed_at ended_at end_time finished end completed completed_on",
    deployed_by="actor triggered_by user author initiator creator deployer sender requested_for requested_by "
                "pushed_by",
    environment="env stage environment_name release_environment",
    commit_to_sha="head_sha sha commit_sha commit git_sha",
    commit_from_sha="base_sha previous_sha from_sha",
    is_rollback="rollback",
)
CONFIG_CHANGE = _aliases(
    external_id="id change_id event_id", service="app application service_name component",
    key="setting parameter param config_key", old_value="old previous previous_value before from_value",
    new_value="new value after to_value current_value", changed_at="timestamp created_at updated_at time at",
    changed_by="actor user author by modified_by who changed_by_user updated_by", description="comment reason message note",
)
COMMIT = _aliases(sha="id hash commit commit_sha", committed_at="timestamp date authored_at created_at",
                  merged_at="merged", pr_number="pr pull_request pull_request_number")
TICKET = _aliases(
    external_id="id ticket_id number key issue_key", subject="title summary short_description",
    content="description body html_body text comment message",
    customer="organization organisation company account customer_name organizations",
    customer_tier="tier segment",
    created_at="created opened_at opened sys_created_on", updated_at="updated sys_updated_on",
    resolved_at="solved_at solved resolved", closed_at="closed",
    first_response_at="first_reply_at first_responded_at", status="state",
)
RUNBOOK = _aliases(external_id="id slug", title="name", body="content text markdown")

PREFERRED: dict[str, frozenset[str]] = {"deployment": frozenset({"conclusion"})}


def split_known(obj: dict[str, Any], names: Iterable[str], aliases: dict[str, str] | None = None,
                preferred: frozenset[str] = frozenset()) -> tuple[dict[str, Any], dict[str, Any]]:
    """``(known, extra)``: the values of the fields in ``names`` (found by name in any spelling, then by alias)
    and everything else under its original name."""
    names = set(names)
    aliases = aliases or {}
    known: dict[str, Any] = {}
    taken: set[str] = set()
    keyed = [(str(k).strip(), field_key(k), v) for k, v in obj.items()]
    # null under a known field's name is the same as leaving the field out, so another spelling can stand in
    # (Zendesk's ``"external_id": null`` beside its ``id``, PagerDuty's ``"priority": null`` beside ``urgency``);
    # null under an unknown name is kept with the rest
    keyed = [(raw, key, v) for raw, key, v in keyed
             if v is not None or not (raw in names or key in names or key in aliases)]
    for raw, key, value in keyed:  # preferred aliases first: they win over the field's own name
        target = aliases.get(key)
        if key in preferred and target in names and target not in known:
            known[target] = value
            taken.add(raw)
    for raw, _key, value in keyed:  # then the exact name, then the name in another spelling
        if raw in names and raw not in known and raw not in taken:
            known[raw] = value
            taken.add(raw)
    for raw, key, value in keyed:
        if raw not in taken and key in names and key not in known:
            known[key] = value
            taken.add(raw)
    untaken = {key: (raw, value) for raw, key, value in reversed(keyed) if raw not in taken}
    for alias, target in aliases.items():  # an alias listed earlier wins (run_started_at over created_at)
        if alias in untaken and target in names and target not in known:
            raw, value = untaken.pop(alias)
            known[target] = value
            taken.add(raw)
    for raw, key, value in keyed:  # ServiceNow's custom fields (``u_version``, ``u_config_key``) name ours after u_
        rest = key.removeprefix("u_") if key.startswith("u_") else None
        target = rest if rest in names else aliases.get(rest or "")
        if raw not in taken and target in names and target not in known:
            known[target] = value
            taken.add(raw)
    extra = {raw: value for raw, _, value in keyed if raw not in taken}
    return known, extra


# --- what a row model's field holds (its annotation) -----------------------------------------------------------

def is_text(annotation: Any) -> bool:
    if annotation is str:
        return True
    origin = get_origin(annotation)
    if origin is Annotated:
        return is_text(get_args(annotation)[0])
    if origin in (Union, types.UnionType):
        return any(is_text(a) for a in get_args(annotation) if a is not type(None))
    return False


def is_time(annotation: Any) -> bool:
    return annotation is dt.datetime or dt.datetime in get_args(annotation)


def is_text_list(annotation: Any) -> bool:
    return get_origin(annotation) is list and is_text(get_args(annotation)[0])
