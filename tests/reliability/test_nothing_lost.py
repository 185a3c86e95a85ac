"""Issue #13, items 1, 2, 3 and 5: inputs that used to lose a batch or stop a role for
good, through the real embedded broker, the real roles and both databases. Every record is
decided, stored or dead-lettered with a reason; no role stalls behind one."""

from __future__ import annotations

import asyncio
import hashlib
import json
import threading
import time
import uuid
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from aiokafka import AIOKafkaProducer
from aiokafka.record.default_records import DefaultRecordBatchBuilder

from moderation.benchmarks.corpus import comment_bodies
from moderation.benchmarks.pipeline import run_pipeline_bench
from moderation.db import make_engine, migrate, sqlite_dsn
from moderation.domain.events import MAX_REVISION
from moderation.topics import (
    COMMENTS_SUBMITTED,
    COMMENTS_SUBMITTED_DLQ,
    MODERATION_DECISIONS,
    MODERATION_DECISIONS_DLQ,
    MODERATION_REVIEWS,
    MODERATION_REVIEWS_DLQ,
)
from tests.pipeline_client import CLEAN, TOXIC, comment_event
from tests.reliability.conftest import record_fault
from tests.roles import metric, start_classifier, start_role

pytestmark = pytest.mark.reliability

PRODUCER_LIMIT = 1_048_576  # max_request_size / message.max.bytes defaults


async def stored(dsn: str, comment_ids) -> dict[str, tuple[str, str]]:
    """(status, body) of each comment's latest revision, read from the store's database
    (independent of what the HTTP API shows to whom)."""
    engine = make_engine(dsn)
    try:
        async with engine.connect() as conn:
            rows = await conn.execute(
                sa.text("SELECT comment_id, status, body FROM comments ORDER BY revision")
            )
            found = {r.comment_id: (r.status, r.body) for r in rows}
    except sa.exc.DBAPIError:
        found = {}  # not migrated yet
    finally:
        await engine.dispose()
    return {k: v for k, v in found.items() if k in set(comment_ids)}


async def wait_stored(dsn, expected: dict[str, str], timeout_s=90.0) -> dict[str, tuple]:
    deadline = time.monotonic() + timeout_s
    seen: dict[str, tuple] = {}
    while time.monotonic() < deadline:
        seen = await stored(dsn, expected)
        if {k: s for k, (s, _) in seen.items()} == expected:
            break
        await asyncio.sleep(0.5)
    return seen


def dead_keys(records) -> dict[bytes, dict[str, bytes]]:
    return {r.key: dict(r.headers) for r in records}


# Item 1 ------------------------------------------------------------------------------------


async def test_header_without_value_loses_nothing(broker, client, tmp_path):
    dsn = sqlite_dsn(tmp_path / "store.db")
    classifier = start_classifier(broker, name="null-header-classifier")
    store = start_role(broker, "comment-store", name="null-header-store", MODERATION_STORE_DSN=dsn)
    article = f"null-header-{uuid.uuid4().hex[:6]}"
    events = [comment_event(f"{CLEAN} ({i})", article_id=article) for i in range(301)]
    try:
        for i, event in enumerate(events):
            headers = [("traceparent", None)] if i == 150 else None
            await client.send(
                COMMENTS_SUBMITTED.name, json.dumps(event).encode(), event["comment_id"], headers
            )
        ids = [e["comment_id"] for e in events]
        found = await client.decisions_for(ids, timeout_s=90)
        seen = await wait_stored(dsn, dict.fromkeys(ids, "published"))
    finally:
        store.stop()
        classifier.stop()
    duplicates = sum(len(v) - 1 for v in found.values())
    record_fault(
        "item 1: 300 comments + 1 with a header without a value",
        len(events),
        len(found),
        len(events) - len(found),
        duplicates,
        f"stored: {len(seen)}",
    )
    assert len(found) == len(events)
    assert len(seen) == len(events)


# Item 3 ------------------------------------------------------------------------------------


