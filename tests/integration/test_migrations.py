"""Migrations build the whole schema on an empty database and take it down again."""

from __future__ import annotations

import psycopg
from sqlalchemy import inspect

from store import migrate
from store.db import make_sync_engine
from store.models import Base


def _tables(conninfo: str) -> set[str]:
    with psycopg.connect(conninfo) as conn:
        return {
            r[0]
            for r in conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
        }


def test_upgrade_downgrade_upgrade(fresh_db):
    target = fresh_db(migrated=False)
    assert migrate.current_revision(target) is None

    migrate.upgrade(target)
    expected = set(Base.metadata.tables)
    assert expected <= _tables(target.conninfo)
    assert migrate.current_revision(target) is not None

    migrate.downgrade(target, "base")
    assert _tables(target.conninfo) & expected == set()
    assert migrate.current_revision(target) is None

    migrate.upgrade(target)
    assert expected <= _tables(target.conninfo)


def test_models_match_migrations(db):
    """Autogenerate finds nothing to do: the models and the migration agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    engine = make_sync_engine(db)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn)
            # LangGraph's checkpointer owns its checkpoint* tables and indexes (created by its own setup()).
            diff = [d for d in compare_metadata(ctx, Base.metadata) if "checkpoint" not in str(d)
                    and "procrastinate" not in str(d)]  # the job queue's own tables (its schema file, 0003)
    finally:
        engine.dispose()
    assert diff == []


def test_schema_has_vector_and_search_indexes(db):
    engine = make_sync_engine(db)
    try:
        insp = inspect(engine)
        idx = {i["name"]: i for i in insp.get_indexes("evidence")}
        assert "ix_evidence_embedding_hnsw" in idx and "ix_evidence_tsv" in idx
        assert "ix_documents_embedding_hnsw" in {i["name"] for i in insp.get_indexes("documents")}
        uniques = {tuple(u["column_names"]) for u in insp.get_unique_constraints("run_events")}
        assert ("run_id", "seq") in uniques
    finally:
        engine.dispose()


def test_feedback_events_are_append_only(db):
    with psycopg.connect(db.conninfo) as conn:
        org = conn.execute("INSERT INTO orgs (slug, name) VALUES ('appendonly', 'x') RETURNING id").fetchone()[0]
        fid = conn.execute(
            "INSERT INTO feedback_events (org_id, target_type, target_id, kind) VALUES (%s, 'run', 'r1', 'note') RETURNING id",
            (org,),
        ).fetchone()[0]
        conn.commit()
        for stmt in ("UPDATE feedback_events SET body = 'changed' WHERE id = %s", "DELETE FROM feedback_events WHERE id = %s"):
            try:
                conn.execute(stmt, (fid,))
            except psycopg.errors.RestrictViolation as exc:
                assert "append-only" in str(exc)
                conn.rollback()
            else:  # pragma: no cover - the trigger must refuse
                raise AssertionError(f"{stmt} was allowed")
