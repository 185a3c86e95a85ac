"""Record batches that no codec can decode: dead-lettered whole, never retried for ever.

aiokafka decompresses a fetched record batch inside `getmany`, before any handler of ours
runs. A batch it cannot decode (lz4 or zstd with the codec library missing, corrupt
compressed data, a bad CRC) raises there, FastStream logs it and calls `getmany` again,
the fetcher asks for the same position, and the partition never moves: every later comment
on it waits for ever. Worse, the records of other partitions drained in the same call are
dropped on the floor while their positions have already moved on, so the next commit would
skip them.

So each of our batch subscribers fetches through `UndecodableBatches.get_msg`. When
`getmany` fails with anything that can come from decoding records (UnsupportedCodecError,
CorruptRecordException, or any exception that is not a KafkaError):

1. every assigned partition is sought back to the group's committed offset (batches are
   processed one at a time, so that is where the failed call started; nothing is lost);
2. each partition is read again from there with one raw Fetch request, and its batches are
   framed and decoded here one by one, with aiokafka's own record classes. The first batch
   that fails to decode is the culprit; its header (first offset, next offset, codec) is
   readable without decompressing it;
3. records that decode fine before it on the same partition are delivered as an ordinary
   batch (their partition is sought to the bad batch), so they are not held up either;
4. a bad batch right at a partition's position is tried again (with backoff) until it has
   failed `MODERATION_UNDECODABLE_MAX_TRIES` times or for `MODERATION_UNDECODABLE_GIVE_UP_S`
   seconds, whichever comes first (a CRC error from a flaky network may pass on a re-fetch).
   Then it is published to `<topic>.dlq` as ONE dead letter, reason UNDECODABLE_BATCH, whose
   value is the whole batch as it was on the wire (header included, so it can be decoded
   elsewhere once the codec is there), cut like any dead letter to 256 KiB with its size and
   SHA-256 when larger, and headers naming topic, partition, first and last offset, codec
   and error. The partition is sought past the batch and that offset committed at once.
   A role that leaves a topic's bad records to another role (the comment store leaves
   comments.submitted to the classifier) skips the batch without a dead letter.
   Either way `moderation_undecodable_batches_total{role,topic,action}` counts it (alert on
   any) and an ERROR line names the batch.
"""

from __future__ import annotations

import asyncio
import logging
import struct
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiokafka import TopicPartition
from aiokafka.errors import (
    ConsumerStoppedError,
    CorruptRecordException,
    KafkaError,
    UnsupportedCodecError,
)
from aiokafka.protocol.fetch import FetchRequest
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.structs import ConsumerRecord
from faststream.kafka import KafkaBroker
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from moderation import metrics
from moderation.adapters.dead_letters import dead_letter_copy
from moderation.adapters.decoding import MAX_ERROR_CHARS
from moderation.domain.dead_letters import DeadLetterReason, Rejected
from moderation.topics import dlq_name

log = logging.getLogger(__name__)

# Headers of an undecodable batch's dead letter, besides the usual x-dlq-* ones
# (x-dlq-source-offset is the batch's first offset).
DLQ_HEADER_LAST_OFFSET = "x-dlq-source-last-offset"
DLQ_HEADER_CODEC = "x-dlq-batch-codec"

CODECS = {0: "none", 1: "gzip", 2: "snappy", 3: "lz4", 4: "zstd"}
# What one probe reads per partition: aiokafka's default max_partition_fetch_bytes. The
# broker returns at least the first whole batch whatever this says.
PROBE_PARTITION_BYTES = 1_048_576
BATCH_HEADER = struct.Struct(">qi")  # first (v2) or last (v0/v1) offset, then the length


class UndecodableSettings(BaseSettings):
    """When to give up on a batch: after this many failed tries or this many seconds,
    whichever comes first."""

    model_config = SettingsConfigDict(env_prefix="MODERATION_UNDECODABLE_", extra="ignore")
    max_tries: int = Field(default=3, ge=1)
    give_up_s: float = Field(default=30.0, ge=0)


@dataclass(frozen=True)
class BadBatch:
    """A record batch as it was on the wire, and why it cannot be decoded."""

    topic: str
    partition: int
    first_offset: int
    next_offset: int
    codec: str
    raw: bytes
    error: str

    @property
    def last_offset(self) -> int:
        return self.next_offset - 1

    def describe(self) -> str:
        return (
            f"{self.topic}[{self.partition}] offsets {self.first_offset}-{self.last_offset} "
            f"({self.codec}, {len(self.raw)} bytes): {self.error}"
        )


@dataclass
class PartitionRead:
    """What reading one partition from a position found: the records that decode, in
    order, up to the first batch that does not (if any)."""

    good: list[ConsumerRecord[bytes, bytes]] = field(default_factory=list)
    bad: BadBatch | None = None


def _codec(raw: bytes) -> str:
    magic = raw[16]
    attributes = struct.unpack_from(">h", raw, 21)[0] if magic >= 2 else raw[17]
    return CODECS.get(attributes & 0x07, f"unknown ({attributes & 0x07})")


