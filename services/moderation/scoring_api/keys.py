"""Site API keys (the comment store's, `moderation api-keys create`) and a per-key rate limit.

A key is looked up in the store's database and remembered for `key_cache_s` by its SHA-256,
never by the key itself, so a revoked key stops working within that time.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

SiteLookup = Callable[[str], Awaitable[str | None]]


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class KeyRegistry:
    def __init__(self, lookup: SiteLookup, cache_s: float = 30.0, max_entries: int = 10_000):
        self._lookup = lookup
        self.cache_s = cache_s
        self.max_entries = max_entries
        self._cache: dict[str, tuple[float, str | None]] = {}

    async def site_of(self, key: str) -> str | None:
        """The site of a live key; None for an unknown or revoked one."""
        now = time.monotonic()
        hashed = digest(key)
        cached = self._cache.get(hashed)
        if cached is not None and now - cached[0] < self.cache_s:
            return cached[1]
        site = await self._lookup(key)
        if len(self._cache) >= self.max_entries:  # guessed keys must not grow it for ever
            self._cache.clear()
        self._cache[hashed] = (now, site)
        return site


def store_lookup(
    dsn: str, busy_timeout_s: float
) -> tuple[SiteLookup, Callable[[], Awaitable[None]]]:
    """A lookup in the comment store's database, and how to close it."""
    from moderation.db import make_engine
    from moderation.store.api_keys import site_of

    engine = make_engine(dsn, busy_timeout_s)

    async def lookup(key: str) -> str | None:
        async with engine.connect() as conn:
            return await site_of(conn, key)

    return lookup, engine.dispose


@dataclass
class _Bucket:
    tokens: float
    at: float


class RateLimiter:
    """A token bucket per key: `per_minute` requests a minute, bursts of up to a second's
    worth (at least one). Returns None when a request may go, else seconds to wait."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = max(self.rate, 1.0)
        self._buckets: dict[str, _Bucket] = {}

    def acquire(self, key: str, now: float | None = None) -> float | None:
        if self.per_minute <= 0:
            return None
        now = time.monotonic() if now is None else now
        hashed = digest(key)
        bucket = self._buckets.get(hashed)
        if bucket is None:
            if len(self._buckets) >= 10_000:
                self._buckets.clear()
            bucket = self._buckets[hashed] = _Bucket(self.capacity, now)
        bucket.tokens = min(self.capacity, bucket.tokens + (now - bucket.at) * self.rate)
        bucket.at = now
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return None
        return (1.0 - bucket.tokens) / self.rate
