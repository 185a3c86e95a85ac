"""The classifier's consumer: comments.submitted -> moderation.decisions (and the DLQ).

At-least-once (adapters/batch_loop.py): a batch's offsets are committed only after the
broker acknowledged every decision and dead letter produced from it. If publishing fails,
the batch is rewound and redelivered, so a decision may be published twice but never lost.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass, field

from faststream.kafka import KafkaBroker, KafkaMessage

from moderation import metrics
from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.record_parsing import batch_subscriber
from moderation.domain.events import CommentModerated, CommentSubmitted, Decision
from moderation.roles import CLASSIFIER
from moderation.service_layer.classify import Classifier
from moderation.settings import ModerationSettings
from moderation.topics import (
    COMMENTS_SUBMITTED,
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
    # Declared for FastStream's own view of this broker (the system's AsyncAPI document is
    # generated from moderation/roles.py); publishing goes through broker.publish below so
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

    async def classify_and_publish(comments: list[CommentSubmitted]) -> Applied:
        started = time.perf_counter()
        if settings.score_in_thread:
            # The consumer keeps fetching while the GIL is released (PyTorch, tokenisers).
            decisions = await asyncio.to_thread(classifier.classify, comments)
        else:
            decisions = classifier.classify(comments)
        metrics.scoring_seconds.observe(time.perf_counter() - started)
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
        return Applied(decisions, acks)

    loop = BatchLoop(
        CLASSIFIER.name,
        broker,
        CommentSubmitted,
        classify_and_publish,
        stuck_after_s=settings.stuck_after_s,
    )

    @batch_subscriber(
        broker,
        COMMENTS_SUBMITTED.name,
        group_id=CLASSIFIER.group,
        settings=settings,
        title="classify-comments",
        description="Scores comments and publishes one CommentModerated per comment.",
    )
    async def classify_batch(body: list[bytes], message: KafkaMessage) -> None:
        outcome = await loop.run(message)
        if outcome is None:
            stats.publish_failures = loop.failures
            return
        stats.publish_failures = 0
        stats.batches += 1
        stats.decided += len(outcome.results)
        stats.dead_lettered += len(outcome.dead)
        stats.last_batch_size = outcome.records
        for decision in outcome.results:
            key = decision.decision.value
            stats.decisions_by_outcome[key] = stats.decisions_by_outcome.get(key, 0) + 1
        _observe(outcome.results)

    return stats


def _observe(decisions: list[CommentModerated]) -> None:
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
