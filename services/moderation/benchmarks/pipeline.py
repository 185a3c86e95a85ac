"""End-to-end benchmark: publish comments at a rate, time every decision's round trip.

When publishing stops, comments still queued are not lost: they are counted as
`undecided_at_deadline`, and the bench then waits (up to `drain_timeout_s`) until the
classifiers' group has committed everything that was sent. Only a comment with no decision
after that is `lost`; if the backlog does not drain in time, `lost` is null."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from moderation.benchmarks.corpus import comment_events
from moderation.roles import CLASSIFIER
from moderation.topics import COMMENTS_SUBMITTED, MODERATION_DECISIONS


@dataclass
class Tally:
    sent_at: dict[str, float] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    decided: set[str] = field(default_factory=set)
    duplicates: int = 0
    first_sent: float = 0.0
    last_decided: float = 0.0


async def _follow_decisions(bootstrap: str) -> AIOKafkaConsumer:
    consumer = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        fetch_max_wait_ms=5,
        max_partition_fetch_bytes=4 * 1024 * 1024,
    )
    await consumer.start()
    for _ in range(100):
        await consumer.topics()
        if parts := consumer.partitions_for_topic(MODERATION_DECISIONS.name):
            break
        await asyncio.sleep(0.1)
    partitions = [TopicPartition(MODERATION_DECISIONS.name, p) for p in sorted(parts)]
    consumer.assign(partitions)
    await consumer.seek_to_end(*partitions)
    for tp in partitions:
        await consumer.position(tp)
    return consumer


async def _consume(consumer: AIOKafkaConsumer, tally: Tally, stop: asyncio.Event) -> None:
    while not stop.is_set():
        batches = await consumer.getmany(timeout_ms=50, max_records=5000)
        now = time.perf_counter()
        for records in batches.values():
            for record in records:
                comment_id = record.key.decode() if record.key else ""
                sent = tally.sent_at.get(comment_id)
                if sent is None:
                    continue  # warm-up or another run's decision
                if comment_id in tally.decided:
                    tally.duplicates += 1
                    continue
                tally.decided.add(comment_id)
                tally.latencies_ms.append((now - sent) * 1000)
                tally.last_decided = now


async def _drained(bootstrap: str, timeout_s: float) -> bool:
    """Wait until the classifiers have committed every comment sent so far: what is still
    undecided then will never be decided."""
    # Names the group without joining it: it only reads the group's committed offsets.
    probe = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, group_id=CLASSIFIER.group, enable_auto_commit=False
    )
    await probe.start()
    try:
        await probe.topics()
        partitions = [
            TopicPartition(COMMENTS_SUBMITTED.name, p)
            for p in sorted(probe.partitions_for_topic(COMMENTS_SUBMITTED.name) or ())
        ]
        ends = await probe.end_offsets(partitions)
        deadline = time.perf_counter() + timeout_s
        while time.perf_counter() < deadline:
            behind = [tp for tp in partitions if (await probe.committed(tp) or 0) < ends[tp]]
            if not behind:
                return True
            await asyncio.sleep(0.2)
        return False
    finally:
        await probe.stop()


async def run_pipeline_bench(
    bootstrap: str,
    bodies: list[str],
    rate: float,
    duration_s: float,
    drain_timeout_s: float = 300.0,
) -> dict[str, Any]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=2, acks=1)
    await producer.start()
    consumer = await _follow_decisions(bootstrap)
    tally = Tally()
    stop = asyncio.Event()
    reader = asyncio.create_task(_consume(consumer, tally, stop))
    try:
        await _warm_up(producer, tally)
        events = comment_events(bodies)
        encoded = [(e["comment_id"], json.dumps(e).encode()) for e in events]
        tally.first_sent = time.perf_counter()
        deadline = tally.first_sent + duration_s
        pending: list[asyncio.Future[Any]] = []
        sent = 0
        while time.perf_counter() < deadline:
            if rate > 0:
                due = tally.first_sent + sent / rate
                delay = due - time.perf_counter()
                if delay > 0:
                    await asyncio.sleep(delay)
            if sent == len(encoded):
                break  # the caller sized the corpus for rate x duration
            comment_id, value = encoded[sent]
            tally.sent_at[comment_id] = time.perf_counter()
            pending.append(
                await producer.send(COMMENTS_SUBMITTED.name, value, key=comment_id.encode())
            )
            sent += 1
            if len(pending) >= 1000:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)
        send_seconds = time.perf_counter() - tally.first_sent
        undecided_at_deadline = sent - len(tally.decided)
        drain_started = time.perf_counter()
        drained = await _drained(bootstrap, drain_timeout_s)
        # Decisions are acknowledged before their comments are committed: what is still
        # in flight to our reader arrives within moments (late duplicates too).
        await asyncio.sleep(1.0)
        drain_s = time.perf_counter() - drain_started
    finally:
        stop.set()
        await reader
        await producer.stop()
        await consumer.stop()
    latencies = np.array(tally.latencies_ms) if tally.latencies_ms else np.array([np.nan])
    elapsed = (tally.last_decided or time.perf_counter()) - tally.first_sent
    return {
        "sent": sent,
        "decided": len(tally.decided),
        "undecided_at_deadline": undecided_at_deadline,
        "drained": drained,
        "drain_s": round(drain_s, 1),
        "lost": sent - len(tally.decided) if drained else None,
        "duplicates": tally.duplicates,
        "target_rate_cps": rate,
        "send_rate_cps": round(sent / send_seconds, 1),
        "throughput_cps": round(len(tally.decided) / elapsed, 1) if elapsed > 0 else 0.0,
        "p50_ms": round(float(np.percentile(latencies, 50)), 1),
        "p95_ms": round(float(np.percentile(latencies, 95)), 1),
        "p99_ms": round(float(np.percentile(latencies, 99)), 1),
        "max_ms": round(float(latencies.max()), 1),
    }


async def _warm_up(producer: AIOKafkaProducer, tally: Tally, timeout_s: float = 60.0) -> None:
    """The classifier's first group join takes seconds; do not count it as latency."""
    [event] = comment_events(["Warm-up comment, please ignore."], run_id="warmup")
    event["comment_id"] = f"warmup-{time.time_ns()}"
    tally.sent_at[event["comment_id"]] = time.perf_counter()
    await producer.send_and_wait(
        COMMENTS_SUBMITTED.name, json.dumps(event).encode(), key=event["comment_id"].encode()
    )
    deadline = time.perf_counter() + timeout_s
    while event["comment_id"] not in tally.decided:
        if time.perf_counter() > deadline:
            raise TimeoutError("no decision for the warm-up comment: is a classifier running?")
        await asyncio.sleep(0.05)
    tally.decided.clear()
    tally.latencies_ms.clear()
    del tally.sent_at[event["comment_id"]]


def log_dir(data_dir: Path) -> Path:
    path = data_dir / "bench"
    path.mkdir(parents=True, exist_ok=True)
    return path
