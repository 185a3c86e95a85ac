"""Runs the classifier role: the FastStream subscriber plus /health, /ready and /metrics."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response

from moderation.adapters.article_table import ArticleTable, ArticleTableReader
from moderation.adapters.kafka import (
    connection_options,
    ensure_topics,
    make_broker,
    wait_for_broker,
)
from moderation.bootstrap import build_classifier
from moderation.entrypoints.classifier import WorkerStats, register_classifier
from moderation.settings import KafkaSettings, ModerationSettings

log = logging.getLogger(__name__)


def create_app(
    kafka: KafkaSettings | None = None, settings: ModerationSettings | None = None
) -> FastAPI:
    kafka = kafka or KafkaSettings()
    settings = settings or ModerationSettings()
    table = ArticleTable()
    classifier = build_classifier(settings, table.get)
    broker = make_broker(kafka)
    stats = register_classifier(broker, classifier, settings)
    reader = ArticleTableReader(table, connection_options(kafka))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await wait_for_broker(kafka)
        if settings.create_topics:
            await ensure_topics(kafka)
        await reader.start()
        await broker.start()
        log.info("classifier consuming from %s", kafka.bootstrap_servers)
        try:
            yield
        finally:
            # Stop consuming first: the in-flight batch finishes and commits, then we leave.
            await broker.stop()
            await reader.stop()

    app = FastAPI(title="moderation classifier", lifespan=lifespan)
    app.state.stats = stats
    app.state.articles = table

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready")
    async def ready(response: Response) -> dict[str, object]:
        checks = {
            "broker": await broker.ping(timeout=2.0),
            "model_loaded": True,
            "article_table_caught_up": table.caught_up.is_set(),
        }
        if not all(checks.values()):
            response.status_code = 503
        return {"ready": all(checks.values()), **checks}

    @app.get("/stats")
    async def get_stats() -> WorkerStats:
        return stats

    return app
