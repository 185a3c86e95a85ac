"""Faults, bounded in time: killed processes, a locked database, a broker that comes late
or restarts, poison input. Each checks that nothing is lost and says how much was
duplicated."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import threading
import time

import pytest
from aiokafka.admin import AIOKafkaAdminClient

from moderation.adapters.embedded_broker import EmbeddedBroker, free_port
from moderation.adapters.processes import RoleProcess
from moderation.adapters.topic_reader import DEAD_LETTER_TOPICS
from moderation.topics import ALL_TOPICS, MODERATION_DECISIONS
from tests.pipeline_client import CLEAN, TOXIC, PipelineClient, comment_event
from tests.reliability.conftest import record_fault
from tests.roles import ARTIFACTS, start_classifier, start_role

pytestmark = pytest.mark.reliability


def tally(events, found):
    missing = [e["comment_id"] for e in events if e["comment_id"] not in found]
    duplicates = sum(len(v) - 1 for v in found.values())
    return len(events) - len(missing), len(missing), duplicates


async def test_classifier_killed_mid_stream_loses_nothing(broker, client):
    worker = start_classifier(broker, name="fault-classifier")
    events = [comment_event(f"{CLEAN} ({i})") for i in range(600)]
    try:
        for event in events[:300]:
            await client.publish_comment(event)
        await client.collect(MODERATION_DECISIONS.name, lambda rs: len(rs) >= 30, timeout_s=30)
        worker.kill()
        for event in events[300:]:
            await client.publish_comment(event)
        worker = start_classifier(broker, name="fault-classifier")
        found = await client.decisions_for([e["comment_id"] for e in events], timeout_s=90)
    finally:
        worker.stop()
    decided, lost, duplicates = tally(events, found)
    record_fault("classifier SIGKILL mid-stream, restarted", len(events), decided, lost, duplicates)
    assert lost == 0


def statuses(store: RoleProcess, article_id: str) -> dict[str, str]:
    found, cursor = {}, None
    while True:
        query = f"/articles/{article_id}/comments?all=true&limit=200"
        status, body = store.get(query + (f"&cursor={cursor}" if cursor else ""))
        assert status == 200
        page = json.loads(body)
        found.update({c["comment_id"]: c["status"] for c in page["comments"]})
        cursor = page["next_cursor"]
        if not cursor:
            return found


async def wait_for_statuses(store, article_id, expected, timeout_s=90.0) -> dict[str, str]:
    deadline = time.monotonic() + timeout_s
    seen: dict[str, str] = {}
    while time.monotonic() < deadline:
        seen = statuses(store, article_id)
        if seen == expected:
            break
        await asyncio.sleep(0.5)
    return seen


async def test_store_killed_mid_stream_ends_with_exactly_the_right_statuses(
    broker, client, tmp_path
):
    env = {"MODERATION_DATA_DIR": str(tmp_path)}
    classifier = start_classifier(broker, name="fault-store-classifier")
    store = start_role(broker, "comment-store", name="fault-store", **env)
    article = "fault-store"
    events = [
        comment_event(TOXIC if i % 5 == 0 else f"{CLEAN} ({i})", article_id=article)
        for i in range(500)
    ]
    expected = {
        e["comment_id"]: "held" if i % 5 == 0 else "published" for i, e in enumerate(events)
    }
    try:
        for event in events[:250]:
            await client.publish_comment(event)
        deadline = time.monotonic() + 30
        while len(statuses(store, article)) < 50 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        store.kill()
        for event in events[250:]:
            await client.publish_comment(event)
        store = start_role(broker, "comment-store", name="fault-store", **env)
        seen = await wait_for_statuses(store, article, expected)
        _, body = store.get("/stats")
    finally:
        store.stop()
        classifier.stop()
    wrong = {k: v for k, v in seen.items() if expected.get(k) != v}
    record_fault(
        "comment store SIGKILL mid-stream, restarted",
        len(events),
        len(seen),
        len(set(expected) - set(seen)),
        0,
        f"wrong statuses: {len(wrong)}; re-applied as no-ops: {json.loads(body)['unchanged']}",
    )
    assert seen == expected


async def test_locked_database_commits_nothing_until_it_is_back(broker, client, tmp_path):
    env = {"MODERATION_DATA_DIR": str(tmp_path), "MODERATION_DB_BUSY_TIMEOUT_S": "0.5"}
    classifier = start_classifier(broker, name="fault-db-classifier")
    store = start_role(broker, "comment-store", name="fault-db-store", **env)
    article = "fault-db"
    events = [comment_event(f"{CLEAN} ({i})", article_id=article) for i in range(200)]
    release = threading.Event()

    def hold_lock() -> None:
        connection = sqlite3.connect(tmp_path / "store.db", timeout=30)
        connection.execute("BEGIN EXCLUSIVE")
        release.wait(timeout=60)
        connection.rollback()
        connection.close()

    locker = threading.Thread(target=hold_lock)
    try:
        locker.start()
        await asyncio.sleep(0.5)
        for event in events:
            await client.publish_comment(event)
        await asyncio.sleep(6.0)  # the store keeps failing and retrying meanwhile
        metrics = store.get("/metrics")[1].decode()
        failures = sum(
            float(line.rsplit(" ", 1)[1])
            for line in metrics.splitlines()
            if line.startswith('moderation_batch_failures_total{role="comment-store"}')
        )
        release.set()
        locker.join()
        seen = await wait_for_statuses(
            store, article, {e["comment_id"]: "published" for e in events}
        )
    finally:
        release.set()
        store.stop()
        classifier.stop()
    record_fault(
        "store database locked for 6 s",
        len(events),
        len(seen),
        len(events) - len(seen),
        0,
        f"batches retried: {int(failures)}",
    )
    assert failures >= 1
    assert seen == {e["comment_id"]: "published" for e in events}


async def readiness(worker: RoleProcess, timeout_s: float = 60.0) -> tuple[int, dict]:
    """The worker's /ready (status, body) once its HTTP server answers at all."""
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            status, body = worker.get("/ready")
            return status, json.loads(body)
        except OSError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.2)


