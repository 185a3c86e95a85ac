"""Moderator queue: where the article is read and which comment a reply answers; items
are read by reader.

Revision ID: 0003_item_context
Revises: 0002_disabled_users
"""

import sqlalchemy as sa
from alembic import op

revision = "0003_item_context"
down_revision = "0002_disabled_users"


def upgrade() -> None:
    with op.batch_alter_table("queue_items") as batch:
        batch.add_column(sa.Column("article_url", sa.String(2000), nullable=True))
        batch.add_column(sa.Column("parent_id", sa.String(200), nullable=True))
    op.create_index("ix_queue_author", "queue_items", ["site_id", "author_id"])


def downgrade() -> None:
    op.drop_index("ix_queue_author", "queue_items")
    with op.batch_alter_table("queue_items") as batch:
        batch.drop_column("parent_id")
        batch.drop_column("article_url")
