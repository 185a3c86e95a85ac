"""Moderator queue: readers (tallies and status), their recent comments, and audit entries
that name a reader.

Revision ID: 0004_readers
Revises: 0003_item_context
"""

import sqlalchemy as sa
from alembic import op

revision = "0004_readers"
down_revision = "0003_item_context"


def upgrade() -> None:
    op.create_table(
        "readers",
        sa.Column("site_id", sa.String(200), primary_key=True),
        sa.Column("author_id", sa.String(200), primary_key=True),
        sa.Column("display_name", sa.String(200)),
        sa.Column("first_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("comments", sa.Integer, nullable=False),
        sa.Column("held", sa.Integer, nullable=False),
        sa.Column("rejected", sa.Integer, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("status_reason", sa.String(50)),
        sa.Column("status_note", sa.Text),
        sa.Column("status_by", sa.String(200)),
        sa.Column("status_at", sa.DateTime(timezone=True)),
    )
    op.create_index("ix_readers_status", "readers", ["status"])
    op.create_table(
        "reader_comments",
        sa.Column("comment_id", sa.String(200), primary_key=True),
        sa.Column("revision", sa.Integer, primary_key=True),
        sa.Column("site_id", sa.String(200), nullable=False),
        sa.Column("author_id", sa.String(200), nullable=False),
        sa.Column("author_name", sa.String(200)),
        sa.Column("article_id", sa.String(200), nullable=False),
        sa.Column("parent_id", sa.String(200)),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("outcome", sa.String(20), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(
        "ix_reader_comments_reader", "reader_comments", ["site_id", "author_id", "decided_at"]
    )
    op.create_index("ix_reader_comments_decided", "reader_comments", ["decided_at"])
    with op.batch_alter_table("audit_log") as batch:
        batch.add_column(sa.Column("site_id", sa.String(200), nullable=True))
        batch.add_column(sa.Column("author_id", sa.String(200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_log") as batch:
        batch.drop_column("author_id")
        batch.drop_column("site_id")
    op.drop_index("ix_reader_comments_decided", "reader_comments")
    op.drop_index("ix_reader_comments_reader", "reader_comments")
    op.drop_table("reader_comments")
    op.drop_index("ix_readers_status", "readers")
    op.drop_table("readers")
