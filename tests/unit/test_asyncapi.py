"""schemas/asyncapi.json, read by the official AsyncAPI parser (npm @asyncapi/parser, in
tests/asyncapi/: `npm ci --prefix tests/asyncapi`), says what topics.py and roles.py say:
one channel per topic, with its event, key, partitions and compaction, and an operation
for every topic each role reads or writes."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from moderation.contracts import SCHEMAS_DIR
from moderation.roles import ROLES
from moderation.topics import ALL_TOPICS

PARSER_DIR = Path(__file__).resolve().parents[1] / "asyncapi"


@pytest.fixture(scope="module")
def parsed() -> dict:
    node = shutil.which("node")
    if node is None or not (PARSER_DIR / "node_modules" / "@asyncapi" / "parser").is_dir():
        if os.environ.get("MODERATION_REQUIRE_ASYNCAPI_PARSER"):
            pytest.fail("the AsyncAPI parser is required: npm ci --prefix tests/asyncapi")
        pytest.skip("no node or no @asyncapi/parser (npm ci --prefix tests/asyncapi)")
    run = subprocess.run(
        [node, str(PARSER_DIR / "parse.mjs"), str(SCHEMAS_DIR / "asyncapi.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_official_parser_accepts_the_document(parsed):
    errors = [d for d in parsed["diagnostics"] if d["severity"] in ("error", "warning")]
    assert errors == []


def test_one_channel_per_topic_with_its_event_key_partitions_and_policy(parsed):
    channels = parsed["channels"]
    assert set(channels) == {topic.name for topic in ALL_TOPICS}
    for topic in ALL_TOPICS:
        channel = channels[topic.name]
        assert channel["messages"] == [topic.event or "DeadLetter"], topic.name
        [key] = channel["keys"]
        assert key["type"] == "string"
        assert (topic.key or "original record's key") in key["description"]
        kafka = channel["kafka"]
        assert (kafka["topic"], kafka["partitions"]) == (topic.name, topic.partitions)
        policy = topic.configs.get("cleanup.policy")
        assert kafka["topicConfiguration"].get("cleanup.policy") == ([policy] if policy else None)


def test_every_topic_each_role_reads_or_writes_is_an_operation(parsed):
    seen = {
        (op["id"].split("-" + op["action"])[0], op["action"], address, op["group"])
        for address, channel in parsed["channels"].items()
        for op in channel["operations"]
    }
    expected = set()
    for role in ROLES.values():
        expected |= {(role.name, "receive", t.name, role.group) for t in role.consumes}
        expected |= {(role.name, "receive", t.name, None) for t in role.follows}
        expected |= {(role.name, "send", t.name, None) for t in role.produces}
    assert seen == expected
    # Every topic has a role that writes it and, DLQs aside (people read those), one that
    # reads it.
    for topic in ALL_TOPICS:
        actions = {action for _, action, address, _ in seen if address == topic.name}
        assert "send" in actions, topic.name
        assert "receive" in actions or topic.event is None, topic.name
