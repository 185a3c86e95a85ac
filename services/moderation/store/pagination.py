"""Opaque cursors over an ordered list of threads."""

from __future__ import annotations

import base64
import json

from moderation.store.views import Thread


def _key(thread: Thread) -> list[str]:
    return [thread.submitted_at.isoformat() if thread.submitted_at else "", thread.comment_id]


def encode_cursor(thread: Thread) -> str:
    key = _key(thread)
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def _decode(cursor: str) -> list[str]:
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        key = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, TypeError):
        key = None
    # Anything but two strings (a tampered cursor) could not be compared with the keys.
    if not (isinstance(key, list) and len(key) == 2 and all(isinstance(k, str) for k in key)):
        raise ValueError("cursor is not valid: pass back the next_cursor of a previous page")
    return key


def paginate(
    threads: list[Thread], cursor: str | None, limit: int
) -> tuple[list[Thread], str | None]:
    start = 0
    if cursor:
        after = _decode(cursor)
        keys = [_key(t) for t in threads]
        start = next((i for i, k in enumerate(keys) if k > after), len(threads))
    page = threads[start : start + limit]
    more = start + limit < len(threads)
    return page, encode_cursor(page[-1]) if more and page else None
