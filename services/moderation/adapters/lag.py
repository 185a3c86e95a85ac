"""Consumer lag per partition for /metrics: end offsets minus the group's committed offsets.

Reads offsets only (no group join), so probing never disturbs the consumers it measures.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Iterable

from aiokafka import AIOKafkaConsumer, TopicPartition

from moderation.adapters.kafka import connection_options
from moderation.metrics import consumer_lag
from moderation.settings import KafkaSettings

log = logging.getLogger(__name__)


class LagProbe:
    def __init__(
        self,
        settings: KafkaSettings,
        group: str,
        topics: Iterable[str],
        min_interval_s: float = 5.0,
    ) -> None:
        self.settings = settings
        self.group = group
        self.topics = tuple(topics)
        self.min_interval_s = min_interval_s
        self._last = 0.0
        self._lock = asyncio.Lock()
        # Records not yet committed by the group, over every partition (None: not measured).
        self.behind: int | None = None
        # The same, per partition.
        self.by_partition: dict[TopicPartition, int] = {}

    def behind_on(self, partitions: Iterable[TopicPartition]) -> int | None:
        """Records not yet committed on these partitions (a member's own), None if the
        lag was never measured."""
        if self.behind is None:
            return None
        return sum(self.by_partition.get(tp, 0) for tp in partitions)

    async def refresh(self) -> None:
        async with self._lock:
            if time.monotonic() - self._last < self.min_interval_s:
                return
            self._last = time.monotonic()
            try:
                await asyncio.wait_for(self._measure(), timeout=5.0)
            except Exception as exc:  # metrics must never take the service down
                log.warning("could not measure consumer lag of %s: %s", self.group, exc)

    async def _measure(self) -> None:
        # A consumer that names the group but never subscribes only fetches its offsets.
        consumer = AIOKafkaConsumer(
            **connection_options(self.settings), group_id=self.group, enable_auto_commit=False
        )
        await consumer.start()
        try:
            await consumer.topics()
            partitions = [
                TopicPartition(topic, p)
                for topic in self.topics
                for p in sorted(consumer.partitions_for_topic(topic) or ())
            ]
            ends = await consumer.end_offsets(partitions)
            by_partition = {}
            for tp, end in ends.items():
                done = await consumer.committed(tp) or 0
                consumer_lag.labels(self.group, tp.topic, str(tp.partition)).set(max(end - done, 0))
                by_partition[TopicPartition(tp.topic, tp.partition)] = max(end - done, 0)
            self.by_partition = by_partition
            self.behind = sum(by_partition.values())
        finally:
            await consumer.stop()
