"""Server-sent events: tell every open queue page about new and resolved items.

A stream belongs to a session: logging out closes it at once, and every HEARTBEAT_S it
checks that its session is still valid (ended elsewhere: password reset, account disabled,
expired), so nobody keeps watching the queue after losing access.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

HEARTBEAT_S = 15.0


class LiveUpdates:
    def __init__(self, heartbeat_s: float = HEARTBEAT_S) -> None:
        self.heartbeat_s = heartbeat_s
        # queue -> the session it streams to; None in a queue means "stop".
        self._listeners: dict[asyncio.Queue[str | None], str] = {}

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        message = f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        for queue in self._listeners:
            queue.put_nowait(message)

    def close(self, session: str) -> None:
        """End every stream of this session."""
        for queue, owner in list(self._listeners.items()):
            if owner == session:
                queue.put_nowait(None)

    async def stream(
        self, session: str, still_valid: Callable[[], Awaitable[bool]]
    ) -> AsyncIterator[str]:
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._listeners[queue] = session
        loop = asyncio.get_running_loop()
        checked_at = loop.time()
        try:
            yield ": connected\n\n"
            while True:
                try:
                    message = await asyncio.wait_for(queue.get(), timeout=self.heartbeat_s)
                except TimeoutError:
                    message = ": heartbeat\n\n"  # keeps proxies from closing an idle stream
                if message is None:
                    return
                if loop.time() - checked_at >= self.heartbeat_s:
                    if not await still_valid():
                        return
                    checked_at = loop.time()
                yield message
        finally:
            self._listeners.pop(queue, None)