async def test_record_just_under_a_mebibyte_is_dead_lettered_truncated(broker, client):
    classifier = start_classifier(broker, name="megabyte-classifier")
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    good = [comment_event(f"{CLEAN} ({i})") for i in range(100)]
    key = f"big-{uuid.uuid4().hex}".encode()
    headers = [("trace", b"t" * 4000)]
    # 100 bytes under the producer's limit (1 MiB by aiokafka's and librdkafka's count): a
    # copy with the x-dlq-* headers added would not fit.
    template = comment_event("")

    def record(body_chars: int) -> bytes:
        return json.dumps({**template, "body": "x" * body_chars}).encode()

    def size(value: bytes) -> int:
        return DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)

    big = record(PRODUCER_LIMIT - 100 - size(record(0)))
    assert PRODUCER_LIMIT - 128 < size(big) < PRODUCER_LIMIT - 64
    started = time.monotonic()
    try:
        for event in good[:50]:
            await client.publish_comment(event)
        await client.send(COMMENTS_SUBMITTED.name, big, key.decode(), headers)
        for event in good[50:]:
            await client.publish_comment(event)
        found = await client.decisions_for([e["comment_id"] for e in good], timeout_s=60)
        dead = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: key in {r.key for r in rs}, timeout_s=30
        )
        elapsed = time.monotonic() - started
        ready = classifier.get("/ready")[0]
    finally:
        classifier.stop()
    duplicates = sum(len(v) - 1 for v in found.values())
    letters = [r for r in dead if r.key == key]
    record_fault(
        f"item 3: a record of {len(big):,} bytes among 100 comments",
        len(good) + 1,
        len(found),
        len(good) - len(found),
        duplicates,
        f"dead-lettered: {len(letters)}; all decided after {elapsed:.1f} s",
    )
    assert len(found) == len(good) and duplicates == 0
    assert len(letters) == 1
    headers = dict(letters[0].headers)
    assert headers["x-dlq-reason"] == b"OVERSIZE"
    assert headers["x-dlq-truncated"] == b"true"
    assert int(headers["x-dlq-original-bytes"]) == len(big)
    assert headers["x-dlq-original-sha256"].decode() == hashlib.sha256(big).hexdigest()
    assert big.startswith(letters[0].value) and len(letters[0].value) < len(big)
    assert len(headers["trace"]) <= 1024
    assert ready == 200


# Item 2 ------------------------------------------------------------------------------------

BAD_COMMENTS = {
    "revision 10^20": {"revision": 10**20},
    "revision 2^31": {"revision": MAX_REVISION + 1},
    "display name of 300 characters": {"author": {"id": "r", "display_name": "n" * 300}},
    "submitted_at without a zone": {"submitted_at": "2026-01-01T10:00:00"},
}


