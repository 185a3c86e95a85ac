"""Coral's comments and our decisions onto Kafka, so the store, the queue and its audit see
them. After Coral has its answer: a broker that is slow or away never delays Coral, and a
comment whose records could not be published is logged by id (never by text) and counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from moderation.adapters.article_table import ArticleTable, ArticleTableReader
from moderation.adapters.kafka import (
    connection_options,
    ensure_topics,
    make_broker,
    wait_for_broker,
)
from moderation.domain.events import CommentModerated, CommentSubmitted
from moderation.settings import KafkaSettings
from moderation.topics import COMMENTS_SUBMITTED, MODERATION_DECISIONS

log = logging.getLogger(__name__)
PUBLISH_TIMEOUT_S = 10.0


class Publisher:
    """What the Coral phase publishes; `enabled` False where MODERATION_SCORING_KAFKA=false."""

    def __init__(
        self,
        kafka: KafkaSettings | None,
        table: ArticleTable | None = None,
        create_topics: bool = True,
        broker: Any = None,
    ) -> None:
        """`broker`: one to publish with instead of a KafkaBroker for `kafka` (tests)."""
        self.kafka = kafka
        self.enabled = kafka is not None or broker is not None
        self.broker = broker or (make_broker(kafka) if kafka is not None else None)
        self.reader = (
            ArticleTableReader(table, connection_options(kafka))
            if kafka is not None and table is not None
            else None
        )
        self.create_topics = create_topics
        self.connected = asyncio.Event()
        self.stats = {"published": 0, "failed": 0, "not_published_kafka_off": 0}
        self._connecting: asyncio.Task[None] | None = None
        self._sends: set[asyncio.Task[Any]] = set()

    async def start(self) -> None:
        if not self.enabled:
            log.warning(
                "Kafka is OFF for the scoring API (MODERATION_SCORING_KAFKA=false): Coral's "
                "comments and our decisions on them are not published, so the comment store "
                "and the moderator queue will not see them; legal checks use only article "
                "context sent with /v1/moderate"
            )
            return
        self._connecting = asyncio.create_task(self._connect(), name="scoring-api-kafka")

    async def _connect(self) -> None:
        assert self.broker is not None
        if self.kafka is not None:
            await wait_for_broker(self.kafka, timeout_s=None)
            if self.create_topics:
                await ensure_topics(self.kafka)
        if self.reader is not None:
            await self.reader.start()
        await self.broker.start()
        self.connected.set()
        log.info("scoring API publishing to %s", self.kafka and self.kafka.bootstrap_servers)

    async def stop(self) -> None:
        for task in [*self._sends]:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await asyncio.wait_for(task, PUBLISH_TIMEOUT_S)
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._connecting
        if self.reader is not None:
            await self.reader.stop()
        if self.broker is not None:
            await self.broker.stop()

    def state(self) -> str:
        if not self.enabled:
            return "off"
        return "connected" if self.connected.is_set() else "connecting"

    def publish_later(
        self, comment: CommentSubmitted, decision: asyncio.Future[Any] | None
    ) -> None:
        """Publish the comment now and its decision once `decision` (a future of Scored)
        is done, in the background."""
        if not self.enabled:
            self.stats["not_published_kafka_off"] += 1
            return
        task = asyncio.create_task(self._publish(comment, decision))
        self._sends.add(task)
        task.add_done_callback(self._sends.discard)

    async def _publish(
        self, comment: CommentSubmitted, decision: asyncio.Future[Any] | None
    ) -> None:
        try:
            await asyncio.wait_for(self.connected.wait(), PUBLISH_TIMEOUT_S)
            await self._send(COMMENTS_SUBMITTED.name, comment.comment_id, comment.model_dump_json())
            if decision is not None:
                moderated: CommentModerated = (await decision).decision
                await self._send(
                    MODERATION_DECISIONS.name, comment.comment_id, moderated.model_dump_json()
                )
            self.stats["published"] += 1
        except Exception as exc:
            self.stats["failed"] += 1
            log.warning(
                "Coral comment %s was not published to Kafka (%s: %s)",
                comment.comment_id,
                type(exc).__name__,
                exc,
            )

    async def _send(self, topic: str, key: str, value: str) -> None:
        assert self.broker is not None
        await asyncio.wait_for(
            self.broker.publish(
                value.encode(),
                topic,
                key=key.encode(),
                headers={"content-type": "application/json"},
            ),
            PUBLISH_TIMEOUT_S,
        )
