"""The comment store's HTTP API for sites: reads scoped by site API key, and submissions.

Without a key anyone may read published comments, public fields only (what a site shows
its readers). A site's key (`Authorization: Bearer KEY`) reads everything of that site,
statuses, reasons, history with moderators and notes included, and is needed to submit.
A key never reaches another site's comments: they answer 404 as if they did not exist.
"""

# No `from __future__ import annotations`: FastAPI must see the dependency types that
# add_comment_routes defines locally.
import asyncio
import logging
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from faststream.kafka import KafkaBroker
from pydantic import BaseModel, ValidationError, create_model
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation.domain.events import CommentSubmitted, new_event_id, utcnow
from moderation.store import api_keys
from moderation.store.pagination import paginate
from moderation.store.repository import (
    apply_event,
    article_threads,
    comment_with_history,
    owner_of,
)
from moderation.store.status import Status
from moderation.store.views import (
    CommentPage,
    CommentWithHistory,
    PublicComment,
    PublicCommentPage,
    PublicThread,
    SubmissionAccepted,
)
from moderation.topics import COMMENTS_SUBMITTED

log = logging.getLogger(__name__)

# Everything a site sends except what the store stamps itself; the bounds are
# CommentSubmitted's own, so what is accepted here is what the classifier accepts.
NewComment: type[BaseModel] = create_model(  # type: ignore[call-overload]
    "NewComment",
    __doc__="A comment submitted over HTTP by a site that does not speak Kafka.",
    **{
        name: (field.annotation, field)
        for name, field in CommentSubmitted.model_fields.items()
        if name not in ("event_id", "submitted_at")
    },
)


def _bearer(request: Request) -> str | None:
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if not scheme:
        return None
    if scheme.lower() != "bearer" or not credentials.strip():
        raise _unauthorised("use `Authorization: Bearer <site API key>`")
    return credentials.strip()


def _unauthorised(detail: str) -> HTTPException:
    return HTTPException(401, detail, headers={"www-authenticate": "Bearer"})


def add_comment_routes(app: FastAPI, engine: AsyncEngine, broker: KafkaBroker) -> None:
    async def key_site(request: Request) -> str | None:
        """The site of the request's API key; None without one; 401 for a bad one."""
        key = _bearer(request)
        if key is None:
            return None
        async with engine.connect() as conn:
            site = await api_keys.site_of(conn, key)
        if site is None:
            raise _unauthorised("unknown or revoked API key")
        return site

    Site = Annotated[str | None, Depends(key_site)]

    @app.get("/comments/{comment_id:path}", tags=["comments"])
    async def get_comment(comment_id: str, site: Site) -> CommentWithHistory | PublicComment:
        """The latest revision of a comment. Without a key: published comments only, public
        fields only. With the comment's site key: status, reasons and the whole history."""
        async with engine.connect() as conn:
            found = await comment_with_history(conn, comment_id)
        if site is None and found is not None and found.status == Status.PUBLISHED:
            return PublicComment.of(found)
        if found is None or site is None or found.site_id != site:
            raise HTTPException(404, f"no comment {comment_id!r}")
        return found

    @app.get("/articles/{article_id:path}/comments", tags=["comments"])
    async def list_comments(
        article_id: str,
        site: Site,
        status: Annotated[
            list[Status] | None,
            Query(description="statuses to include (repeatable); default: published only"),
        ] = None,
        all_statuses: Annotated[bool, Query(alias="all")] = False,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> CommentPage | PublicCommentPage:
        """Threads oldest first, replies nested under their parents; cursor pagination over
        threads (pass `next_cursor` back as `cursor`). Statuses other than published, and
        every field, need the site's key; a key lists only its own site's comments."""
        wanted = None if all_statuses else {s.value for s in (status or [Status.PUBLISHED])}
        if site is None and wanted != {Status.PUBLISHED.value}:
            raise _unauthorised("only published comments can be listed without a site API key")
        async with engine.connect() as conn:
            threads = await article_threads(conn, article_id, wanted, site_id=site)
        try:
            page, next_cursor = paginate(threads, cursor, limit)
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from None
        if site is None:
            return PublicCommentPage(
                article_id=article_id,
                comments=[PublicThread.of_thread(thread) for thread in page],
                next_cursor=next_cursor,
            )
        return CommentPage(article_id=article_id, comments=page, next_cursor=next_cursor)

    @app.post("/comments", status_code=202, tags=["comments"], response_model=SubmissionAccepted)
    async def submit_comment(comment: NewComment, site: Site) -> Any:
        """Validates and publishes a CommentSubmitted for the key's site; answers 202 only
        once the broker has acknowledged it (and the comment is stored as pending), 503 when
        it cannot."""
        if site is None:
            raise _unauthorised("submitting needs the site's API key")
        try:  # the event's own validators too, not only its field bounds
            event = CommentSubmitted(
                **comment.model_dump(), event_id=new_event_id(), submitted_at=utcnow()
            )
        except ValidationError as exc:
            raise RequestValidationError(exc.errors()) from None
        if event.site_id != site:
            raise HTTPException(403, f"this API key is for site {site!r}, not {event.site_id!r}")
        async with engine.connect() as conn:
            owner = await owner_of(conn, event.comment_id)
        if owner is not None and owner != site:
            raise HTTPException(403, f"comment id {event.comment_id!r} belongs to another site")
        try:
            await asyncio.wait_for(
                broker.publish(
                    event.model_dump_json().encode(),
                    COMMENTS_SUBMITTED.name,
                    key=event.comment_id.encode(),
                    headers={"content-type": "application/json"},
                ),
                timeout=10,
            )
        except Exception as exc:
            log.warning("could not publish comment %s: %s", event.comment_id, exc)
            return JSONResponse(
                status_code=503,
                content={
                    "error": "the comment could not be queued for moderation: the message broker "
                    "did not acknowledge it. Nothing was stored; retry later.",
                    "detail": f"{type(exc).__name__}: {exc}"[:300],
                },
            )
        try:
            # Stored now, not only when the consumer reads it back: a broker that loses the
            # record (the memory-only one restarting) cannot lose an accepted comment, which
            # the reconciler publishes again while it stays pending. The consumer skips the
            # same event id later.
            async with engine.begin() as conn:
                await apply_event(conn, event)
        except Exception as exc:  # the broker has it: the consumer will store it
            log.warning("comment %s accepted but not stored yet: %s", event.comment_id, exc)
        return SubmissionAccepted(
            comment_id=event.comment_id, event_id=event.event_id, status=Status.PENDING
        )
