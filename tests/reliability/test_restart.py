"""Restarting the embedded (memory-only) broker with every role, as `make run` does again:
article contexts and undecided comments survive in the data directory (issue #13 item 4)."""

from __future__ import annotations

import asyncio
import json
import time
import urllib.request

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from moderation.adapters.embedded_broker import EmbeddedBroker, free_port
from moderation.adapters.kafka import ensure_topics, publish_article_context
from moderation.domain.events import ArticleContext
from moderation.settings import KafkaSettings
from moderation.topics import ARTICLES_CONTEXT
from tests.pipeline_client import CLEAN, PipelineClient, comment_event
from tests.reliability.conftest import record_fault
from tests.roles import ARTIFACTS, start_role, store_status_becomes

pytestmark = pytest.mark.reliability

TRIAL = ArticleContext.model_validate(
    {
        "article_id": "trial-restart",
        "site_id": "e2e-site",
        "active_proceedings": [{"defendants": ["Mark Evans"]}],
        "legally_sensitive": True,
    }
)
GUILTY = "Mark Evans is obviously guilty."


async def fresh_broker() -> EmbeddedBroker:
    broker = EmbeddedBroker(free_port(), (ARTIFACTS / "broker.log").open("ab"))
    broker.start()
    await ensure_topics(KafkaSettings(bootstrap_servers=broker.bootstrap))
    return broker


def post(store, comment: dict) -> int:
    request = urllib.request.Request(
        store.url + "/comments",
        data=json.dumps(comment).encode(),
        headers={"content-type": "application/json", **store.headers},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=15) as response:
        return response.status


async def send(bootstrap: str, event: dict) -> None:
    client = PipelineClient(bootstrap)
    await client.start()
    try:
        await client.publish_comment(event)
    finally:
        await client.stop()


async def contexts_in_topic(bootstrap: str) -> set[str]:
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await consumer.start()
    try:
        partitions = [
            TopicPartition(ARTICLES_CONTEXT.name, p)
            for p in consumer.partitions_for_topic(ARTICLES_CONTEXT.name) or ()
        ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        batches = (
            await consumer.getmany(timeout_ms=2000, max_records=1000) if any(ends.values()) else {}
        )
        return {r.key.decode() for records in batches.values() for r in records}
    finally:
        await consumer.stop()


@pytest.fixture
async def store_dsn(new_database) -> str:
    """The store's database: a SQLite file in the data dir, or a fresh PostgreSQL database."""
    return await new_database()


async def test_a_restart_keeps_article_contexts_and_decides_what_was_pending(tmp_path, store_dsn):
    env = {
        "MODERATION_DATA_DIR": str(tmp_path),
        "MODERATION_STORE_DSN": store_dsn,
        "MODERATION_PENDING_REPUBLISH_AFTER_S": "2",
    }
    broker = await fresh_broker()
    classifier = start_role(broker, "classifier", "restart-classifier", **env)
    store = start_role(broker, "comment-store", "restart-store", **env)
    pending = comment_event(CLEAN, article_id="plain-restart")
    posted = {k: v for k, v in comment_event(CLEAN).items() if k != "event_id"}
    try:
        await publish_article_context(KafkaSettings(bootstrap_servers=broker.bootstrap), TRIAL)
        before = comment_event(GUILTY, article_id=TRIAL.article_id)
        await asyncio.sleep(1.0)
        await send(broker.bootstrap, before)
        held = await store_status_becomes(store, before["comment_id"], "held", timeout_s=60.0)
        assert "LEGAL_CONTEMPT" in held["reason_codes"]
        # No classifier: these comments are stored, pending, when everything stops. The one
        # sent over HTTP is stored before the 202, so a broker that loses it right after
        # cannot lose it.
        classifier.stop()
        await send(broker.bootstrap, pending)
        await store_status_becomes(store, pending["comment_id"], "pending", timeout_s=60.0)
        assert post(store, posted) == 202
        assert json.loads(store.get(f"/comments/{posted['comment_id']}")[1])["status"] == "pending"
    finally:
        for process in (classifier, store):
            process.stop()
        broker.stop()

    # `make run` again: a new, empty broker; the same data directory.
    broker = await fresh_broker()
    started = time.monotonic()
    classifier = start_role(broker, "classifier", "restart-classifier", **env)
    store = start_role(broker, "comment-store", "restart-store", **env)
    try:
        after = comment_event(GUILTY, article_id=TRIAL.article_id)
        await send(broker.bootstrap, after)
        held = await store_status_becomes(store, after["comment_id"], "held", timeout_s=60.0)
        assert "LEGAL_CONTEMPT" in held["reason_codes"]
        await store_status_becomes(store, pending["comment_id"], "published", timeout_s=60.0)
        await store_status_becomes(store, posted["comment_id"], "published", timeout_s=60.0)
        waited = time.monotonic() - started
        final = [
            json.loads(store.get(f"/comments/{c['comment_id']}")[1])
            for c in (before, pending, posted, after)
        ]
        # Published again for every other reader of the topic, too.
        assert TRIAL.article_id in await contexts_in_topic(broker.bootstrap)
    finally:
        for process in (classifier, store):
            process.stop()
        broker.stop()
    decided = [c for c in final if c["status"] != "pending"]
    decisions = [sum(h["actor"] == "system" for h in c["history"]) for c in final]
    record_fault(
        f"embedded broker and every role restarted (memory-only broker), {store_dsn[:10]}",
        sent=len(final),
        decided=len(decided),
        lost=len(final) - len(decided),
        duplicates=sum(decisions) - len(decided),
        note=f"context kept; both pending comments decided {waited:.1f} s after the restart",
    )
    assert len(decided) == len(final)
