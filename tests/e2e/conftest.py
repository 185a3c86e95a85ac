"""Real processes: the embedded broker and the roles, talked to with aiokafka."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from moderation.adapters.embedded_broker import EmbeddedBroker, free_port
from moderation.adapters.kafka import ensure_topics
from moderation.adapters.processes import RoleProcess
from moderation.settings import KafkaSettings
from moderation.topics import MODERATION_DECISIONS
from tests.e2e.pipeline_client import PipelineClient

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"


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


def start_role(
    broker: EmbeddedBroker, role: str, name: str | None = None, **env: str
) -> RoleProcess:
    # A data dir of its own: state of earlier runs (./var) must not leak into a test.
    env.setdefault("MODERATION_DATA_DIR", tempfile.mkdtemp(prefix=f"moderation-{role}-"))
    process = RoleProcess(
        role, broker.bootstrap, env=env, log_path=ARTIFACTS / f"{name or role}.log"
    )
    if role == "comment-store":
        # Tests read every status: they act as the site their comments come from.
        process.headers = {"authorization": f"Bearer {site_api_key(process.env, TEST_SITE)}"}
    process.start()
    try:
        process.wait_ready(timeout_s=90)
    except Exception:
        process.stop()
        raise
    return process


TEST_SITE = "e2e-site"  # pipeline_client.comment_event's site


def site_api_key(env: dict[str, str], site_id: str) -> str:
    """A new key in the store database that `env` configures, made as an operator would."""
    created = subprocess.run(
        [
            sys.executable,
            "-m",
            "moderation.entrypoints.cli",
            "api-keys",
            "create",
            "--site-id",
            site_id,
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return created.stdout.strip().splitlines()[-1]


def start_classifier(broker: EmbeddedBroker, name: str = "classifier", **env: str) -> RoleProcess:
    return start_role(broker, "classifier", name, **env)


@pytest.fixture(scope="module")
def classifier(broker: EmbeddedBroker) -> Iterator[RoleProcess]:
    process = start_classifier(broker)
    yield process
    process.stop()


@pytest.fixture
async def client(broker: EmbeddedBroker) -> AsyncIterator[PipelineClient]:
    pipeline = PipelineClient(broker.bootstrap)
    await pipeline.start()
    await pipeline.follow(MODERATION_DECISIONS.name)
    yield pipeline
    await pipeline.stop()
