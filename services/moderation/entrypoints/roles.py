"""One process per role: `moderation run ROLE` lands here."""

from __future__ import annotations

import uvicorn

from moderation.logs import configure_logging
from moderation.settings import ROLE_PORTS, HttpSettings, ModerationSettings

ROLES = tuple(ROLE_PORTS)
AVAILABLE_ROLES = ("classifier", "comment-store", "moderator-queue")


def run_role(role: str) -> None:
    settings = ModerationSettings()
    configure_logging(settings.log_level, settings.log_json, role)
    http = HttpSettings()
    if role == "classifier":
        from moderation.entrypoints.classifier_service import create_app

        app = create_app(settings=settings)
    elif role == "comment-store":
        from moderation.store.service import create_app as create_store_app

        app = create_store_app(settings=settings)
    elif role == "moderator-queue":
        from moderation.queue.service import create_app as create_queue_app

        app = create_queue_app(settings=settings)
    else:
        raise SystemExit(f"unknown role {role!r}; available: {', '.join(AVAILABLE_ROLES)}")
    uvicorn.run(
        app,
        host=http.host,
        port=http.port or ROLE_PORTS[role],
        forwarded_allow_ips=http.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
