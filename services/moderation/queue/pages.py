"""The moderators' web pages: login and logout, the queue (paged, with true totals), one
item, an item's context panel, and live updates."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import APIRouter, Form, HTTPException, Query, Request, Response
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, StreamingResponse
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import utc
from moderation.domain.labels import (
    CATEGORY_OF_REASON,
    Label,
    ReasonCategory,
    ReasonCode,
    ReviewReason,
)
from moderation.queue import auth, readers
from moderation.queue import repository as repo
from moderation.queue.dependencies import CsrfUser, State, User, set_cookie
from moderation.queue.filters import QueryFilters, to_query
from moderation.queue.highlight import segments
from moderation.queue.state import QueueState
from moderation.queue.tables import USERNAME_MAX
from moderation.queue.wording import (
    NOT_A_MODERATOR_CHOICE,
    REASON_WORDS,
    REVIEW_REASON_WORDS,
    label_words,
    reason_words,
)

router = APIRouter()
REJECT_REASONS = [r.value for r in ReviewReason if r not in NOT_A_MODERATOR_CHOICE]
# (code, words) in menu order; the menu's keys are their positions, 1 to 9.
REJECT_REASON_CHOICES = [
    (code, REVIEW_REASON_WORDS.get(ReviewReason(code), code)) for code in REJECT_REASONS
]
FILTER_CATEGORIES = [c.value for c in ReasonCategory]
# A body longer than this shows its start until the moderator asks for all of it.
LONG_BODY_CHARS = 600
# /login?error=CODE shows one of these, never text from the URL (a link could carry any).
LOGIN_ERRORS = {"wrong": "Wrong username or password."}


def _local_path(target: str) -> str:
    """Where to go after logging in: a path on this site only ("//host" is another site)."""
    return target if target.startswith("/") and not target.startswith("//") else "/"


def _age(decided_at: datetime, now: datetime) -> str:
    # Clocks of the classifier's host and this one may differ a little: never "-3s ago".
    return duration(max(0, int((now - utc(decided_at)).total_seconds()))) + " ago"


def duration(seconds: int) -> str:
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    if seconds < 86400:
        return f"{seconds // 3600}h"
    return f"{seconds // 86400}d"


def _view(state: QueueState, row: Any, now: datetime) -> dict[str, Any]:
    """A queue row as the templates show it."""
    reasons = [
        {
            **r,
            "category": CATEGORY_OF_REASON[ReasonCode(r["code"])].value,
            "short": REASON_WORDS.get(ReasonCode(r["code"]), r["code"]),
            "words": reason_words(r),
        }
        for r in row["reasons"]
    ]
    claim_until = utc(row["claim_expires_at"]) if row["claim_expires_at"] else None
    context = state.articles.get(row["article_id"])
    return {
        **row,
        "article_title": row["article_title"]
        or (context.title if context else None)
        or row["article_id"],
        "article_url": row["article_url"] or (context.url if context else None),
        "segments": segments(row["body"], row["reasons"]),
        "long": len(row["body"]) > LONG_BODY_CHARS,
        "reasons": reasons,
        "scores": [
            (label_words(label), score)
            for label, score in sorted(row["scores"].items(), key=lambda kv: -kv[1])
        ],
        "age": _age(row["decided_at"], now),
        "decided_iso": utc(row["decided_at"]).isoformat(),
        "claim_active": bool(claim_until and claim_until > now),
        "claim_until": claim_until.strftime("%H:%M:%S UTC") if claim_until else "",
        "claim_until_iso": claim_until.isoformat() if claim_until else "",
    }


# ---------------------------------------------------------------- login
@router.get("/login", response_class=HTMLResponse)
async def login_page(request: Request, state: State, next: str = "/", error: str = "") -> Any:
    token = secrets.token_urlsafe(24)
    response = state.templates.TemplateResponse(
        request,
        "login.html",
        {
            "user": None,
            "csrf_token": token,
            "next": _local_path(next),
            "error": LOGIN_ERRORS.get(error),
        },
    )
    set_cookie(state, response, auth.LOGIN_CSRF_COOKIE, token, path="/login")
    return response


@router.post("/login")
async def login(
    request: Request,
    state: State,
    username: Annotated[str, Form(max_length=USERNAME_MAX)],
    password: Annotated[str, Form(max_length=auth.PASSWORD_MAX)],
    csrf_token: Annotated[str, Form()] = "",
    next: Annotated[str, Form()] = "/",
) -> Response:
    if not auth.csrf_matches(request.cookies.get(auth.LOGIN_CSRF_COOKIE), csrf_token):
        raise HTTPException(403, "the login form expired: reload the page and try again")
    client = request.client.host if request.client else "unknown"
    limiter = state.login_limiter
    wait = limiter.begin(username, client)  # before the check: parallel guesses count too
    if wait:
        return JSONResponse(
            {"detail": f"too many failed logins: try again in {wait} s"},
            status_code=429,
            headers={"retry-after": str(wait)},
        )
    async with state.engine.begin() as conn:
        role = await auth.authenticate(conn, username, password)
        token = await auth.start_session(conn, username) if role else None
    if token is None:
        return RedirectResponse(f"/login?error=wrong&next={quote(next)}", status_code=303)
    limiter.succeeded(username, client)
    response = RedirectResponse(_local_path(next), status_code=303)
    set_cookie(
        state,
        response,
        auth.SESSION_COOKIE,
        token,
        max_age=int(auth.SESSION_LIFETIME.total_seconds()),
    )
    return response


@router.post("/logout")
async def logout(request: Request, state: State, user: CsrfUser) -> Response:
    token = request.cookies.get(auth.SESSION_COOKIE, "")
    async with state.engine.begin() as conn:
        await auth.end_session(conn, token)
    state.live.close(auth.session_id(token))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


# ---------------------------------------------------------------- pages
@router.get("/", response_class=HTMLResponse)
async def queue_page(
    request: Request, state: State, user: User, filters: QueryFilters, invalid: str = ""
) -> Any:
    """The first page of the filtered queue and the true total; the rest loads on demand.
    `invalid`: sent here from a link whose filters could not be read (app.py)."""
    now = datetime.now(UTC)
    async with state.engine.connect() as conn:
        page = await repo.open_items(conn, filters)
        total = await repo.count_open(conn, filters)
        # Filtered to one reader: their panel is there even when nothing of theirs is held
        # (a banned reader's comments never wait, and a ban must still be liftable).
        reader = (
            await _reader_view(conn, filters.site_id, filters.author_id)
            if filters.site_id and filters.author_id
            else None
        )
    return state.templates.TemplateResponse(
        request,
        "queue.html",
        {
            "user": user,
            "items": [_view(state, r, now) for r in page.rows],
            "total": total,
            "next": page.next.encode() if page.next else "",
            "reader_panel": reader,
            "invalid_link": bool(invalid),
            "filters": filters,
            "query": to_query(filters),
            "categories": FILTER_CATEGORIES,
            "labels": [(label.value, label_words(label.value)) for label in Label],
            "reject_reasons": REJECT_REASON_CHOICES,
        },
    )


async def _reader_view(conn: AsyncConnection, site_id: str, author_id: str) -> dict[str, Any]:
    """What reader.html needs: who (as far as the queue knows them) and their summary."""
    summary = await readers.reader_summary(conn, site_id, author_id)
    if summary is not None:
        summary = {**summary, "first_seen_iso": utc(summary["first_seen_at"]).isoformat()}
    name = (summary or {}).get("display_name") or author_id
    return {"who": {"site_id": site_id, "author_id": author_id, "name": name}, "summary": summary}


@router.get("/more", response_class=HTMLResponse)
async def more_items(
    request: Request,
    state: State,
    user: User,
    filters: QueryFilters,
    after: Annotated[str, Query(max_length=2000)],
) -> Any:
    """The next page of items as HTML; the header x-next-cursor says where the one after
    starts (absent on the last page)."""
    try:
        cursor = repo.Cursor.decode(after)
    except ValueError as error:
        raise HTTPException(422, str(error)) from error
    now = datetime.now(UTC)
    async with state.engine.connect() as conn:
        page = await repo.open_items(conn, filters, after=cursor)
    response = state.templates.TemplateResponse(
        request,
        "items.html",
        {
            "user": user,
            "items": [_view(state, r, now) for r in page.rows],
            "reject_reasons": REJECT_REASON_CHOICES,
        },
    )
    if page.next:
        response.headers["x-next-cursor"] = page.next.encode()
    return response


# `:path`: comment ids are the site's own and may contain "/".
@router.get("/items/{comment_id:path}/{revision}/context", response_class=HTMLResponse)
async def item_context(
    request: Request, state: State, comment_id: str, revision: int, user: User
) -> Any:
    """The side panel: the article and its legal context, the parent of a reply, and the
    reader with their history and the actions on them."""
    async with state.engine.connect() as conn:
        row = await repo.get_item(conn, repo.ItemKey(comment_id, revision))
        if row is None:
            raise HTTPException(404, "not in the queue")
        parent = await readers.comment_seen(conn, row["parent_id"]) if row["parent_id"] else None
        reader = await _reader_view(conn, row["site_id"], row["author_id"])
    return state.templates.TemplateResponse(
        request,
        "context.html",
        {
            "user": user,
            "item": _view(state, row, datetime.now(UTC)),
            "article": state.articles.get(row["article_id"]),
            "parent": parent,
            "reader": reader["summary"],
            "reject_reasons": REJECT_REASON_CHOICES,
        },
    )


@router.get("/favicon.ico", include_in_schema=False)
async def favicon() -> Response:
    return Response(status_code=204)  # no icon, and no 404 in every page's console


@router.get("/readers/{site_id}/{author_id:path}/panel", response_class=HTMLResponse)
async def reader_panel(
    request: Request, state: State, site_id: str, author_id: str, user: User
) -> Any:
    """The reader panel alone, as it is after an action on the reader."""
    async with state.engine.connect() as conn:
        view = await _reader_view(conn, site_id, author_id)
    return state.templates.TemplateResponse(
        request,
        "reader.html",
        {
            "user": user,
            "who": view["who"],
            "reader": view["summary"],
            "reject_reasons": REJECT_REASON_CHOICES,
        },
    )


@router.get("/items/{comment_id:path}/{revision}", response_class=HTMLResponse)
async def item_fragment(
    request: Request,
    state: State,
    comment_id: str,
    revision: int,
    user: User,
    filters: QueryFilters,
) -> Any:
    """One open item as HTML (live updates); 204 when it is not one the filters select."""
    key = repo.ItemKey(comment_id, revision)
    async with state.engine.connect() as conn:
        row = await repo.get_item(conn, key)
        if row is None or row["status"] != repo.OPEN:
            raise HTTPException(404, "not in the queue")
        if not await repo.matches(conn, key, filters):
            return Response(status_code=204)
    return state.templates.TemplateResponse(
        request,
        "item.html",
        {
            "user": user,
            "item": _view(state, row, datetime.now(UTC)),
            "reject_reasons": REJECT_REASON_CHOICES,
        },
    )


@router.get("/events")
async def events(request: Request, state: State, user: User) -> StreamingResponse:
    token = request.cookies.get(auth.SESSION_COOKIE, "")

    async def session_alive() -> bool:
        async with state.engine.connect() as conn:
            return await auth.session_user(conn, token) is not None

    return StreamingResponse(
        state.live.stream(auth.session_id(token), session_alive),
        media_type="text/event-stream",
        headers={"cache-control": "no-cache"},
    )
