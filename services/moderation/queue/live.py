"""Server-sent events: tell every open queue page about new and resolved items."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

HEARTBEAT_S = 15.0


class LiveUpdates:
    def __init__(self) -> None:
        self._listeners: set[asyncio.Queue[str]] = set()

    def publish(self, kind: str, data: dict[str, Any]) -> None:
        message = f"event: {kind}\ndata: {json.dumps(data)}\n\n"
        for queue in self._listeners:
            queue.put_nowait(message)

    async def stream(self) -> AsyncIterator[str]:
        queue: asyncio.Queue[str] = asyncio.Queue()
        self._listeners.add(queue)
        try:
            yield ": connected\n\n"
            while True:
                try:
                    yield await asyncio.wait_for(queue.get(), timeout=HEARTBEAT_S)
                except TimeoutError:
                    yield ": heartbeat\n\n"  # keeps proxies from closing an idle stream
        finally:
            self._listeners.discard(queue)
