"""The comment-store role: consumes three topics into its database, serves the read API."""

from __future__ import annotations

import asyncio
import logging
from typing import Annotated, Any

from fastapi import FastAPI, HTTPException, Query
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import BaseModel, Field
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation import metrics
from moderation.adapters.dead_letters import publish_dead_letter
from moderation.adapters.kafka import make_broker
from moderation.adapters.record_parsing import batch_subscriber, records_of
from moderation.db import make_engine, migrate
from moderation.domain.events import (
    Author,
    CommentModerated,
    CommentReviewed,
    CommentSubmitted,
    new_event_id,
    utcnow,
)
from moderation.entrypoints.runtime import RoleRuntime
from moderation.service_layer.decoding import decode_records
from moderation.settings import KafkaSettings, ModerationSettings, store_dsn
from moderation.store.pagination import paginate
from moderation.store.repository import apply_event, article_threads, comment_with_history
from moderation.store.status import Status
from moderation.topics import (
    COMMENTS_SUBMITTED,
    GROUP_COMMENT_STORE,
    MODERATION_DECISIONS,
    MODERATION_REVIEWS,
)

log = logging.getLogger(__name__)

EVENT_FOR_TOPIC: dict[str, type[CommentSubmitted | CommentModerated | CommentReviewed]] = {
    COMMENTS_SUBMITTED.name: CommentSubmitted,
    MODERATION_DECISIONS.name: CommentModerated,
    MODERATION_REVIEWS.name: CommentReviewed,
}


TOPIC_FOR_EVENT = {model: topic for topic, model in EVENT_FOR_TOPIC.items()}


def register_store_consumer(
    broker: KafkaBroker, engine: AsyncEngine, settings: ModerationSettings
) -> dict[str, int]:
    stats = {"applied": 0, "unchanged": 0, "skipped": 0, "db_failures": 0}

    @batch_subscriber(
        broker,
        *EVENT_FOR_TOPIC,
        group_id=GROUP_COMMENT_STORE,
        settings=settings,
        title="comment-store",
    )
    async def apply_batch(body: list[bytes], message: KafkaMessage) -> None:
        records = records_of(message)
        events, rejected = decode_records(records, EVENT_FOR_TOPIC)
        dead = []
        for record, why in rejected:
            if record.topic == COMMENTS_SUBMITTED.name:
                stats["skipped"] += 1  # the classifier dead-letters these
            else:
                dead.append((record, why))
                metrics.dead_letters.labels(record.topic, why.reason.value).inc()
        try:
            async with engine.begin() as conn:
                changed = [await apply_event(conn, event) for event in events]
            acks = [await publish_dead_letter(broker, r, why) for r, why in dead]
            await asyncio.gather(*(a for a in acks if a is not None))
        except Exception:
            # Database or broker trouble: nothing is committed; the batch comes back.
            stats["db_failures"] += 1
            metrics.batch_failures.labels("comment-store").inc()
            log.exception("could not apply a batch of %d events; will retry", len(records))
            await message.nack()
            await asyncio.sleep(min(0.5 * stats["db_failures"], 5.0))
            return
        await message.ack()
        metrics.batch_size.labels("comment-store").observe(len(records))
        for event, did_change in zip(events, changed, strict=True):
            if did_change:
                metrics.events_applied.labels(TOPIC_FOR_EVENT[type(event)]).inc()
        stats["db_failures"] = 0
        stats["applied"] += sum(changed)
        stats["unchanged"] += len(changed) - sum(changed)

    return stats


class NewComment(BaseModel):
    """A comment submitted over HTTP by a site that does not speak Kafka."""

    comment_id: str = Field(min_length=1, max_length=200)
    article_id: str = Field(min_length=1, max_length=200)
    site_id: str = Field(min_length=1, max_length=200)
    section: str | None = None
    parent_id: str | None = None
    revision: int = Field(default=1, ge=1)
    author: Author
    body: str = Field(min_length=1, max_length=20_000)
    language: str | None = None


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
        "comment-store", kafka, settings, broker, GROUP_COMMENT_STORE, list(EVENT_FOR_TOPIC)
    )
    app = FastAPI(
        title="Comment store",
        description="Comment status for the site: read API and HTTP submission.",
        lifespan=runtime.lifespan(before_consuming=(migrate_store,), on_stop=(engine.dispose,)),
    )
    runtime.add_operations_routes(app)

    @app.get("/stats", tags=["operations"])
    async def get_stats() -> dict[str, int]:
        return stats

    @app.get("/comments/{comment_id}", tags=["comments"])
    async def get_comment(comment_id: str) -> dict[str, Any]:
        """The latest revision of a comment, its status and its whole status history."""
        async with engine.connect() as conn:
            found = await comment_with_history(conn, comment_id)
        if found is None:
            raise HTTPException(404, f"no comment {comment_id!r}")
        return found

    @app.get("/articles/{article_id}/comments", tags=["comments"])
    async def list_comments(
        article_id: str,
        status: Annotated[
            list[Status] | None,
            Query(description="statuses to include (repeatable); default: published only"),
        ] = None,
        all_statuses: Annotated[bool, Query(alias="all")] = False,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> dict[str, Any]:
        """Threads oldest first, replies nested under their parents; cursor pagination over
        threads (pass `next_cursor` back as `cursor`)."""
        wanted = None if all_statuses else {s.value for s in (status or [Status.PUBLISHED])}
        async with engine.connect() as conn:
            threads = await article_threads(conn, article_id, wanted)
        try:
            page, next_cursor = paginate(threads, cursor, limit)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        return {"article_id": article_id, "comments": page, "next_cursor": next_cursor}

    @app.post("/comments", status_code=202, tags=["comments"])
    async def submit_comment(comment: NewComment) -> Any:
        """Validates and publishes a CommentSubmitted; answers 202 only once the broker has
        acknowledged it, 503 when it cannot."""
        event = CommentSubmitted(
            **comment.model_dump(), event_id=new_event_id(), submitted_at=utcnow()
        )
        try:
            await asyncio.wait_for(
                broker.publish(
                    event.model_dump_json().encode(),
                    COMMENTS_SUBMITTED.name,
                    key=event.comment_id.encode(),
                    headers={"content-type": "application/json"},
                ),
                timeout=10,
            )
        except Exception as exc:
            log.warning("could not publish comment %s: %s", event.comment_id, exc)
            return JSONResponse(
                status_code=503,
                content={
                    "error": "the comment could not be queued for moderation: the message broker "
                    "did not acknowledge it. Nothing was stored; retry later.",
                    "detail": f"{type(exc).__name__}: {exc}"[:300],
                },
            )
        return {
            "comment_id": event.comment_id,
            "event_id": event.event_id,
            "status": Status.PENDING.value,
        }

    return app
