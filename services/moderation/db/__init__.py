"""Database plumbing shared by the services that own data (SQLite by default, PostgreSQL
in production): engines, dialect-aware upserts, Alembic migrations at start-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def utc(value: datetime) -> datetime:
    """Aware UTC for writing; SQLite hands datetimes back naive, so reads get UTC too."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def sqlite_dsn(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite+aiosqlite:///{path}"


def make_engine(dsn: str, busy_timeout_s: float = 30.0) -> AsyncEngine:
    if dsn.startswith("sqlite"):
        # One writer at a time is SQLite's rule; wait for the lock instead of failing at once.
        return create_async_engine(dsn, connect_args={"timeout": busy_timeout_s})
    return create_async_engine(dsn, pool_pre_ping=True)


def insert_ignoring_duplicates(connection: AsyncConnection | Connection, table: Table) -> Any:
    """INSERT ... ON CONFLICT DO NOTHING in the connection's dialect."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    return dialect.insert(table).on_conflict_do_nothing()


def upsert(
    connection: AsyncConnection | Connection,
    table: Table,
    values: dict[str, Any],
    keys: list[str],
    update: list[str],
) -> Any:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    return statement.on_conflict_do_update(
        index_elements=keys, set_={column: statement.excluded[column] for column in update}
    )


async def migrate(engine: AsyncEngine, service: str) -> None:
    """Bring the service's schema to the latest Alembic revision."""

    def upgrade(connection: Connection) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS_DIR / service))
        config.attributes["connection"] = connection
        command.upgrade(config, "head")

    async with engine.begin() as connection:
        await connection.run_sync(upgrade)
