"""The classifier role's app: the consumer (consumer.py) built around the classify use case
(service_layer/), the article table it follows, and /health, /ready, /metrics, /stats."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from moderation.adapters.article_table import ArticleSnapshot, ArticleTable, ArticleTableReader
from moderation.adapters.kafka import (
    connection_options,
    make_broker,
)
from moderation.adapters.reader_table import ReaderTable, ReaderTableReader
from moderation.adapters.runtime import RoleRuntime
from moderation.classifier.consumer import WorkerStats, register_classifier
from moderation.roles import CLASSIFIER
from moderation.service_layer.bootstrap import build_classifier
from moderation.settings import KafkaSettings, ModerationSettings, article_snapshot

log = logging.getLogger(__name__)


def create_app(
    kafka: KafkaSettings | None = None, settings: ModerationSettings | None = None
) -> FastAPI:
    kafka = kafka or KafkaSettings()
    settings = settings or ModerationSettings()
    snapshot = ArticleSnapshot(article_snapshot(settings))
    table = ArticleTable(snapshot)
    log.info(
        "restored %d article contexts from %s; any the topic lacks are published again once "
        "it has been read",
        table.restore(),
        snapshot.path,
    )
    # Readers moderators premoderated or banned (moderation.authors).
    readers = ReaderTable()
    classifier = build_classifier(settings, table.get, readers.get)
    broker = make_broker(kafka)
    stats = register_classifier(broker, classifier, settings)
    reader = ArticleTableReader(table, connection_options(kafka))
    reader_statuses = ReaderTableReader(readers, connection_options(kafka))

    runtime = RoleRuntime(
        CLASSIFIER.name, kafka, settings, broker, CLASSIFIER.group, CLASSIFIER.consumed_topics
    )
    app = FastAPI(
        title="moderation classifier",
        lifespan=runtime.lifespan(
            before_consuming=(reader.start, reader_statuses.start),
            on_stop=(reader.stop, reader_statuses.stop),
        ),
    )
    app.state.stats = stats
    app.state.articles = table
    runtime.add_operations_routes(
        app,
        lambda: {
            "model_loaded": True,
            "article_table_caught_up": table.caught_up.is_set(),
            "reader_table_caught_up": readers.caught_up.is_set(),
        },
    )

    @app.get("/stats")
    async def get_stats() -> WorkerStats:
        return stats

    @app.get("/reader-table")
    async def reader_table() -> dict[str, object]:
        """How much of moderation.authors this classifier has applied (counts only: which
        readers are on it is the queue's business)."""
        return {
            "caught_up": readers.caught_up.is_set(),
            "applied": readers.applied,
            "readers": len(readers),
        }

    return app
