"""Readers (comment authors) for moderators: what the reader panel shows, and the actions
on a reader (premoderate, ban, lift, reject all pending), inside the caller's transaction.

The queue's database is the source of truth of reader status; each change goes out as a
ReaderStatusChanged on moderation.authors through the outbox (never lost to a broker
outage), and `republish_statuses` writes every current status to the outbox again at start
(a memory-only broker forgets the topic when it restarts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import utc
from moderation.domain.events import (
    CommentModerated,
    ReaderStatus,
    ReaderStatusChanged,
    ReviewOutcome,
)
from moderation.domain.labels import ReviewReason
from moderation.queue import repository as repo
from moderation.queue.tables import audit_log, outbox, queue_items, reader_comments, readers
from moderation.topics import MODERATION_AUTHORS, reader_key

# audit_log.action of each reader action.
STATUS_ACTIONS = {
    ReaderStatus.PREMODERATED: "premoderate_reader",
    ReaderStatus.BANNED: "ban_reader",
    ReaderStatus.NONE: "lift_reader",
}
REJECT_ALL_PENDING = "reject_all_pending"
# Per item, a banned reader's comment the queue rejected on arrival (not a moderator's
# click, so not in the per-moderator report).
BANNED_AUTO_REJECT = "ban_auto_reject"


def _reader(site_id: str, author_id: str) -> Any:
    return (readers.c.site_id == site_id) & (readers.c.author_id == author_id)


def _open_of(site_id: str, author_id: str) -> Any:
    return (
        (queue_items.c.site_id == site_id)
        & (queue_items.c.author_id == author_id)
        & (queue_items.c.status == repo.OPEN)
    )


def _at(value: datetime | None) -> datetime | None:
    return utc(value) if value is not None else None


async def reader_summary(
    conn: AsyncConnection, site_id: str, author_id: str, recent: int = 10
) -> dict[str, Any] | None:
    """What the reader panel shows of one reader; None if the queue has never seen them."""
    row = (await conn.execute(sa.select(readers).where(_reader(site_id, author_id)))).first()
    if row is None:
        return None
    open_items = (
        await conn.execute(
            sa.select(sa.func.count()).select_from(queue_items).where(_open_of(site_id, author_id))
        )
    ).scalar_one()
    comments = (
        await conn.execute(
            sa.select(reader_comments)
            .where(
                (reader_comments.c.site_id == site_id) & (reader_comments.c.author_id == author_id)
            )
            .order_by(
                reader_comments.c.decided_at.desc(),
                reader_comments.c.comment_id.desc(),
                reader_comments.c.revision.desc(),
            )
            .limit(recent)
        )
    ).all()
    return {
        "site_id": row.site_id,
        "author_id": row.author_id,
        "display_name": row.display_name,
        "first_seen_at": utc(row.first_seen_at),
        "comments": row.comments,
        "held": row.held,
        "rejected": row.rejected,
        "rejection_rate": row.rejected / row.comments if row.comments else 0.0,
        "status": row.status,
        "status_reason": row.status_reason,
        "status_by": row.status_by,
        "status_at": _at(row.status_at),
        "open_items": int(open_items),
        "recent": [
            {
                "comment_id": c.comment_id,
                "revision": c.revision,
                "article_id": c.article_id,
                "body": c.body,
                "outcome": c.outcome,
                "decided_at": utc(c.decided_at),
            }
            for c in comments
        ],
    }


async def comment_seen(conn: AsyncConnection, comment_id: str) -> dict[str, Any] | None:
    """The latest revision of a comment the queue has seen decided (within the history's
    retention): the parent of a reply, which was usually approved and so never queued."""
    row = (
        await conn.execute(
            sa.select(reader_comments)
            .where(reader_comments.c.comment_id == comment_id)
            .order_by(reader_comments.c.revision.desc())
            .limit(1)
        )
    ).first()
    if row is None:
        return None
    return {
        "comment_id": row.comment_id,
        "revision": row.revision,
        "author_id": row.author_id,
        "author_name": row.author_name,
        "body": row.body,
        "outcome": row.outcome,
        "decided_at": utc(row.decided_at),
    }


async def _publish(conn: AsyncConnection, event: ReaderStatusChanged) -> None:
    await conn.execute(
        sa.insert(outbox).values(
            topic=MODERATION_AUTHORS.name,
            key=reader_key(event.site_id, event.author_id),
            payload=event.model_dump_json(),
            created_at=event.changed_at,
        )
    )


async def _audit(
    conn: AsyncConnection,
    now: datetime,
    user: str,
    action: str,
    site_id: str,
    author_id: str,
    reason: ReviewReason,
    note: str | None,
) -> None:
    await conn.execute(
        sa.insert(audit_log).values(
            at=now,
            moderator=user,
            action=action,
            site_id=site_id,
            author_id=author_id,
            reason_code=reason.value,
            note=note,
        )
    )


async def set_status(
    conn: AsyncConnection,
    site_id: str,
    author_id: str,
    status: ReaderStatus,
    reason: ReviewReason,
    note: str | None,
    user: str,
    now: datetime | None = None,
) -> ReaderStatusChanged | None:
    """Premoderate, ban or lift (ReaderStatus.NONE) a known reader: the status is stored,
    audited and written to the outbox for moderation.authors. None if the reader is
    unknown."""
    now = now or datetime.now(UTC)
    result = await conn.execute(
        sa.update(readers)
        .where(_reader(site_id, author_id))
        .values(
            status=status.value,
            status_reason=reason.value,
            status_note=note or None,
            status_by=user,
            status_at=now,
        )
    )
    if not result.rowcount:
        return None
    event = ReaderStatusChanged(
        site_id=site_id,
        author_id=author_id,
        status=status,
        reason_code=reason,
        note=note or None,
        moderator_id=user,
        changed_at=now,
    )
    await _publish(conn, event)
    await _audit(conn, now, user, STATUS_ACTIONS[status], site_id, author_id, reason, note)
    return event


async def republish_statuses(conn: AsyncConnection) -> int:
    """Write every reader status other than "none" to the outbox again, as it was set (same
    changed_at, so a classifier that has it already keeps it). At start: a memory-only
    broker forgets moderation.authors when it restarts; on a real Kafka this re-sends a
    few records that compaction folds away. Returns how many."""
    rows = (
        await conn.execute(
            sa.select(readers).where(
                (readers.c.status != ReaderStatus.NONE.value) & readers.c.status_at.is_not(None)
            )
        )
    ).all()
    for row in rows:
        await _publish(
            conn,
            ReaderStatusChanged(
                site_id=row.site_id,
                author_id=row.author_id,
                status=ReaderStatus(row.status),
                reason_code=ReviewReason(row.status_reason or ReviewReason.OTHER),
                note=row.status_note,
                moderator_id=row.status_by or "unknown",
                changed_at=utc(row.status_at),
            ),
        )
    return len(rows)


@dataclass
class Rejected:
    """What "reject all pending" did: the items it rejected, and those it left (claimed by
    someone else, or resolved meanwhile) with why."""

    done: list[repo.ItemKey] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)


async def reject_pending(
    conn: AsyncConnection,
    site_id: str,
    author_id: str,
    user: str,
    reason: ReviewReason,
    note: str | None,
    now: datetime | None = None,
) -> Rejected:
    """Reject every open item of one reader in one transaction, each audited and reviewed
    through the outbox as a moderator's rejection, then one audit entry for the action.
    Items another moderator has claimed are skipped and reported."""
    now = now or datetime.now(UTC)
    keys = [
        repo.ItemKey(c, r)
        for c, r in (
            await conn.execute(
                sa.select(queue_items.c.comment_id, queue_items.c.revision)
                .where(_open_of(site_id, author_id))
                .order_by(queue_items.c.decided_at, queue_items.c.comment_id)
            )
        ).all()
    ]
    outcome = Rejected()
    for key in keys:
        result = await repo.resolve(conn, key, user, ReviewOutcome.REJECTED, reason, note, now)
        if result.outcome == repo.Outcome.DONE:
            outcome.done.append(key)
        else:
            outcome.skipped.append(
                {"comment_id": key.comment_id, "revision": key.revision, "detail": result.message}
            )
    summary = f"{len(outcome.done)} rejected, {len(outcome.skipped)} skipped" + (
        f"; {note}" if note else ""
    )
    await _audit(conn, now, user, REJECT_ALL_PENDING, site_id, author_id, reason, summary)
    return outcome


async def reject_if_banned(conn: AsyncConnection, decision: CommentModerated) -> bool:
    """A held comment just queued whose author is banned (in this database, the source of
    truth, whatever the classifier knew) is rejected at once in the name of the moderator
    who banned them; True if it was."""
    comment = decision.comment
    row = (
        await conn.execute(
            sa.select(readers.c.status, readers.c.status_by).where(
                _reader(comment.site_id, comment.author.id)
            )
        )
    ).first()
    if row is None or row.status != ReaderStatus.BANNED.value:
        return False
    result = await repo.resolve(
        conn,
        repo.ItemKey(decision.comment_id, decision.revision),
        row.status_by or "unknown",
        ReviewOutcome.REJECTED,
        ReviewReason.BANNED_READER,
        None,
        audit_action=BANNED_AUTO_REJECT,
    )
    return result.outcome == repo.Outcome.DONE
