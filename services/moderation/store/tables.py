"""The store's tables (the Alembic migrations in migrations/store create them)."""

from __future__ import annotations

import sqlalchemy as sa

metadata = sa.MetaData()

comments = sa.Table(
    "comments",
    metadata,
    sa.Column("comment_id", sa.String(200), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True),
    sa.Column("article_id", sa.String(200)),
    sa.Column("site_id", sa.String(200)),
    sa.Column("section", sa.String(200)),
    sa.Column("parent_id", sa.String(200)),
    sa.Column("thread_id", sa.String(200)),
    sa.Column("author_id", sa.String(200)),
    sa.Column("author_name", sa.String(200)),
    sa.Column("body", sa.Text),
    sa.Column("submitted_at", sa.DateTime(timezone=True)),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("status_source", sa.String(20), nullable=False),
    sa.Column("status_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("reason_codes", sa.JSON, nullable=False),
)

status_history = sa.Table(
    "status_history",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("comment_id", sa.String(200), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("reason_codes", sa.JSON, nullable=False),
    sa.Column("event_id", sa.String(200), nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("note", sa.Text),
)

processed_events = sa.Table(
    "processed_events",
    metadata,
    sa.Column("event_id", sa.String(200), primary_key=True),
    sa.Column("processed_at", sa.DateTime(timezone=True), nullable=False),
)

# Site API keys: only the SHA-256 of each key is kept (see store/api_keys.py).
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("key_id", sa.String(16), primary_key=True),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("site_id", sa.String(200), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
)
