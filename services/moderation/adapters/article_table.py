"""Every classifier keeps the whole `articles.context` topic as an in-memory table.

The topic is compacted and keyed by article_id, so reading it from the beginning (all
partitions, no consumer group, nothing committed) yields the latest context of every
article. The reader keeps following the topic, so an update applies to comments
classified after it arrives.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from moderation.domain.dead_letters import Rejected
from moderation.domain.events import ArticleContext
from moderation.service_layer.decoding import decode_event
from moderation.topics import ARTICLES_CONTEXT

log = logging.getLogger(__name__)


class ArticleTable:
    """article_id -> latest ArticleContext. `get` is the classifier's lookup."""

    def __init__(self) -> None:
        self._articles: dict[str, ArticleContext] = {}
        self.caught_up = asyncio.Event()
        self.applied = 0

    def get(self, article_id: str) -> ArticleContext | None:
        return self._articles.get(article_id)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if value is None:  # tombstone: the newsroom withdrew the context
            if key:
                self._articles.pop(key.decode("utf-8", "replace"), None)
            return
        decoded = decode_event(value, ArticleContext)
        if isinstance(decoded, Rejected):
            log.warning("ignoring invalid article context (%s): %s", decoded.reason, decoded.error)
            return
        current = self._articles.get(decoded.article_id)
        # Compaction keeps the last record per key, but a producer may resend an older one.
        if current is None or decoded.updated_at >= current.updated_at:
            self._articles[decoded.article_id] = decoded
        self.applied += 1

    def __len__(self) -> int:
        return len(self._articles)


class ArticleTableReader:
    """Follows `articles.context` into an ArticleTable in a background task."""

    def __init__(self, table: ArticleTable, consumer_options: dict[str, Any]) -> None:
        self.table = table
        self._options = consumer_options
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="article-table-reader")

    async def stop(self) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _run(self) -> None:
        while True:
            consumer = AIOKafkaConsumer(enable_auto_commit=False, group_id=None, **self._options)
            try:
                await consumer.start()
                await self._follow(consumer)
            except KafkaError as exc:
                log.warning("article table reader lost the broker (%s); retrying", exc)
                await asyncio.sleep(1.0)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end_offsets = await consumer.end_offsets(partitions)
        remaining = {tp: end for tp, end in end_offsets.items() if end > 0}
        if not remaining:
            self.table.caught_up.set()
        while True:
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            for records in batches.values():
                for record in records:
                    self.table.apply(record.key, record.value)
            # Positions, not last offsets: compaction can leave gaps at the end of a partition.
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]
            if not remaining and not self.table.caught_up.is_set():
                log.info("article table caught up: %d articles", len(self.table))
                self.table.caught_up.set()

    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            ids = consumer.partitions_for_topic(ARTICLES_CONTEXT.name)
            if ids:
                return [TopicPartition(ARTICLES_CONTEXT.name, p) for p in sorted(ids)]
            await consumer.topics()  # refresh metadata; the topic may not exist yet
            await asyncio.sleep(0.5)
