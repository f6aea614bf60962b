"""stations.code: up to 32 characters (sites are coded like ``fc-north-2`` or ``WAW-DARK-07``, not only 3-letter codes).

Revision ID: 0008
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.alter_column("stations", "code", type_=sa.String(length=32), existing_type=sa.String(length=8),
                    existing_nullable=False)


def downgrade() -> None:  # refuses (a DataError) while a code longer than 8 characters is stored
    op.alter_column("stations", "code", type_=sa.String(length=8), existing_type=sa.String(length=32),
                    existing_nullable=False)
