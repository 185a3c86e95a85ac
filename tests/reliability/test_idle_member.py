"""Issue #13: /ready of a consumer-group member judges only the partitions it owns. A
classifier whose partitions are caught up stays ready while another member of its group
(here a bare aiokafka consumer that never commits) lets its own partitions lag."""

from __future__ import annotations

import json
import time

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from moderation.roles import CLASSIFIER
from moderation.topics import COMMENTS_SUBMITTED
from tests.pipeline_client import CLEAN, comment_event
from tests.reliability.conftest import record_fault
from tests.roles import start_classifier

pytestmark = pytest.mark.reliability

STUCK_AFTER_S = 2.0


async def test_a_member_is_not_unready_for_another_members_lag(broker, client):
    classifier = start_classifier(
        broker, name="idle-member-classifier", MODERATION_STUCK_AFTER_S=str(STUCK_AFTER_S)
    )
    other = AIOKafkaConsumer(
        COMMENTS_SUBMITTED.name,
        bootstrap_servers=broker.bootstrap,
        group_id=CLASSIFIER.group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap)
    await producer.start()
    statuses: list[tuple[int, dict]] = []
    try:
        # One decided comment first: the classifier is up and has committed.
        first = comment_event(CLEAN)
        await client.publish_comment(first)
        assert await client.decisions_for([first["comment_id"]], timeout_s=60)
        await other.start()
        deadline = time.monotonic() + 60
        while not other.assignment() and time.monotonic() < deadline:
            await other.getmany(timeout_ms=200)  # joins the group, takes some partitions
        theirs = sorted(tp.partition for tp in other.assignment())
        assert theirs, "the second member got no partitions"
        # Records on the other member's partitions only: it reads them, never commits.
        for i in range(20):
            event = comment_event(f"{CLEAN} ({i})")
            await producer.send_and_wait(
                COMMENTS_SUBMITTED.name, json.dumps(event).encode(), partition=theirs[0]
            )
        await other.getmany(timeout_ms=500)
        # Idle for longer than the limit, with lag measured (every 5 s at most) meanwhile.
        watch_until = time.monotonic() + STUCK_AFTER_S + 8
        while time.monotonic() < watch_until:
            status, body = classifier.get("/ready")
            statuses.append((status, json.loads(body)))
            await other.getmany(timeout_ms=500)  # stays a live member
    finally:
        await producer.stop()
        await other.stop()
        classifier.stop()
    unready = [body for status, body in statuses if status != 200]
    record_fault(
        "idle member: another member of the group lags on its own partitions",
        20,
        0,
        0,
        0,
        f"/ready of the caught-up member: {len(statuses) - len(unready)} of {len(statuses)} "
        f"answers 200 over {STUCK_AFTER_S + 8:.0f} s (partitions lagging: {theirs[:1]})",
    )
    assert statuses and not unready, unready[:1]
