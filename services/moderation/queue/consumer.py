"""Decisions from moderation.decisions into the queue: held ones become items (announced to
open pages; a banned reader's rejected at once), and every one feeds the reader panel."""

from __future__ import annotations

import time
from datetime import UTC, datetime

from faststream.kafka import KafkaMessage
from sqlalchemy.ext.asyncio import AsyncConnection

from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.record_parsing import batch_subscriber
from moderation.domain.events import CommentModerated
from moderation.queue import reader_history, readers
from moderation.queue import repository as repo
from moderation.queue.state import QueueState
from moderation.roles import MODERATOR_QUEUE
from moderation.topics import MODERATION_DECISIONS

# Old recent comments are pruned at most this often, inside a batch's transaction: one
# indexed range delete, so the history stays bounded without a task of its own.
PRUNE_EVERY_S = 600.0
# What a decision did to the queue: nothing (approved, or seen before), a new open item, or
# an item rejected on arrival.
IGNORED, QUEUED, AUTO_REJECTED = "ignored", "queued", "auto_rejected"


def register_queue_consumer(state: QueueState) -> BatchLoop:
    """Subscribe the queue to decisions on `state.broker`; returns the batch loop."""
    pruned_at = float("-inf")

    async def apply(decision: CommentModerated, conn: AsyncConnection) -> str:
        if not await repo.add_held(conn, decision, state.articles.get(decision.article_id)):
            return IGNORED
        if await readers.reject_if_banned(conn, decision):
            return AUTO_REJECTED
        return QUEUED

    async def add_held(decisions: list[CommentModerated]) -> Applied:
        nonlocal pruned_at
        async with state.engine.begin() as conn:
            done = [await apply(d, conn) for d in decisions]
            if time.monotonic() - pruned_at >= PRUNE_EVERY_S:
                await reader_history.prune_history(
                    conn, datetime.now(UTC), state.settings.reader_history_days
                )
                pruned_at = time.monotonic()
        return Applied(done)

    held_loop = BatchLoop(
        MODERATOR_QUEUE.name,
        state.broker,
        CommentModerated,
        add_held,
        stuck_after_s=state.settings.stuck_after_s,
    )

    @batch_subscriber(
        state.broker,
        MODERATION_DECISIONS.name,
        group_id=MODERATOR_QUEUE.group,
        settings=state.settings,
        title=MODERATOR_QUEUE.name,
    )
    async def queue_held(body: list[bytes], message: KafkaMessage) -> None:
        outcome = await held_loop.run(message)
        if outcome is None:
            return
        for decision, done in zip(outcome.events, outcome.results, strict=True):
            if done == QUEUED:
                state.live.publish(
                    "held", {"comment_id": decision.comment_id, "revision": decision.revision}
                )
            elif done == AUTO_REJECTED:
                state.outbox_wakeup.set()

    return held_loop
