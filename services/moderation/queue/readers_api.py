"""The reader panel's JSON API: a reader's history and status, and the actions on a reader
(premoderate, ban, lift, reject all pending). Every change needs a session and its CSRF
token; every change is audited."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from moderation.domain.events import MAX_NOTE_CHARS, ReaderStatus
from moderation.domain.labels import ReviewReason
from moderation.queue import readers
from moderation.queue.dependencies import CsrfUser, State, User
from moderation.queue.wording import NOT_A_MODERATOR_CHOICE

router = APIRouter(prefix="/api/readers")
UNKNOWN = "the queue has never seen this reader"


class StatusBody(BaseModel):
    status: ReaderStatus
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


class RejectPendingBody(BaseModel):
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=MAX_NOTE_CHARS)


def _moderators_reason(reason: ReviewReason) -> None:
    # APPROVED and BANNED_READER are the system's (the queue's automatic rejection).
    if reason in NOT_A_MODERATOR_CHOICE:
        raise HTTPException(422, f"{reason.value} is not a moderator's reason")


# `:path`: author ids are the site's own and may contain "/" (site ids do not).
@router.get("/{site_id}/{author_id:path}")
async def summary(site_id: str, author_id: str, state: State, user: User) -> dict[str, Any]:
    async with state.engine.connect() as conn:
        found = await readers.reader_summary(conn, site_id, author_id)
    if found is None:
        raise HTTPException(404, UNKNOWN)
    return found


@router.post("/{site_id}/{author_id:path}/status")
async def set_status(
    site_id: str, author_id: str, body: StatusBody, state: State, user: CsrfUser
) -> dict[str, Any]:
    """Premoderate, ban or lift ("none"); answers the reader's summary as it now is."""
    if body.status != ReaderStatus.NONE:
        _moderators_reason(body.reason_code)
    async with state.engine.begin() as conn:
        changed = await readers.set_status(
            conn, site_id, author_id, body.status, body.reason_code, body.note, user.username
        )
        if changed is None:
            raise HTTPException(404, UNKNOWN)
        found = await readers.reader_summary(conn, site_id, author_id)
    state.outbox_wakeup.set()
    assert found is not None  # the row was just updated in this transaction
    return found


@router.post("/{site_id}/{author_id:path}/reject-pending")
async def reject_pending(
    site_id: str, author_id: str, body: RejectPendingBody, state: State, user: CsrfUser
) -> dict[str, Any]:
    """Reject every open item of the reader; items claimed by someone else are skipped."""
    _moderators_reason(body.reason_code)
    async with state.engine.begin() as conn:
        done = await readers.reject_pending(
            conn, site_id, author_id, user.username, body.reason_code, body.note
        )
    if done.done:
        state.outbox_wakeup.set()
    for key in done.done:
        state.live.publish("resolved", {"comment_id": key.comment_id, "revision": key.revision})
    return {"rejected": len(done.done), "skipped": done.skipped}
