"""The queue's JSON API: claim, release, approve, reject, bulk and batch actions, counts
and statistics.
Every change needs a session and its CSRF token."""

from __future__ import annotations

import dataclasses
from typing import Any

from fastapi import APIRouter, HTTPException
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from moderation.domain.events import ReviewOutcome
from moderation.domain.labels import ReasonCategory, ReasonCode, ReviewReason
from moderation.queue import auth
from moderation.queue import repository as repo
from moderation.queue.dependencies import CsrfUser, State, User
from moderation.queue.filters import QueryFilters
from moderation.queue.pages import REJECT_REASONS
from moderation.queue.state import QueueState
from moderation.queue.wording import REASON_WORDS

router = APIRouter(prefix="/api")
# One batch action resolves at most this many comments (each is its own transaction, so
# colleagues' claims and actions interleave); a bigger backlog takes several batches.
MAX_BATCH = 5_000
SAMPLE_SIZE = 5


class RejectBody(BaseModel):
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=2000)


class BulkItem(BaseModel):
    comment_id: str
    revision: int


class BulkBody(BaseModel):
    action: str = Field(pattern="^(approve|reject)$")
    items: list[BulkItem] = Field(min_length=1, max_length=200)
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=2000)


def _answer(result: repo.ActionResult) -> JSONResponse:
    if result.outcome == repo.Outcome.DONE:
        return JSONResponse({"ok": True})
    status = 404 if result.outcome == repo.Outcome.NOT_FOUND else 409
    body: dict[str, Any] = {"ok": False, "detail": result.message}
    if result.outcome == repo.Outcome.CLAIMED_BY_OTHER:
        # The page says when the claim ends in the moderator's own zone.
        body.update(holder=result.holder, until=result.until.isoformat() if result.until else None)
    return JSONResponse(body, status_code=status)


async def _resolve(
    state: QueueState,
    key: repo.ItemKey,
    user: auth.Moderator,
    outcome: ReviewOutcome,
    reason: ReviewReason,
    note: str | None,
) -> repo.ActionResult:
    async with state.engine.begin() as conn:
        result = await repo.resolve(conn, key, user.username, outcome, reason, note)
    if result.outcome == repo.Outcome.DONE:
        state.outbox_wakeup.set()
        state.live.publish("resolved", {"comment_id": key.comment_id, "revision": key.revision})
    return result


# `:path`: comment ids are the site's own and may contain "/".
@router.post("/items/{comment_id:path}/{revision}/claim")
async def claim(comment_id: str, revision: int, state: State, user: CsrfUser) -> JSONResponse:
    async with state.engine.begin() as conn:
        result = await repo.claim(conn, repo.ItemKey(comment_id, revision), user.username)
    if result.outcome == repo.Outcome.DONE:
        # Colleagues' open pages lock the item at once, not at their next reload.
        state.live.publish(
            "claimed",
            {
                "comment_id": comment_id,
                "revision": revision,
                "holder": user.username,
                "until": result.until.isoformat() if result.until else None,
            },
        )
    return _answer(result)


@router.post("/items/{comment_id:path}/{revision}/release")
async def release(comment_id: str, revision: int, state: State, user: CsrfUser) -> JSONResponse:
    async with state.engine.begin() as conn:
        result = await repo.release(conn, repo.ItemKey(comment_id, revision), user.username)
    if result.outcome == repo.Outcome.DONE:
        state.live.publish(
            "released", {"comment_id": comment_id, "revision": revision, "holder": user.username}
        )
    return _answer(result)


@router.post("/items/{comment_id:path}/{revision}/approve")
async def approve(comment_id: str, revision: int, state: State, user: CsrfUser) -> JSONResponse:
    return _answer(
        await _resolve(
            state,
            repo.ItemKey(comment_id, revision),
            user,
            ReviewOutcome.APPROVED,
            ReviewReason.APPROVED,
            None,
        )
    )


@router.post("/items/{comment_id:path}/{revision}/reject")
async def reject(
    comment_id: str, revision: int, body: RejectBody, state: State, user: CsrfUser
) -> JSONResponse:
    if body.reason_code == ReviewReason.APPROVED:
        raise HTTPException(422, f"choose a reject reason: {', '.join(REJECT_REASONS)}")
    return _answer(
        await _resolve(
            state,
            repo.ItemKey(comment_id, revision),
            user,
            ReviewOutcome.REJECTED,
            body.reason_code,
            body.note,
        )
    )