async def test_bad_values_are_dead_lettered_and_the_store_and_queue_keep_going(
    broker, client, new_database
):
    """Comments, decisions and reviews with values a database refuses, sent straight to
    the topics: each goes to its DLQ with the reason, everything else is applied."""
    article = f"bounds-{uuid.uuid4().hex[:6]}"
    store_dsn, queue_dsn = await new_database(), await new_database()
    classifier = start_classifier(broker, name="bounds-classifier")
    store = start_role(broker, "comment-store", name="bounds-store", MODERATION_STORE_DSN=store_dsn)
    queue = start_role(
        broker, "moderator-queue", name="bounds-queue", MODERATION_QUEUE_DSN=queue_dsn
    )
    for topic in (COMMENTS_SUBMITTED_DLQ, MODERATION_DECISIONS_DLQ, MODERATION_REVIEWS_DLQ):
        await client.follow(topic.name)
    bad = {
        name: comment_event(CLEAN, article_id=article, **change)
        for name, change in BAD_COMMENTS.items()
    }
    nul = comment_event("A fair\u0000 point about the budget.", article_id=article)
    good = [comment_event(f"{CLEAN} ({i})", article_id=article) for i in range(40)]
    toxic = comment_event(TOXIC, article_id=article)
    try:
        for event in [*bad.values(), nul, toxic, *good[:20]]:
            await client.publish_comment(event)
        decided = await client.decisions_for([toxic["comment_id"]], timeout_s=60)
        held = decided[toxic["comment_id"]][0]
        # A decision that passed no classifier: a revision PostgreSQL cannot store.
        forged = {**held, "event_id": uuid.uuid4().hex, "revision": MAX_REVISION + 1}
        await client.send(MODERATION_DECISIONS.name, json.dumps(forged).encode(), "forged")
        # A real review, then one whose time has no zone.
        review = {
            "event_id": uuid.uuid4().hex,
            "comment_id": toxic["comment_id"],
            "revision": 1,
            "outcome": "rejected",
            "reason_code": "ABUSIVE",
            "moderator_id": "mod-1",
            "reviewed_at": datetime.now(UTC).isoformat(),
        }
        naive = {**review, "event_id": uuid.uuid4().hex, "outcome": "approved"}
        naive["reviewed_at"] = datetime.now().replace(tzinfo=None).isoformat()
        await client.send(MODERATION_REVIEWS.name, json.dumps(review).encode(), "review")
        await client.send(MODERATION_REVIEWS.name, json.dumps(naive).encode(), "naive")
        for event in good[20:]:
            await client.publish_comment(event)

        expected = {e["comment_id"]: "published" for e in [nul, *good]}
        expected[toxic["comment_id"]] = "rejected"
        seen = await wait_stored(store_dsn, expected)
        bad_ids = {e["comment_id"].encode() for e in bad.values()}
        dead_comments = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: bad_ids <= {r.key for r in rs}, timeout_s=30
        )
        dead_decisions = await client.collect(
            MODERATION_DECISIONS_DLQ.name, lambda rs: b"forged" in {r.key for r in rs}, 30
        )
        dead_reviews = await client.collect(
            MODERATION_REVIEWS_DLQ.name, lambda rs: b"naive" in {r.key for r in rs}, 30
        )
        # The queue reads the forged decision in its own time (it now also records every
        # decision for reader history): wait for its dead letter rather than read once.
        queue_dead = 0.0
        for _ in range(60):
            queue_dead = metric(queue, 'moderation_dead_letters_total{reason="SCHEMA_VIOLATION"')
            queue_dead += metric(
                queue, 'moderation_dead_letters_total{topic="moderation.decisions"'
            )
            if queue_dead >= 1:
                break
            await asyncio.sleep(0.5)
        ready = {p.role: p.get("/ready")[0] for p in (classifier, store, queue)}
    finally:
        queue.stop()
        store.stop()
        classifier.stop()
    wrong = {k: v for k, v in seen.items() if v[0] != expected[k]}
    record_fault(
        "item 2: 4 bad comments, a NUL body, a 2^31 decision, a naive review "
        f"({store_dsn.split(':')[0]})",
        len(expected) + len(bad) + 2,
        len(seen),
        len(expected) - len(seen),
        0,
        f"dead-lettered: comments {len(bad_ids & set(dead_keys(dead_comments)))}, decision "
        f"{int(b'forged' in dead_keys(dead_decisions))}, review "
        f"{int(b'naive' in dead_keys(dead_reviews))}; wrong statuses {len(wrong)}",
    )
    assert {k: s for k, (s, _) in seen.items()} == expected
    assert seen[nul["comment_id"]][1] == "A fair point about the budget."
    assert bad_ids <= set(dead_keys(dead_comments))
    assert b"forged" in dead_keys(dead_decisions)
    naive_letter = dead_keys(dead_reviews)[b"naive"]
    assert naive_letter["x-dlq-reason"] == b"SCHEMA_VIOLATION"
    assert b"timezone" in naive_letter["x-dlq-error"]
    assert queue_dead >= 1
    assert set(ready.values()) == {200}


async def test_a_stalled_consumer_turns_ready_false_and_shows_in_metrics(broker, client, tmp_path):
    """The store's database locked for 6 s with MODERATION_STUCK_AFTER_S=2: /ready says so
    while it lasts, and everything is applied once it is back."""
    import sqlite3

    env = {
        "MODERATION_DATA_DIR": str(tmp_path),
        "MODERATION_DB_BUSY_TIMEOUT_S": "0.3",
        "MODERATION_STUCK_AFTER_S": "2",
    }
    classifier = start_classifier(broker, name="stuck-classifier")
    store = start_role(broker, "comment-store", name="stuck-store", **env)
    events = [comment_event(f"{CLEAN} ({i})", article_id="stuck") for i in range(50)]
    release = threading.Event()

    def hold_lock() -> None:
        connection = sqlite3.connect(tmp_path / "store.db", timeout=30)
        connection.execute("BEGIN EXCLUSIVE")
        release.wait(timeout=60)
        connection.rollback()
        connection.close()

    locker = threading.Thread(target=hold_lock)
    try:
        locker.start()
        await asyncio.sleep(0.5)
        for event in events:
            await client.publish_comment(event)
        await asyncio.sleep(6.0)
        during_status, during_body = store.get("/ready")
        stuck_s = metric(store, 'moderation_consumer_stuck_seconds{role="comment-store"}')
        release.set()
        locker.join()
        seen = await wait_stored(
            sqlite_dsn(tmp_path / "store.db"), {e["comment_id"]: "published" for e in events}
        )
        after_status = store.get("/ready")[0]
    finally:
        release.set()
        store.stop()
        classifier.stop()
    record_fault(
        "item 2: store database locked 6 s, stuck limit 2 s",
        len(events),
        len(seen),
        len(events) - len(seen),
        0,
        f"/ready during: {during_status}, stuck gauge {stuck_s:.1f} s; after: {after_status}",
    )
    assert during_status == 503 and json.loads(during_body)["progressing"] is False
    assert stuck_s >= 2.0
    assert after_status == 200
    assert len(seen) == len(events)


