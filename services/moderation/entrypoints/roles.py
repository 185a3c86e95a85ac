"""One process per role: `moderation run ROLE` lands here."""

from __future__ import annotations

import uvicorn

from moderation.logs import configure_logging
from moderation.roles import ROLES
from moderation.settings import HttpSettings, ModerationSettings


def run_role(name: str) -> None:
    settings = ModerationSettings()
    configure_logging(settings.log_level, settings.log_json, name)
    http = HttpSettings()
    role = ROLES.get(name)
    if role is None:
        raise SystemExit(f"unknown role {name!r}; available: {', '.join(ROLES)}")
    app = role.create_app(settings=settings)
    uvicorn.run(
        app,
        host=http.host,
        port=http.port or role.port,
        forwarded_allow_ips=http.forwarded_allow_ips,
        log_config=None,
        access_log=False,
        timeout_graceful_shutdown=20,
    )
