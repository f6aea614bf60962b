"""Runs started through the MCP server: trigger ``mcp`` (and ``alert``, as the SPEC lists).

Revision ID: 0009
Revises: 0001
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0001"
branch_labels = None
depends_on = None

OLD = ("chat", "slack", "eval", "api", "schedule")
NEW = ("chat", "slack", "eval", "api", "schedule", "alert", "mcp")


def _check(values: tuple[str, ...]) -> str:
    return "trigger IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    op.drop_constraint(op.f("ck_runs_trigger"), "runs", type_="check")
    op.create_check_constraint(op.f("ck_runs_trigger"), "runs", _check(NEW))


def downgrade() -> None:
    op.execute("UPDATE runs SET trigger = 'api' WHERE trigger IN ('alert', 'mcp')")
    op.drop_constraint(op.f("ck_runs_trigger"), "runs", type_="check")
    op.create_check_constraint(op.f("ck_runs_trigger"), "runs", _check(OLD))
