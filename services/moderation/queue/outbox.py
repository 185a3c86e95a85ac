"""Reviews committed with their queue action go to the broker from here, so a review is
never lost between the database and the broker."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from moderation import metrics
from moderation.queue import repository as repo
from moderation.queue.state import QueueState
from moderation.topics import MODERATION_REVIEWS

log = logging.getLogger(__name__)


async def publish_outbox(state: QueueState) -> None:
    """Runs for ever: wakes when a review is committed (or every second), publishes what
    is unsent, then marks it sent."""
    while True:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(state.outbox_wakeup.wait(), timeout=1.0)
        state.outbox_wakeup.clear()
        try:
            async with state.engine.begin() as conn:
                pending = await repo.unsent_reviews(conn)
            if not pending:
                continue
            for row in pending:
                await state.broker.publish(
                    row["payload"].encode(),
                    row["topic"],
                    key=row["key"].encode(),
                    headers={"content-type": "application/json"},
                )
            async with state.engine.begin() as conn:
                await repo.mark_sent(conn, [row["id"] for row in pending])
            for row in pending:
                if row["topic"] == MODERATION_REVIEWS.name:  # not reader actions
                    outcome = json.loads(row["payload"])["outcome"]
                    metrics.reviews_published.labels(outcome).inc()
        except Exception as exc:
            log.warning("reviews not published yet (%s); retrying", exc)
            await asyncio.sleep(1.0)