def _consumer_record(tp: TopicPartition, record: Any) -> ConsumerRecord[bytes, bytes]:
    key, value = record.key, record.value
    return ConsumerRecord(
        topic=tp.topic,
        partition=tp.partition,
        offset=record.offset,
        timestamp=record.timestamp,
        timestamp_type=record.timestamp_type,
        key=key,
        value=value,
        checksum=record.checksum,
        serialized_key_size=len(key) if key is not None else -1,
        serialized_value_size=len(value) if value is not None else -1,
        headers=tuple(record.headers),
    )


def read_partition(tp: TopicPartition, position: int, message_set: bytes) -> PartitionRead:
    """Frame and decode the batches of a fetched message set, from `position` on."""
    found = PartitionRead()
    data = memoryview(message_set)
    at = 0
    while at + BATCH_HEADER.size <= len(data):
        framed_offset, length = BATCH_HEADER.unpack_from(data, at)
        end = at + BATCH_HEADER.size + length
        if length < 10 or end > len(data):
            break  # a fetch may end in a partial batch; it is read again next time
        raw = bytes(data[at:end])
        at = end
        batch = MemoryRecords(raw).next_batch()
        if batch is None or batch.next_offset <= position:
            continue
        try:
            if not batch.validate_crc():
                raise CorruptRecordException(f"Invalid CRC - {tp}")
            if getattr(batch, "is_control_batch", False):
                continue
            records = [_consumer_record(tp, r) for r in batch if r.offset >= position]
        except Exception as error:
            # v0/v1 frame a compressed set with its LAST offset; its first is only known
            # after decompressing, so the range starts at our position.
            first = framed_offset if raw[16] >= 2 else position
            why = str(error)  # a KafkaError's text starts with its class name already
            if not why.startswith(type(error).__name__):
                why = f"{type(error).__name__}: {why}"
            found.bad = BadBatch(
                tp.topic, tp.partition, max(first, position), batch.next_offset, _codec(raw),
                raw, why[:MAX_ERROR_CHARS],
            )  # fmt: skip
            return found
        found.good += records
    return found


async def fetch_raw(
    consumer: Any, positions: dict[TopicPartition, int]
) -> dict[TopicPartition, bytes]:
    """One raw Fetch per leader, through the consumer's own client (its connections,
    security and metadata); what aiokafka would have decoded, undecoded."""
    client = consumer._client
    by_leader: dict[int, list[TopicPartition]] = {}
    for tp in positions:
        leader = client.cluster.leader_for_partition(tp)
        if leader is not None and leader >= 0:
            by_leader.setdefault(leader, []).append(tp)
    found: dict[TopicPartition, bytes] = {}
    for leader, tps in by_leader.items():
        topics: dict[str, list[tuple[int, int, int]]] = {}
        for tp in tps:
            topics.setdefault(tp.topic, []).append(
                (tp.partition, positions[tp], PROBE_PARTITION_BYTES)
            )
        # min_bytes 1: the embedded broker answers min_bytes 0 with no partitions at all.
        request = FetchRequest(100, 1, 64 * PROBE_PARTITION_BYTES, 0, list(topics.items()))
        response = await client.send(leader, request)
        for topic, partitions in response.topics:
            for partition, error_code, _highwater, *data in partitions:
                if error_code == 0 and data and data[-1]:
                    found[TopicPartition(topic, partition)] = bytes(data[-1])
    return found


def may_be_undecodable(error: BaseException) -> bool:
    """Errors `getmany` raises that may come from decoding a batch. Other Kafka errors
    (connection, authorisation) are FastStream's to log and retry."""
    if isinstance(error, ConsumerStoppedError):
        return False
    if isinstance(error, KafkaError):
        return isinstance(error, UnsupportedCodecError | CorruptRecordException)
    return isinstance(error, Exception)


GetMsg = Callable[[Any], Awaitable[Any]]


