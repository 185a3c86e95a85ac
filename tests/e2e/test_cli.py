"""The operator's commands that talk to Kafka, run as an operator runs them (a process of
its own) against the real embedded broker, and against a port nobody listens on."""

from __future__ import annotations

import asyncio
import base64
import json
import os
import signal
import sys
import time
import uuid

import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from moderation.adapters.embedded_broker import free_port
from moderation.adapters.topic_reader import DEAD_LETTER_TOPICS
from moderation.domain.dead_letters import DeadLetterReason
from moderation.domain.events import ArticleContext
from moderation.entrypoints.cli.errors import kafka_unreachable
from moderation.roles import ROLES
from moderation.topics import (
    ARTICLES_CONTEXT,
    COMMENTS_SUBMITTED,
    COMMENTS_SUBMITTED_DLQ,
    DLQ_HEADER_REASON,
    DLQ_HEADER_SOURCE_TOPIC,
    MODERATION_REVIEWS,
    MODERATION_REVIEWS_DLQ,
)
from tests.pipeline_client import CLEAN, TOXIC, comment_event

pytestmark = pytest.mark.e2e


def cli_env(bootstrap: str) -> dict[str, str]:
    # COLUMNS: help text laid out wide enough that no line of the example is wrapped.
    return {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": bootstrap, "COLUMNS": "120"}


async def cli(bootstrap: str, *args: str, timeout_s: float = 60.0) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moderation.entrypoints.cli",
        *args,
        env=cli_env(bootstrap),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout_s)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


def json_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines()]


async def group_ids(bootstrap: str) -> set[str]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return {group[0] for group in await admin.list_consumer_groups()}
    finally:
        await admin.close()


@pytest.fixture
def context_file(tmp_path):
    path = tmp_path / "ctx.json"
    path.write_text(json.dumps({"article_id": f"a-{uuid.uuid4().hex[:8]}", "site_id": "s"}))
    return path


BROKER_COMMANDS = [
    ("article", "set", "--file", "{context}"),
    ("topics", "create"),
    ("dlq", "replay"),
    ("dlq", "replay", "--dry-run", "--topic", "nosuch.dlq"),
    ("dlq", "show"),
    ("dlq", "show", "--topic", "comments.submitted.dlq", "--limit", "3"),
    ("decisions", "tail"),
    ("decisions", "tail", "--follow", "--comment-id", "c-1"),
    ("bench", "--bootstrap", "{nobody}", "--duration", "1"),
]


@pytest.mark.parametrize("command", BROKER_COMMANDS, ids=" ".join)
async def test_broker_down_is_one_line_and_exit_2(command, context_file):
    nobody = f"127.0.0.1:{free_port()}"  # bound and released: nothing listens there
    args = [part.format(context=context_file, nobody=nobody) for part in command]
    named_by = "--bootstrap" if "--bootstrap" in args else "KAFKA_BOOTSTRAP_SERVERS"
    started = time.monotonic()
    code, out, err = await cli(nobody, *args)
    took = time.monotonic() - started
    assert (code, out, err) == (2, "", f"error: {kafka_unreachable(nobody, None, named_by)}\n")
    assert "Traceback" not in err
    assert took < 15, took


async def test_dev_with_an_unreachable_kafka_is_one_line_and_exit_2(tmp_path):
    nobody = f"127.0.0.1:{free_port()}"
    ports = [f"--http-port={role}={free_port()}" for role in ROLES]
    code, out, err = await cli(nobody, "dev", "--data-dir", str(tmp_path), *ports)
    assert code == 2 and err == f"error: {kafka_unreachable(nobody)}\n", (out, err)
    assert "Traceback" not in out + err


async def test_topics_create_waits_then_gives_the_one_line(tmp_path):
    nobody = f"127.0.0.1:{free_port()}"
    code, _, err = await cli(nobody, "topics", "create", "--wait", "1")
    assert code == 2 and "Traceback" not in err
    assert err.splitlines() == [
        f"waiting up to 1 s for Kafka at {nobody}",
        f"error: {kafka_unreachable(nobody, 1)}",
    ]


async def test_topics_create_with_every_topic_there(broker):
    assert await cli(broker.bootstrap, "topics", "create") == (
        0,
        "created: nothing (all exist)\n",
        "",
    )


async def test_dlq_replay_of_an_unknown_topic_names_the_dead_letter_topics(broker):
    code, out, err = await cli(
        broker.bootstrap, "dlq", "replay", "--topic", "nosuch.dlq", "--dry-run"
    )
    assert code == 2 and out == "" and "Traceback" not in err
    assert err.startswith("error: 'nosuch.dlq' is not a dead-letter topic") and err.count("\n") == 1
    assert all(name in err for name in DEAD_LETTER_TOPICS)
    # A work topic is not a dead-letter topic either: replaying it would resend comments.
    code, _, err = await cli(broker.bootstrap, "dlq", "show", "--topic", COMMENTS_SUBMITTED.name)
    assert code == 2 and "is not a dead-letter topic" in err


