"""Read topics as an operator looks at them (`moderation decisions tail`, `moderation dlq
show`): assigned partitions, no consumer group, nothing committed, so reading can never
move the offsets of the services' groups or of `dlq-replay`."""

from __future__ import annotations

import asyncio
import base64
from collections import deque
from collections.abc import AsyncIterator, Callable, Iterable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from moderation.adapters.kafka import connection_options
from moderation.settings import KafkaSettings
from moderation.topics import (
    ALL_TOPICS,
    DLQ_HEADER_ERROR,
    DLQ_HEADER_ORIGINAL_BYTES,
    DLQ_HEADER_ORIGINAL_SHA256,
    DLQ_HEADER_REASON,
    DLQ_HEADER_SOURCE_OFFSET,
    DLQ_HEADER_SOURCE_PARTITION,
    DLQ_HEADER_SOURCE_TOPIC,
    DLQ_HEADER_TRUNCATED,
)

# A dead-letter topic holds another topic's records as they were, so it has no event.
DEAD_LETTER_TOPICS: tuple[str, ...] = tuple(t.name for t in ALL_TOPICS if t.event is None)
# Polls in a row that bring nothing while a partition is still short of the end offset it
# had when reading began (a broker that has stopped answering): give up rather than hang.
STALLED_POLLS = 5

Match = Callable[[Any], bool]


def _order(record: Any) -> tuple[int, str, int, int]:
    return (record.timestamp, record.topic, record.partition, record.offset)


async def end_offsets_read(
    consumer: AIOKafkaConsumer, partitions: list[TopicPartition]
) -> dict[TopicPartition, int]:
    """Each partition's end offset, confirmed by reading its last batch (this moves the
    consumer: seek afterwards). The embedded broker (Tansu) answers ListOffsets with the last
    batch's first offset + 1, so a batch of several records would otherwise be cut to its
    first; Apache Kafka's answer is already right, and reading confirms it. Records written
    since the question may be counted too: one fetch's worth, never an endless read."""
    begin = await consumer.beginning_offsets(partitions)
    ends = dict(await consumer.end_offsets(partitions))
    pending = {tp for tp in partitions if ends[tp] > begin[tp]}
    for tp in pending:
        consumer.seek(tp, ends[tp] - 1)
    empty = 0
    while pending and empty < STALLED_POLLS:
        batches = await consumer.getmany(*pending, timeout_ms=1000)
        empty = 0 if any(batches.values()) else empty + 1
        for tp, records in batches.items():
            if records:
                ends[tp] = max(ends[tp], records[-1].offset + 1)
                pending.discard(tp)
    return ends


class MissingTopicError(LookupError):
    """A topic the reader was asked for is not on the broker."""


