"""Helpers the ticket tools share: embedding a query, widening the HNSW scan, finding a ticket by id."""

from __future__ import annotations

import asyncio
import re

import numpy as np
from sqlalchemy import RowMapping, text
from sqlalchemy.ext.asyncio import AsyncSession

from store.names import close_matches
from tools.base import ToolContext, ToolError
from tools.tickets import classify as cls

MAX_K = 50


def vector_literal(vec: np.ndarray) -> str:
    """pgvector's text form, bound as a parameter and CAST to vector in SQL."""
    return "[" + ",".join(f"{float(x):.8g}" for x in np.asarray(vec, dtype=np.float32).ravel()) + "]"


async def embed(ctx: ToolContext, textv: str) -> str:
    vec = await asyncio.to_thread(ctx.embedder.embed, [textv])
    return vector_literal(vec[0])


def clean(subject: str, content: str) -> tuple[str, str, int]:
    subj, d1 = cls.strip_instructions(subject)
    body, d2 = cls.strip_instructions(content)
    return subj, body, len(d1) + len(d2)


async def widen_search(session: AsyncSession, k: int) -> None:
    """Let the HNSW scan look further, so filtered queries still find k rows (transaction-local)."""
    await session.execute(text("SELECT set_config('hnsw.ef_search', :v, true)"), {"v": str(max(100, 4 * k))})


async def get_ticket(session: AsyncSession, org_id: int, external_id: str) -> RowMapping:
    row = (
        await session.execute(
            text(
                """SELECT id, external_id, subject, content, product, urgency, priority, customer, customer_tier,
                          status, created_at, first_response_at, resolved_at, closed_at, updated_at, status_history,
                          (extra ->> 'first_response_not_recorded') IS NOT NULL AS response_unrecorded
                   FROM tickets WHERE org_id = :org AND upper(external_id) = upper(:ext)
                   ORDER BY (external_id = :ext) DESC LIMIT 1"""
            ),
            {"org": org_id, "ext": (external_id or "").strip()},
        )
    ).mappings().first()
    if row is None:
        needle = (external_id or "").strip().upper()
        letters = re.match(r"[A-Z]*", needle)
        prefix = letters.group(0) if letters else ""
        known = [
            r[0]
            for r in await session.execute(
                text(
                    """SELECT external_id FROM tickets WHERE org_id = :org AND upper(external_id) LIKE :p
                       ORDER BY created_at DESC LIMIT 5000"""
                ),
                {"org": org_id, "p": prefix + "%"},
            )
        ]
        raise ToolError(
            f"unknown ticket {external_id!r}",
            suggestions=close_matches(needle, known) or known[:5],
        )
    return row


def known_values(values: list[str] | None, allowed: tuple[str, ...], what: str,
                 words: dict[str, str] | None = None) -> list[str]:
    """``values`` lower-cased (and read through ``words``, e.g. ``P1`` → critical); one that tickets cannot have
    is refused with the known ones as suggestions (closest first)."""
    out: list[str] = []
    for v in values or []:
        key = str(v).strip().lower()
        if not key:
            continue
        key = (words or {}).get(key, key)
        if key not in allowed:
            close = close_matches(key, list(allowed))
            raise ToolError(f"unknown {what} {v!r}; {what}s are {', '.join(allowed)}",
                            suggestions=close + [a for a in allowed if a not in close])
        if key not in out:
            out.append(key)
    return out
