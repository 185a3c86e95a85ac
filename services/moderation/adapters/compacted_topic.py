"""Follow a compacted topic as a table: from its beginning, on every partition, with no
consumer group and nothing committed, for as long as the role runs.

Compaction keeps the latest record per key, so reading from the start yields the latest
value of every key; following on applies each change to what is decided after it. The
article table and the reader table are both this, with their own records and their own
"caught up" step.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.errors import KafkaError
from aiokafka.structs import ConsumerRecord

log = logging.getLogger(__name__)


class CompactedTopicFollower:
    """Runs in a background task from `start()` to `stop()`; subclasses say what a record
    does (`apply`) and what happens once everything there was at the start is read."""

    def __init__(self, topic: str, consumer_options: dict[str, Any]) -> None:
        self.topic = topic
        self._options = consumer_options
        self._task: asyncio.Task[None] | None = None

    def apply(self, record: ConsumerRecord[bytes, bytes]) -> None:
        raise NotImplementedError

    async def before_reading(self) -> None:
        """Each time reading starts again from the beginning (start, lost broker)."""

    async def caught_up(self) -> None:
        """Once per read from the beginning, when every record there was has been read."""

    def after_batch(self) -> None:
        """After the records of one fetch were applied."""

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name=f"{self.topic}-follower")

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
                log.warning("following %s: lost the broker (%s); retrying", self.topic, exc)
                await asyncio.sleep(1.0)
            finally:
                await consumer.stop()

    async def _follow(self, consumer: AIOKafkaConsumer) -> None:
        partitions = await self._partitions(consumer)
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        end_offsets = await consumer.end_offsets(partitions)
        remaining = {tp: end for tp, end in end_offsets.items() if end > 0}
        await self.before_reading()
        reached_end = False
        while True:
            if not remaining and not reached_end:
                await self.caught_up()
                reached_end = True
            batches = await consumer.getmany(timeout_ms=200, max_records=1000)
            for records in batches.values():
                for record in records:
                    self.apply(record)
            if batches:
                self.after_batch()
            # Positions, not last offsets: compaction can leave gaps at the end of a partition.
            for tp in list(remaining):
                if await consumer.position(tp) >= remaining[tp]:
                    del remaining[tp]

    async def _partitions(self, consumer: AIOKafkaConsumer) -> list[TopicPartition]:
        while True:
            ids = consumer.partitions_for_topic(self.topic)
            if ids:
                return [TopicPartition(self.topic, p) for p in sorted(ids)]
            await consumer.topics()  # refresh metadata; the topic may not exist yet
            await asyncio.sleep(0.5)
