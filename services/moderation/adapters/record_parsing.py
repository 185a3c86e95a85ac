"""How every consumer of ours reads records: the subscriber settings, the raw records of a
batch, and a batch parser that survives headers that are not UTF-8.

FastStream decodes every header value as UTF-8 before our handler runs; one bad header
would make the whole batch fail before we could dead-letter it. Header values that are not
UTF-8 are replaced (invalid bytes become U+FFFD) so the record reaches the handler, which
decides on its body; the body is never touched. A header without a value reaches the
handler with an empty one.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Awaitable, Callable
from typing import Any

log = logging.getLogger(__name__)


def _clean(headers: Any) -> tuple[list[tuple[str, bytes]], bool]:
    cleaned, changed = [], False
    for key, value in headers or ():
        if value is None:
            # A header without a value is legal Kafka; FastStream would call None.decode()
            # and the whole batch would be dropped without reaching the handler.
            cleaned.append((key, b""))
            changed = True
            continue
        try:
            value.decode("utf-8")
            cleaned.append((key, value))
        except UnicodeDecodeError:
            cleaned.append((key, value.decode("utf-8", "replace").encode("utf-8")))
            changed = True
    return cleaned, changed


def _safe(record: Any) -> Any:
    headers, changed = _clean(record.headers)
    return dataclasses.replace(record, headers=headers) if changed else record


def _headerless(record: Any) -> Any:
    return dataclasses.replace(record, headers=[])


async def tolerant_batch_parser(records: Any, original: Callable[[Any], Awaitable[Any]]) -> Any:
    batch = tuple(records) if isinstance(records, tuple | list) else (records,)
    try:
        return await original(tuple(_safe(r) for r in batch))
    except Exception:
        # A batch FastStream cannot parse is dropped unseen; our handlers only need the
        # bodies, so whatever else is wrong in the headers must not cost the records.
        log.exception("headers of a batch could not be parsed; delivering it without them")
        return await original(tuple(_headerless(r) for r in batch))


async def raw_bodies(message: Any) -> Any:
    # Handlers read the ConsumerRecords themselves (they need the original bytes for the
    # DLQ), so FastStream's JSON decoding would be wasted work.
    return message.body


def records_of(message: Any) -> tuple[Any, ...]:
    """The ConsumerRecords of a batch: a tuple from aiokafka, a list from TestKafkaBroker."""
    raw = message.raw_message
    return tuple(raw) if isinstance(raw, list | tuple) else (raw,)


def batch_subscriber(
    broker: Any,
    *topics: str,
    group_id: str,
    settings: Any,
    title: str,
    description: str | None = None,
) -> Any:
    """Every consumer of ours: batches, manual acknowledgement (offsets are committed only
    after the batch's effects are durable), earliest offset for a new group."""
    from faststream import AckPolicy

    return broker.subscriber(
        *topics,
        group_id=group_id,
        batch=True,
        max_records=settings.batch_max_records,
        fetch_max_wait_ms=settings.fetch_max_wait_ms,
        batch_timeout_ms=settings.batch_timeout_ms,
        auto_offset_reset="earliest",
        ack_policy=AckPolicy.MANUAL,
        decoder=raw_bodies,
        parser=tolerant_batch_parser,
        title=title,
        description=description,
    )
