"""The classifier subscriber on FastStream's in-memory TestKafkaBroker."""

import json

import pytest
from faststream.kafka import KafkaBroker, KafkaMessage, TestKafkaBroker

from moderation.classifier.consumer import register_classifier
from moderation.domain.events import CommentModerated
from moderation.domain.policy import parse_policy
from moderation.service_layer.classify import Classifier
from moderation.settings import ModerationSettings
from moderation.topics import COMMENTS_SUBMITTED, COMMENTS_SUBMITTED_DLQ, MODERATION_DECISIONS
from tests.fakes import KeywordScorer, article, comment

POLICY = parse_policy({"version": "it-1", "thresholds": {"toxicity": 0.75}})


def build(articles=(), settings=None):
    broker = KafkaBroker()
    table = {a.article_id: a for a in articles}
    classifier = Classifier(scorer=KeywordScorer(), policy=POLICY, articles=table.get)
    stats = register_classifier(broker, classifier, settings or ModerationSettings())
    decisions: list[CommentModerated] = []
    dead: list[tuple[bytes, dict]] = []

    @broker.subscriber(MODERATION_DECISIONS.name)
    async def collect(body: CommentModerated) -> None:
        decisions.append(body)

    async def raw(message):
        return message.body

    @broker.subscriber(COMMENTS_SUBMITTED_DLQ.name, decoder=raw)
    async def collect_dead(body: bytes, message: KafkaMessage) -> None:
        dead.append((message.body, message.headers))

    return broker, stats, decisions, dead


@pytest.mark.parametrize("in_thread", [False, True], ids=["in-loop", "in-thread"])
async def test_decisions_are_published_keyed_by_comment(in_thread):
    settings = ModerationSettings(score_in_thread=in_thread)
    broker, stats, decisions, _ = build([article("pre", premoderate=True)], settings)
    async with TestKafkaBroker(broker) as test_broker:
        for c in (comment("nice", "c1"), comment("idiot!", "c2"), comment("ok", "c3", "pre")):
            await test_broker.publish(c.model_dump_json().encode(), COMMENTS_SUBMITTED.name)
    by_id = {d.comment_id: d for d in decisions}
    assert by_id["c1"].decision == "approve"
    assert by_id["c2"].decision == "hold"
    assert by_id["c3"].reasons[0].code == "PREMODERATED_ARTICLE"
    assert stats.decided == 3


async def test_malformed_records_go_to_the_dlq_with_reason_and_original_bytes():
    broker, stats, decisions, dead = build()
    async with TestKafkaBroker(broker) as test_broker:
        await test_broker.publish(b"{not json", COMMENTS_SUBMITTED.name, headers={"src": "t"})
        await test_broker.publish(json.dumps({"body": 1}).encode(), COMMENTS_SUBMITTED.name)
        await test_broker.publish(
            comment("fine", "c9").model_dump_json().encode(), COMMENTS_SUBMITTED.name
        )
    assert [body for body, _ in dead] == [b"{not json", b'{"body": 1}']
    assert dead[0][1]["x-dlq-reason"] == "INVALID_JSON"
    assert dead[0][1]["src"] == "t"
    assert dead[1][1]["x-dlq-reason"] == "SCHEMA_VIOLATION"
    assert "comment_id" in dead[1][1]["x-dlq-error"]
    assert dead[0][1]["x-dlq-source-topic"] == COMMENTS_SUBMITTED.name
    assert [d.comment_id for d in decisions] == ["c9"]
    assert stats.dead_lettered == 2


class SlowScorer(KeywordScorer):
    """Blocks its thread for half a second per batch, as a big model on a CPU would."""

    def score_batch(self, texts):
        import time

        time.sleep(0.5)
        return super().score_batch(texts)


async def test_by_default_scoring_leaves_the_event_loop_free_for_health_checks():
    """/health and /ready are served by the same event loop as the consumer: scoring in a
    worker thread (the default) keeps them answering while a slow batch is scored."""
    import asyncio
    import time

    settings = ModerationSettings()
    assert settings.score_in_thread
    broker = KafkaBroker()
    classifier = Classifier(scorer=SlowScorer(), policy=POLICY, articles={}.get)
    register_classifier(broker, classifier, settings)
    gaps: list[float] = []

    async def ticker() -> None:
        last = time.perf_counter()
        while True:
            await asyncio.sleep(0.01)
            now = time.perf_counter()
            gaps.append(now - last)
            last = now

    async with TestKafkaBroker(broker) as test_broker:
        ticking = asyncio.create_task(ticker())
        await test_broker.publish(
            comment("fine").model_dump_json().encode(), COMMENTS_SUBMITTED.name
        )
        ticking.cancel()
    assert gaps and max(gaps) < 0.25, max(gaps)
