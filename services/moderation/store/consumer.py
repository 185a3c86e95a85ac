"""The comment store's consumer: submissions, decisions and reviews applied to its database,
committed only after the batch's transaction (adapters/batch_loop.py)."""

from __future__ import annotations

from faststream.kafka import KafkaBroker, KafkaMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation import metrics
from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.record_parsing import batch_subscriber
from moderation.domain.events import (
    CommentModerated,
    CommentReviewed,
    CommentSubmitted,
)
from moderation.roles import COMMENT_STORE
from moderation.settings import ModerationSettings
from moderation.store.repository import apply_event
from moderation.topics import (
    COMMENTS_SUBMITTED,
    MODERATION_DECISIONS,
    MODERATION_REVIEWS,
)

StoreEvent = CommentSubmitted | CommentModerated | CommentReviewed
EVENT_FOR_TOPIC: dict[str, type[StoreEvent]] = {
    COMMENTS_SUBMITTED.name: CommentSubmitted,
    MODERATION_DECISIONS.name: CommentModerated,
    MODERATION_REVIEWS.name: CommentReviewed,
}


TOPIC_FOR_EVENT = {model: topic for topic, model in EVENT_FOR_TOPIC.items()}


def register_store_consumer(
    broker: KafkaBroker, engine: AsyncEngine, settings: ModerationSettings
) -> dict[str, int]:
    stats = {"applied": 0, "unchanged": 0, "skipped": 0, "dead_lettered": 0, "db_failures": 0}

    async def apply_events(events: list[StoreEvent]) -> Applied:
        async with engine.begin() as conn:
            return Applied([await apply_event(conn, event) for event in events])

    loop = BatchLoop(
        COMMENT_STORE.name,
        broker,
        EVENT_FOR_TOPIC,
        apply_events,
        stuck_after_s=settings.stuck_after_s,
        # A comment that cannot be decoded is the classifier's to dead-letter.
        dead_letters_topic=lambda topic: topic != COMMENTS_SUBMITTED.name,
    )

    @batch_subscriber(
        broker,
        *EVENT_FOR_TOPIC,
        group_id=COMMENT_STORE.group,
        settings=settings,
        title=COMMENT_STORE.name,
    )
    async def apply_batch(body: list[bytes], message: KafkaMessage) -> None:
        outcome = await loop.run(message)
        if outcome is None:
            stats["db_failures"] += 1
            return
        changed = outcome.results
        for event, did_change in zip(outcome.events, changed, strict=True):
            if did_change:
                metrics.events_applied.labels(TOPIC_FOR_EVENT[type(event)]).inc()
        stats["db_failures"] = 0
        stats["applied"] += sum(changed)
        stats["unchanged"] += len(changed) - sum(changed)
        stats["skipped"] += outcome.ignored
        stats["dead_lettered"] += len(outcome.dead)

    return stats
