"""Site-scoped changes: a deployment or config change recorded for a site, region or location (in a field with no
column of its own — a rollout's ``Target Group``, a ``location`` field, a description "… at the Oakfield branch", a
key like ``BR_OAK_KIOSK_TIMEOUT``) is a candidate for a KPI at that site and not for a KPI at another site. A change
that names no site applies everywhere. Read-only, org-scoped."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.changes.models import ConfigChangeInfo, DeploymentInfo
from tools.changes.queries import _Node, changes_naming_site, load_changes, site_pattern

_SITES_SQL = """
SELECT st.code, st.name, r.code AS region_code, r.name AS region_name
FROM stations st LEFT JOIN regions r ON r.id = st.region_id AND r.org_id = :org
WHERE st.org_id = :org
"""

_SAID_SQL = """
SELECT d.external_id, d.version || ' ' || d.extra::text AS said
FROM deployments d WHERE d.org_id = :org AND d.external_id = ANY(CAST(:ids AS text[]))
UNION ALL
SELECT c.external_id, c.key || ' ' || coalesce(c.description, '') || ' ' || c.extra::text
FROM config_changes c WHERE c.org_id = :org AND c.external_id = ANY(CAST(:ids AS text[]))
"""

#: A site or region name shorter than this is not looked for in free text (too likely to be another word).
MIN_NAME = 4


@dataclass(frozen=True)
class _Site:
    code: str
    words: tuple[str, ...]  # the regular expressions that name it (its code, its name)
    region: tuple[str, ...]  # those of its region


def _name_pattern(name: str | None) -> str | None:
    tokens = re.findall(r"[a-z0-9]+", (name or "").lower())
    if len("".join(tokens)) < MIN_NAME:
        return None
    return r"(^|[^a-z0-9])" + r"[^a-z0-9]+".join(tokens) + r"([^a-z0-9]|$)"


def _patterns(*names: str | None, code: str | None = None) -> tuple[str, ...]:
    out = [p for p in (site_pattern(code) if code else None, *(_name_pattern(n) for n in names)) if p]
    return tuple(dict.fromkeys(out))


async def _sites(session: AsyncSession, org_id: int) -> dict[str, _Site]:
    rows = (await session.execute(text(_SITES_SQL), {"org": org_id})).all()
    return {code: _Site(code, _patterns(name, code=code), _patterns(rname, code=rcode)) for code, name, rcode, rname in rows}


def _names(said: str, patterns: Iterable[str]) -> bool:
    return any(re.search(p, said) for p in patterns)


async def elsewhere(session: AsyncSession, org_id: int, station: str, ids: Iterable[str]) -> set[str]:
    """The changes among ``ids`` whose record names another site or region and neither ``station`` nor its region:
    not candidates for a KPI at ``station``."""
    ids = sorted(set(ids))
    sites = await _sites(session, org_id)
    here = sites.get(station)
    if not ids or here is None or len(sites) < 2:
        return set()
    mine = here.words + here.region
    others = tuple(p for code, s in sites.items() if code != station for p in s.words + s.region if p not in mine)
    if not others:
        return set()
    rows = (await session.execute(text(_SAID_SQL), {"org": org_id, "ids": ids})).all()
    return {ext for ext, said in rows if _names(said.lower(), others) and not _names(said.lower(), mine)}


async def naming_site(
    session: AsyncSession, org_id: int, station: str, nodes: dict[int, _Node], since: dt.datetime, until: dt.datetime,
) -> tuple[dict[int, _Node], list[tuple[int, DeploymentInfo]], list[tuple[int, ConfigChangeInfo]], set[str]]:
    """The changes of services outside ``nodes`` whose record names ``station`` (a rollout to the site on a service
    the KPI does not list): (their services as nodes at distance 0, their deployments, config changes, ids)."""
    roots, named = await changes_naming_site(session, org_id, station, since, until)
    new = {sid: name for sid, name in roots.items() if sid not in nodes}
    if not new:
        return {}, [], [], set()
    deps, cfgs = await load_changes(session, org_id, list(new), since, until)
    deps = [(sid, d) for sid, d in deps if d.external_id in named]
    cfgs = [(sid, c) for sid, c in cfgs if c.external_id in named]
    return ({sid: _Node(sid, name, 0, []) for sid, name in new.items()}, deps, cfgs,
            {d.external_id for _, d in deps} | {c.external_id for _, c in cfgs})
