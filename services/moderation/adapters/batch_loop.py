"""The at-least-once batch loop of every consumer (classifier, comment store, moderator
queue): decode, apply, dead-letter, wait for the broker's acknowledgements, then commit.

Errors are sorted by what a retry would do. A transient one (connection lost, database
locked, broker unavailable) rewinds the batch and retries it with backoff. Any other error
would fail again on every retry, so the batch is applied again record by record and the
records that fail are dead-lettered with the reason, while the rest are applied: one bad
record never holds up the ones behind it. A consumer whose batch has failed for longer than
`stuck_after_s`, or that has committed nothing for that long while its group has records
waiting (a fetch that fails before any handler runs, say an unreadable compressed batch),
says so on /ready and in /metrics.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from aiokafka.errors import KafkaConnectionError, KafkaError, KafkaTimeoutError
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import BaseModel
from sqlalchemy import exc as db_errors

from moderation import metrics
from moderation.adapters.dead_letters import publish_dead_letter
from moderation.adapters.decoding import MAX_ERROR_CHARS, decode_records
from moderation.adapters.record_parsing import records_of
from moderation.domain.dead_letters import DeadLetterReason, EventRefused, Rejected

log = logging.getLogger(__name__)

EventT = TypeVar("EventT", bound=BaseModel)
# PostgreSQL error classes worth retrying: connection (08), transaction rollback such as a
# deadlock or serialisation failure (40), insufficient resources (53), operator
# intervention such as a shutdown (57), lock not available (55P03).
TRANSIENT_SQLSTATES = ("08", "40", "53", "57", "55P03")


def is_transient(error: BaseException) -> bool:
    """Whether the same batch could succeed if tried again later."""
    if isinstance(error, KafkaError):
        return error.retriable or isinstance(error, KafkaConnectionError | KafkaTimeoutError)
    if isinstance(error, db_errors.DBAPIError):
        if error.connection_invalidated or isinstance(error, db_errors.OperationalError):
            return True  # includes SQLite's "database is locked"
        sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        return bool(sqlstate) and str(sqlstate).startswith(TRANSIENT_SQLSTATES)
    if isinstance(error, db_errors.DisconnectionError):
        return True
    return isinstance(error, OSError | TimeoutError)


@dataclass
class Applied:
    """What applying events produced: one result per event, in order, and the broker
    acknowledgements to await before the batch may be committed."""

    results: list[Any]
    acks: Sequence[Awaitable[Any] | None] = ()


@dataclass
class BatchOutcome(Generic[EventT]):
    records: int
    events: list[EventT]
    results: list[Any]
    dead: list[tuple[Any, Rejected]]
    ignored: int  # undecodable records this loop leaves to another consumer


Apply = Callable[[list[EventT]], Awaitable[Applied]]

_loops: weakref.WeakKeyDictionary[KafkaBroker, list[BatchLoop[Any]]] = weakref.WeakKeyDictionary()


def loops_of(broker: KafkaBroker) -> list[BatchLoop[Any]]:
    """The batch loops registered on a broker (what /ready and /metrics watch)."""
    return _loops.get(broker, [])


class BatchLoop(Generic[EventT]):
    def __init__(
        self,
        role: str,
        broker: KafkaBroker,
        model: type[EventT] | Mapping[str, type[EventT]],
        apply: Apply[EventT],
        stuck_after_s: float,
        max_backoff_s: float = 5.0,
        dead_letters_topic: Callable[[str], bool] = lambda topic: True,
    ) -> None:
        """`dead_letters_topic(topic)`: whether this loop dead-letters the records of that
        topic it cannot decode (the store leaves comments.submitted to the classifier)."""
        self.role = role
        self.broker = broker
        self.model = model
        self.apply = apply
        self.stuck_after_s = stuck_after_s
        self.max_backoff_s = max_backoff_s
        self.dead_letters_topic = dead_letters_topic
        self.failures = 0
        self.failing_since: float | None = None
        self.last_commit = time.monotonic()
        _loops.setdefault(broker, []).append(self)
        metrics.consumer_stuck_seconds.labels(role).set_function(self.stuck_for)

    def stuck_for(self) -> float:
        """Seconds since the current batch first failed (0 while batches commit)."""
        return 0.0 if self.failing_since is None else time.monotonic() - self.failing_since

    def progressing(self, records_waiting: int | None) -> bool:
        """False once the current batch has failed for `stuck_after_s`, or nothing was
        committed for that long although records are waiting."""
        starved = bool(records_waiting) and self.idle_too_long
        return self.stuck_for() < self.stuck_after_s and not starved

    @property
    def idle_too_long(self) -> bool:
        return time.monotonic() - self.last_commit > self.stuck_after_s

    async def run(self, message: KafkaMessage) -> BatchOutcome[EventT] | None:
        """Process one consumed batch; None when it was rewound for a retry."""
        records = records_of(message)
        decoded, rejected = decode_records(records, self.model)
        dead = [(r, why) for r, why in rejected if self.dead_letters_topic(r.topic)]
        try:
            try:
                events = [event for _, event in decoded]
                results = await self._apply_and_confirm(events)
            except Exception as error:
                if is_transient(error):
                    raise
                log.warning(
                    "%s: a batch of %d failed (%s: %s); applying it record by record",
                    self.role,
                    len(records),
                    type(error).__name__,
                    error,
                )
                events, results, refused = await self._one_by_one(decoded)
                dead += refused
            await self._dead_letter(dead)
        except Exception as error:  # transient, or a fault of ours: retrying is all we can do
            await self._retry_later(message, len(records), error)
            return None
        await message.ack()
        self.failures, self.failing_since = 0, None
        self.last_commit = time.monotonic()
        metrics.batch_size.labels(self.role).observe(len(records))
        for record, why in dead:
            metrics.dead_letters.labels(record.topic, why.reason.value).inc()
        ignored = len(rejected) - sum(1 for r, _ in rejected if self.dead_letters_topic(r.topic))
        return BatchOutcome(len(records), events, results, dead, ignored)

    async def _apply_and_confirm(self, events: list[EventT]) -> list[Any]:
        if not events:
            return []
        applied = await self.apply(events)
        # TestKafkaBroker delivers synchronously and returns no future.
        await asyncio.gather(*(ack for ack in applied.acks if ack is not None))
        return applied.results

    async def _one_by_one(
        self, decoded: list[tuple[Any, EventT]]
    ) -> tuple[list[EventT], list[Any], list[tuple[Any, Rejected]]]:
        """Apply each record alone; a transient error still rewinds the whole batch (what
        was applied is applied again, idempotently)."""
        events: list[EventT] = []
        results: list[Any] = []
        refused: list[tuple[Any, Rejected]] = []
        for record, event in decoded:
            try:
                results += await self._apply_and_confirm([event])
                events.append(event)
            except Exception as error:
                if is_transient(error):
                    raise
                why = f"{type(error).__name__}: {error}"[:MAX_ERROR_CHARS]
                log.warning(
                    "%s: dead-lettering %s[%d]@%d: %s",
                    self.role,
                    record.topic,
                    record.partition,
                    record.offset,
                    why,
                )
                reason = (
                    error.reason
                    if isinstance(error, EventRefused)
                    else DeadLetterReason.UNPROCESSABLE
                )
                refused.append((record, Rejected(reason, why)))
        return events, results, refused

    async def _dead_letter(self, dead: list[tuple[Any, Rejected]]) -> None:
        for record, why in dead:
            log.warning(
                "%s: dead-lettering %s[%d]@%d: %s: %s",
                self.role,
                record.topic,
                record.partition,
                record.offset,
                why.reason,
                why.error,
            )
        try:
            acks = [await publish_dead_letter(self.broker, r, why) for r, why in dead]
            await asyncio.gather(*(ack for ack in acks if ack is not None))
        except Exception as error:
            if is_transient(error):
                raise
            # The copy is bounded to fit, so this should never happen; if it does, the
            # records are skipped loudly rather than stalling every record behind them.
            for record, _ in dead:
                metrics.records_skipped.labels(self.role, record.topic).inc()
            log.error(
                "%s: SKIPPED %d records that could not be dead-lettered (%s: %s)",
                self.role,
                len(dead),
                type(error).__name__,
                error,
            )

    async def _retry_later(self, message: KafkaMessage, records: int, error: Exception) -> None:
        self.failures += 1
        if self.failing_since is None:
            self.failing_since = time.monotonic()
        metrics.batch_failures.labels(self.role).inc()
        log.warning(
            "%s: a batch of %d could not be processed (%s: %s); retry %d",
            self.role,
            records,
            type(error).__name__,
            error,
            self.failures,
        )
        await message.nack()
        await asyncio.sleep(min(0.5 * 2 ** (self.failures - 1), self.max_backoff_s))
