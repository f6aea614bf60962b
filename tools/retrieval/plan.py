"""Per table and per call: exact scan of the org's rows or filtered HNSW scan.

Organisation filter — never lose results to it
----------------------------------------------
An HNSW scan filters *after* walking the graph: with ``WHERE org_id = :org``
and the default ``ef_search = 40`` a small organisation in a big table gets
few or no rows back. Per table and per call one of two plans is chosen:

- **exact**: the org's rows come through the B-tree on ``org_id`` and are
  sorted by distance (the subquery is fenced with ``OFFSET 0`` so the planner
  cannot turn the ORDER BY into an HNSW scan). Exact by construction. Costs
  ~1.5 µs per row of the org plus ~3 µs per matching row whose vector is
  TOASTed — which it is on the migrated schema (rows exceed 2 kB, and the
  1.5 kB vector is moved out of line); ``ALTER COLUMN embedding SET STORAGE
  PLAIN`` would keep vectors inline and make this plan ~3× cheaper (the tool
  reads ``attstorage`` and adapts);
- **hnsw**: pgvector 0.8 iterative index scan with transaction-local (``set_config(…, true)``,
  i.e. ``SET LOCAL`` with bound values)
  ``hnsw.iterative_scan = relaxed_order``, ``hnsw.ef_search = EF_SEARCH`` and
  ``hnsw.max_scan_tuples`` (4× the tuples the scan should need); the scan keeps
  walking the graph until ``n`` rows pass the filter and the outer query
  re-orders the relaxed results by distance (``ORDER BY distance + 0``). Its
  cost grows with the tuples it must visit, about ``n / selectivity`` at
  ~18 µs each (graph hops plus a heap visit to check ``org_id``).

The choice (:func:`choose_plan`) feeds the **planner's estimates** to that
cost model: ``EXPLAIN (FORMAT JSON) SELECT 1 … WHERE org_id = :org AND
<kinds> AND <service>`` gives the matching rows (top node) and the org's rows
(the bitmap index scan on ``org_id`` under it), ``pg_class.reltuples``
the table size. Exact when the org has at most ``EXACT_MAX_ROWS`` rows, when
fewer than ``n`` rows match, or when the exact scan is estimated cheaper — on
100,000 TOASTed rows and 20 candidates the crossover is ~2,900 rows of the
org. Estimates are cached per database, org and filter for
``PLAN_CACHE_SECONDS`` (two round trips saved per search). An estimate rather
than a count: counting is only cheap when the count is small (counting a big
org is itself a scan), and a wrong or stale estimate cannot lose rows — too
small picks the exact plan (correct, slower); too large picks HNSW, and when
the bounded iterative scan returns fewer than ``n`` rows the exact query runs
instead (``strategy`` then says ``hnsw+exact``). A table that was never
analysed estimates a small org: exact.

The constants were tuned with ``bench/bench_retrieval.py`` (100,000
documents in six orgs of 0.5–44 %: recall@10 of the vector part against
exact search, p50/p95 latency): ``EF_SEARCH = 100`` and 2 × k candidates give
recall@10 0.96–0.98 on the HNSW orgs with the index built with ``m = 16,
ef_construction = 128``; the migration's ``ef_construction = 64`` gives
0.92–0.96 (0.96 overall), so the index should be rebuilt with 128. Beyond a few hundred thousand rows per table, mid-size
orgs get expensive on both plans; partitioning (or partial HNSW indexes) by
org is the next step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from tools.base import ToolContext
from tools.retrieval.sql import DOCS, SET_HNSW_SQL, TABLE_STATS_SQL, Table, estimate_sql, vector_sql

# Plan choice and HNSW tuning (see the module docstring and bench/bench_retrieval.py).
EXACT_MAX_ROWS = 1000  # an org with at most this many visible rows in a table is always scanned exactly
EXACT_ROW_COST_US = 1.5  # exact plan: per row of the org (heap visit, filter, distance)
EXACT_TOAST_COST_US = 3.0  # …plus per matching row whose vector is TOASTed (not with STORAGE PLAIN/MAIN)
PLAN_CACHE_SECONDS = 60.0  # planner estimates are reused this long per database, org and filter
HNSW_TUPLE_COST_US = 18.0  # hnsw plan: per index tuple visited (≈ n / selectivity of them)
HNSW_BASE_COST_US = 1000.0
EF_SEARCH = 100  # hnsw.ef_search for the iterative scan (at least the number of candidates)
MAX_SCAN_TUPLES = 20_000  # pgvector's default; the bound per query is 4× the expected visits, within [2000, this]
MIN_CANDIDATES = 20  # per retriever and table, before fusion (2 × k, at least this)


@dataclass(frozen=True)
class Estimate:
    """What the plan choice knows about one table for one org and filter (planner statistics)."""

    table_rows: float  # pg_class.reltuples; -1 when the table was never analysed
    org_rows: float  # rows of the org: what the exact plan reads
    matching_rows: float  # rows passing org + kinds + service: what the HNSW filter keeps
    inline_vectors: bool = False  # embedding STORAGE PLAIN/MAIN: no TOAST fetch per row


def choose_plan(est: Estimate, n: int) -> Literal["exact", "hnsw"]:
    """Exact scan of the org's rows or filtered HNSW scan, whichever the cost model finds cheaper."""
    if est.org_rows <= max(EXACT_MAX_ROWS, n) or est.matching_rows <= n:
        return "exact"
    total = max(est.table_rows, est.org_rows, est.matching_rows)
    selectivity = max(est.matching_rows, 1.0) / total
    toast_cost = 0.0 if est.inline_vectors else est.matching_rows * EXACT_TOAST_COST_US
    exact_cost = est.org_rows * EXACT_ROW_COST_US + toast_cost
    hnsw_cost = HNSW_BASE_COST_US + (n / selectivity) * HNSW_TUPLE_COST_US
    return "exact" if exact_cost <= hnsw_cost else "hnsw"


