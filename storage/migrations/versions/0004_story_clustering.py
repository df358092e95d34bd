"""story clustering: article lead names, MinHash signature, near-duplicate flag

Revision ID: 0004
Revises: 0002
Create Date: 2026-11-22
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("entities", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("minhash", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("near_duplicate_of", sa.Integer(), nullable=True))
        batch_op.create_foreign_key("fk_article_near_duplicate_of", "article", ["near_duplicate_of"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_constraint("fk_article_near_duplicate_of", type_="foreignkey")
        batch_op.drop_column("near_duplicate_of")
        batch_op.drop_column("minhash")
        batch_op.drop_column("entities")