# Item 5 ------------------------------------------------------------------------------------

CODECS = ["gzip", "lz4", "zstd", "snappy"]


async def test_every_producer_codec_is_decided_and_stored(broker, client, tmp_path):
    dsn = sqlite_dsn(tmp_path / "store.db")
    classifier = start_classifier(broker, name="codec-classifier")
    store = start_role(broker, "comment-store", name="codec-store", MODERATION_STORE_DSN=dsn)
    article = f"codecs-{uuid.uuid4().hex[:6]}"
    sent: dict[str, list[str]] = {}
    try:
        for codec in CODECS:
            producer = AIOKafkaProducer(
                bootstrap_servers=broker.bootstrap, compression_type=codec, linger_ms=5
            )
            await producer.start()
            events = [
                comment_event(f"{CLEAN} ({codec} {i})", article_id=article) for i in range(20)
            ]
            await asyncio.gather(
                *[
                    await producer.send(
                        COMMENTS_SUBMITTED.name,
                        json.dumps(e).encode(),
                        key=e["comment_id"].encode(),
                    )
                    for e in events
                ]
            )
            await producer.stop()
            sent[codec] = [e["comment_id"] for e in events]
        # Plain comments after the compressed ones: nothing stalls behind them.
        plain = [comment_event(f"{CLEAN} (plain {i})", article_id=article) for i in range(12)]
        for event in plain:
            await client.publish_comment(event)
        sent["none"] = [e["comment_id"] for e in plain]
        ids = [i for group in sent.values() for i in group]
        found = await client.decisions_for(ids, timeout_s=90)
        seen = await wait_stored(dsn, dict.fromkeys(ids, "published"))
    finally:
        store.stop()
        classifier.stop()
    for codec, group in sent.items():
        record_fault(
            f"item 5: {len(group)} comments compressed with {codec}",
            len(group),
            sum(1 for i in group if i in found),
            sum(1 for i in group if i not in found),
            sum(len(found[i]) - 1 for i in group if i in found),
            f"stored: {sum(1 for i in group if i in seen)}",
        )
    assert set(found) == set(ids)
    assert set(seen) == set(ids)


# Item 2, the error policy: a database that refuses one valid event ---------------------

REFUSED = "this body is refused by a database constraint"


