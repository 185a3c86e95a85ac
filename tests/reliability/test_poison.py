"""Property-based poison input on comments.submitted (hypothesis): random bytes, invalid
UTF-8, wrong types, missing fields, near-1 MB bodies, deeply nested JSON, huge and
non-UTF-8 headers, interleaved with good comments. Every bad record lands in the DLQ with
a reason, every good one is decided, and the worker never restarts."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from moderation.domain.dead_letters import DeadLetterReason
from moderation.topics import COMMENTS_SUBMITTED, COMMENTS_SUBMITTED_DLQ
from tests.pipeline_client import PipelineClient, comment_event
from tests.reliability.conftest import record_fault
from tests.roles import start_classifier

pytestmark = pytest.mark.reliability

GOOD = comment_event("placeholder")
REQUIRED = ["comment_id", "article_id", "site_id", "author", "body"]

random_bytes = st.binary(min_size=0, max_size=3000)
invalid_utf8 = st.binary(min_size=1, max_size=200).map(lambda b: b'{"body": "\xff\xfe' + b + b'"}')
wrong_types = st.sampled_from(
    [
        {"revision": "two"},
        {"author": ["not", "an", "object"]},
        {"body": 42},
        {"comment_id": None},
        {"submitted_at": "yesterday-ish"},
        {"revision": -3},
        {"author": {"id": 7, "is_staff": "maybe"}},
    ]
).map(lambda change: json.dumps({**GOOD, **change}).encode())
missing_fields = st.sampled_from(REQUIRED).map(
    lambda key: json.dumps({k: v for k, v in GOOD.items() if k != key}).encode()
)
near_megabyte = st.just(json.dumps({**GOOD, "body": "x" * 900_000}).encode())
deeply_nested = st.integers(min_value=200, max_value=50_000).map(
    lambda depth: b"[" * depth + b"]" * depth
)
not_an_object = st.sampled_from([b"[]", b"null", b"42", b'"a string"', b"true"])

poison_value = st.one_of(
    random_bytes,
    invalid_utf8,
    wrong_types,
    missing_fields,
    deeply_nested,
    not_an_object,
    near_megabyte,
)
poison_headers = st.one_of(
    st.just([]),
    st.just([("trace", b"x" * 100_000)]),  # a huge header
    st.binary(min_size=1, max_size=50).map(lambda b: [("raw", b"\xff" + b)]),  # not UTF-8
)
good_bodies = st.text(min_size=1, max_size=400).filter(lambda t: t.strip() != "")

TOTALS = {"bad": 0, "good": 0, "dead": 0, "decided": 0}


@pytest.fixture(scope="module")
def worker(broker):
    process = start_classifier(broker, name="poison-classifier")
    yield process
    process.stop()


EVERY_KIND = [
    (b"\x00\x01 random \xfe bytes", []),
    (b'{"body": "\xff\xfe broken utf-8"}', []),
    (json.dumps({**GOOD, "revision": "two"}).encode(), []),
    (json.dumps({k: v for k, v in GOOD.items() if k != "body"}).encode(), []),
    (json.dumps({**GOOD, "body": "x" * 900_000}).encode(), []),
    (b"[" * 50_000 + b"]" * 50_000, []),
    (b"null", [("trace", b"x" * 100_000)]),
    (b"not json", [("raw", b"\xff\xfe not utf-8")]),
]


@example(poison=EVERY_KIND, good=["A fine comment.", "Another fine one."])
@settings(
    max_examples=15,
    deadline=None,
    derandomize=True,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
@given(
    poison=st.lists(st.tuples(poison_value, poison_headers), min_size=5, max_size=25),
    good=st.lists(good_bodies, min_size=5, max_size=25),
)
def test_poison_goes_to_the_dlq_and_good_comments_are_decided(worker, broker, poison, good):
    pid = worker.process.pid
    asyncio.run(_run(broker.bootstrap, poison, good))
    assert worker.process.poll() is None and worker.process.pid == pid  # never restarted
    assert worker.get("/ready")[0] == 200


async def _run(bootstrap, poison, good) -> None:
    client = PipelineClient(bootstrap)
    await client.start()
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    await client.follow("moderation.decisions")
    bad_keys, good_events = [], []
    interleaved = max(len(poison), len(good))
    for i in range(interleaved):
        if i < len(poison):
            value, headers = poison[i]
            key = f"poison-{uuid.uuid4().hex}"
            await client.send(COMMENTS_SUBMITTED.name, value, key=key, headers=headers)
            bad_keys.append(key.encode())
        if i < len(good):
            event = comment_event(good[i])
            await client.publish_comment(event)
            good_events.append(event)
    dead = await client.collect(
        COMMENTS_SUBMITTED_DLQ.name, lambda rs: set(bad_keys) <= {r.key for r in rs}, timeout_s=60
    )
    found = await client.decisions_for([e["comment_id"] for e in good_events], timeout_s=60)
    await client.stop()

    reasons = {r.key: dict(r.headers).get("x-dlq-reason", b"").decode() for r in dead}
    assert set(bad_keys) <= set(reasons), "a bad record did not reach the DLQ"
    assert all(reasons[k] in DeadLetterReason.__members__ for k in bad_keys)
    assert all(dict(r.headers).get("x-dlq-error") for r in dead if r.key in bad_keys)
    assert set(found) == {e["comment_id"] for e in good_events}
    TOTALS["bad"] += len(bad_keys)
    TOTALS["dead"] += len(set(bad_keys) & set(reasons))
    TOTALS["good"] += len(good_events)
    TOTALS["decided"] += len(found)
    record_fault(
        "poison input (hypothesis) interleaved with good comments",
        TOTALS["bad"] + TOTALS["good"],
        TOTALS["decided"],
        TOTALS["good"] - TOTALS["decided"],
        0,
        f"bad records: {TOTALS['bad']}, dead-lettered with a reason: {TOTALS['dead']}",
    )
