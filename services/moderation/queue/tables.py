"""The queue's tables (the Alembic migrations in migrations/queue create them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

queue_items = sa.Table(
    "queue_items",
    metadata,
    sa.Column("comment_id", sa.String(200), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(200), nullable=False),
    sa.Column("site_id", sa.String(200), nullable=False),
    sa.Column("section", sa.String(200)),
    sa.Column("article_title", sa.Text),
    sa.Column("article_url", sa.String(2000)),
    sa.Column("parent_id", sa.String(200)),
    sa.Column("author_id", sa.String(200), nullable=False),
    sa.Column("author_name", sa.String(200)),
    sa.Column("body", sa.Text, nullable=False),
    sa.Column("reasons", sa.JSON, nullable=False),
    sa.Column("scores", sa.JSON, nullable=False),
    sa.Column("categories", sa.String(200), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("policy_version", sa.String(200), nullable=False),
    sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("claimed_by", sa.String(200)),
    sa.Column("claim_expires_at", sa.DateTime(timezone=True)),
    sa.Column("resolved_by", sa.String(200)),
    sa.Column("resolved_at", sa.DateTime(timezone=True)),
    # Paging reads open items in decision order; a reader's items are read by author.
    sa.Index("ix_queue_status_decided", "status", "decided_at"),
    sa.Index("ix_queue_author", "site_id", "author_id"),
)

USERNAME_MAX = 100

users = sa.Table(
    "users",
    metadata,
    sa.Column("username", sa.String(USERNAME_MAX), primary_key=True),
    sa.Column("password_hash", sa.String(300), nullable=False),
    sa.Column("role", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    # Set: the account cannot log in (kept, not deleted, so the audit log still names it).
    sa.Column("disabled_at", sa.DateTime(timezone=True)),
)

sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("token_hash", sa.String(100), primary_key=True),
    sa.Column("username", sa.String(100), nullable=False),
    sa.Column("csrf_token", sa.String(100), nullable=False),
    sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("moderator", sa.String(100), nullable=False),
    sa.Column("action", sa.String(30), nullable=False),
    sa.Column("comment_id", sa.String(200)),
    sa.Column("revision", sa.Integer),
    sa.Column("reason_code", sa.String(50)),
    sa.Column("note", sa.Text),
    # Reader actions (premoderate, ban, lift, reject all pending) name the reader, not a comment.
    sa.Column("site_id", sa.String(200)),
    sa.Column("author_id", sa.String(200)),
)

outbox = sa.Table(
    "outbox",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("topic", sa.String(200), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

# The queue's own read model of readers, from every decision it consumes (approvals too)
# and every review: tallies for ever, and the status moderators gave them (the source of
# truth for moderation.authors).
readers = sa.Table(
    "readers",
    metadata,
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
    # The start-up republish reads only readers with a status.
    sa.Index("ix_readers_status", "status"),
)

# Each reader's recent comments (every revision decided), kept
# ModerationSettings.reader_history_days: the reader panel, and the parents of replies.
reader_comments = sa.Table(
    "reader_comments",
    metadata,
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
    # A reader's newest first; pruning deletes from the oldest end of the second.
    sa.Index("ix_reader_comments_reader", "site_id", "author_id", "decided_at"),
    sa.Index("ix_reader_comments_decided", "decided_at"),
)