async def test_article_set_help_shows_a_valid_context_and_publishing_it_works(
    broker, client, tmp_path
):
    code, out, _ = await cli(broker.bootstrap, "article", "set", "--help")
    assert code == 0
    example = out[out.index("{") : out.rindex("}") + 1]
    # The help is laid out in a box by rich: strip its borders if there are any.
    example = "\n".join(line.strip(" │") for line in example.splitlines())
    context = ArticleContext.model_validate_json(example)
    assert context.title and context.url and context.protected_names
    assert context.active_proceedings and context.active_proceedings[0].defendants

    path = tmp_path / "ctx.json"
    path.write_text(example)
    await client.follow(ARTICLES_CONTEXT.name)
    code, out, err = await cli(broker.bootstrap, "article", "set", "--file", str(path))
    assert code == 0, err
    records = await client.collect(
        ARTICLES_CONTEXT.name, lambda rs: any(r.key == context.article_id.encode() for r in rs)
    )
    published = [r for r in records if r.key == context.article_id.encode()]
    sent = ArticleContext.model_validate_json(published[0].value)
    # updated_at defaults to the time of reading, so it is the one field that differs.
    assert sent.model_dump(exclude={"updated_at"}) == context.model_dump(exclude={"updated_at"})


async def test_decisions_tail_prints_the_decisions_and_follows(broker, client, classifier):
    events = [comment_event(CLEAN), comment_event(TOXIC), comment_event(CLEAN)]
    for event in events:
        await client.publish_comment(event)
    seen = await client.decisions_for([e["comment_id"] for e in events], timeout_s=60)
    groups_before = await group_ids(broker.bootstrap)

    code, out, err = await cli(broker.bootstrap, "decisions", "tail")
    assert code == 0, err
    printed = json_lines(out)
    by_id = {d["comment_id"]: d for d in printed}
    for event in events:
        assert by_id[event["comment_id"]] == seen[event["comment_id"]][0]
    assert [by_id[e["comment_id"]]["decision"] for e in events] == ["approve", "hold", "approve"]

    code, out, _ = await cli(broker.bootstrap, "decisions", "tail", "--limit", "2")
    assert code == 0 and json_lines(out) == printed[-2:]
    target = events[1]["comment_id"]
    code, out, _ = await cli(broker.bootstrap, "decisions", "tail", "--comment-id", target)
    assert code == 0 and json_lines(out) == seen[target]

    # --follow: a comment published after it started is printed when decided; Ctrl-C ends it.
    later = comment_event(TOXIC)
    follower = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "moderation.entrypoints.cli",
        "decisions",
        "tail",
        "--follow",
        "--comment-id",
        later["comment_id"],
        env=cli_env(broker.bootstrap),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        await asyncio.sleep(1.0)  # either way it is printed once: read back or followed
        await client.publish_comment(later)
        assert follower.stdout is not None
        line = await asyncio.wait_for(follower.stdout.readline(), 60)
        assert json.loads(line)["comment_id"] == later["comment_id"]
        assert json.loads(line)["decision"] == "hold"
    finally:
        follower.send_signal(signal.SIGINT)
        out, err = await asyncio.wait_for(follower.communicate(), 30)
    assert follower.returncode == 0 and out == b"" and b"Traceback" not in err, err
    # Read without a group: no group appeared, none was touched.
    assert await group_ids(broker.bootstrap) == groups_before


