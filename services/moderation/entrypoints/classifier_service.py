"""Runs the classifier role: the FastStream subscriber plus /health, /ready and /metrics."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Response

from moderation.adapters.article_table import ArticleTable, ArticleTableReader
from moderation.adapters.kafka import (
    connection_options,
    ensure_topics,
    guard_topics,
    make_broker,
    wait_for_broker,
)
from moderation.adapters.lag import LagProbe
from moderation.bootstrap import build_classifier
from moderation.entrypoints.classifier import WorkerStats, register_classifier
from moderation.metrics import metrics_response
from moderation.settings import KafkaSettings, ModerationSettings
from moderation.topics import COMMENTS_SUBMITTED, GROUP_CLASSIFIER

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

    guards: list[asyncio.Task[None]] = []

    async def connect_and_consume() -> None:
        # Waits as long as it takes for the broker (logging why), then joins the group; the
        # join can take a session timeout or more when a previous member died.
        await wait_for_broker(kafka, timeout_s=None)
        if settings.create_topics:
            await ensure_topics(kafka)
            guards.append(asyncio.create_task(guard_topics(kafka), name="guard-topics"))
        await reader.start()
        await broker.start()
        log.info("classifier consuming from %s", kafka.bootstrap_servers)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # In the background so /health answers and SIGTERM works while we wait.
        starting = asyncio.create_task(connect_and_consume(), name="connect-and-consume")
        app.state.starting = starting
        try:
            yield
        finally:
            if not starting.done():
                starting.cancel()
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await starting
            # Stop consuming first: the in-flight batch finishes and commits, then we leave.
            for guard in guards:
                guard.cancel()
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
        starting = app.state.starting
        checks = {
            "consuming": starting.done()
            and not starting.cancelled()
            and starting.exception() is None,
            "broker": await broker.ping(timeout=2.0),
            "model_loaded": True,
            "article_table_caught_up": table.caught_up.is_set(),
        }
        if not all(checks.values()):
            response.status_code = 503
        return {"ready": all(checks.values()), **checks}

    lag = LagProbe(kafka, GROUP_CLASSIFIER, [COMMENTS_SUBMITTED.name])

    @app.get("/metrics")
    async def get_metrics() -> Response:
        await lag.refresh()
        return metrics_response()

    @app.get("/stats")
    async def get_stats() -> WorkerStats:
        return stats

    return app
