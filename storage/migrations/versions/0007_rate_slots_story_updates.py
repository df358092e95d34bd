"""rate slots shared by every process, and the outlets a sent alert named (for story updates)

Revision ID: 0007_rate_slots
Revises: 0006
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.columns

revision: str = "0007_rate_slots"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "rate_slot",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("next_at", storage.columns.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("alert") as batch_op:
        batch_op.add_column(sa.Column("outlets_shown", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch_op:
        batch_op.drop_column("outlets_shown")
    op.drop_table("rate_slot")
