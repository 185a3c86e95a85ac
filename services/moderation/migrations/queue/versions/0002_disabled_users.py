"""Moderator queue: accounts can be disabled.

Revision ID: 0002_disabled_users
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002_disabled_users"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("disabled_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users") as batch:
        batch.drop_column("disabled_at")
