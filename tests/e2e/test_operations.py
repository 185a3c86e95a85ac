"""Operations on running processes: /metrics, /ready, DLQ replay."""

from __future__ import annotations

import asyncio
import json
import sys
import time

import pytest

from moderation.adapters.processes import RoleProcess
from moderation.topics import COMMENTS_SUBMITTED, COMMENTS_SUBMITTED_DLQ
from tests.pipeline_client import CLEAN, TOXIC, comment_event
from tests.roles import ARTIFACTS, start_classifier, start_role

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def roles(broker, tmp_path_factory):
    data = tmp_path_factory.mktemp("ops")
    env = {"MODERATION_DATA_DIR": str(data)}
    started = {
        "classifier": start_classifier(broker),
        "comment-store": start_role(broker, "comment-store", **env),
        "moderator-queue": start_role(broker, "moderator-queue", **env),
    }
    yield started
    for process in started.values():
        process.stop()


def metric_lines(process: RoleProcess) -> list[str]:
    status, body = process.get("/metrics")
    assert status == 200
    return [line for line in body.decode().splitlines() if not line.startswith("#")]


def value(lines: list[str], prefix: str) -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if line.startswith(prefix))


async def test_metrics_and_readiness_of_every_role(roles, client):
    events = [comment_event(CLEAN), comment_event(TOXIC)]
    for event in events:
        await client.publish_comment(event)
    await client.decisions_for([e["comment_id"] for e in events])
    await asyncio.sleep(2.0)  # let the store and the queue apply them

    classifier = metric_lines(roles["classifier"])
    assert value(classifier, 'moderation_comments_decided_total{decision="approve"}') >= 1
    assert value(classifier, 'moderation_comments_decided_total{decision="hold"}') >= 1
    assert value(classifier, 'moderation_hold_reasons_total{code="TOXICITY"}') >= 1
    assert value(classifier, "moderation_scoring_seconds_count") >= 1
    assert value(classifier, "moderation_end_to_end_seconds_count") >= 2
    assert any(line.startswith('moderation_consumer_lag{group="classifier"') for line in classifier)

    store = metric_lines(roles["comment-store"])
    assert value(store, 'moderation_store_events_applied_total{topic="moderation.decisions"}') >= 2
    assert any('group="comment-store"' in line for line in store)

    queue = metric_lines(roles["moderator-queue"])
    assert value(queue, "moderation_queue_depth") >= 1
    assert value(queue, "moderation_queue_oldest_age_seconds") >= 0

    for process in roles.values():
        status, body = process.get("/ready")
        assert status == 200, body


def test_ready_is_503_and_health_200_while_the_broker_is_unreachable(tmp_path):
    log = ARTIFACTS / "no-broker.log"
    # The log is appended to by every run: only what this run wrote can show its shutdown.
    start = log.stat().st_size if log.exists() else 0
    process = RoleProcess(
        "classifier",
        "127.0.0.1:1",
        log_path=log,
        env={"MODERATION_DATA_DIR": str(tmp_path)},
    ).start()
    try:
        for _ in range(100):
            try:
                if process.get("/health")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert process.get("/health")[0] == 200
        status, body = process.get("/ready")
        assert status == 503 and json.loads(body)["broker"] is False
    finally:
        # SIGTERM while waiting for the broker: a graceful exit (uvicorn re-raises the
        # signal after shutting down, so the status is -15 rather than 0).
        assert process.stop(timeout_s=10) in (0, -15)
    assert "Application shutdown complete" in log.read_bytes()[start:].decode()


async def test_dlq_replay_sends_records_back_to_their_source(roles, client, broker):
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    await client.follow(COMMENTS_SUBMITTED.name)
    await client.send(
        COMMENTS_SUBMITTED.name, b"not json at all", key="replay-me", headers=[("origin", b"cms")]
    )
    await client.collect(
        COMMENTS_SUBMITTED_DLQ.name, lambda rs: any(r.key == b"replay-me" for r in rs)
    )
    replay = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moderation.entrypoints.cli",
        "dlq",
        "replay",
        env={"KAFKA_BOOTSTRAP_SERVERS": broker.bootstrap, "PATH": ""},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    output, errors = await replay.communicate()
    assert replay.returncode == 0, errors
    report = json.loads(output.decode().strip().splitlines()[-1])
    assert report["replayed"] >= 1 and report["by_target"][COMMENTS_SUBMITTED.name] >= 1

    resent = await client.collect(
        COMMENTS_SUBMITTED.name,
        lambda rs: sum(r.key == b"replay-me" for r in rs) >= 2,
    )
    copies = [r for r in resent if r.key == b"replay-me"]
    assert len(copies) == 2 and copies[1].value == b"not json at all"
    headers = dict(copies[1].headers)
    assert headers["origin"] == b"cms" and not any(k.startswith("x-dlq") for k in headers)
    # Still malformed, so it is dead-lettered again, with its reason.
    again = await client.collect(
        COMMENTS_SUBMITTED_DLQ.name, lambda rs: sum(r.key == b"replay-me" for r in rs) >= 2
    )
    assert sum(r.key == b"replay-me" for r in again) == 2
