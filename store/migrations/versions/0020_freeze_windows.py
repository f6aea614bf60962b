"""freeze_windows: an organisation's change-freeze calendar (imported with ``opsgraph import freeze-windows``).

Revision ID: 0020_freeze_windows
Revises: 0008 (the lead re-chains at merge time)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_freeze_windows"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "freeze_windows",
        sa.Column("id", sa.BigInteger(), sa.Identity(always=False), nullable=False),
        sa.Column("org_id", sa.BigInteger(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("services", postgresql.ARRAY(sa.Text()), server_default="{}", nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("extra", postgresql.JSONB(astext_type=sa.Text()), server_default="{}", nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), server_default=sa.text("now()"), nullable=False),
        sa.CheckConstraint("ends_at > starts_at", name=op.f("ck_freeze_windows_window")),
        sa.ForeignKeyConstraint(["org_id"], ["orgs.id"], name=op.f("fk_freeze_windows_org_id_orgs"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_freeze_windows")),
        sa.UniqueConstraint("org_id", "name", "starts_at", name=op.f("uq_freeze_windows_org_id")),
    )
    op.create_index(op.f("ix_freeze_windows_org_id"), "freeze_windows", ["org_id"], unique=False)
    op.create_index("ix_freeze_windows_org_starts", "freeze_windows", ["org_id", "starts_at"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_freeze_windows_org_starts", table_name="freeze_windows")
    op.drop_index(op.f("ix_freeze_windows_org_id"), table_name="freeze_windows")
    op.drop_table("freeze_windows")
