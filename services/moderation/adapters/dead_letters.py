"""Publish a record that can never succeed to `<topic>.dlq`, with its original bytes.

A dead letter must always fit under the producer's request limit (1 MiB by default), or
the batch it belongs to could never be committed. Anything we could have accepted is kept
whole; a larger value is cut to a prefix and the headers say its size and SHA-256, and the
original headers and key are capped too.
"""

from __future__ import annotations

import asyncio
import hashlib
from typing import Any

from faststream.kafka import KafkaBroker

from moderation.adapters.decoding import MAX_RECORD_BYTES
from moderation.domain.dead_letters import Rejected
from moderation.topics import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_ORIGINAL_BYTES,
    DLQ_HEADER_ORIGINAL_SHA256,
    DLQ_HEADER_REASON,
    DLQ_HEADER_SOURCE_OFFSET,
    DLQ_HEADER_SOURCE_PARTITION,
    DLQ_HEADER_SOURCE_TOPIC,
    DLQ_HEADER_TRUNCATED,
    dlq_name,
)

# Every record we could have accepted fits whole.
MAX_DEAD_LETTER_VALUE_BYTES = MAX_RECORD_BYTES
# Original headers and key are kept for tracing, within these bounds; with the value this
# stays far below 1 MiB whatever arrived.
MAX_KEPT_HEADERS = 32
MAX_HEADER_VALUE_CHARS = 1024
MAX_KEY_BYTES = 1024


def _text(value: bytes | None) -> str:
    return (value or b"").decode("utf-8", "replace")[:MAX_HEADER_VALUE_CHARS]


def dead_letter_copy(record: Any, rejected: Rejected) -> tuple[bytes, bytes | None, dict[str, str]]:
    """The value, key and headers of the dead letter for `record`."""
    value = record.value or b""
    headers = {
        key[:MAX_HEADER_VALUE_CHARS]: _text(raw)
        for key, raw in list(record.headers or ())[:MAX_KEPT_HEADERS]
    }
    headers.update(
        {
            DLQ_HEADER_REASON: rejected.reason.value,
            DLQ_HEADER_ERROR: rejected.error[:MAX_HEADER_VALUE_CHARS],
            DLQ_HEADER_SOURCE_TOPIC: record.topic,
            DLQ_HEADER_SOURCE_PARTITION: str(record.partition),
            DLQ_HEADER_SOURCE_OFFSET: str(record.offset),
        }
    )
    if len(value) > MAX_DEAD_LETTER_VALUE_BYTES:
        headers.update(
            {
                DLQ_HEADER_TRUNCATED: "true",
                DLQ_HEADER_ORIGINAL_BYTES: str(len(value)),
                DLQ_HEADER_ORIGINAL_SHA256: hashlib.sha256(value).hexdigest(),
            }
        )
        value = value[:MAX_DEAD_LETTER_VALUE_BYTES]
    key = record.key[:MAX_KEY_BYTES] if record.key else record.key
    return value, key, headers


async def publish_dead_letter(
    broker: KafkaBroker, record: Any, rejected: Rejected
) -> asyncio.Future[Any]:
    """Returns the broker's acknowledgement future; the caller awaits it before committing."""
    value, key, headers = dead_letter_copy(record, rejected)
    return await broker.publish(
        value, dlq_name(record.topic), key=key, headers=headers, no_confirm=True
    )
