"""The moderator-queue role's app: consumes held decisions (consumer.py), serves the web UI
(pages.py) and JSON API (api.py), publishes reviews through an outbox (outbox.py).
Everything they share is one QueueState on `app.state.queue`."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.staticfiles import StaticFiles

from moderation import metrics
from moderation.adapters.article_table import ArticleTableReader
from moderation.adapters.kafka import connection_options, make_broker
from moderation.adapters.runtime import RoleRuntime
from moderation.db import make_engine, migrate
from moderation.queue import api, audit, docs, pages, readers, readers_api
from moderation.queue import repository as repo
from moderation.queue.consumer import register_queue_consumer
from moderation.queue.dependencies import NotLoggedIn, invalid_request, not_logged_in
from moderation.queue.outbox import publish_outbox
from moderation.queue.state import HERE, QueueState
from moderation.roles import MODERATOR_QUEUE
from moderation.settings import KafkaSettings, ModerationSettings, queue_dsn

SECURITY_HEADERS = {
    # No inline script or style can run, so even a missed escape could not execute.
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
    "form-action 'self'",
    "x-content-type-options": "nosniff",
    "referrer-policy": "same-origin",
    "x-frame-options": "DENY",
}


def create_app(
    kafka: KafkaSettings | None = None, settings: ModerationSettings | None = None
) -> FastAPI:
    kafka = kafka or KafkaSettings()
    settings = settings or ModerationSettings()
    state = QueueState(
        settings=settings,
        engine=make_engine(queue_dsn(settings), settings.db_busy_timeout_s),
        broker=make_broker(kafka),
    )
    reader = ArticleTableReader(state.articles, connection_options(kafka))
    register_queue_consumer(state)

    async def migrate_queue() -> None:
        await migrate(state.engine, "queue")
        # Reader statuses again, for a broker that forgot moderation.authors (readers.py).
        async with state.engine.begin() as conn:
            await readers.republish_statuses(conn)

    async def outbox() -> None:
        await publish_outbox(state)

    async def refresh_queue_gauges() -> None:
        # Two aggregates over open items: cheap however long the audit log grows.
        async with state.engine.connect() as conn:
            gauges = await repo.queue_gauges(conn)
        metrics.queue_depth.set(gauges.depth)
        metrics.queue_oldest_age.set(gauges.oldest_age_s)

    runtime = RoleRuntime(
        MODERATOR_QUEUE.name,
        kafka,
        settings,
        state.broker,
        MODERATOR_QUEUE.group,
        MODERATOR_QUEUE.consumed_topics,
    )
    app = FastAPI(
        title="Moderator queue",
        # Served by pages.py, behind the login: the API's shape is nobody else's business.
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=runtime.lifespan(
            before_serving=(migrate_queue,),
            before_consuming=(reader.start,),
            after_consuming=(outbox,),
            on_stop=(reader.stop, state.engine.dispose),
        ),
    )
    app.state.queue = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    app.add_exception_handler(NotLoggedIn, not_logged_in)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(HTTPException, invalid_request)
    runtime.add_operations_routes(app, before_metrics=refresh_queue_gauges)
    app.include_router(pages.router)
    app.include_router(api.router)
    app.include_router(audit.router)
    app.include_router(docs.router)
    app.include_router(readers_api.router)
    return app
