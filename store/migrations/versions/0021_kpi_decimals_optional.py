"""kpi_definitions.decimals may be left out: NULL means the definition says nothing, and the shown decimals are then
chosen from the KPI's data (tools.kpis.decimals) instead of a blanket 2 ("463,664.00 guests").

Revision ID: 0021_kpi_decimals_optional
Revises: 0020_freeze_windows (the lead re-chains at merge time)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0021_kpi_decimals_optional"
down_revision = "0020_freeze_windows"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("kpi_definitions", "decimals", existing_type=sa.SmallInteger(), nullable=True,
                    server_default=None)


def downgrade() -> None:
    op.execute("UPDATE kpi_definitions SET decimals = 2 WHERE decimals IS NULL")
    op.alter_column("kpi_definitions", "decimals", existing_type=sa.SmallInteger(), nullable=False,
                    server_default="2")
