"""Queue items, claims, resolutions, audit and outbox, inside the caller's transaction.

Exactly one action wins on an item: resolving is one conditional UPDATE (still open, and
not claimed by someone else), so two moderators acting at once cannot both succeed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.db import insert_ignoring_duplicates, utc
from moderation.domain.events import (
    ArticleContext,
    CommentModerated,
    CommentReviewed,
    Decision,
    ReviewOutcome,
)
from moderation.domain.labels import CATEGORY_OF_REASON, ReviewReason
from moderation.queue import reader_history
from moderation.queue.tables import audit_log, outbox, processed_events, queue_items
from moderation.topics import MODERATION_REVIEWS

CLAIM_DURATION = timedelta(minutes=5)
OPEN, APPROVED, REJECTED = "open", "approved", "rejected"


@dataclass(frozen=True)
class ItemKey:
    comment_id: str
    revision: int

    def where(self) -> Any:
        return (queue_items.c.comment_id == self.comment_id) & (
            queue_items.c.revision == self.revision
        )


class Outcome(StrEnum):
    DONE = "done"
    NOT_FOUND = "not_found"
    ALREADY_RESOLVED = "already_resolved"
    CLAIMED_BY_OTHER = "claimed_by_other"


@dataclass(frozen=True)
class ActionResult:
    outcome: Outcome
    holder: str | None = None
    until: datetime | None = None

    @property
    def message(self) -> str:
        if self.outcome == Outcome.DONE:
            return "done"
        if self.outcome == Outcome.NOT_FOUND:
            return "no such item in the queue"
        if self.outcome == Outcome.ALREADY_RESOLVED:
            return f"already {self.holder}: nothing to do"
        until = self.until.strftime("%H:%M:%S UTC") if self.until else "soon"
        return f"{self.holder} is working on this comment (claim ends {until})"


async def first_time(conn: AsyncConnection, event_id: str) -> bool:
    result = await conn.execute(
        insert_ignoring_duplicates(conn, processed_events).values(
            event_id=event_id, processed_at=datetime.now(UTC)
        )
    )
    return bool(result.rowcount)


async def add_held(
    conn: AsyncConnection, decision: CommentModerated, article: ArticleContext | None
) -> bool:
    """Queue a held decision; duplicates and approvals change nothing. `article` is the
    article's context as last seen, for its title and link."""
    # Every decision, approvals too, feeds the reader panel (reader_history.py).
    await reader_history.record_decision(conn, decision)
    if decision.decision != Decision.HOLD or not await first_time(conn, decision.event_id):
        return False
    comment = decision.comment
    categories = sorted({CATEGORY_OF_REASON[r.code].value for r in decision.reasons})
    result = await conn.execute(
        insert_ignoring_duplicates(conn, queue_items).values(
            comment_id=decision.comment_id,
            revision=decision.revision,
            article_id=decision.article_id,
            site_id=comment.site_id,
            section=comment.section,
            article_title=article.title if article else None,
            article_url=article.url if article else None,
            parent_id=comment.parent_id,
            author_id=comment.author.id,
            author_name=comment.author.display_name,
            body=comment.body,
            reasons=[r.model_dump(mode="json") for r in decision.reasons],
            scores=decision.scores,
            categories="," + ",".join(categories) + ",",
            model=f"{decision.model.backend} {decision.model.version}",
            policy_version=decision.policy_version,
            submitted_at=utc(comment.submitted_at),
            decided_at=utc(decision.decided_at),
            status=OPEN,
        )
    )
    return bool(result.rowcount)


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    site_id: str | None = None
    section: str | None = None
    article_id: str | None = None
    newest_first: bool = True


async def open_items(conn: AsyncConnection, filters: Filters, limit: int = 200) -> list[Any]:
    query = sa.select(queue_items).where(queue_items.c.status == OPEN)
    if filters.category:
        query = query.where(queue_items.c.categories.contains(f",{filters.category},"))
    for column, value in (
        ("site_id", filters.site_id),
        ("section", filters.section),
        ("article_id", filters.article_id),
    ):
        if value:
            query = query.where(queue_items.c[column] == value)
    order = queue_items.c.decided_at.desc() if filters.newest_first else queue_items.c.decided_at
    return list((await conn.execute(query.order_by(order).limit(limit))).mappings().all())


async def get_item(conn: AsyncConnection, key: ItemKey) -> Any:
    return (await conn.execute(sa.select(queue_items).where(key.where()))).mappings().first()


def _free_for(user: str, now: datetime) -> Any:
    return (
        queue_items.c.claimed_by.is_(None)
        | (queue_items.c.claimed_by == user)
        | (queue_items.c.claim_expires_at < now)
    )


async def _why_not(conn: AsyncConnection, key: ItemKey, now: datetime) -> ActionResult:
    row = await get_item(conn, key)
    if row is None:
        return ActionResult(Outcome.NOT_FOUND)
    if row["status"] != OPEN:
        return ActionResult(Outcome.ALREADY_RESOLVED, f"{row['status']} by {row['resolved_by']}")
    return ActionResult(
        Outcome.CLAIMED_BY_OTHER,
        row["claimed_by"],
        utc(row["claim_expires_at"]) if row["claim_expires_at"] else None,
    )


async def claim(
    conn: AsyncConnection, key: ItemKey, user: str, now: datetime | None = None
) -> ActionResult:
    now = now or datetime.now(UTC)
    result = await conn.execute(
        sa.update(queue_items)
        .where(key.where() & (queue_items.c.status == OPEN) & _free_for(user, now))
        .values(claimed_by=user, claim_expires_at=now + CLAIM_DURATION)
    )
    if result.rowcount:
        await _audit(conn, now, user, "claim", key)
        return ActionResult(Outcome.DONE, user, now + CLAIM_DURATION)
    return await _why_not(conn, key, now)


