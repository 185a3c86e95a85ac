"""Make FastStream's batch parser survive records whose headers are not UTF-8.

FastStream decodes every header value as UTF-8 before our handler runs; one bad header
would make the whole batch fail before we could dead-letter it. Header values that are not
UTF-8 are replaced (invalid bytes become U+FFFD) so the record reaches the handler, which
decides on its body; the body is never touched.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Awaitable, Callable
from typing import Any


def _clean(headers: Any) -> tuple[list[tuple[str, bytes]], bool]:
    cleaned, changed = [], False
    for key, value in headers or ():
        try:
            (value or b"").decode("utf-8")
            cleaned.append((key, value))
        except UnicodeDecodeError:
            cleaned.append((key, value.decode("utf-8", "replace").encode("utf-8")))
            changed = True
    return cleaned, changed


def _safe(record: Any) -> Any:
    headers, changed = _clean(record.headers)
    return dataclasses.replace(record, headers=headers) if changed else record


async def tolerant_batch_parser(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    if isinstance(records, tuple | list):
        return await original(tuple(_safe(r) for r in records))
    return await original(_safe(records))
