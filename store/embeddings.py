"""Embedding backfill: the rows of tickets, documents and evidence that have no embedding yet, and the write of
their vectors (``pgvector``). The embedding model itself lives in ``tools.embeddings``."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import psycopg
from psycopg import sql

# table → the text that is embedded
_TEXT = {
    "tickets": "subject || E'\\n' || content",
    "documents": "title || E'\\n' || body",
    "evidence": "kind || ': ' || summary",
}
TABLES: tuple[str, ...] = tuple(_TEXT)


def missing_embeddings(conn: psycopg.Connection, table: str, org_id: int) -> list[tuple[int, str]]:
    """``(id, text)`` of the organisation's rows of ``table`` whose embedding is NULL."""
    query = sql.SQL("SELECT id, {} FROM {} WHERE org_id = %s AND embedding IS NULL").format(
        sql.SQL(_TEXT[table]), sql.Identifier(table))
    return [(rid, text) for rid, text in conn.execute(query, (org_id,)).fetchall()]


def set_embeddings(conn: psycopg.Connection, table: str, ids: Sequence[int], vectors: Iterable[np.ndarray]) -> None:
    """Store one vector per id (the caller commits); ``register_vector(conn)`` must have been called."""
    if table not in _TEXT:
        raise ValueError(f"no embeddings in table {table!r}")
    query = sql.SQL("UPDATE {} SET embedding = %s WHERE id = %s").format(sql.Identifier(table))
    with conn.cursor() as cur:
        cur.executemany(query, [(vec, rid) for rid, vec in zip(ids, vectors, strict=True)])
