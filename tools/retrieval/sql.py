"""The retrieval SQL, assembled only from the constant fragments below (the table, the filter clauses
that apply); every value is a bound parameter. See :mod:`tools.retrieval.hybrid` for how they are used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

# Evidence that only points at other rows (the search tool's own output) is not searched.
SKIPPED_EVIDENCE_KINDS = ["search_results"]
_HEADLINE_OPTIONS = (
    'StartSel="**", StopSel="**", MaxWords=30, MinWords=12, MaxFragments=2, FragmentDelimiter=" … "'
)


@dataclass(frozen=True)
class Table:
    name: Literal["documents", "evidence"]
    alias: str  # CTE / parameter prefix
    kind_filter: str  # which rows of the org are searchable
    service_filter: str


DOCS = Table("documents", "doc", "kind = ANY(:kinds)", "service = :service")
EVIDENCE = Table(
    "evidence", "ev", "kind <> ALL(:skip_kinds)", "(ref->>'service' = :service OR payload->>'service' = :service)"
)
TABLES: dict[str, Table] = {t.name: t for t in (DOCS, EVIDENCE)}


def where_clause(table: Table, service: str | None) -> str:
    clauses = ["org_id = :org", table.kind_filter]
    if service is not None:
        clauses.append(table.service_filter)
    return " AND ".join(clauses)


def estimate_sql(table: Table, service: str | None) -> str:
    return f"EXPLAIN (FORMAT JSON) SELECT 1 FROM {table.name} WHERE {where_clause(table, service)} AND embedding IS NOT NULL"


TABLE_STATS_SQL = """
    SELECT c.relname, c.reltuples, a.attstorage
    FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'embedding'
    WHERE c.oid IN (CAST('documents' AS regclass), CAST('evidence' AS regclass))"""

SET_HNSW_SQL = """
    SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true),
           set_config('hnsw.ef_search', CAST(:ef AS text), true),
           set_config('hnsw.max_scan_tuples', CAST(:max_tuples AS text), true)"""


def vector_sql(table: Table, service: str | None, plan: str) -> str:
    """The org's :n nearest rows: ``SELECT id, distance`` ordered by distance."""
    where = where_clause(table, service) + " AND embedding IS NOT NULL"
    if plan == "hnsw":
        # Iterative HNSW scan (relaxed order: results come roughly by distance)…
        inner = f"""
            SELECT id, embedding <=> CAST(:qvec AS vector) AS distance
            FROM {table.name} WHERE {where}
            ORDER BY distance LIMIT :n"""
    else:
        # OFFSET 0 fences the subquery: the ORDER BY cannot become an (HNSW) index scan;
        # the org's rows come through the B-tree on org_id and are sorted exactly.
        inner = f"""
            SELECT id, distance FROM (
                SELECT id, embedding <=> CAST(:qvec AS vector) AS distance
                FROM {table.name} WHERE {where} OFFSET 0) fenced
            ORDER BY distance LIMIT :n"""
    # …and the outer query puts the few candidates in exact distance order
    # (``+ 0``: an expression the index cannot provide, so it is a real sort).
    return f"SELECT id, distance FROM ({inner}) cand ORDER BY distance + 0, id"


def text_sql(table: Table, service: str | None) -> str:
    """The org's :n best full-text matches: ``SELECT id, rank`` by ts_rank_cd."""
    return f"""
        SELECT t.id, ts_rank_cd(t.tsv, q.query, 1) AS rank
        FROM {table.name} t, websearch_to_tsquery('english', :q) AS q(query)
        WHERE {where_clause(table, service)} AND t.tsv @@ q.query
        ORDER BY rank DESC, t.id LIMIT :n"""


def retrieve_sql(plans: dict[str, str], service: str | None, *, vectors: bool = True) -> str:
    """Both retrievers on every table in one round trip: rows (source, list, id, value)."""
    ctes, branches = [], []
    for name, plan in plans.items():
        t = TABLES[name]
        if vectors:
            ctes.append(f"v_{t.alias} AS MATERIALIZED ({vector_sql(t, service, plan)})")
            branches.append(f"SELECT '{name}' AS source, 'vector' AS list, id, distance AS value FROM v_{t.alias}")
        ctes.append(f"t_{t.alias} AS MATERIALIZED ({text_sql(t, service)})")
        branches.append(f"SELECT '{name}' AS source, 'text' AS list, id, CAST(rank AS float8) AS value FROM t_{t.alias}")
    return "WITH " + ",\n".join(ctes) + "\n" + "\nUNION ALL ".join(branches)


_DETAILS_BRANCH = {
    "documents": f"""
        SELECT 'documents' AS source, id, kind, NULL AS evidence_kind, external_id, title, service, tags,
               CASE WHEN id = ANY(:doc_text_ids)
                    THEN ts_headline('english', body, websearch_to_tsquery('english', :q), '{_HEADLINE_OPTIONS}')
                    ELSE left(body, :chars + 40) END AS snippet
        FROM documents WHERE org_id = :org AND id = ANY(:doc_ids)""",
    "evidence": f"""
        SELECT 'evidence' AS source, id, 'evidence' AS kind, kind AS evidence_kind, NULL AS external_id,
               summary AS title, coalesce(ref->>'service', payload->>'service') AS service,
               CAST('{{}}' AS text[]) AS tags,
               CASE WHEN id = ANY(:ev_text_ids)
                    THEN ts_headline('english', summary, websearch_to_tsquery('english', :q), '{_HEADLINE_OPTIONS}')
                    ELSE left(summary, :chars + 40) END AS snippet
        FROM evidence WHERE org_id = :org AND id = ANY(:ev_ids)""",
}


def details_sql(names: Sequence[str]) -> str:
    return "\nUNION ALL ".join(_DETAILS_BRANCH[n] for n in names)
