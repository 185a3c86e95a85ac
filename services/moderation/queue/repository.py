"""Queue items, claims, resolutions, audit and outbox, inside the caller's transaction.

Exactly one action wins on an item: resolving is one conditional UPDATE (still open, and
not claimed by someone else), so two moderators acting at once cannot both succeed.
"""

from __future__ import annotations

import base64
import json
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
from moderation.domain.labels import CATEGORY_OF_REASON, Label, ReviewReason
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
class ScoreRange:
    """Items whose score for `label` lies in [low, high]: the batch-by-score selection."""

    label: Label
    low: float = 0.0
    high: float = 1.0


@dataclass(frozen=True)
class Filters:
    category: str | None = None
    site_id: str | None = None
    section: str | None = None
    article_id: str | None = None
    author_id: str | None = None
    score: ScoreRange | None = None
    newest_first: bool = True
    # Leave out items with a reason of this category: a batch approval by score leaves
    # legal holds alone unless the moderator asks for them.
    exclude_category: str | None = None

    def where(self) -> Any:
        """The open items these filters select, as one SQL condition."""
        condition = queue_items.c.status == OPEN
        if self.category:
            condition &= queue_items.c.categories.contains(f",{self.category},")
        if self.exclude_category:
            condition &= ~queue_items.c.categories.contains(f",{self.exclude_category},")
        for column, value in (
            ("site_id", self.site_id),
            ("section", self.section),
            ("article_id", self.article_id),
            ("author_id", self.author_id),
        ):
            if value:
                condition &= queue_items.c[column] == value
        if self.score is not None:
            # A label the decision did not score is missing, so NULL: never in range.
            score = queue_items.c.scores[self.score.label.value].as_float()
            condition &= score.between(self.score.low, self.score.high)
        return condition

    def order(self) -> list[Any]:
        columns = (queue_items.c.decided_at, queue_items.c.comment_id, queue_items.c.revision)
        return [c.desc() if self.newest_first else c.asc() for c in columns]


@dataclass(frozen=True)
class Cursor:
    """Where a page ended: the last item's sort key, so the next page starts after it
    whatever arrives or leaves meanwhile (keyset paging; offsets would skip or repeat)."""

    decided_at: datetime
    comment_id: str
    revision: int

    def after(self, newest_first: bool) -> Any:
        at, cid, rev = queue_items.c.decided_at, queue_items.c.comment_id, queue_items.c.revision
        if newest_first:
            return (at < self.decided_at) | (
                (at == self.decided_at)
                & ((cid < self.comment_id) | ((cid == self.comment_id) & (rev < self.revision)))
            )
        return (at > self.decided_at) | (
            (at == self.decided_at)
            & ((cid > self.comment_id) | ((cid == self.comment_id) & (rev > self.revision)))
        )

    def encode(self) -> str:
        raw = json.dumps([utc(self.decided_at).isoformat(), self.comment_id, self.revision])
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    @classmethod
    def decode(cls, token: str) -> Cursor:
        """The cursor a page handed out; ValueError for anything else."""
        try:
            raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
            at, comment_id, revision = json.loads(raw)
            return cls(utc(datetime.fromisoformat(at)), str(comment_id), int(revision))
        except (ValueError, TypeError) as error:
            raise ValueError("not a page cursor") from error

    @classmethod
    def of(cls, row: Any) -> Cursor:
        return cls(utc(row["decided_at"]), row["comment_id"], row["revision"])


@dataclass(frozen=True)
class Page:
    rows: list[Any]
    next: Cursor | None  # None: this was the last page


PAGE_SIZE = 50


async def open_items(
    conn: AsyncConnection,
    filters: Filters,
    limit: int = PAGE_SIZE,
    after: Cursor | None = None,
) -> Page:
    """One page of open items in the filters' order, starting after `after`."""
    condition = filters.where()
    if after is not None:
        condition &= after.after(filters.newest_first)
    query = sa.select(queue_items).where(condition).order_by(*filters.order()).limit(limit + 1)
    rows = list((await conn.execute(query)).mappings().all())
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, Cursor.of(rows[-1]) if more and rows else None)


async def count_open(conn: AsyncConnection, filters: Filters) -> int:
    """The true number of open items the filters select (what the header shows)."""
    query = sa.select(sa.func.count()).select_from(queue_items).where(filters.where())
    return int((await conn.execute(query)).scalar_one())


async def open_keys(conn: AsyncConnection, filters: Filters, limit: int) -> list[ItemKey]:
    """The keys of up to `limit` open items the filters select, oldest first (a batch
    action works through the longest-waiting first)."""
    query = (
        sa.select(queue_items.c.comment_id, queue_items.c.revision)
        .where(filters.where())
        .order_by(queue_items.c.decided_at, queue_items.c.comment_id, queue_items.c.revision)
        .limit(limit)
    )
    return [ItemKey(c, r) for c, r in (await conn.execute(query)).all()]


async def matches(conn: AsyncConnection, key: ItemKey, filters: Filters) -> bool:
    """Whether the open item `key` is one the filters select (for live updates)."""
    query = sa.select(sa.literal(1)).select_from(queue_items).where(key.where() & filters.where())
    return (await conn.execute(query)).first() is not None


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


async def audit_batch(
    conn: AsyncConnection,
    user: str,
    action: str,
    reason: ReviewReason,
    note: str | None,
    filters: Filters,
    done: int,
) -> None:
    """One audit entry for a batch action, saying what it selected and how many it
    resolved (each item also has its own entry)."""
    described = describe(filters)
    summary = f"{done} comments; filter: {described}" + (f"; {note}" if note else "")
    await conn.execute(
        sa.insert(audit_log).values(
            at=datetime.now(UTC),
            moderator=user,
            action=f"batch_{action}",
            reason_code=reason.value,
            note=summary,
        )
    )


def describe(filters: Filters) -> str:
    """The filters in words, as the audit log keeps them."""
    parts = [
        f"{name} {value}"
        for name, value in (
            ("category", filters.category),
            ("site", filters.site_id),
            ("section", filters.section),
            ("article", filters.article_id),
            ("reader", filters.author_id),
        )
        if value
    ]
    if filters.score is not None:
        score = filters.score
        parts.append(f"{score.label.value} {score.low:.2f}-{score.high:.2f}")
    if filters.exclude_category:
        parts.append(f"without {filters.exclude_category}")
    return ", ".join(parts) or "everything held"


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