async def test_dlq_show_prints_dead_letters_and_a_dry_run_replays_nothing(
    broker, client, classifier
):
    await client.follow(COMMENTS_SUBMITTED.name)
    await client.follow(COMMENTS_SUBMITTED_DLQ.name)
    text_key, binary_key = f"text-{uuid.uuid4().hex}", f"binary-{uuid.uuid4().hex}"
    binary = b"\xff\xfe\x00 not UTF-8"
    await client.send(
        COMMENTS_SUBMITTED.name, b"not json at all", key=text_key, headers=[("origin", b"cms")]
    )
    await client.send(COMMENTS_SUBMITTED.name, binary, key=binary_key)
    keys = {text_key.encode(), binary_key.encode()}
    letters = await client.collect(
        COMMENTS_SUBMITTED_DLQ.name, lambda rs: keys <= {r.key for r in rs}, timeout_s=60
    )
    sources = await client.collect(COMMENTS_SUBMITTED.name, lambda rs: keys <= {r.key for r in rs})
    source = {r.key.decode(): r for r in sources if r.key in keys}
    letter = {r.key.decode(): r for r in letters if r.key in keys}
    groups_before = await group_ids(broker.bootstrap)

    code, out, err = await cli(broker.bootstrap, "dlq", "show")
    assert code == 0, err
    shown = json_lines(out)
    assert {d["topic"] for d in shown} <= set(DEAD_LETTER_TOPICS)
    mine = {d["key"]: d for d in shown if d["key"] in (text_key, binary_key)}
    for key in (text_key, binary_key):
        view = mine[key]
        assert view["reason"] == dict(letter[key].headers)[DLQ_HEADER_REASON].decode()
        assert view["reason"] in set(DeadLetterReason)
        assert view["error"]
        assert (view["source_topic"], view["source_partition"], view["source_offset"]) == (
            COMMENTS_SUBMITTED.name,
            source[key].partition,
            source[key].offset,
        )
        assert (view["partition"], view["offset"]) == (letter[key].partition, letter[key].offset)
    assert mine[text_key]["value"] == "not json at all"
    assert mine[text_key]["value_encoding"] == "utf-8"
    assert mine[text_key]["headers"]["origin"] == "cms"  # FastStream adds headers of its own
    assert not any(name.startswith("x-dlq") for name in mine[text_key]["headers"])
    assert mine[text_key]["other_dlq_headers"] == {}  # a plain record has only the usual ones
    assert mine[binary_key]["value_encoding"] == "base64"
    assert base64.b64decode(mine[binary_key]["value"]) == binary

    code, out, _ = await cli(
        broker.bootstrap, "dlq", "show", "--topic", COMMENTS_SUBMITTED_DLQ.name, "--limit", "1"
    )
    # The newest letter: the classifier may dead-letter the two in either order.
    newest = max(letter.values(), key=lambda r: (r.timestamp, r.partition, r.offset))
    assert code == 0 and [d["key"] for d in json_lines(out)] == [newest.key.decode()]

    code, out, err = await cli(broker.bootstrap, "dlq", "replay", "--dry-run")
    assert code == 0, err
    report = json.loads(out)
    assert "replayed" not in report and report["dry_run"] is True
    assert report["would_replay"] >= 2
    assert report["by_target"][COMMENTS_SUBMITTED.name] == report["would_replay"]
    await asyncio.sleep(2.0)  # anything a dry run wrongly sent would be back by now
    again = await client.collect(COMMENTS_SUBMITTED.name, lambda rs: False, timeout_s=1.0)
    assert sum(r.key in keys for r in again) == 2  # the two originals, no copies
    # `dlq show` used no group; a dry run commits nothing, so dlq-replay may not exist yet.
    assert await group_ids(broker.bootstrap) - groups_before <= {"dlq-replay"}


async def test_dlq_show_reads_every_record_of_a_batch(broker):
    # The embedded broker reports a partition's end as its last batch's first offset + 1;
    # records sent in one batch must all be shown regardless.
    topic = MODERATION_REVIEWS_DLQ.name
    producer = AIOKafkaProducer(bootstrap_servers=broker.bootstrap, linger_ms=200)
    await producer.start()
    try:
        keys = [f"batch-{uuid.uuid4().hex}-{i}".encode() for i in range(3)]
        headers = [
            (DLQ_HEADER_REASON, DeadLetterReason.SCHEMA_VIOLATION.value.encode()),
            (DLQ_HEADER_SOURCE_TOPIC, MODERATION_REVIEWS.name.encode()),
        ]
        sent = [await producer.send(topic, b"{}", key=key, headers=headers) for key in keys]
        offsets = [record.offset for record in await asyncio.gather(*sent)]
    finally:
        await producer.stop()
    assert offsets == list(range(offsets[0], offsets[0] + 3))
    code, out, err = await cli(broker.bootstrap, "dlq", "show", "--topic", topic)
    assert code == 0, err
    assert [d["key"] for d in json_lines(out)][-3:] == [k.decode() for k in keys]
    code, out, _ = await cli(broker.bootstrap, "dlq", "show", "--topic", topic, "--limit", "2")
    assert [d["key"] for d in json_lines(out)] == [k.decode() for k in keys[1:]]
    # A replay counts them all too (it reads up to the same end).
    code, out, err = await cli(broker.bootstrap, "dlq", "replay", "--topic", topic, "--dry-run")
    assert code == 0, err
    assert json.loads(out) == {
        "would_replay": 3,
        "skipped": 0,
        "by_target": {MODERATION_REVIEWS.name: 3},
        "dry_run": True,
    }
