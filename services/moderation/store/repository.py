"""Apply events to the store's tables, idempotently, inside the caller's transaction."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import insert_ignoring_duplicates, utc
from moderation.domain.dead_letters import DeadLetterReason, EventRefused
from moderation.domain.events import CommentModerated, CommentReviewed, CommentSubmitted
from moderation.store.status import Event, Source, Status, StatusState, next_state
from moderation.store.tables import comments, processed_events, status_history
from moderation.store.views import Author, CommentWithHistory, HistoryEntry, StoredComment, Thread


def _content(comment: CommentSubmitted) -> dict[str, Any]:
    return {
        "article_id": comment.article_id,
        "site_id": comment.site_id,
        "section": comment.section,
        "parent_id": comment.parent_id,
        "author_id": comment.author.id,
        "author_name": comment.author.display_name,
        "body": comment.body,
        "submitted_at": utc(comment.submitted_at),
    }


async def _first_time(conn: AsyncConnection, event_id: str) -> bool:
    result = await conn.execute(
        insert_ignoring_duplicates(conn, processed_events).values(
            event_id=event_id, processed_at=datetime.now(UTC)
        )
    )
    return bool(result.rowcount)


async def _thread_of(conn: AsyncConnection, comment: CommentSubmitted) -> str:
    if not comment.parent_id:
        return comment.comment_id
    parent_thread = await conn.scalar(
        sa.select(comments.c.thread_id).where(comments.c.comment_id == comment.parent_id).limit(1)
    )
    # A reply that arrives before its parent hangs under the parent's id until then.
    return parent_thread or comment.parent_id


async def owner_of(conn: AsyncConnection, comment_id: str) -> str | None:
    """The site a comment id belongs to: the site of its first content to arrive."""
    return await conn.scalar(
        sa.select(comments.c.site_id)
        .where((comments.c.comment_id == comment_id) & comments.c.site_id.isnot(None))
        .limit(1)
    )


async def _check_owner(conn: AsyncConnection, comment: CommentSubmitted) -> None:
    """A comment id belongs to the site it first arrived for, whatever the path (HTTP or
    Kafka): content claiming another site is refused for good (dead-lettered)."""
    owner = await owner_of(conn, comment.comment_id)
    if owner is not None and owner != comment.site_id:
        raise EventRefused(
            DeadLetterReason.SITE_MISMATCH,
            f"comment id {comment.comment_id!r} belongs to site {owner!r}, not {comment.site_id!r}",
        )


async def apply_event(conn: AsyncConnection, event: Event) -> bool:
    """Returns whether the event changed anything (False for duplicates and outranked ones).
    Raises EventRefused for content claiming a comment id another site owns."""
    if not await _first_time(conn, event.event_id):
        return False
    key = (comments.c.comment_id == event.comment_id) & (comments.c.revision == event.revision)
    row = (await conn.execute(sa.select(comments).where(key))).mappings().first()
    current = None
    if row is not None:
        current = StatusState(
            Status(row["status"]),
            Source(row["status_source"]),
            utc(row["status_at"]),
            "",
            tuple(row["reason_codes"]),
        )
    submitted = (
        event
        if isinstance(event, CommentSubmitted)
        else event.comment
        if isinstance(event, CommentModerated)
        else None
    )
    if submitted is not None:
        await _check_owner(conn, submitted)
    state = next_state(current, event)

    if row is None:
        assert state is not None  # the first event always sets a state
        values: dict[str, Any] = {"comment_id": event.comment_id, "revision": event.revision}
        if submitted is not None:
            values |= _content(submitted) | {"thread_id": await _thread_of(conn, submitted)}
        await conn.execute(sa.insert(comments).values(**values, **_state_columns(state)))
    else:
        changes: dict[str, Any] = {}
        if submitted is not None and row["body"] is None:  # a review arrived first
            changes |= _content(submitted) | {"thread_id": await _thread_of(conn, submitted)}
        if state is not None:
            changes |= _state_columns(state)
        if changes:
            await conn.execute(sa.update(comments).where(key).values(**changes))
    if state is None:
        return False
    await conn.execute(
        sa.insert(status_history).values(
            comment_id=event.comment_id,
            revision=event.revision,
            status=state.status.value,
            actor=state.actor,
            reason_codes=list(state.reason_codes),
            event_id=event.event_id,
            at=utc(state.at),
            note=event.note if isinstance(event, CommentReviewed) else None,
        )
    )
    return True


def _state_columns(state: StatusState) -> dict[str, Any]:
    return {
        "status": state.status.value,
        "status_source": state.source.value,
        "status_at": utc(state.at),
        "reason_codes": list(state.reason_codes),
    }


async def comment_with_history(conn: AsyncConnection, comment_id: str) -> CommentWithHistory | None:
    row = (
        (
            await conn.execute(
                sa.select(comments)
                .where(comments.c.comment_id == comment_id)
                .order_by(comments.c.revision.desc())
                .limit(1)
            )
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    history = (
        (
            await conn.execute(
                sa.select(status_history)
                .where(status_history.c.comment_id == comment_id)
                .order_by(status_history.c.id)  # the order they were applied in
            )
        )
        .mappings()
        .all()
    )
    return CommentWithHistory(
        **_stored(row),
        history=[
            HistoryEntry(
                revision=h["revision"],
                status=h["status"],
                actor=h["actor"],
                reason_codes=h["reason_codes"],
                at=utc(h["at"]),
                note=h["note"],
                event_id=h["event_id"],
            )
            for h in history
        ],
    )


def _stored(row: Any) -> dict[str, Any]:
    """A comments row as StoredComment's fields."""
    return {
        "comment_id": row["comment_id"],
        "revision": row["revision"],
        "article_id": row["article_id"],
        "site_id": row["site_id"],
        "section": row["section"],
        "parent_id": row["parent_id"],
        "author": Author(id=row["author_id"], display_name=row["author_name"]),
        "body": row["body"],
        "submitted_at": utc(row["submitted_at"]) if row["submitted_at"] else None,
        "status": row["status"],
        "status_source": row["status_source"],
        "status_at": utc(row["status_at"]),
        "reason_codes": row["reason_codes"],
    }


async def article_threads(
    conn: AsyncConnection, article_id: str, statuses: set[str] | None, site_id: str | None = None
) -> list[Thread]:
    """Latest revision of every comment on the article (of one site, if given), as threads:
    roots oldest first, replies nested under their parents (oldest first). A hidden comment
    hides its replies."""
    on_article = comments.c.article_id == article_id
    if site_id is not None:
        on_article &= comments.c.site_id == site_id
    latest = (
        sa.select(comments.c.comment_id, sa.func.max(comments.c.revision).label("revision"))
        .where(on_article)
        .group_by(comments.c.comment_id)
        .subquery()
    )
    rows = (
        (
            await conn.execute(
                sa.select(comments).join(
                    latest,
                    (comments.c.comment_id == latest.c.comment_id)
                    & (comments.c.revision == latest.c.revision),
                )
            )
        )
        .mappings()
        .all()
    )
    by_id = {
        r["comment_id"]: Thread(**_stored(r))
        for r in rows
        if statuses is None or r["status"] in statuses
    }
    roots = []
    for node in sorted(by_id.values(), key=thread_order):
        parent = node.parent_id
        if parent and parent in by_id:
            by_id[parent].replies.append(node)
        elif not parent:
            roots.append(node)
    return roots


def thread_order(comment: StoredComment) -> tuple[datetime, str]:
    """Oldest first; a comment whose content has not arrived sorts first."""
    return (comment.submitted_at or datetime.min.replace(tzinfo=UTC), comment.comment_id)
