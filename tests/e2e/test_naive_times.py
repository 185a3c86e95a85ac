"""A `submitted_at` without a time zone (issue #13 item 9): set aside with its reason,
instead of being decided and then breaking the latency metric of its whole batch."""

from __future__ import annotations

import json

import pytest

from moderation.topics import COMMENTS_SUBMITTED_DLQ, DLQ_HEADER_ERROR, DLQ_HEADER_REASON
from tests.pipeline_client import CLEAN, comment_event

pytestmark = pytest.mark.e2e


def latency_count(classifier) -> float:
    text = classifier.get("/metrics")[1].decode()
    lines = [line for line in text.splitlines() if line.startswith("moderation_end_to_end")]
    return sum(float(line.rsplit(" ", 1)[1]) for line in lines if "_count" in line)


async def test_a_naive_submitted_at_is_dead_lettered_and_the_metrics_keep_counting(
    classifier, client
):
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    counted_before = latency_count(classifier)
    naive = comment_event(CLEAN, submitted_at="2026-11-27T10:00:00")
    aware = [comment_event(CLEAN, submitted_at="2026-11-27T10:00:00+00:00") for _ in range(3)]
    for event in (naive, *aware):
        await client.publish_comment(event)

    found = await client.decisions_for([e["comment_id"] for e in aware])
    assert len(found) == 3
    dead = await client.collect(COMMENTS_SUBMITTED_DLQ.name, lambda rs: len(rs) >= 1)
    [letter] = [r for r in dead if json.loads(r.value)["comment_id"] == naive["comment_id"]]
    headers = dict(letter.headers)
    assert headers[DLQ_HEADER_REASON] == b"SCHEMA_VIOLATION"
    assert b"submitted_at" in headers[DLQ_HEADER_ERROR]
    assert naive["comment_id"] not in await client.decisions_for([naive["comment_id"]], 2)
    assert latency_count(classifier) >= counted_before + 3
