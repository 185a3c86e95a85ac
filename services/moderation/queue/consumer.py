"""Held decisions from moderation.decisions into the queue, announced to open pages."""

from __future__ import annotations

from faststream.kafka import KafkaMessage

from moderation.adapters.batch_loop import Applied, BatchLoop
from moderation.adapters.record_parsing import batch_subscriber
from moderation.domain.events import CommentModerated
from moderation.queue import repository as repo
from moderation.queue.state import QueueState
from moderation.roles import MODERATOR_QUEUE
from moderation.topics import MODERATION_DECISIONS


def register_queue_consumer(state: QueueState) -> BatchLoop:
    """Subscribe the queue to held decisions on `state.broker`; returns the batch loop."""

    async def add_held(decisions: list[CommentModerated]) -> Applied:
        async with state.engine.begin() as conn:
            return Applied(
                [await repo.add_held(conn, d, state.articles.get(d.article_id)) for d in decisions]
            )

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
        for decision, added in zip(outcome.events, outcome.results, strict=True):
            if added:
                state.live.publish(
                    "held", {"comment_id": decision.comment_id, "revision": decision.revision}
                )

    return held_loop
