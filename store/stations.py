"""Stations and regions, as the API lists them (org-scoped reads)."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


async def stations_and_regions(
    session: AsyncSession, org_id: int
) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, list[str]]]]:
    """``([(code, name, region code)], [(code, name, station codes)])``, each ordered by code."""
    stations = [
        (c, n, r)
        for c, n, r in await session.execute(
            text(
                """SELECT s.code, s.name, r.code FROM stations s JOIN regions r ON r.id = s.region_id
                   WHERE s.org_id = :org ORDER BY s.code"""
            ),
            {"org": org_id},
        )
    ]
    regions = [
        (c, n, list(st or []))
        for c, n, st in await session.execute(
            text(
                """SELECT r.code, r.name, array_remove(array_agg(s.code ORDER BY s.code), NULL)
                   FROM regions r LEFT JOIN stations s ON s.region_id = r.id
                   WHERE r.org_id = :org GROUP BY r.code, r.name ORDER BY r.code"""
            ),
            {"org": org_id},
        )
    ]
    return stations, regions
