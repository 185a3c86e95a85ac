"""Every classifier keeps the whole `moderation.authors` topic as an in-memory table:
(site_id, author_id) -> the reader's latest ReaderStatusChanged.

Like the article table (article_table.py): the topic is compacted, so reading it from the
beginning (all partitions, no group, nothing committed) yields each reader's latest status,
and the reader keeps following it. Unlike it, there is no snapshot here: the moderator
queue's database is the source of truth, and the queue publishes every status again when
it starts (a memory-only broker that restarted has lost them; `moderation dev` restarts
every role with it).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError

from moderation.adapters.decoding import decode_event
from moderation.domain.dead_letters import Rejected
from moderation.domain.events import ReaderStatus, ReaderStatusChanged
from moderation.topics import MODERATION_AUTHORS

log = logging.getLogger(__name__)


class ReaderTable:
    """`get(site_id, author_id)` is the classifier's lookup: None for a reader nobody acted
    on (or whose status was lifted)."""

    def __init__(self) -> None:
        self._statuses: dict[tuple[str, str], ReaderStatusChanged] = {}
        self.caught_up = asyncio.Event()
        self.applied = 0

    def get(self, site_id: str, author_id: str) -> ReaderStatus | None:
        change = self._statuses.get((site_id, author_id))
        if change is None or change.status == ReaderStatus.NONE:
            return None
        return change.status

    def apply(self, value: bytes | None) -> None:
        if value is None:  # a tombstone: nobody writes them; the key alone names no reader
            return
        decoded = decode_event(value, ReaderStatusChanged)
        if isinstance(decoded, Rejected):
            log.warning("ignoring invalid reader status (%s): %s", decoded.reason, decoded.error)
            return
        reader = (decoded.site_id, decoded.author_id)
        current = self._statuses.get(reader)
        # The queue republishes old statuses at start: the latest change wins, not the
        # latest record.
        if current is None or decoded.changed_at >= current.changed_at:
            self._statuses[reader] = decoded
        self.applied += 1

    def __len__(self) -> int:
        return sum(1 for c in self._statuses.values() if c.status != ReaderStatus.NONE)


class ReaderTableReader:
    """Follows `moderation.authors` into a ReaderTable in a background task."""

    def __init__(self, table: ReaderTable, consumer_options: dict[str, Any]) -> None:
        self.table = table
        self._options = consumer_options
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="reader-table-reader")

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
                log.warning("reader table reader lost the broker (%s); retrying", exc)
                await asyncio.sleep(1.0)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end_offsets = await consumer.end_offsets(partitions)
        remaining = {tp: end for tp, end in end_offsets.items() if end > 0}
        while True:
            if not remaining and not self.table.caught_up.is_set():
                log.info("reader table caught up: %d readers with a status", len(self.table))
                self.table.caught_up.set()
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            for records in batches.values():
                for record in records:
                    self.table.apply(record.value)
            # Positions, not last offsets: compaction can leave gaps at the end of a partition.
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]

    @staticmethod
    async def _partitions(consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            ids = consumer.partitions_for_topic(MODERATION_AUTHORS.name)
            if ids:
                return [TopicPartition(MODERATION_AUTHORS.name, p) for p in sorted(ids)]
            await consumer.topics()  # refresh metadata; the topic may not exist yet
            await asyncio.sleep(0.5)
