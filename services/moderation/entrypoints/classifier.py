"""The classifier role: comments.submitted -> moderation.decisions (and the DLQ).

At-least-once: a batch's offsets are committed only after the broker acknowledged every
decision and dead letter produced from it. If publishing fails, the batch is rewound and
redelivered, so a decision may be published twice but never lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field
from typing import Any

from faststream import FastStream
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.specification import AsyncAPI

from moderation import metrics
from moderation.adapters.article_table import ArticleTable
from moderation.adapters.dead_letters import publish_dead_letter
from moderation.adapters.record_parsing import batch_subscriber, records_of
from moderation.domain.dead_letters import Rejected
from moderation.domain.events import CommentModerated, CommentSubmitted, Decision
from moderation.service_layer.classify import Classifier
from moderation.service_layer.decoding import decode_records
from moderation.settings import ModerationSettings
from moderation.topics import (
    COMMENTS_SUBMITTED,
    GROUP_CLASSIFIER,
    MODERATION_DECISIONS,
    dlq_name,
)

log = logging.getLogger(__name__)

JSON_HEADERS = {"content-type": "application/json"}


@dataclass
class WorkerStats:
    batches: int = 0
    decided: int = 0
    dead_lettered: int = 0
    publish_failures: int = 0
    last_batch_size: int = 0
    decisions_by_outcome: dict[str, int] = field(default_factory=dict)


def register_classifier(
    broker: KafkaBroker,
    classifier: Classifier,
    settings: ModerationSettings,
    stats: WorkerStats | None = None,
) -> WorkerStats:
    stats = stats or WorkerStats()
    # Declared for the AsyncAPI document; publishing goes through broker.publish below so
    # that every acknowledgement can be awaited before the batch is committed.
    broker.publisher(
        MODERATION_DECISIONS.name,
        schema=CommentModerated,
        title="moderation-decisions",
        description="approve or hold, with every reason that applies",
    )
    broker.publisher(
        dlq_name(COMMENTS_SUBMITTED.name),
        schema=bytes,
        title="comments-submitted-dlq",
        description="original bytes of rejected records; headers x-dlq-reason, x-dlq-error",
    )

    @batch_subscriber(
        broker,
        COMMENTS_SUBMITTED.name,
        group_id=GROUP_CLASSIFIER,
        settings=settings,
        title="classify-comments",
        description="Scores comments and publishes one CommentModerated per comment.",
    )
    async def classify_batch(body: list[bytes], message: KafkaMessage) -> None:
        records = records_of(message)
        comments, rejected = decode_records(records, CommentSubmitted)

        started = time.perf_counter()
        if settings.score_in_thread:
            # The consumer keeps fetching while the GIL is released (PyTorch, tokenisers).
            decisions = await asyncio.to_thread(classifier.classify, comments)
        else:
            decisions = classifier.classify(comments)
        scoring_ms = (time.perf_counter() - started) * 1000

        try:
            acks = [
                await broker.publish(
                    decision.model_dump_json().encode(),
                    MODERATION_DECISIONS.name,
                    key=decision.comment_id.encode(),
                    headers=JSON_HEADERS,
                    no_confirm=True,
                )
                for decision in decisions
            ]
            for record, why in rejected:
                log.warning(
                    "dead-lettering %s[%d]@%d: %s: %s",
                    record.topic,
                    record.partition,
                    record.offset,
                    why.reason,
                    why.error,
                )
                acks.append(await publish_dead_letter(broker, record, why))
            # TestKafkaBroker delivers synchronously and returns no future.
            await asyncio.gather(*(ack for ack in acks if ack is not None))
        except Exception:
            # Transient (broker) failure: rewind so the whole batch is redelivered; commit nothing.
            stats.publish_failures += 1
            metrics.batch_failures.labels("classifier").inc()
            log.exception("publishing a batch of %d decisions failed; will retry", len(records))
            await message.nack()
            await asyncio.sleep(min(0.5 * stats.publish_failures, 5.0))
            return
        await message.ack()
        stats.publish_failures = 0
        stats.batches += 1
        stats.decided += len(decisions)
        stats.dead_lettered += len(rejected)
        stats.last_batch_size = len(records)
        for decision in decisions:
            key = decision.decision.value
            stats.decisions_by_outcome[key] = stats.decisions_by_outcome.get(key, 0) + 1
        _observe(decisions, rejected, len(records), scoring_ms / 1000)
        log.debug("batch of %d scored in %.1f ms", len(records), scoring_ms)

    return stats


def _observe(
    decisions: list[CommentModerated],
    rejected: list[tuple[Any, Rejected]],
    records: int,
    scoring_s: float,
) -> None:
    metrics.batch_size.labels("classifier").observe(records)
    metrics.scoring_seconds.observe(scoring_s)
    for decision in decisions:
        metrics.comments_decided.labels(decision.decision.value).inc()
        metrics.end_to_end_seconds.observe(
            max((decision.decided_at - decision.comment.submitted_at).total_seconds(), 0.0)
        )
        if decision.decision == Decision.HOLD:
            codes = [r.code.value for r in decision.reasons]
            for code in codes:
                metrics.hold_reasons.labels(code).inc()
            log.info(
                "held %s: %s",
                decision.comment_id,
                ", ".join(codes),
                extra={"comment_id": decision.comment_id},
            )
    for record, why in rejected:
        metrics.dead_letters.labels(record.topic, why.reason.value).inc()


def asyncapi_app() -> FastStream:
    """The app `faststream docs gen` documents (no model loaded, nothing connected)."""
    from moderation.adapters.kafka import make_broker
    from moderation.domain.policy import Policy
    from moderation.settings import KafkaSettings

    broker = make_broker(KafkaSettings())

    class _NoScorer:
        model = None
        labels: tuple[str, ...] = ()

    classifier = Classifier(
        scorer=_NoScorer(),  # type: ignore[arg-type]
        policy=Policy(version="docs", thresholds={}),
        articles=ArticleTable().get,
    )
    register_classifier(broker, classifier, ModerationSettings())
    from moderation import __version__

    return FastStream(
        broker,
        specification=AsyncAPI(
            title="news-moderation classifier",
            version=__version__,
            description="Scores comments for toxicity and legal risk; publishes decisions.",
        ),
    )
