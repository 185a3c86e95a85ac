"""Real processes: the embedded broker and the roles, talked to with aiokafka. The broker
and client fixtures are in tests/conftest.py, helpers to start roles in tests/roles.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from moderation.adapters.embedded_broker import EmbeddedBroker
from moderation.adapters.processes import RoleProcess
from tests.roles import start_classifier


@pytest.fixture(scope="module")
def classifier(broker: EmbeddedBroker) -> Iterator[RoleProcess]:
    process = start_classifier(broker)
    yield process
    process.stop()
