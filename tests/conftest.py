"""Fixtures shared by every test tier; those that start a broker are used by tests/e2e and
tests/reliability (helpers for role processes are in tests/roles.py)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from moderation.adapters.embedded_broker import EmbeddedBroker, free_port
from moderation.adapters.kafka import ensure_topics
from moderation.db import make_engine, sqlite_dsn
from moderation.settings import KafkaSettings
from moderation.topics import MODERATION_DECISIONS
from tests.databases import temporary_postgres
from tests.pipeline_client import PipelineClient
from tests.roles import ARTIFACTS


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    with temporary_postgres() as dsn:
        yield dsn


@pytest.fixture(params=["sqlite", "postgresql"])
def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], Awaitable[str]]:
    """Makes a fresh database for a store or a queue, once per backend: a SQLite file, or a
    PostgreSQL database on one throwaway server. Call it for each database wanted."""
    server = request.getfixturevalue("postgres_server") if request.param != "sqlite" else ""

    async def create() -> str:
        name = f"r_{uuid.uuid4().hex[:12]}"
        if not server:
            return sqlite_dsn(tmp_path / f"{name}.db")
        admin = make_engine(server)
        async with admin.connect() as conn:
            await conn.execution_options(isolation_level="AUTOCOMMIT")
            await conn.execute(sa.text(f"CREATE DATABASE {name}"))
        await admin.dispose()
        return server.rsplit("/", 1)[0] + f"/{name}"

    return create


@pytest.fixture(scope="module")
def broker() -> Iterator[EmbeddedBroker]:
    """A fresh broker per test module: consumer-group state of one module (members killed
    on purpose) must not slow down the next one's group join."""
    ARTIFACTS.mkdir(exist_ok=True)
    embedded = EmbeddedBroker(free_port(), (ARTIFACTS / "broker.log").open("ab"))
    embedded.start()
    asyncio.run(ensure_topics(KafkaSettings(bootstrap_servers=embedded.bootstrap)))
    yield embedded
    embedded.stop()


@pytest.fixture
async def client(broker: EmbeddedBroker) -> AsyncIterator[PipelineClient]:
    """An aiokafka client on the broker, following moderation.decisions."""
    pipeline = PipelineClient(broker.bootstrap)
    await pipeline.start()
    await pipeline.follow(MODERATION_DECISIONS.name)
    yield pipeline
    await pipeline.stop()
