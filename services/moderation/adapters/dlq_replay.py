"""Replay dead letters: send each record's original bytes back to the topic it came from.

Only the records that were in the DLQ when the replay started are sent: a record that
fails again is dead-lettered again (with its new reason) and waits for the next replay,
so a replay always ends. Progress is committed in the consumer group `dlq-replay`, so the
next replay starts where this one stopped.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from moderation.adapters.kafka import connection_options
from moderation.adapters.topic_reader import end_offsets_read
from moderation.domain.dead_letters import DeadLetterReason
from moderation.settings import KafkaSettings
from moderation.topics import DLQ_HEADER_REASON, DLQ_HEADER_SOURCE_TOPIC, DLQ_HEADER_TRUNCATED

REPLAY_GROUP = "dlq-replay"
UNDECODABLE = DeadLetterReason.UNDECODABLE_BATCH.value.encode()


@dataclass
class ReplayReport:
    replayed: int = 0
    skipped: int = 0
    by_target: dict[str, int] = field(default_factory=dict)


async def replay(
    settings: KafkaSettings, dlq_topic: str, limit: int | None = None, dry_run: bool = False
) -> ReplayReport:
    options = connection_options(settings)
    # Assigned, not subscribed: no group join, yet offsets are committed in REPLAY_GROUP.
    consumer = AIOKafkaConsumer(**options, group_id=REPLAY_GROUP, enable_auto_commit=False)
    producer = AIOKafkaProducer(**options, acks="all")
    await consumer.start()
    await producer.start()
    report = ReplayReport()
    try:
        await consumer.topics()
        partitions = [
            TopicPartition(dlq_topic, p)
            for p in sorted(consumer.partitions_for_topic(dlq_topic) or ())
        ]
        if not partitions:
            raise ValueError(f"topic {dlq_topic} does not exist")
        consumer.assign(partitions)
        stop_at = await end_offsets_read(consumer, partitions)  # what is there now, no more
        for tp in partitions:
            committed = await consumer.committed(tp)
            if committed:
                consumer.seek(tp, committed)
            else:
                await consumer.seek_to_beginning(tp)
        while limit is None or report.replayed + report.skipped < limit:
            remaining = [tp for tp in partitions if await consumer.position(tp) < stop_at[tp]]
            if not remaining:
                break
            batches = await consumer.getmany(*remaining, timeout_ms=1000, max_records=100)
            sends, done = [], {}
            for tp, records in batches.items():
                for record in records:
                    full = limit is not None and report.replayed + report.skipped >= limit
                    if full or record.offset >= stop_at[tp]:
                        break
                    done[tp] = record.offset + 1
                    headers = dict(record.headers or ())
                    target = headers.get(DLQ_HEADER_SOURCE_TOPIC, b"")
                    # A truncated copy is evidence, not the record: it could only fail again.
                    # So is an undecodable batch: its value is a whole record batch as it was
                    # on the wire, not one record's value (see adapters/undecodable.py).
                    undecodable = headers.get(DLQ_HEADER_REASON) == UNDECODABLE
                    if not target or headers.get(DLQ_HEADER_TRUNCATED) or undecodable:
                        report.skipped += 1
                        continue
                    original = [(k, v) for k, v in record.headers if not k.startswith("x-dlq-")]
                    if not dry_run:
                        sends.append(
                            await producer.send(
                                target.decode(), record.value, key=record.key, headers=original
                            )
                        )
                    report.replayed += 1
                    report.by_target[target.decode()] = report.by_target.get(target.decode(), 0) + 1
            await asyncio.gather(*sends)
            if not dry_run and done:
                # Commit exactly what was replayed: fetched-but-unsent records stay for later.
                await consumer.commit(done)
            for tp, offset in done.items():
                consumer.seek(tp, offset)
    finally:
        await producer.stop()
        await consumer.stop()
    return report