def max_scan_tuples(est: Estimate, n: int) -> int:
    """Bound the iterative scan to 4× the tuples it should visit, so that a wrong estimate costs little."""
    rows = max(est.matching_rows, 1.0)
    expected = n * max(est.table_rows, est.org_rows, rows) / rows
    return int(min(MAX_SCAN_TUPLES, max(2000.0, 4.0 * expected)))


def rows_from_plan(plan: dict[str, Any], table_rows: float) -> tuple[float, float]:
    """(org rows, matching rows) from ``EXPLAIN (FORMAT JSON)`` of the filter.

    The top node's estimate is the matching rows; the org's rows are the
    estimate of the bitmap index scan on ``org_id`` underneath (the B-tree on
    ``org_id``, or the unique index that starts with it — whichever the planner
    picked; the other conditions are filters on top). A plain index scan means
    a small org (use the matching rows); a sequential scan a big one (use the
    table size: the exact plan would read much of the table).
    """
    matching = float(plan.get("Plan Rows", 0.0))
    stack = [plan]
    while stack:
        node = stack.pop()
        if "org_id" in str(node.get("Index Cond", "")):
            if node.get("Node Type") == "Bitmap Index Scan":
                return max(float(node.get("Plan Rows", matching)), matching), matching
            return matching, matching
        stack.extend(node.get("Plans", []))
    return max(table_rows, matching), matching




async def estimate(
    ctx: ToolContext, session: AsyncSession, table: Table, service: str | None, params: dict[str, Any],
    stats: dict[str, tuple[float, bool]] | None = None,
) -> tuple[Estimate, dict[str, tuple[float, bool]] | None]:
    """The table's estimate for this org and filter (cached); ``stats`` is fetched once per search."""
    # Per org and filter, for PLAN_CACHE_SECONDS, in the cache of whoever owns the context (the assistant, the API):
    # org sizes move slowly and a stale estimate cannot lose rows (see the module docstring).
    key = ("retrieval.estimate", ctx.org_id, table.name, tuple(params.get("kinds", ())) if table is DOCS else (),
           service)
    cached = ctx.cache.get(key)
    if cached is not None:
        return cached, stats
    if stats is None:
        rows = (await session.execute(text(TABLE_STATS_SQL))).all()
        stats = {r.relname: (float(r.reltuples), r.attstorage in ("p", "m")) for r in rows}
    table_rows, inline = stats.get(table.name, (-1.0, False))
    if 0 <= table_rows <= EXACT_MAX_ROWS:  # a small table: no need to ask the planner
        est = Estimate(table_rows, table_rows, table_rows, inline)
    else:
        explained = (await session.execute(text(estimate_sql(table, service)), params)).scalar_one()
        if isinstance(explained, str):
            explained = json.loads(explained)
        org_rows, matching = rows_from_plan(explained[0]["Plan"], table_rows)
        est = Estimate(table_rows, org_rows, matching, inline)
    ctx.cache.put(key, est, PLAN_CACHE_SECONDS)
    return est, stats


async def set_hnsw(session: AsyncSession, n: int, bound: int) -> None:
    await session.execute(text(SET_HNSW_SQL), {"ef": max(EF_SEARCH, n), "max_tuples": bound})


async def vector_candidates(
    session: AsyncSession, table: Table, service: str | None, params: dict[str, Any], qvec: str, n: int,
    plan: str, est: Estimate | None = None,
) -> tuple[str, list[Any]]:
    """The vector retriever alone on one table (the benchmark measures it): (plan used, rows)."""
    args = params | {"qvec": qvec, "n": n}
    if plan == "hnsw":
        await set_hnsw(session, n, max_scan_tuples(est, n) if est else MAX_SCAN_TUPLES)
    rows = list((await session.execute(text(vector_sql(table, service, plan)), args)).all())
    if plan == "hnsw" and len(rows) < n:
        plan = "hnsw+exact"
        rows = list((await session.execute(text(vector_sql(table, service, "exact")), args)).all())
    return plan, rows
