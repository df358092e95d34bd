"""articles keep the rest of their page's metadata: where the modified time came from, the
section, the tags and the lead image

Revision ID: 0009_article_page_metadata
Revises: 0008_event_marks
Create Date: 2026-11-26
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_article_page_metadata"
down_revision: str | None = "0008_event_marks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("modified_source", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("section", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("tags", sa.JSON(), nullable=False, server_default="[]"))
        batch_op.add_column(sa.Column("image_url", sa.String(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("article", schema=None) as batch_op:
        for column in ("image_url", "tags", "section", "modified_source"):
            batch_op.drop_column(column)
