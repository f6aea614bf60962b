"""metric_roles: an organisation's own role (errors, latency, throughput, saturation) for a metric name.

Revision ID: 0007
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "metric_roles",
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("metric", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.CheckConstraint("role IN ('errors', 'latency', 'throughput', 'saturation')", name=op.f("ck_metric_roles_role")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_metric_roles_org_id_orgs"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("org_id", "metric", name=op.f("pk_metric_roles")),
    )
    op.create_index(op.f("ix_metric_roles_org_id"), "metric_roles", ["org_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_metric_roles_org_id"), table_name="metric_roles")
    op.drop_table("metric_roles")
