"""The queue's read model of readers, kept from events it already consumes: every decision
(approvals too) and every moderator's review. Tallies per (site_id, author_id) are kept for
ever; the comments themselves for ModerationSettings.reader_history_days (prune_history).

Used inside the caller's transaction by repository.add_held and repository.resolve.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import insert_ignoring_duplicates, utc
from moderation.domain.events import CommentModerated, Decision, ReaderStatus
from moderation.queue.tables import queue_items, reader_comments, readers

# A comment's outcome in the reader panel.
APPROVED, HELD, REJECTED = "approved", "held", "rejected"


async def record_decision(conn: AsyncConnection, decision: CommentModerated) -> bool:
    """Count one decided revision for its author and keep it in the recent comments; False
    (and nothing counted) when that revision was recorded before (a redelivered or repeated
    decision: the classifier may publish one twice)."""
    comment = decision.comment
    held = decision.decision == Decision.HOLD
    decided_at = utc(decision.decided_at)
    added = await conn.execute(
        insert_ignoring_duplicates(conn, reader_comments).values(
            comment_id=decision.comment_id,
            revision=decision.revision,
            site_id=comment.site_id,
            author_id=comment.author.id,
            author_name=comment.author.display_name,
            article_id=decision.article_id,
            parent_id=comment.parent_id,
            body=comment.body,
            outcome=HELD if held else APPROVED,
            decided_at=decided_at,
        )
    )
    if not added.rowcount:
        return False
    seen_at = utc(comment.submitted_at)
    await conn.execute(
        insert_ignoring_duplicates(conn, readers).values(
            site_id=comment.site_id,
            author_id=comment.author.id,
            first_seen_at=seen_at,
            comments=0,
            held=0,
            rejected=0,
            status=ReaderStatus.NONE.value,
        )
    )
    values: dict[str, object] = {
        "comments": readers.c.comments + 1,
        "held": readers.c.held + (1 if held else 0),
        # Decisions may arrive out of order: the earliest submission wins.
        "first_seen_at": sa.case(
            (readers.c.first_seen_at > seen_at, seen_at), else_=readers.c.first_seen_at
        ),
    }
    if comment.author.display_name:
        values["display_name"] = comment.author.display_name
    await conn.execute(
        sa.update(readers)
        .where((readers.c.site_id == comment.site_id) & (readers.c.author_id == comment.author.id))
        .values(**values)
    )
    return True


async def record_review(
    conn: AsyncConnection, comment_id: str, revision: int, outcome: str
) -> None:
    """A moderator approved or rejected a queue item: its outcome in the recent comments,
    and one more rejection in its author's tally."""
    await conn.execute(
        sa.update(reader_comments)
        .where(
            (reader_comments.c.comment_id == comment_id) & (reader_comments.c.revision == revision)
        )
        .values(outcome=outcome)
    )
    if outcome != REJECTED:
        return
    # The queue item names the author even when its recent-comment row has been pruned.
    author = (
        await conn.execute(
            sa.select(queue_items.c.site_id, queue_items.c.author_id).where(
                (queue_items.c.comment_id == comment_id) & (queue_items.c.revision == revision)
            )
        )
    ).first()
    if author is None:
        return
    await conn.execute(
        sa.update(readers)
        .where((readers.c.site_id == author.site_id) & (readers.c.author_id == author.author_id))
        .values(rejected=readers.c.rejected + 1)
    )


async def prune_history(conn: AsyncConnection, now: datetime, days: int) -> int:
    """Delete recent comments decided more than `days` ago (one range on an index); returns
    how many went. The readers' counts keep them."""
    result = await conn.execute(
        sa.delete(reader_comments).where(reader_comments.c.decided_at < now - timedelta(days=days))
    )
    return int(result.rowcount or 0)
