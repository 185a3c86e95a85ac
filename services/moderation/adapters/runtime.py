"""What every role does around its consumers: connect in the background (so /health
answers and SIGTERM works while the broker or a group join is slow), keep the topics there,
report readiness, serve /health and /metrics, and stop in the right order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from aiokafka import TopicPartition
from fastapi import FastAPI, Response
from faststream.kafka import KafkaBroker

from moderation.adapters.batch_loop import loops_of
from moderation.adapters.kafka import ensure_topics, guard_topics, wait_for_broker
from moderation.adapters.lag import LagProbe
from moderation.adapters.undecodable import UndecodableBatches
from moderation.metrics import metrics_response
from moderation.settings import KafkaSettings, ModerationSettings

log = logging.getLogger(__name__)
Step = Callable[[], Awaitable[Any]]


class RoleRuntime:
    def __init__(
        self,
        role: str,
        kafka: KafkaSettings,
        settings: ModerationSettings,
        broker: KafkaBroker,
        group: str,
        topics: list[str],
    ) -> None:
        self.role = role
        self.kafka = kafka
        self.settings = settings
        self.broker = broker
        self.lag = LagProbe(kafka, group, topics)
        self.connecting: asyncio.Task[None] | None = None
        self._tasks: list[asyncio.Task[Any]] = []

    def lifespan(
        self,
        before_serving: tuple[Step, ...] = (),
        before_consuming: tuple[Step, ...] = (),
        after_consuming: tuple[Step, ...] = (),
        on_stop: tuple[Step, ...] = (),
    ) -> Callable[[FastAPI], Any]:
        """`before_serving` runs before the first request (a migration the pages need);
        `before_consuming` runs once the broker answers (readers);
        `after_consuming` steps run for ever in the background (an outbox publisher);
        `on_stop` runs after the consumers have stopped and committed."""

        async def connect() -> None:
            await wait_for_broker(self.kafka, timeout_s=None)
            if self.settings.create_topics:
                await ensure_topics(self.kafka)
                self._spawn(guard_topics(self.kafka), "guard-topics")
            for step in before_consuming:
                await step()
            self._guard_fetches()
            await self.broker.start()
            log.info("%s consuming from %s", self.role, self.kafka.bootstrap_servers)
            for step in after_consuming:
                self._spawn(step(), "background")

        @contextlib.asynccontextmanager
        async def lifespan(app: FastAPI) -> AsyncIterator[None]:
            for step in before_serving:
                await step()
            self.connecting = asyncio.create_task(connect(), name="connect-and-consume")
            try:
                yield
            finally:
                for task in [self.connecting, *self._tasks]:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                # The in-flight batch finishes and commits, then the group is left.
                await self.broker.stop()
                for step in on_stop:
                    await step()

        return lifespan

    def _guard_fetches(self) -> None:
        """Every batch subscriber fetches through the undecodable-batch guard (see
        adapters/undecodable.py), which dead-letters what the role's batch loops would."""
        loops = loops_of(self.broker)
        guard = UndecodableBatches(
            self.role,
            self.broker,
            lambda topic: not loops or any(loop.dead_letters_topic(topic) for loop in loops),
        )
        for subscriber in self.broker.subscribers:
            if hasattr(subscriber, "get_msg"):
                guard.install(subscriber)

    def owned_partitions(self) -> set[TopicPartition]:
        """The partitions the group has given to this member, over all its consumers."""
        owned: set[TopicPartition] = set()
        for subscriber in self.broker.subscribers:
            consumer = getattr(subscriber, "consumer", None)
            if consumer is not None:
                owned |= {TopicPartition(tp.topic, tp.partition) for tp in consumer.assignment()}
        return owned

    def _spawn(self, coroutine: Awaitable[Any], name: str) -> None:
        self._tasks.append(asyncio.ensure_future(coroutine))
        self._tasks[-1].set_name(name)

    @property
    def consuming(self) -> bool:
        task = self.connecting
        return bool(
            task
            and task.done()
            and not task.cancelled()
            and task.exception() is None
            and self.broker.running
        )

    async def _progressing(self) -> bool:
        loops = loops_of(self.broker)
        if not all(loop.progressing(None) for loop in loops):
            return False
        if self.consuming and any(loop.idle_too_long for loop in loops):
            # Idle for long: are records waiting all the same? (Measured at most every
            # few seconds, however often /ready is asked.) Only this member's partitions
            # count: another member's lag is that member's to report, and a member with
            # nothing assigned (more members than partitions) is ready by definition.
            owned = self.owned_partitions()
            if not owned:
                return True
            await self.lag.refresh()
            behind = self.lag.behind_on(owned)
            return all(loop.progressing(behind) for loop in loops)
        return True

    def add_operations_routes(
        self,
        app: FastAPI,
        extra_checks: Callable[[], dict[str, bool]] = dict,
        before_metrics: Step | None = None,
    ) -> None:
        @app.get("/health", tags=["operations"])
        async def health() -> dict[str, str]:
            return {"status": "ok"}

        @app.get("/ready", tags=["operations"])
        async def ready(response: Response) -> dict[str, object]:
            checks = {
                "consuming": self.consuming,
                "broker": await self.broker.ping(timeout=2.0),
                # False once a consumer has been unable to commit for longer than
                # MODERATION_STUCK_AFTER_S (see adapters/batch_loop.py).
                "progressing": await self._progressing(),
                **extra_checks(),
            }
            if not all(checks.values()):
                response.status_code = 503
            return {"ready": all(checks.values()), **checks}

        @app.get("/metrics", tags=["operations"])
        async def metrics() -> Response:
            if before_metrics is not None:
                await before_metrics()
            await self.lag.refresh()
            return metrics_response()
