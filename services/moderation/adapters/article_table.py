"""Every classifier keeps the whole `articles.context` topic as an in-memory table.

The topic is compacted and keyed by article_id, so reading it from the beginning (all
partitions, no consumer group, nothing committed) yields the latest context of every
article. The reader keeps following the topic, so an update applies to comments
classified after it arrives.

A memory-only broker (the embedded default) forgets the topic when it restarts, so the
classifier also keeps the table on disk (ArticleSnapshot): at start it classifies with the
saved contexts at once, and once it has read the topic it publishes again every saved
context the topic lacks (or holds an older version of).
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from datetime import datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.structs import ConsumerRecord

from moderation.adapters.compacted_topic import CompactedTopicFollower
from moderation.adapters.decoding import decode_event
from moderation.domain.dead_letters import Rejected
from moderation.domain.events import ArticleContext
from moderation.topics import ARTICLES_CONTEXT

log = logging.getLogger(__name__)


class ArticleSnapshot:
    """The article table in a SQLite file: written as the table changes, read at start."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        # Several classifiers may share a data directory: wait for each other's writes.
        self._db = sqlite3.connect(path, timeout=30)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS articles (article_id TEXT PRIMARY KEY, context TEXT)"
        )
        self._db.commit()

    def load(self) -> list[ArticleContext]:
        rows = self._db.execute("SELECT context FROM articles").fetchall()
        return [ArticleContext.model_validate_json(context) for (context,) in rows]

    def save(self, context: ArticleContext) -> None:
        self._db.execute(
            "INSERT INTO articles VALUES (?, ?) "
            "ON CONFLICT (article_id) DO UPDATE SET context = excluded.context",
            (context.article_id, context.model_dump_json()),
        )

    def delete(self, article_id: str) -> None:
        self._db.execute("DELETE FROM articles WHERE article_id = ?", (article_id,))

    def commit(self) -> None:
        self._db.commit()


class ArticleTable:
    """article_id -> latest ArticleContext. `get` is the classifier's lookup."""

    def __init__(self, snapshot: ArticleSnapshot | None = None) -> None:
        self._articles: dict[str, ArticleContext] = {}
        self.caught_up = asyncio.Event()
        self.applied = 0
        self.snapshot = snapshot
        # What the topic itself held, by article (None: withdrawn), since the reader last
        # started reading it from the beginning.
        self.in_topic: dict[str, datetime | None] = {}

    def restore(self) -> int:
        """Fill the table from the snapshot; returns how many contexts it held."""
        if self.snapshot is None:
            return 0
        saved = self.snapshot.load()
        for context in saved:
            self._articles[context.article_id] = context
        return len(saved)

    def missing_from_topic(self) -> list[ArticleContext]:
        """Contexts in the table that the topic lacks or holds an older version of."""
        return [
            context
            for article_id, context in self._articles.items()
            if (seen := self.in_topic.get(article_id)) is None or seen < context.updated_at
        ]

    def get(self, article_id: str) -> ArticleContext | None:
        return self._articles.get(article_id)

    def apply(self, key: bytes | None, value: bytes | None) -> None:
        if value is None:  # tombstone: the newsroom withdrew the context
            if key:
                article_id = key.decode("utf-8", "replace")
                self._articles.pop(article_id, None)
                self.in_topic[article_id] = None
                if self.snapshot:
                    self.snapshot.delete(article_id)
            return
        decoded = decode_event(value, ArticleContext)
        if isinstance(decoded, Rejected):
            log.warning("ignoring invalid article context (%s): %s", decoded.reason, decoded.error)
            return
        seen = self.in_topic.get(decoded.article_id)
        if seen is None or decoded.updated_at > seen:
            self.in_topic[decoded.article_id] = decoded.updated_at
        current = self._articles.get(decoded.article_id)
        # Compaction keeps the last record per key, but a producer may resend an older one.
        if current is None or decoded.updated_at >= current.updated_at:
            self._articles[decoded.article_id] = decoded
            if self.snapshot:
                self.snapshot.save(decoded)
        self.applied += 1

    def __len__(self) -> int:
        return len(self._articles)


class ArticleTableReader(CompactedTopicFollower):
    """Follows `articles.context` into an ArticleTable in a background task."""

    def __init__(self, table: ArticleTable, consumer_options: dict[str, Any]) -> None:
        super().__init__(ARTICLES_CONTEXT.name, consumer_options)
        self.table = table

    def apply(self, record: ConsumerRecord[bytes, bytes]) -> None:
        self.table.apply(record.key, record.value)

    async def before_reading(self) -> None:
        self.table.in_topic.clear()  # what this read finds in the topic, afresh

    def after_batch(self) -> None:
        if self.table.snapshot:
            self.table.snapshot.commit()

    async def caught_up(self) -> None:
        await self._republish_missing()
        if not self.table.caught_up.is_set():
            log.info("article table caught up: %d articles", len(self.table))
            self.table.caught_up.set()

    async def _republish_missing(self) -> None:
        """Saved contexts the topic has lost (a memory-only broker restarted) go back to it,
        so every other reader (more classifiers, the moderator queue) has them too."""
        missing = self.table.missing_from_topic()
        if not missing:
            return
        producer = AIOKafkaProducer(**self._options, acks="all")
        await producer.start()
        try:
            for context in missing:
                await producer.send_and_wait(
                    ARTICLES_CONTEXT.name,
                    context.model_dump_json().encode(),
                    key=context.article_id.encode(),
                )
        finally:
            await producer.stop()
        log.warning(
            "re-published %d article contexts that %s had lost (restarted broker?)",
            len(missing),
            ARTICLES_CONTEXT.name,
        )