class TopicReader:
    """`async with TopicReader(settings) as reader`: `existing_topics`, then `read_now` and,
    to keep reading, `follow`."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._consumer = AIOKafkaConsumer(
            **connection_options(settings),
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=100,
        )

    async def __aenter__(self) -> TopicReader:
        try:
            await self._consumer.start()
        except BaseException:
            await self._consumer.stop()  # or it complains of being unclosed when collected
            raise
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self._consumer.stop()

    async def existing_topics(self) -> set[str]:
        return set(await self._consumer.topics())

    async def read_now(
        self, topics: Iterable[str], last: int | None = None, match: Match | None = None
    ) -> list[Any]:
        """The records on `topics` up to the end each partition has now, oldest first (by
        timestamp); only those `match` accepts, and of them only the `last` ones. Leaves the
        reader at those ends, so `follow` goes on from there."""
        await self._consumer.topics()
        partitions = []
        for topic in topics:
            numbers = self._consumer.partitions_for_topic(topic)
            if not numbers:
                raise MissingTopicError(topic)
            partitions += [TopicPartition(topic, p) for p in sorted(numbers)]
        self._consumer.assign(partitions)
        begin = await self._consumer.beginning_offsets(partitions)
        end = await end_offsets_read(self._consumer, partitions)
        kept: dict[TopicPartition, deque[Any]] = {tp: deque(maxlen=last) for tp in partitions}
        for tp in partitions:
            # Offsets are dense enough that the last N records lie within the last N
            # offsets; a filter can drop any of them, so then the whole partition is read.
            start = begin[tp] if last is None or match else max(begin[tp], end[tp] - last)
            self._consumer.seek(tp, start)
        stalled = 0
        while stalled < STALLED_POLLS:
            short = [tp for tp in partitions if await self._consumer.position(tp) < end[tp]]
            if not short:
                break
            batches = await self._consumer.getmany(*short, timeout_ms=1000, max_records=1000)
            stalled = 0 if any(batches.values()) else stalled + 1
            for tp, records in batches.items():
                for record in records:
                    if record.offset < end[tp] and (match is None or match(record)):
                        kept[tp].append(record)
        for tp in partitions:
            # Records past the end were fetched but not returned: `follow` reads them.
            self._consumer.seek(tp, end[tp])
        merged = sorted((r for records in kept.values() for r in records), key=_order)
        return merged[max(0, len(merged) - last) :] if last is not None else merged

    async def follow(self, match: Match | None = None) -> AsyncIterator[Any]:
        """Records as they arrive on the partitions `read_now` read, for ever."""
        while True:
            batches = await self._consumer.getmany(timeout_ms=1000)
            for record in sorted((r for rs in batches.values() for r in rs), key=_order):
                if match is None or match(record):
                    yield record
            await asyncio.sleep(0)


def _bytes(value: bytes | None) -> tuple[str | None, str | None]:
    """Text when the bytes are UTF-8, else base64; and which of the two it is."""
    if value is None:
        return None, None
    try:
        return value.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return base64.b64encode(value).decode("ascii"), "base64"


def _number(text: str | None) -> int | str | None:
    return int(text) if text is not None and text.isdigit() else text


def dead_letter_view(record: Any) -> dict[str, Any]:
    """A dead letter as a JSON object: where it is, why it is there (the x-dlq-* headers),
    where it came from, and its key, other headers and value."""
    headers = {k: (v or b"").decode("utf-8", "replace") for k, v in record.headers or ()}
    key, key_encoding = _bytes(record.key)
    value, value_encoding = _bytes(record.value)
    view: dict[str, Any] = {
        "topic": record.topic,
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": datetime.fromtimestamp(record.timestamp / 1000, UTC).isoformat(),
        "reason": headers.get(DLQ_HEADER_REASON),
        "error": headers.get(DLQ_HEADER_ERROR),
        "source_topic": headers.get(DLQ_HEADER_SOURCE_TOPIC),
        "source_partition": _number(headers.get(DLQ_HEADER_SOURCE_PARTITION)),
        "source_offset": _number(headers.get(DLQ_HEADER_SOURCE_OFFSET)),
        "truncated": headers.get(DLQ_HEADER_TRUNCATED) == "true",
    }
    if view["truncated"]:
        view["original_bytes"] = _number(headers.get(DLQ_HEADER_ORIGINAL_BYTES))
        view["original_sha256"] = headers.get(DLQ_HEADER_ORIGINAL_SHA256)
    shown = {
        DLQ_HEADER_REASON,
        DLQ_HEADER_ERROR,
        DLQ_HEADER_SOURCE_TOPIC,
        DLQ_HEADER_SOURCE_PARTITION,
        DLQ_HEADER_SOURCE_OFFSET,
        DLQ_HEADER_TRUNCATED,
        DLQ_HEADER_ORIGINAL_BYTES,
        DLQ_HEADER_ORIGINAL_SHA256,
    }
    view.update(
        # Those a kind of dead letter adds for itself (an undecodable batch's last offset
        # and codec): shown as they are, so nothing the letter says is hidden.
        other_dlq_headers={
            k: v for k, v in headers.items() if k.startswith("x-dlq-") and k not in shown
        },
        key=key,
        key_encoding=key_encoding,
        headers={k: v for k, v in headers.items() if not k.startswith("x-dlq-")},
        value=value,
        value_encoding=value_encoding,
    )
    return view