@router.post("/bulk")
async def bulk(body: BulkBody, state: State, user: CsrfUser) -> dict[str, Any]:
    outcome = ReviewOutcome.APPROVED if body.action == "approve" else ReviewOutcome.REJECTED
    reason = ReviewReason.APPROVED if body.action == "approve" else body.reason_code
    if body.action == "reject" and reason == ReviewReason.APPROVED:
        raise HTTPException(422, "choose a reject reason")
    results = []
    for item in body.items:
        result = await _resolve(
            state, repo.ItemKey(item.comment_id, item.revision), user, outcome, reason, body.note
        )
        results.append(
            {
                "comment_id": item.comment_id,
                "revision": item.revision,
                "ok": result.outcome == repo.Outcome.DONE,
                "detail": result.message,
            }
        )
    return {"results": results}


class BatchBody(BaseModel):
    """Act on every open item the current filters select (the query string carries them).
    `expected` is the count the moderator saw: if more now match, nothing is done, so a
    batch never touches comments nobody looked at the count of."""

    action: str = Field(pattern="^(approve|reject)$")
    expected: int = Field(ge=1, le=MAX_BATCH)
    reason_code: ReviewReason = ReviewReason.OTHER
    note: str | None = Field(default=None, max_length=2000)


@router.get("/count")
async def count(state: State, user: User, filters: QueryFilters) -> dict[str, int]:
    """The true number of open items in the filters (header and tab title)."""
    async with state.engine.connect() as conn:
        return {"total": await repo.count_open(conn, filters)}


@router.get("/selection")
async def selection(state: State, user: User, filters: QueryFilters) -> dict[str, Any]:
    """What a batch action on these filters would touch: the count, how many of them have
    a reason of each category (a comment may have several), and a few examples."""
    async with state.engine.connect() as conn:
        total = await repo.count_open(conn, filters)
        by_category = {
            category.value: await repo.count_open(
                conn, dataclasses.replace(filters, category=category.value)
            )
            for category in ReasonCategory
        }
        page = await repo.open_items(conn, filters, limit=SAMPLE_SIZE)
    label = filters.score.label.value if filters.score else None
    return {
        "total": total,
        "by_category": {name: n for name, n in by_category.items() if n},
        "max_batch": MAX_BATCH,
        "sample": [
            {
                "comment_id": row["comment_id"],
                "revision": row["revision"],
                "body": row["body"][:200],
                "score": row["scores"].get(label) if label else None,
                "reasons": [
                    REASON_WORDS.get(ReasonCode(r["code"]), r["code"]) for r in row["reasons"]
                ],
            }
            for row in page.rows
        ],
    }


@router.post("/batch")
async def batch(
    body: BatchBody, state: State, user: CsrfUser, filters: QueryFilters
) -> JSONResponse:
    outcome = ReviewOutcome.APPROVED if body.action == "approve" else ReviewOutcome.REJECTED
    reason = ReviewReason.APPROVED if body.action == "approve" else body.reason_code
    if body.action == "reject" and reason == ReviewReason.APPROVED:
        raise HTTPException(422, "choose a reject reason")
    async with state.engine.connect() as conn:
        keys = await repo.open_keys(conn, filters, limit=MAX_BATCH + 1)
    if len(keys) > body.expected:
        return JSONResponse(
            {
                "ok": False,
                "detail": f"{len(keys)} comments match now, not {body.expected}: "
                "look at the count again",
            },
            status_code=409,
        )
    note = body.note or None
    done, skipped = 0, []
    for key in keys:
        result = await _resolve(state, key, user, outcome, reason, note)
        if result.outcome == repo.Outcome.DONE:
            done += 1
        else:
            skipped.append(
                {"comment_id": key.comment_id, "revision": key.revision, "detail": result.message}
            )
    async with state.engine.begin() as conn:
        await repo.audit_batch(conn, user.username, body.action, reason, note, filters, done)
    return JSONResponse({"ok": True, "done": done, "skipped": skipped})


@router.get("/stats")
async def stats(state: State, user: User) -> dict[str, Any]:
    async with state.engine.connect() as conn:
        return await repo.queue_stats(conn)
