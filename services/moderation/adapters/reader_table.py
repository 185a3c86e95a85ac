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
import logging
from typing import Any

from aiokafka.structs import ConsumerRecord

from moderation.adapters.compacted_topic import CompactedTopicFollower
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


class ReaderTableReader(CompactedTopicFollower):
    """Follows `moderation.authors` into a ReaderTable in a background task."""

    def __init__(self, table: ReaderTable, consumer_options: dict[str, Any]) -> None:
        super().__init__(MODERATION_AUTHORS.name, consumer_options)
        self.table = table

    def apply(self, record: ConsumerRecord[bytes, bytes]) -> None:
        self.table.apply(record.value)

    async def caught_up(self) -> None:
        if not self.table.caught_up.is_set():
            log.info("reader table caught up: %d readers with a status", len(self.table))
            self.table.caught_up.set()
