"""Reading the audit log for the audit page and its CSV export: filtered, paged by id, each
entry joined to the queue item it acted on (the comment's text, its reader, its article).

Actions are open strings: new kinds of entry (actions on readers, say) show up in the
filter's choices and in the default view without a change here. Days are UTC days.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from moderation.queue.tables import audit_log, queue_items

# Taking and giving back an item says nothing about what happened to a comment or a reader,
# and a busy desk writes many of them: hidden unless asked for (repository.claim/release
# write these two names).
NOISY_ACTIONS = ("claim", "release")
PAGE_SIZE = 50
# The per-day table without a date range covers this many UTC days, today included, so it
# reads a bounded part of the log however long it grows.
REPORT_DAYS = 90


@dataclass(frozen=True)
class AuditFilter:
    moderator: str | None = None
    # One action, any name; None: every action except the noisy ones (all with claims).
    action: str | None = None
    claims: bool = False
    # UTC days, both inclusive.
    day_from: date | None = None
    day_to: date | None = None

    def where(self) -> Any:
        clauses: list[Any] = []
        if self.moderator:
            clauses.append(audit_log.c.moderator == self.moderator)
        if self.action:
            clauses.append(audit_log.c.action == self.action)
        elif not self.claims:
            clauses.append(audit_log.c.action.not_in(NOISY_ACTIONS))
        if self.day_from:
            clauses.append(audit_log.c.at >= datetime.combine(self.day_from, time.min, UTC))
        if self.day_to:
            end = datetime.combine(self.day_to + timedelta(days=1), time.min, UTC)
            clauses.append(audit_log.c.at < end)
        return sa.and_(sa.true(), *clauses)


def _reader_column(name: str) -> Any:
    """The reader an entry is about: the audit row's own column where the log has one
    (actions on a reader need not name a comment), else the queue item's."""
    item_column = queue_items.c[name]
    if name in audit_log.c:
        return sa.func.coalesce(audit_log.c[name], item_column).label(name)
    return item_column.label(name)


_ENTRY_COLUMNS = [
    audit_log.c.id,
    audit_log.c.at,
    audit_log.c.moderator,
    audit_log.c.action,
    audit_log.c.comment_id,
    audit_log.c.revision,
    audit_log.c.reason_code,
    audit_log.c.note,
    _reader_column("site_id"),
    _reader_column("author_id"),
    queue_items.c.author_name,
    queue_items.c.article_id,
    queue_items.c.article_title,
    queue_items.c.article_url,
    queue_items.c.body,
]
_FROM = audit_log.outerjoin(
    queue_items,
    (queue_items.c.comment_id == audit_log.c.comment_id)
    & (queue_items.c.revision == audit_log.c.revision),
)


@dataclass(frozen=True)
class AuditPage:
    entries: list[dict[str, Any]]
    total: int  # entries matching the filter, on every page
    first_position: int  # 1-based position of entries[0] among them, newest first
    newer: int | None  # id cursor for the page before (newer entries), if any
    older: int | None  # id cursor for the page after (older entries), if any


async def audit_page(
    conn: AsyncConnection,
    where: AuditFilter,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of matching entries, newest first: those with ids below `before`, or the
    page just above `after`, or the newest. Keyset paging stays cheap however deep."""
    condition = where.where()
    query = sa.select(*_ENTRY_COLUMNS).select_from(_FROM).where(condition)
    if after is not None:
        # The `size` entries just newer than `after`, read upwards then turned round.
        query = query.where(audit_log.c.id > after).order_by(audit_log.c.id).limit(size)
        entries = [dict(r) for r in reversed((await conn.execute(query)).mappings().all())]
    else:
        if before is not None:
            query = query.where(audit_log.c.id < before)
        query = query.order_by(audit_log.c.id.desc()).limit(size)
        entries = [dict(r) for r in (await conn.execute(query)).mappings().all()]
    total = await _count(conn, condition)
    if not entries:
        return AuditPage(entries=[], total=total, first_position=0, newer=None, older=None)
    # Counted, not guessed from the page's length, so both links are right even when the
    # cursor came from a page that has since changed.
    newer_count = await _count(conn, condition & (audit_log.c.id > entries[0]["id"]))
    return AuditPage(
        entries=entries,
        total=total,
        first_position=newer_count + 1,
        newer=entries[0]["id"] if newer_count else None,
        older=entries[-1]["id"] if newer_count + len(entries) < total else None,
    )


async def _count(conn: AsyncConnection, condition: Any) -> int:
    return int(
        (
            await conn.execute(sa.select(sa.func.count()).select_from(audit_log).where(condition))
        ).scalar_one()
    )


async def iter_entries(
    engine: AsyncEngine, where: AuditFilter, batch: int = 1000
) -> AsyncIterator[dict[str, Any]]:
    """Every matching entry, newest first, read in batches on short connections so that a
    long export neither holds one transaction open nor loads the whole log into memory."""
    before: int | None = None
    while True:
        async with engine.connect() as conn:
            page = await _batch(conn, where, before, batch)
        for entry in page:
            yield entry
        if len(page) < batch:
            return
        before = page[-1]["id"]


async def _batch(
    conn: AsyncConnection, where: AuditFilter, before: int | None, size: int
) -> list[dict[str, Any]]:
    query = sa.select(*_ENTRY_COLUMNS).select_from(_FROM).where(where.where())
    if before is not None:
        query = query.where(audit_log.c.id < before)
    rows = await conn.execute(query.order_by(audit_log.c.id.desc()).limit(size))
    return [dict(r) for r in rows.mappings().all()]


async def distinct_values(conn: AsyncConnection) -> tuple[list[str], list[str]]:
    """The moderators and the actions the log holds, for the filter's choices."""
    moderators = await conn.execute(
        sa.select(audit_log.c.moderator).distinct().order_by(audit_log.c.moderator)
    )
    actions = await conn.execute(
        sa.select(audit_log.c.action).distinct().order_by(audit_log.c.action)
    )
    return list(moderators.scalars()), list(actions.scalars())


def _utc_day(conn: AsyncConnection) -> Any:
    """The UTC day of an entry as 'YYYY-MM-DD' text, in the connection's dialect."""
    if conn.dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", audit_log.c.at), "YYYY-MM-DD")
    # SQLite keeps the UTC time as ISO text: its first ten characters are the day.
    return sa.func.substr(audit_log.c.at, 1, 10)


async def actions_per_moderator_per_day(
    conn: AsyncConnection, where: AuditFilter, now: datetime | None = None
) -> list[dict[str, Any]]:
    """Matching entries counted per moderator per UTC day, newest day first. Without a
    start day the table covers the last REPORT_DAYS days."""
    if where.day_from is None:
        now = now or datetime.now(UTC)
        where = replace(where, day_from=(now - timedelta(days=REPORT_DAYS - 1)).date())
    day = _utc_day(conn).label("day")
    rows = await conn.execute(
        sa.select(day, audit_log.c.moderator, sa.func.count().label("actions"))
        .where(where.where())
        .group_by(day, audit_log.c.moderator)
        .order_by(day.desc(), audit_log.c.moderator)
    )
    return [dict(r) for r in rows.mappings().all()]
