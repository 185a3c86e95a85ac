"""Issue #13 item 5, last part: a record batch no codec can decode is dead-lettered whole
(or skipped by the role that leaves that topic to another) after a bounded number of tries,
and every later comment on its partition, and on the others, is still decided and stored.
Real embedded broker, real roles."""

from __future__ import annotations

import asyncio
import json
import os
import struct
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer, TopicPartition
from aiokafka.client import AIOKafkaClient
from aiokafka.protocol.produce import ProduceRequest
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from aiokafka.record.memory_records import MemoryRecords
from aiokafka.record.util import calc_crc32c

from moderation.db import sqlite_dsn
from moderation.topics import COMMENTS_SUBMITTED, COMMENTS_SUBMITTED_DLQ
from tests.pipeline_client import CLEAN, comment_event
from tests.reliability.conftest import record_fault
from tests.reliability.test_nothing_lost import wait_stored
from tests.roles import metric, start_classifier, start_role

pytestmark = pytest.mark.reliability

TOPIC = COMMENTS_SUBMITTED.name
COUNTER = "moderation_undecodable_batches_total"


def hide_codecs(tmp_path) -> str:
    """A PYTHONPATH on which the compression library cannot be imported."""
    hidden = tmp_path / "no-codecs"
    hidden.mkdir(exist_ok=True)
    (hidden / "cramjam.py").write_text('raise ImportError("hidden by the test")\n')
    return os.pathsep.join(p for p in (str(hidden), os.environ.get("PYTHONPATH")) if p)


async def send_plain(producer: AIOKafkaProducer, partition: int, events: list[dict]) -> None:
    for event in events:
        await producer.send_and_wait(
            TOPIC, json.dumps(event).encode(), key=event["comment_id"].encode(), partition=partition
        )


async def send_compressed(bootstrap: str, codec: str, partition: int, events: list[dict]) -> list:
    """One batch compressed with `codec`; returns the offsets the broker gave its records."""
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, compression_type=codec, linger_ms=200)
    await producer.start()
    try:
        futures = [
            await producer.send(
                TOPIC, json.dumps(e).encode(), key=e["comment_id"].encode(), partition=partition
            )
            for e in events
        ]
        return [m.offset for m in await asyncio.gather(*futures)]
    finally:
        await producer.stop()


def corrupt_gzip_batch(events: list[dict]) -> bytes:
    """A gzip record batch whose compressed bytes are damaged but whose CRC is right: what
    a buggy producer sends. aiokafka fails on it with zlib.error, not a KafkaError."""
    builder = DefaultRecordBatchBuilder(2, 1, 0, -1, -1, -1, 1 << 20)
    for i, event in enumerate(events):
        value = json.dumps(event).encode()
        builder.append(i, timestamp=None, key=event["comment_id"].encode(), value=value, headers=[])
    raw = bytearray(builder.build())
    middle = 61 + (len(raw) - 61) // 2  # 61: the v2 batch header
    for i in range(middle, middle + 8):
        raw[i] ^= 0xFF
    struct.pack_into(">I", raw, 17, calc_crc32c(bytes(raw[21:])))
    return bytes(raw)


