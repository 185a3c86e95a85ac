"""Comments the store holds as `pending` for too long are submitted again.

A comment is `pending` from its submission until a decision arrives. If the submission was
lost before a classifier decided it (a memory-only broker restarted, a topic was deleted,
a record expired while classifiers were down), no decision will ever come. The store has
the comment, so it publishes it again, rebuilt from its own row with a new event id: the
store ignores the repeat (a submission never moves a status), and the classifier decides
it like any other. A comment that is merely slow gets a duplicate decision at worst.
"""

from __future__ import annotations

import asyncio
import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from faststream.kafka import KafkaBroker
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation.db import utc
from moderation.domain.events import Author, CommentSubmitted
from moderation.store.status import Status
from moderation.store.tables import comments
from moderation.topics import COMMENTS_SUBMITTED

log = logging.getLogger(__name__)
BATCH = 500


def _submission(row: Any) -> CommentSubmitted:
    return CommentSubmitted(
        comment_id=row.comment_id,
        article_id=row.article_id,
        site_id=row.site_id,
        section=row.section,
        parent_id=row.parent_id,
        revision=row.revision,
        author=Author(id=row.author_id, display_name=row.author_name),
        body=row.body,
        submitted_at=utc(row.submitted_at),
    )


class PendingReconciler:
    """Re-publishes comments pending longer than `after_s`, each at most once per `after_s`."""

    def __init__(self, engine: AsyncEngine, broker: KafkaBroker, after_s: float) -> None:
        self.engine = engine
        self.broker = broker
        self.after = timedelta(seconds=after_s)
        self._last_sent: dict[tuple[str, int], float] = {}
        self.republished = 0

    async def run_once(self) -> int:
        """One pass; returns how many comments it published again."""
        cutoff = datetime.now(UTC) - self.after
        async with self.engine.connect() as conn:
            rows = (
                await conn.execute(
                    sa.select(comments)
                    .where(
                        (comments.c.status == Status.PENDING.value)
                        & (comments.c.status_at < cutoff)
                        & comments.c.body.isnot(None)
                    )
                    .order_by(comments.c.status_at)
                    .limit(BATCH)
                )
            ).all()
        now = time.monotonic()
        still_pending = {(r.comment_id, r.revision) for r in rows}
        # Forget what got decided meanwhile, so the memory holds only what is still pending.
        self._last_sent = {k: t for k, t in self._last_sent.items() if k in still_pending}
        due = [
            r
            for r in rows
            if now - self._last_sent.get((r.comment_id, r.revision), -1e18)
            >= self.after.total_seconds()
        ]
        for row in due:
            self._last_sent[(row.comment_id, row.revision)] = now
            try:
                event = _submission(row)
            except ValidationError as exc:  # a row no event could carry: never retried
                log.error("cannot publish pending comment %s again: %s", row.comment_id, exc)
                continue
            await self.broker.publish(
                event.model_dump_json().encode(),
                COMMENTS_SUBMITTED.name,
                key=event.comment_id.encode(),
                headers={"content-type": "application/json"},
            )
        if due:
            log.warning(
                "published %d comments again that were still pending after %s",
                len(due),
                self.after,
            )
        self.republished += len(due)
        return len(due)

    async def run_forever(self) -> None:
        interval = min(self.after.total_seconds() / 2, 60.0)
        while True:
            await asyncio.sleep(interval)
            try:
                await self.run_once()
            except Exception as exc:  # the database or the broker is away: next pass
                log.warning("could not check for pending comments: %s", exc)
