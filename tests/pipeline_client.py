"""A small aiokafka client for e2e tests: publish events, collect what comes out."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from moderation.topics import ARTICLES_CONTEXT, COMMENTS_SUBMITTED, MODERATION_DECISIONS

CLEAN = "Thank you for this careful report; the council's figures deserve scrutiny."
TOXIC = "You are a pathetic fucking idiot and everyone here hates you."


def comment_event(body: str, article_id: str = "article-1", **fields: object) -> dict:
    return {
        "event_id": uuid.uuid4().hex,
        "comment_id": fields.pop("comment_id", None) or uuid.uuid4().hex,
        "article_id": article_id,
        "site_id": "e2e-site",
        "author": {"id": "reader-1"},
        "body": body,
        **fields,
    }


class PipelineClient:
    """Publishes to the pipeline's input topics and collects what comes out."""

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=1)
        self._readers: dict[str, AIOKafkaConsumer] = {}
        self._seen: dict[str, list] = {}

    async def start(self) -> None:
        await self.producer.start()

    async def stop(self) -> None:
        await self.producer.stop()
        for reader in self._readers.values():
            await reader.stop()

    async def follow(self, topic: str) -> None:
        """Start reading `topic` from its current end (call before publishing)."""
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
        )
        await consumer.start()
        partitions = [TopicPartition(topic, p) for p in sorted(await _partitions(consumer, topic))]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for tp in partitions:
            await consumer.position(tp)  # resolve the lazy seek now, before anything is sent
        self._readers[topic] = consumer

    async def publish_comment(self, event: dict) -> None:
        await self.send(COMMENTS_SUBMITTED.name, json.dumps(event).encode(), event["comment_id"])

    async def publish_article(self, context: dict) -> None:
        await self.send(ARTICLES_CONTEXT.name, json.dumps(context).encode(), context["article_id"])

    async def send(self, topic: str, value: bytes, key: str | None = None, headers=None) -> None:
        await self.producer.send_and_wait(
            topic, value, key=key.encode() if key else None, headers=headers
        )

    async def collect(self, topic: str, until, timeout_s: float = 20.0) -> list:
        """Every record read from `topic` since `follow`, once `until(records)` is true or
        the time is up."""
        consumer = self._readers[topic]
        records = self._seen.setdefault(topic, [])
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline and not until(records):
            batches = await consumer.getmany(timeout_ms=100)
            for batch in batches.values():
                records.extend(batch)
        return records

    async def decisions_for(self, comment_ids, timeout_s: float = 20.0) -> dict[str, list[dict]]:
        wanted = set(comment_ids)

        def decided(records) -> bool:
            return wanted <= {json.loads(r.value)["comment_id"] for r in records}

        records = await self.collect(MODERATION_DECISIONS.name, decided, timeout_s)
        found: dict[str, list[dict]] = {}
        for record in records:
            decision = json.loads(record.value)
            if decision["comment_id"] in wanted:
                found.setdefault(decision["comment_id"], []).append(decision)
        return found


async def _partitions(consumer: AIOKafkaConsumer, topic: str) -> set[int]:
    for _ in range(50):
        await consumer.topics()
        if parts := consumer.partitions_for_topic(topic):
            return parts
        await asyncio.sleep(0.1)
    raise RuntimeError(f"topic {topic} has no partitions")
