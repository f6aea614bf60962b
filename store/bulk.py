"""Bulk writes with COPY: a staging temp table, then one set-based upsert.

Row-by-row INSERTs are ~50× slower for the volumes the demo and imports move
(see ``bench/bench_bulk.py``); everything large goes through here.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd
import psycopg
from psycopg import sql


def copy_frame(cur: psycopg.Cursor, table: str, frame: pd.DataFrame, columns: Sequence[str]) -> int:
    """COPY ``frame[columns]`` into ``table`` as CSV; returns the number of rows."""
    if frame.empty:
        return 0
    buf = io.StringIO()
    frame.loc[:, list(columns)].to_csv(buf, index=False, header=False, na_rep="", date_format="%Y-%m-%dT%H:%M:%S%z")
    stmt = sql.SQL("COPY {} ({}) FROM STDIN WITH (FORMAT csv, NULL '')").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    with cur.copy(stmt) as copy:
        data = buf.getvalue()
        step = 1 << 22
        for i in range(0, len(data), step):
            copy.write(data[i : i + step])
    return len(frame)


def copy_rows(cur: psycopg.Cursor, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """COPY Python rows (psycopg adapts each value); for modest row counts with JSON/arrays."""
    stmt = sql.SQL("COPY {} ({}) FROM STDIN").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )
    n = 0
    with cur.copy(stmt) as copy:
        for row in rows:
            copy.write_row(row)
            n += 1
    return n


def upsert_frame(
    cur: psycopg.Cursor,
    table: str,
    frame: pd.DataFrame,
    columns: Sequence[str],
    conflict: Sequence[str],
    update: Sequence[str],
) -> int:
    """COPY into a temp copy of ``table`` then ``INSERT … ON CONFLICT DO UPDATE`` (idempotent)."""
    if frame.empty:
        return 0
    stage = f"_stage_{table}"
    cols = sql.SQL(", ").join(map(sql.Identifier, columns))
    cur.execute(sql.SQL("DROP TABLE IF EXISTS {}").format(sql.Identifier(stage)))
    cur.execute(
        sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
            sql.Identifier(stage), cols, sql.Identifier(table)
        )
    )
    copy_frame(cur, stage, frame, columns)
    action = (
        sql.SQL("DO UPDATE SET ")
        + sql.SQL(", ").join(sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(c)) for c in update)
        if update
        else sql.SQL("DO NOTHING")
    )
    cur.execute(
        sql.SQL("INSERT INTO {t} ({c}) SELECT {c} FROM {s} ON CONFLICT ({k}) ").format(
            t=sql.Identifier(table), c=cols, s=sql.Identifier(stage), k=sql.SQL(", ").join(map(sql.Identifier, conflict))
        )
        + action
    )
    return len(frame)
