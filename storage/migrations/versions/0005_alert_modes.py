"""alert modes: per-article key, digest slots, per-recipient results, topic policy

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22

The outbox key grows an ``article_key`` (the article's id for per-article alerts, 0 otherwise),
so the old UNIQUE(topic_id, story_id, channel, kind) is replaced by ``uq_alert_key``.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.columns

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KEY = {"topic_id", "story_id", "channel", "kind"}
# SQLite reflects the 0001 constraint without a name; the convention gives it one to drop.
NAMING = {"uq": "uq_%(table_name)s_%(column_0_N_name)s"}


def _old_key_name() -> str:
    for constraint in sa.inspect(op.get_bind()).get_unique_constraints("alert"):
        if set(constraint["column_names"]) == OLD_KEY and constraint["name"]:
            return str(constraint["name"])
    return "uq_alert_topic_id_story_id_channel_kind"


def upgrade() -> None:
    old_key = _old_key_name()
    with op.batch_alter_table("alert", naming_convention=NAMING) as batch_op:
        batch_op.add_column(sa.Column("article_key", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("digest_at", storage.columns.UTCDateTime(), nullable=True))
        batch_op.add_column(sa.Column("recipients", sa.JSON(), nullable=False, server_default="{}"))
        batch_op.drop_constraint(old_key, type_="unique")
        batch_op.create_unique_constraint(
            "uq_alert_key", ["topic_id", "story_id", "article_key", "channel", "kind"]
        )
        batch_op.create_index("ix_alert_digest_at", ["digest_at"], unique=False)
    with op.batch_alter_table("topic") as batch_op:
        batch_op.add_column(sa.Column("policy", sa.JSON(), nullable=False, server_default="{}"))


def downgrade() -> None:
    with op.batch_alter_table("topic") as batch_op:
        batch_op.drop_column("policy")
    with op.batch_alter_table("alert") as batch_op:
        batch_op.drop_index("ix_alert_digest_at")
        batch_op.drop_constraint("uq_alert_key", type_="unique")
        batch_op.create_unique_constraint(None, ["topic_id", "story_id", "channel", "kind"])
        batch_op.drop_column("recipients")
        batch_op.drop_column("digest_at")
        batch_op.drop_column("article_key")
