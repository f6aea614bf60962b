"""Alerts in, investigations out: alert fingerprints, PromQL per service metric, alert settings,
incident metadata, and the ``alert``/``mcp`` run triggers.

Revision ID: 0004
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0005"
branch_labels = None
depends_on = None

OLD_TRIGGERS = "trigger IN ('chat', 'slack', 'eval', 'api', 'schedule')"
NEW_TRIGGERS = "trigger IN ('chat', 'slack', 'eval', 'api', 'schedule', 'alert', 'mcp')"
# Imported records keep the fields opsgraph has no column for (``extra``), instead of being rejected.
EXTRA_TABLES = ("stations", "kpi_definitions", "services", "commits", "deployments", "config_changes", "tickets",
                "documents")


def upgrade() -> None:
    op.drop_constraint(op.f("ck_runs_trigger"), "runs", type_="check")
    op.create_check_constraint(op.f("ck_runs_trigger"), "runs", NEW_TRIGGERS)
    for table in ("incidents", *EXTRA_TABLES):
        op.add_column(table, sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}",
                                       nullable=False))
    op.create_table(
        "alert_fingerprints",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("fingerprint", sa.String(length=128), nullable=False),
        sa.Column("incident_id", sa.BigInteger(), nullable=True),
        sa.Column("run_id", sa.UUID(), nullable=True),
        sa.Column("alertname", sa.String(length=200), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("labels", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("annotations", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("generator_url", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("status IN ('firing', 'resolved')", name=op.f("ck_alert_fingerprints_status")),
        sa.ForeignKeyConstraint(["incident_id"], ["incidents.id"], name=op.f("fk_alert_fingerprints_incident_id_incidents"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_alert_fingerprints_org_id_orgs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["run_id"], ["runs.id"], name=op.f("fk_alert_fingerprints_run_id_runs"), ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_fingerprints")),
        sa.UniqueConstraint("org_id", "fingerprint", name=op.f("uq_alert_fingerprints_org_id")),
    )
    op.create_index(op.f("ix_alert_fingerprints_incident_id"), "alert_fingerprints", ["incident_id"])
    op.create_index(op.f("ix_alert_fingerprints_org_id"), "alert_fingerprints", ["org_id"])
    op.create_table(
        "service_promql",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("service_id", sa.BigInteger(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("promql", sa.Text(), nullable=False),
        sa.Column("step_seconds", sa.Integer(), server_default="60", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("step_seconds BETWEEN 1 AND 86400", name=op.f("ck_service_promql_step_seconds")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_service_promql_org_id_orgs"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["service_id"], ["services.id"], name=op.f("fk_service_promql_service_id_services"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_service_promql")),
        sa.UniqueConstraint("org_id", "service_id", "metric", name=op.f("uq_service_promql_org_id")),
    )
    op.create_index(op.f("ix_service_promql_org_id"), "service_promql", ["org_id"])
    op.create_table(
        "alert_settings",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("prometheus_url", sa.Text(), nullable=True),
        sa.Column("service_labels", postgresql.ARRAY(sa.Text()), server_default="{service,job}", nullable=False),
        sa.Column("service_map", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("join_window_minutes", sa.Integer(), server_default="120", nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("join_window_minutes BETWEEN 0 AND 10080", name=op.f("ck_alert_settings_join_window")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_alert_settings_org_id_orgs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", name=op.f("pk_alert_settings")),
    )


def downgrade() -> None:
    op.drop_table("alert_settings")
    op.drop_index(op.f("ix_service_promql_org_id"), table_name="service_promql")
    op.drop_table("service_promql")
    op.drop_index(op.f("ix_alert_fingerprints_org_id"), table_name="alert_fingerprints")
    op.drop_index(op.f("ix_alert_fingerprints_incident_id"), table_name="alert_fingerprints")
    op.drop_table("alert_fingerprints")
    for table in ("incidents", *EXTRA_TABLES):
        op.drop_column(table, "extra")
    op.execute("DELETE FROM runs WHERE trigger IN ('alert', 'mcp')")
    op.drop_constraint(op.f("ck_runs_trigger"), "runs", type_="check")
    op.create_check_constraint(op.f("ck_runs_trigger"), "runs", OLD_TRIGGERS)
