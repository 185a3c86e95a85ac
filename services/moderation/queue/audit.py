"""The audit page: who did what to which comment, and the queue's statistics."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from moderation.db import utc
from moderation.queue import repository as repo
from moderation.queue.dependencies import State, User
from moderation.queue.pages import duration

router = APIRouter()


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(request: Request, state: State, user: User) -> Any:
    async with state.engine.connect() as conn:
        stats = await repo.queue_stats(conn)
        entries = await repo.audit_entries(conn)
    stats["oldest_age"] = duration(stats["oldest_age_s"]) if stats["depth"] else "—"
    return state.templates.TemplateResponse(
        request,
        "audit.html",
        {
            "user": user,
            "stats": stats,
            "entries": [{**e, "at": utc(e["at"]).strftime("%Y-%m-%d %H:%M:%S")} for e in entries],
        },
    )
