"""The comment-store role: consumes three topics into its database, serves the read API."""

from __future__ import annotations

import logging

from fastapi import FastAPI
from faststream.kafka import KafkaBroker, KafkaMessage
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation import metrics
from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.kafka import make_broker
from moderation.adapters.record_parsing import batch_subscriber
from moderation.db import make_engine, migrate
from moderation.domain.events import (
    CommentModerated,
    CommentReviewed,
    CommentSubmitted,
)
from moderation.entrypoints.runtime import RoleRuntime
from moderation.roles import COMMENT_STORE
from moderation.settings import KafkaSettings, ModerationSettings, store_dsn
from moderation.store.api import add_comment_routes
from moderation.store.reconcile import PendingReconciler
from moderation.store.repository import apply_event
from moderation.topics import (
    COMMENTS_SUBMITTED,
    MODERATION_DECISIONS,
    MODERATION_REVIEWS,
)

log = logging.getLogger(__name__)

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
        "comment-store",
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
        title="comment-store",
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


def create_app(
    kafka: KafkaSettings | None = None, settings: ModerationSettings | None = None
) -> FastAPI:
    kafka = kafka or KafkaSettings()
    settings = settings or ModerationSettings()
    dsn = store_dsn(settings)
    engine = make_engine(dsn, settings.db_busy_timeout_s)
    broker = make_broker(kafka)
    stats = register_store_consumer(broker, engine, settings)

    async def migrate_store() -> None:
        await migrate(engine, "store")
        log.info("store database ready (%s)", engine.url.render_as_string(hide_password=True))

    runtime = RoleRuntime(
        "comment-store", kafka, settings, broker, COMMENT_STORE.group, list(EVENT_FOR_TOPIC)
    )
    reconciler = PendingReconciler(engine, broker, settings.pending_republish_after_s)
    app = FastAPI(
        title="Comment store",
        description="Comment status for the site: read API and HTTP submission.",
        lifespan=runtime.lifespan(
            before_consuming=(migrate_store,),
            after_consuming=(reconciler.run_forever,),
            on_stop=(engine.dispose,),
        ),
    )
    runtime.add_operations_routes(app)

    @app.get("/stats", tags=["operations"])
    async def get_stats() -> dict[str, int]:
        return stats

    add_comment_routes(app, engine, broker)
    return app