class UndecodableBatches:
    def __init__(
        self,
        role: str,
        broker: KafkaBroker,
        dead_letters_topic: Callable[[str], bool] = lambda topic: True,
        settings: UndecodableSettings | None = None,
    ) -> None:
        self.role = role
        self.broker = broker
        self.dead_letters_topic = dead_letters_topic
        self.settings = settings or UndecodableSettings()
        # (partition, first offset) -> (failed tries, monotonic time of the first)
        self.tries: dict[tuple[TopicPartition, int], tuple[int, float]] = {}

    def install(self, subscriber: Any) -> None:
        """Wrap a FastStream Kafka subscriber's fetch (its `get_msg(consumer)`)."""
        original: GetMsg = subscriber.get_msg

        async def get_msg(consumer: Any) -> Any:
            try:
                return await original(consumer)
            except Exception as error:
                if not may_be_undecodable(error):
                    raise
                return await self.recover(consumer, error)

        subscriber.get_msg = get_msg

    async def recover(self, consumer: Any, error: Exception) -> tuple[Any, ...]:
        """Called after `getmany` failed: returns records to hand to the handler (possibly
        none) with every partition's position where it must be."""
        try:
            return await self._recover(consumer, error)
        except ConsumerStoppedError:
            raise
        except Exception as trouble:  # never let the consume loop die on our account
            log.warning(
                "%s: fetch failed (%s: %s) and could not be examined (%s: %s); retrying",
                self.role,
                type(error).__name__,
                error,
                type(trouble).__name__,
                trouble,
            )
            await asyncio.sleep(1.0)
            return ()

    async def _recover(self, consumer: Any, error: Exception) -> tuple[Any, ...]:
        partitions = sorted(consumer.assignment())
        starts = await self._rewind(consumer, partitions)
        fetched = await fetch_raw(consumer, starts)
        delivered: list[ConsumerRecord[bytes, bytes]] = []
        backoff, found_any = 0.0, False
        for tp, start in starts.items():
            read = read_partition(tp, start, fetched.get(tp, b""))
            bad = read.bad
            if bad is None:
                continue
            found_any = True
            if read.good:
                # Records before the bad batch go to the handler now; the batch is dealt
                # with on the next fetch, from its own position.
                delivered += read.good
                consumer.seek(tp, bad.first_offset)
                continue
            tries, since = self.tries.get((tp, bad.first_offset), (0, time.monotonic()))
            tries += 1
            self.tries = {k: v for k, v in self.tries.items() if k[0] != tp}
            waited = time.monotonic() - since
            if tries < self.settings.max_tries and waited < self.settings.give_up_s:
                self.tries[(tp, bad.first_offset)] = (tries, since)
                log.warning(
                    "%s: cannot decode %s (try %d of %d)",
                    self.role,
                    bad.describe(),
                    tries,
                    self.settings.max_tries,
                )
                backoff = max(backoff, min(0.5 * 2 ** (tries - 1), 5.0))
                continue
            if not await self._give_up(consumer, tp, bad, tries, waited):
                self.tries[(tp, bad.first_offset)] = (tries, since)
                backoff = max(backoff, 1.0)
        if not found_any:
            # Every partition decodes here: whatever failed was not a batch of ours.
            log.warning(
                "%s: fetch failed (%s: %s), yet every batch decodes; retrying",
                self.role,
                type(error).__name__,
                error,
            )
            backoff = 1.0
        if backoff:
            await asyncio.sleep(backoff)
        return tuple(delivered)

    async def _rewind(
        self, consumer: Any, partitions: list[TopicPartition]
    ) -> dict[TopicPartition, int]:
        """Seek every partition back to the group's committed offset (the earliest for a
        partition never committed): the failed call may have moved positions past records
        it then dropped."""
        starts: dict[TopicPartition, int] = {}
        never = []
        for tp in partitions:
            committed = await consumer.committed(tp)
            if committed is None:
                never.append(tp)
            else:
                starts[tp] = committed
        if never:
            starts.update(await consumer.beginning_offsets(never))
        for tp, offset in starts.items():
            consumer.seek(tp, offset)
        return starts

    async def _give_up(
        self, consumer: Any, tp: TopicPartition, bad: BadBatch, tries: int, waited: float
    ) -> bool:
        """Dead-letter (or skip) the batch and move past it; False if that must wait."""
        action = "dead_lettered" if self.dead_letters_topic(bad.topic) else "skipped"
        if action == "dead_lettered":
            try:
                await self._dead_letter(bad)
            except Exception as error:
                log.warning(
                    "%s: dead letter for %s not published yet (%s: %s)",
                    self.role,
                    bad.describe(),
                    type(error).__name__,
                    error,
                )
                return False
            metrics.dead_letters.labels(bad.topic, DeadLetterReason.UNDECODABLE_BATCH.value).inc()
        consumer.seek(tp, bad.next_offset)
        # Committed at once: a restart must not meet (and dead-letter) the batch again.
        await consumer.commit({tp: bad.next_offset})
        metrics.undecodable_batches.labels(self.role, bad.topic, action).inc()
        log.error(
            "%s: %s undecodable batch %s after %d tries in %.1f s%s",
            self.role,
            action.replace("_", "-").upper(),
            bad.describe(),
            tries,
            waited,
            "" if action == "dead_lettered" else " (another role dead-letters this topic)",
        )
        return True

    async def _dead_letter(self, bad: BadBatch) -> None:
        as_record = ConsumerRecord(
            topic=bad.topic,
            partition=bad.partition,
            offset=bad.first_offset,
            timestamp=0,
            timestamp_type=0,
            key=None,
            value=bad.raw,
            checksum=None,
            serialized_key_size=-1,
            serialized_value_size=len(bad.raw),
            headers=(),
        )
        why = Rejected(DeadLetterReason.UNDECODABLE_BATCH, f"{bad.error} (a whole record batch)")
        value, key, headers = dead_letter_copy(as_record, why)
        headers[DLQ_HEADER_LAST_OFFSET] = str(bad.last_offset)
        headers[DLQ_HEADER_CODEC] = bad.codec
        ack = await self.broker.publish(
            value, dlq_name(bad.topic), key=key, headers=headers, no_confirm=True
        )
        if ack is not None:
            await ack
