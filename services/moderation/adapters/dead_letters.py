"""Publish a record that can never succeed to `<topic>.dlq`, with its original bytes."""

from __future__ import annotations

import asyncio
from typing import Any

from faststream.kafka import KafkaBroker

from moderation.domain.dead_letters import Rejected
from moderation.topics import (
    DLQ_HEADER_ERROR,
    DLQ_HEADER_REASON,
    DLQ_HEADER_SOURCE_OFFSET,
    DLQ_HEADER_SOURCE_PARTITION,
    DLQ_HEADER_SOURCE_TOPIC,
    dlq_name,
)


def _text(value: bytes) -> str:
    return value.decode("utf-8", "replace")


async def publish_dead_letter(
    broker: KafkaBroker, record: Any, rejected: Rejected
) -> asyncio.Future[Any]:
    """Returns the broker's acknowledgement future; the caller awaits it before committing."""
    headers = {key: _text(value) for key, value in (record.headers or ())}
    headers.update(
        {
            DLQ_HEADER_REASON: rejected.reason.value,
            DLQ_HEADER_ERROR: rejected.error,
            DLQ_HEADER_SOURCE_TOPIC: record.topic,
            DLQ_HEADER_SOURCE_PARTITION: str(record.partition),
            DLQ_HEADER_SOURCE_OFFSET: str(record.offset),
        }
    )
    return await broker.publish(
        record.value or b"",
        dlq_name(record.topic),
        key=record.key,
        headers=headers,
        no_confirm=True,
    )