async def refuse_a_body(dsn: str) -> None:
    """A constraint the event's validation knows nothing about: what an unforeseen data
    error looks like to the store."""
    engine = make_engine(dsn)
    async with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            await conn.execute(
                sa.text(
                    "CREATE TRIGGER refuse BEFORE INSERT ON comments "
                    f"WHEN NEW.body = '{REFUSED}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            await conn.execute(
                sa.text(
                    "ALTER TABLE comments ADD CONSTRAINT refuse "
                    f"CHECK (body IS NULL OR body <> '{REFUSED}')"
                )
            )
    await engine.dispose()


async def test_an_event_the_database_refuses_is_dead_lettered_the_rest_applied(
    broker, client, new_database
):
    dsn = await new_database()
    engine = make_engine(dsn)
    await migrate(engine, "store")
    await engine.dispose()
    await refuse_a_body(dsn)
    article = f"refused-{uuid.uuid4().hex[:6]}"
    classifier = start_classifier(broker, name="refused-classifier")
    store = start_role(broker, "comment-store", name="refused-store", MODERATION_STORE_DSN=dsn)
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    good = [comment_event(f"{CLEAN} ({i})", article_id=article) for i in range(60)]
    refused = comment_event(REFUSED, article_id=article)
    started = time.monotonic()
    try:
        for event in [*good[:30], refused, *good[30:]]:
            await client.publish_comment(event)
        seen = await wait_stored(dsn, {e["comment_id"]: "published" for e in good})
        elapsed = time.monotonic() - started
        key = refused["comment_id"].encode()
        dead = await client.collect(
            COMMENTS_SUBMITTED_DLQ.name, lambda rs: key in {r.key for r in rs}, timeout_s=30
        )
        failures = metric(store, 'moderation_batch_failures_total{role="comment-store"}')
    finally:
        store.stop()
        classifier.stop()
    letters = [dict(r.headers) for r in dead if r.key == key]
    record_fault(
        f"item 2: a valid comment its database refuses ({dsn.split(':')[0]})",
        len(good) + 1,
        len(seen),
        len(good) - len(seen),
        0,
        f"dead-lettered: {len(letters)}, retried batches: {int(failures)}; "
        f"all applied after {elapsed:.1f} s",
    )
    assert len(seen) == len(good)
    assert [h["x-dlq-reason"] for h in letters] == [b"UNPROCESSABLE"]
    assert b"IntegrityError" in letters[0]["x-dlq-error"]
    assert failures == 0  # not a transient error: never retried


# Item 10 -----------------------------------------------------------------------------------


async def test_bench_counts_a_backlog_as_undecided_not_lost(broker):
    """A classifier committing one record at a time cannot keep up with 500 comments/s:
    at the deadline most are still queued. They are decided once the backlog drains."""
    classifier = start_classifier(
        broker, name="bench-backlog-classifier", MODERATION_BATCH_MAX_RECORDS="1"
    )
    try:
        result = await run_pipeline_bench(
            broker.bootstrap, comment_bodies(1_000), rate=500, duration_s=2.0
        )
    finally:
        classifier.stop()
    record_fault(
        "item 10: bench with a backlog at its deadline",
        result["sent"],
        result["decided"],
        result["lost"],
        result["duplicates"],
        f"undecided at the deadline: {result['undecided_at_deadline']}, "
        f"drained in {result['drain_s']} s",
    )
    assert result["undecided_at_deadline"] > 0
    assert result["drained"] is True
    assert result["lost"] == 0 and result["decided"] == result["sent"]


async def test_a_batch_no_codec_can_read_turns_ready_false(broker, client, tmp_path):
    """Whatever stops the consumer before any handler runs (here lz4 with its library
    hidden from the classifier) is not silent: /ready turns false within the limit. (The
    batch is dead-lettered after MODERATION_UNDECODABLE_MAX_TRIES tries, see
    test_undecodable.py; here the role is told to keep trying, as while a codec is being
    installed, to show the alert meanwhile.)"""
    hidden = tmp_path / "no-codecs"
    hidden.mkdir()
    (hidden / "cramjam.py").write_text('raise ImportError("hidden by the test")\n')
    classifier = start_classifier(
        broker,
        name="no-codec-classifier",
        PYTHONPATH=str(hidden),
        MODERATION_STUCK_AFTER_S="3",
        MODERATION_UNDECODABLE_MAX_TRIES="1000",
        MODERATION_UNDECODABLE_GIVE_UP_S="600",
    )
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, compression_type="lz4")
    await producer.start()
    try:
        before = classifier.get("/ready")[0]
        for i in range(30):
            event = comment_event(f"{CLEAN} (lz4 {i})")
            await producer.send(COMMENTS_SUBMITTED.name, json.dumps(event).encode())
        await producer.flush()
        deadline = time.monotonic() + 30
        status, body = classifier.get("/ready")
        while status == 200 and time.monotonic() < deadline:
            await asyncio.sleep(1.0)
            status, body = classifier.get("/ready")
    finally:
        await producer.stop()
        classifier.stop()
    record_fault(
        "item 5: lz4 batch, codec library missing",
        30,
        0,
        0,
        0,
        f"/ready before {before}, then {status} ({json.loads(body)})",
    )
    assert before == 200
    assert status == 503 and json.loads(body)["progressing"] is False


async def test_confluent_kafka_producer_defaults_are_read(broker, client, tmp_path):
    """The reviewer's client: librdkafka through confluent-kafka (optional: skipped where it
    is not installed)."""
    confluent = pytest.importorskip("confluent_kafka")
    classifier = start_classifier(broker, name="confluent-classifier")
    sent: dict[str, list[str]] = {}
    try:
        for codec in CODECS:
            producer = confluent.Producer(
                {"bootstrap.servers": broker.bootstrap, "compression.type": codec}
            )
            events = [comment_event(f"{CLEAN} (librdkafka {codec} {i})") for i in range(20)]
            for event in events:
                producer.produce(
                    COMMENTS_SUBMITTED.name, json.dumps(event).encode(), event["comment_id"]
                )
            assert producer.flush(30) == 0
            sent[codec] = [e["comment_id"] for e in events]
        ids = [i for group in sent.values() for i in group]
        found = await client.decisions_for(ids, timeout_s=90)
    finally:
        classifier.stop()
    for codec, group in sent.items():
        record_fault(
            f"item 5: {len(group)} comments from librdkafka {confluent.libversion()[0]}, {codec}",
            len(group),
            sum(1 for i in group if i in found),
            sum(1 for i in group if i not in found),
            sum(len(found[i]) - 1 for i in group if i in found),
        )
    assert set(found) == set(ids)