async def topic_partitions(bootstrap: str) -> dict[str, int]:
    """Every topic on the broker and its partition count."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        names = await admin.list_topics()
        return {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics(names)}
    finally:
        await admin.close()


async def topics_recreated(bootstrap: str, timeout_s: float = 90.0) -> dict[str, int]:
    """Topics and partition counts once every topic of topics.py is back (the services'
    guard recreates them; the embedded broker also makes a topic, with 4 partitions, for
    any client that asks for one by name)."""
    deadline = time.monotonic() + timeout_s
    while True:
        found = await topic_partitions(bootstrap)
        if {t.name for t in ALL_TOPICS} <= set(found) or time.monotonic() > deadline:
            return found
        await asyncio.sleep(0.5)


async def test_broker_late_at_start_then_restarted(tmp_path):
    # What the worker does is read from its state (/ready, the broker's topics, decisions),
    # not from its log: a log line is late or early on a loaded machine, the state is not.
    port = free_port()
    bootstrap = f"127.0.0.1:{port}"
    worker = RoleProcess(
        "classifier",
        bootstrap,
        log_path=ARTIFACTS / "fault-broker.log",
        env={"MODERATION_DATA_DIR": str(tmp_path)},
    ).start()
    embedded = EmbeddedBroker(port, (ARTIFACTS / "fault-broker-process.log").open("ab"))
    sent = decided = duplicates = 0
    try:
        # The worker starts first: it serves, says it is not ready for want of the broker,
        # and keeps waiting.
        status, body = await readiness(worker)
        assert (status, body["broker"]) == (503, False)
        assert worker.process.poll() is None
        embedded.start()
        worker.wait_ready(timeout_s=90)
        for phase in ("before restart", "after restart"):
            client = PipelineClient(bootstrap)
            await client.start()
            await client.follow(MODERATION_DECISIONS.name)
            events = [comment_event(f"{CLEAN} ({phase} {i})") for i in range(50)]
            for event in events:
                await client.publish_comment(event)
            found = await client.decisions_for([e["comment_id"] for e in events], timeout_s=90)
            await client.stop()
            got, _, dup = tally(events, found)
            sent, decided, duplicates = sent + len(events), decided + got, duplicates + dup
            if phase == "before restart":
                embedded.stop()  # memory-only: every topic and record is gone
                await asyncio.sleep(2.0)
                embedded.start()
                recreated = await topics_recreated(bootstrap)
    finally:
        worker.stop()
        embedded.stop()
    record_fault(
        "broker down at start-up, then restarted (memory wiped)",
        sent,
        decided,
        sent - decided,
        duplicates,
    )
    assert decided == sent
    assert {t.name for t in ALL_TOPICS} <= set(recreated), recreated
    # Nothing asks for a dead-letter topic by name here, so only the guard can have made
    # them again, from topics.py (the broker's own would have 4 partitions).
    for spec in ALL_TOPICS:
        if spec.name in DEAD_LETTER_TOPICS:
            assert recreated[spec.name] == spec.partitions, (spec.name, recreated)
