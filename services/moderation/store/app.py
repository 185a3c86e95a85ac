"""The comment-store role's app: consumes three topics into its database (consumer.py),
serves the read API (api.py), republishes comments left pending (reconcile.py)."""

from __future__ import annotations

import logging

from fastapi import FastAPI

from moderation.adapters.api_docs import add_offline_docs
from moderation.adapters.kafka import make_broker
from moderation.adapters.runtime import RoleRuntime
from moderation.db import make_engine, migrate
from moderation.roles import COMMENT_STORE
from moderation.settings import KafkaSettings, ModerationSettings, store_dsn
from moderation.store.api import add_comment_routes
from moderation.store.consumer import register_store_consumer
from moderation.store.reconcile import PendingReconciler

log = logging.getLogger(__name__)


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
        COMMENT_STORE.name,
        kafka,
        settings,
        broker,
        COMMENT_STORE.group,
        COMMENT_STORE.consumed_topics,
    )
    reconciler = PendingReconciler(engine, broker, settings.pending_republish_after_s)
    app = FastAPI(
        title="Comment store",
        description="Comment status for the site: read API and HTTP submission.",
        # FastAPI's docs pages load from a CDN; add_offline_docs serves them from here.
        docs_url=None,
        redoc_url=None,
        lifespan=runtime.lifespan(
            before_consuming=(migrate_store,),
            after_consuming=(reconciler.run_forever,),
            on_stop=(engine.dispose,),
        ),
    )
    runtime.add_operations_routes(app)
    add_offline_docs(app)

    @app.get("/stats", tags=["operations"])
    async def get_stats() -> dict[str, int]:
        return stats

    add_comment_routes(app, engine, broker)
    return app