async def produce_raw(bootstrap: str, partition: int, batch: bytes) -> int:
    """Append a record batch as given (no client would send this one); returns its offset."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap)
    await client.bootstrap()
    try:
        await client._wait_on_metadata(TOPIC)
        leader = client.cluster.leader_for_partition(TopicPartition(TOPIC, partition))
        response = await client.send(
            leader, ProduceRequest(None, -1, 30_000, [(TOPIC, [(partition, batch)])])
        )
        ((_, [(_, error_code, offset, *_)]),) = response.topics
        assert error_code == 0
        return int(offset)
    finally:
        await client.close()


def undecodable_letters(records) -> list[dict[str, bytes]]:
    return [
        {**dict(r.headers), "value": r.value}
        for r in records
        if dict(r.headers).get("x-dlq-reason") == b"UNDECODABLE_BATCH"
    ]


async def test_a_batch_whose_codec_is_missing_is_dead_lettered_and_the_rest_flows(
    broker, client, tmp_path
):
    """lz4 with its library hidden from both roles: the classifier dead-letters the batch
    once, the store (which leaves comments.submitted to the classifier) skips it, and the
    plain comments before and after it, on its partition and another, are all decided and
    stored."""
    hidden = hide_codecs(tmp_path)
    dsn = sqlite_dsn(tmp_path / "store.db")
    classifier = start_classifier(broker, name="lz4-dlq-classifier", PYTHONPATH=hidden)
    store = start_role(
        broker, "comment-store", name="lz4-dlq-store", PYTHONPATH=hidden, MODERATION_STORE_DSN=dsn
    )
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    article = f"lz4-dlq-{uuid.uuid4().hex[:6]}"
    before = [comment_event(f"{CLEAN} (before {i})", article_id=article) for i in range(10)]
    packed = [comment_event(f"{CLEAN} (lz4 {i})", article_id=article) for i in range(20)]
    after = [comment_event(f"{CLEAN} (after {i})", article_id=article) for i in range(12)]
    beside = [comment_event(f"{CLEAN} (beside {i})", article_id=article) for i in range(12)]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=1)
    await producer.start()
    try:
        await send_plain(producer, 0, before)
        offsets = await send_compressed(broker.bootstrap, "lz4", 0, packed)
        started = time.monotonic()
        await send_plain(producer, 0, after)
        await send_plain(producer, 1, beside)
        plain = [e["comment_id"] for e in [*before, *after, *beside]]
        found = await client.decisions_for(plain, timeout_s=60)
        decided_after = time.monotonic() - started
        seen = await wait_stored(dsn, dict.fromkeys(plain, "published"), timeout_s=60)
        dead = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: undecodable_letters(rs), timeout_s=20
        )
        await asyncio.sleep(2.0)  # a second dead letter (there must be none) would be here
        dead = await client.collect(COMMENTS_SUBMITTED_DLQ.name, lambda rs: False, timeout_s=0.5)
        packed_decided = await client.decisions_for([e["comment_id"] for e in packed], 0.5)
        classifier_count = metric(
            classifier, f'{COUNTER}{{action="dead_lettered",role="classifier",topic="{TOPIC}"}}'
        )
        store_count = metric(
            store, f'{COUNTER}{{action="skipped",role="comment-store",topic="{TOPIC}"}}'
        )
        ready = (classifier.get("/ready")[0], store.get("/ready")[0])
    finally:
        await producer.stop()
        store.stop()
        classifier.stop()
    letters = undecodable_letters(dead)
    record_fault(
        "item 5: lz4 batch of 20, codec library missing, among 34 plain comments",
        len(plain) + len(packed),
        len(found),
        len(plain) - len(found),
        sum(len(v) - 1 for v in found.values()),
        f"dead-lettered: {len(letters)} batch of {len(packed)} records; stored: {len(seen)}; "
        f"plain comments behind it decided {decided_after:.1f} s after it",
    )
    assert set(found) == set(plain)
    assert set(seen) == set(plain)
    assert not packed_decided  # they are in the dead letter, not decided
    assert len(letters) == 1, letters
    letter = letters[0]
    assert letter["x-dlq-source-topic"] == TOPIC.encode()
    assert letter["x-dlq-source-partition"] == b"0"
    assert int(letter["x-dlq-source-offset"]) == offsets[0]
    assert int(letter["x-dlq-source-last-offset"]) == offsets[-1]
    assert letter["x-dlq-batch-codec"] == b"lz4"
    assert b"UnsupportedCodecError" in letter["x-dlq-error"]
    # The value is the batch as it was on the wire: decodable where the codec is installed.
    batch = MemoryRecords(letter["value"]).next_batch()
    assert [json.loads(r.value)["comment_id"] for r in batch] == [e["comment_id"] for e in packed]
    assert classifier_count == 1 and store_count == 1
    assert ready == (200, 200)


async def test_a_corrupt_compressed_batch_is_dead_lettered_and_the_rest_flows(broker, client):
    """gzip data damaged under a valid CRC: aiokafka raises zlib.error (not a KafkaError),
    which used to end FastStream's consume loop for good."""
    classifier = start_classifier(broker, name="corrupt-dlq-classifier")
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    before = [comment_event(f"{CLEAN} (before {i})") for i in range(5)]
    damaged = [comment_event(f"{CLEAN} (damaged {i})" * 5) for i in range(10)]
    after = [comment_event(f"{CLEAN} (after {i})") for i in range(10)]
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=1)
    await producer.start()
    try:
        await send_plain(producer, 2, before)
        raw = corrupt_gzip_batch(damaged)
        first = await produce_raw(broker.bootstrap, 2, raw)
        started = time.monotonic()
        await send_plain(producer, 2, after)
        plain = [e["comment_id"] for e in [*before, *after]]
        found = await client.decisions_for(plain, timeout_s=60)
        decided_after = time.monotonic() - started
        dead = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: undecodable_letters(rs), timeout_s=20
        )
        ready = classifier.get("/ready")[0]
    finally:
        await producer.stop()
        classifier.stop()
    letters = undecodable_letters(dead)
    record_fault(
        "item 5: corrupt gzip batch of 10 among 15 plain comments",
        len(plain) + len(damaged),
        len(found),
        len(plain) - len(found),
        sum(len(v) - 1 for v in found.values()),
        f"dead-lettered: {len(letters)} batch; plain comments behind it decided "
        f"{decided_after:.1f} s after it",
    )
    assert set(found) == set(plain)
    assert len(letters) == 1
    letter = letters[0]
    assert letter["x-dlq-source-partition"] == b"2"
    assert int(letter["x-dlq-source-offset"]) == first
    assert int(letter["x-dlq-source-last-offset"]) == first + len(damaged) - 1
    assert letter["x-dlq-batch-codec"] == b"gzip"
    with pytest.raises(Exception) as decoding:  # what aiokafka itself says of the batch
        list(MemoryRecords(raw).next_batch())
    assert type(decoding.value).__name__.encode() in letter["x-dlq-error"]
    # The batch as the broker stored it: ours, with the base offset it was given.
    assert letter["value"][8:] == raw[8:]
    assert struct.unpack_from(">q", letter["value"])[0] == first
    assert ready == 200
