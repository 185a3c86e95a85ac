"""The audit page: who did what to which comment and reader, filtered and paged, its CSV
export, and the queue's statistics. Dates in filters are UTC days; times are sent as UTC and
shown in the viewer's zone by static/localtime.js."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, StreamingResponse

from moderation.db import utc
from moderation.queue import audit_queries as q
from moderation.queue import repository as repo
from moderation.queue.dependencies import State, User
from moderation.queue.pages import duration
from moderation.queue.state import QueueState

router = APIRouter()

# The collapsed text: enough to recognise a comment in a list of fifty.
SHORT_TEXT = 120
# A spreadsheet runs a cell that starts with one of these as a formula (tab and carriage
# return too, in some); a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_COLUMNS = [
    "id",
    "at",
    "moderator",
    "action",
    "comment_id",
    "revision",
    "reason_code",
    "note",
    "site_id",
    "author_id",
    "author_name",
    "article_id",
    "article_title",
    "article_url",
    "body",
]


class BadFilter(ValueError):
    pass


def _day(value: str | None, name: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadFilter(f"{name}: not a date (YYYY-MM-DD)") from None


def audit_filter(
    moderator: str | None,
    action: str | None,
    claims: bool,
    day_from: str | None,
    day_to: str | None,
) -> q.AuditFilter:
    """The filter from the query string; empty fields (as a GET form sends them) mean 'any'."""
    return q.AuditFilter(
        moderator=moderator or None,
        action=action or None,
        claims=claims,
        day_from=_day(day_from, "from"),
        day_to=_day(day_to, "to"),
    )


def filter_query(where: q.AuditFilter, **extra: Any) -> str:
    """The filter back as a query string, for paging links and the CSV link."""
    params: dict[str, Any] = {
        "moderator": where.moderator,
        "action": where.action,
        "claims": "1" if where.claims else None,
        "from": where.day_from.isoformat() if where.day_from else None,
        "to": where.day_to.isoformat() if where.day_to else None,
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v is not None})


def _web_url(url: str | None) -> str | None:
    """Only http(s) links are made: a stored URL is never trusted to be harmless."""
    return url if url and url.lower().startswith(("http://", "https://")) else None


def _entry_view(state: QueueState, e: dict[str, Any]) -> dict[str, Any]:
    at = utc(e["at"])
    body = e["body"] or ""
    reader = None
    if e["author_id"] and e["site_id"]:
        reader = {
            "name": e["author_name"] or e["author_id"],
            "url": "/?" + urlencode({"site": e["site_id"], "author": e["author_id"]}),
        }
    article = None
    if e["article_id"]:
        article = {
            "title": e["article_title"] or state.title(e["article_id"]) or e["article_id"],
            "url": _web_url(e["article_url"]),
        }
    return {
        **e,
        "at_iso": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
        "at_text": at.strftime("%Y-%m-%d %H:%M:%S UTC"),
        "short": body if len(body) <= SHORT_TEXT else body[:SHORT_TEXT].rstrip() + "…",
        "reader": reader,
        "article": article,
    }


@router.get("/audit", response_class=HTMLResponse)
async def audit_page(
    request: Request,
    state: State,
    user: User,
    moderator: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    claims: bool = False,
    day_from: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    day_to: Annotated[str | None, Query(alias="to", max_length=20)] = None,
    before: int | None = None,
    after: int | None = None,
) -> Any:
    error = None
    try:
        where = audit_filter(moderator, action, claims, day_from, day_to)
    except BadFilter as exc:
        # The page still answers, unfiltered by the bad date, and says why.
        error = str(exc)
        where = q.AuditFilter(moderator=moderator or None, action=action or None, claims=claims)
    async with state.engine.connect() as conn:
        gauges = await repo.queue_gauges(conn)
        page = await q.audit_page(conn, where, before=before, after=after)
        per_day = await q.actions_per_moderator_per_day(conn, where)
        moderators, actions = await q.distinct_values(conn)
    return state.templates.TemplateResponse(
        request,
        "audit.html",
        {
            "user": user,
            "stats": {
                "depth": gauges.depth,
                "oldest_age": duration(gauges.oldest_age_s) if gauges.depth else "—",
            },
            "per_day": per_day,
            "report_days": q.REPORT_DAYS,
            "page": page,
            "last_position": page.first_position + len(page.entries) - 1,
            "entries": [_entry_view(state, e) for e in page.entries],
            "where": where,
            "error": error,
            "moderators": _with(moderators, where.moderator),
            "actions": _with(actions, where.action),
            "noisy": q.NOISY_ACTIONS,
            "newer_url": f"/audit?{filter_query(where, after=page.newer)}" if page.newer else None,
            "older_url": f"/audit?{filter_query(where, before=page.older)}" if page.older else None,
            "newest_url": f"/audit?{filter_query(where)}",
            "csv_url": f"/audit.csv?{filter_query(where)}",
        },
    )


def _with(choices: list[str], current: str | None) -> list[str]:
    """The choices, plus the one in the URL should the log hold none of it (yet)."""
    return choices if current is None or current in choices else sorted([*choices, current])


def csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return utc(value).isoformat()
    text = str(value)
    return "'" + text if isinstance(value, str) and text.startswith(FORMULA_STARTS) else text


@router.get("/audit.csv")
async def audit_csv(
    state: State,
    user: User,
    moderator: Annotated[str | None, Query(max_length=200)] = None,
    action: Annotated[str | None, Query(max_length=100)] = None,
    claims: bool = False,
    day_from: Annotated[str | None, Query(alias="from", max_length=20)] = None,
    day_to: Annotated[str | None, Query(alias="to", max_length=20)] = None,
) -> StreamingResponse:
    """Every entry matching the filter, newest first, streamed in batches."""
    try:
        where = audit_filter(moderator, action, claims, day_from, day_to)
    except BadFilter as exc:
        raise HTTPException(400, str(exc)) from None

    async def rows() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        # The byte-order mark tells spreadsheet programs the file is UTF-8 (names and
        # comments are rarely ASCII only).
        buffer.write("\ufeff")
        writer.writerow(CSV_COLUMNS)
        async for entry in q.iter_entries(state.engine, where):
            writer.writerow([csv_cell(entry[c]) for c in CSV_COLUMNS])
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return StreamingResponse(
        rows(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": f'attachment; filename="audit-{stamp}.csv"'},
    )