async def release(conn: AsyncConnection, key: ItemKey, user: str) -> ActionResult:
    result = await conn.execute(
        sa.update(queue_items)
        .where(key.where() & (queue_items.c.claimed_by == user))
        .values(claimed_by=None, claim_expires_at=None)
    )
    if result.rowcount:
        await _audit(conn, datetime.now(UTC), user, "release", key)
        return ActionResult(Outcome.DONE)
    return await _why_not(conn, key, datetime.now(UTC))


async def resolve(
    conn: AsyncConnection,
    key: ItemKey,
    user: str,
    outcome: ReviewOutcome,
    reason_code: ReviewReason,
    note: str | None,
    now: datetime | None = None,
    audit_action: str | None = None,
) -> ActionResult:
    """Approve or reject: the item closes, the action is audited (as `audit_action`, or as
    the outcome) and a CommentReviewed is written to the outbox, all in the caller's
    transaction."""
    now = now or datetime.now(UTC)
    status = APPROVED if outcome == ReviewOutcome.APPROVED else REJECTED
    result = await conn.execute(
        sa.update(queue_items)
        .where(key.where() & (queue_items.c.status == OPEN) & _free_for(user, now))
        .values(
            status=status, resolved_by=user, resolved_at=now, claimed_by=None, claim_expires_at=None
        )
    )
    if not result.rowcount:
        return await _why_not(conn, key, now)
    await reader_history.record_review(conn, key.comment_id, key.revision, status)
    review = CommentReviewed(
        comment_id=key.comment_id,
        revision=key.revision,
        outcome=outcome,
        reason_code=reason_code,
        note=note or None,
        moderator_id=user,
        reviewed_at=now,
    )
    await conn.execute(
        sa.insert(outbox).values(
            topic=MODERATION_REVIEWS.name,
            key=key.comment_id,
            payload=review.model_dump_json(),
            created_at=now,
        )
    )
    await _audit(conn, now, user, audit_action or status, key, reason_code.value, note)
    return ActionResult(Outcome.DONE)


async def _audit(
    conn: AsyncConnection,
    now: datetime,
    user: str,
    action: str,
    key: ItemKey,
    reason_code: str | None = None,
    note: str | None = None,
) -> None:
    await conn.execute(
        sa.insert(audit_log).values(
            at=now,
            moderator=user,
            action=action,
            comment_id=key.comment_id,
            revision=key.revision,
            reason_code=reason_code,
            note=note,
        )
    )


async def audit_entries(conn: AsyncConnection, limit: int = 500) -> list[Any]:
    return list(
        (await conn.execute(sa.select(audit_log).order_by(audit_log.c.id.desc()).limit(limit)))
        .mappings()
        .all()
    )


@dataclass(frozen=True)
class Gauges:
    depth: int  # open items
    oldest_age_s: int  # how long the oldest open item has waited; 0 with none


async def queue_gauges(conn: AsyncConnection, now: datetime | None = None) -> Gauges:
    """Two aggregates over the open items only: what every /metrics scrape reads."""
    now = now or datetime.now(UTC)
    depth, oldest = (
        await conn.execute(
            sa.select(sa.func.count(), sa.func.min(queue_items.c.decided_at)).where(
                queue_items.c.status == OPEN
            )
        )
    ).one()
    return Gauges(int(depth), int((now - utc(oldest)).total_seconds()) if oldest else 0)


# The per-day report covers this many UTC days, today included, so it reads a bounded
# number of audit rows however long the log grows.
REPORT_DAYS = 90


async def actions_per_moderator_per_day(
    conn: AsyncConnection, now: datetime | None = None, days: int = REPORT_DAYS
) -> list[dict[str, Any]]:
    """Approvals and rejections per moderator per UTC day, newest day first."""
    now = now or datetime.now(UTC)
    since = datetime.combine((now - timedelta(days=days - 1)).date(), time.min, tzinfo=UTC)
    rows = (
        await conn.execute(
            sa.select(audit_log.c.moderator, audit_log.c.at).where(
                audit_log.c.action.in_((APPROVED, REJECTED)) & (audit_log.c.at >= since)
            )
        )
    ).all()
    per_day: dict[tuple[str, str], int] = {}
    for moderator, at in rows:
        day = utc(at).date().isoformat()
        per_day[(moderator, day)] = per_day.get((moderator, day), 0) + 1
    return [
        {"moderator": m, "day": d, "actions": n}
        for (m, d), n in sorted(per_day.items(), key=lambda kv: (kv[0][1], kv[0][0]), reverse=True)
    ]


async def queue_stats(conn: AsyncConnection, now: datetime | None = None) -> dict[str, Any]:
    """The gauges and the per-day report, as /api/stats and the audit page show them."""
    now = now or datetime.now(UTC)
    gauges = await queue_gauges(conn, now)
    return {
        "depth": gauges.depth,
        "oldest_age_s": gauges.oldest_age_s,
        "actions_per_moderator_per_day": await actions_per_moderator_per_day(conn, now),
    }


async def unsent_reviews(conn: AsyncConnection, limit: int = 200) -> list[Any]:
    return list(
        (
            await conn.execute(
                sa.select(outbox)
                .where(outbox.c.sent_at.is_(None))
                .order_by(outbox.c.id)
                .limit(limit)
            )
        )
        .mappings()
        .all()
    )


async def mark_sent(conn: AsyncConnection, ids: list[int]) -> None:
    if ids:
        await conn.execute(
            sa.update(outbox).where(outbox.c.id.in_(ids)).values(sent_at=datetime.now(UTC))
        )
