"""Turn raw record bytes into events, or into a clear reason why not (never an exception)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol, TypeVar

from pydantic import BaseModel, ValidationError

from moderation.domain.dead_letters import DeadLetterReason, Rejected

# Far above any real comment event (bodies are capped at MAX_BODY_CHARS); parsing anything
# larger only costs memory and time before it is rejected anyway.
MAX_RECORD_BYTES = 256 * 1024
# Keep DLQ headers small even when pydantic's message is long.
MAX_ERROR_CHARS = 500

EventT = TypeVar("EventT", bound=BaseModel)


class RawRecord(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def value(self) -> bytes | None: ...


RecordT = TypeVar("RecordT", bound=RawRecord)


def decode_event(value: bytes | None, model: type[EventT]) -> EventT | Rejected:
    if not value:
        return Rejected(DeadLetterReason.EMPTY, "record has no value")
    if len(value) > MAX_RECORD_BYTES:
        return Rejected(
            DeadLetterReason.OVERSIZE,
            f"record is {len(value)} bytes; the limit is {MAX_RECORD_BYTES}",
        )
    try:
        return model.model_validate_json(value)
    except ValidationError as exc:
        return Rejected(_reason_for(exc), _summarise(exc))
    except (ValueError, RecursionError) as exc:  # defensive: pydantic wraps most of these
        return Rejected(DeadLetterReason.INVALID_JSON, str(exc)[:MAX_ERROR_CHARS])


def decode_records(
    records: Iterable[RecordT], model: type[EventT] | Mapping[str, type[EventT]]
) -> tuple[list[tuple[RecordT, EventT]], list[tuple[RecordT, Rejected]]]:
    """Split a consumed batch into its events (in order, each with its record) and the
    records to dead-letter, each with the reason. `model` is the event type, or the event
    type of each topic."""
    events: list[tuple[RecordT, EventT]] = []
    rejected: list[tuple[RecordT, Rejected]] = []
    for record in records:
        target = model[record.topic] if isinstance(model, Mapping) else model
        decoded = decode_event(record.value, target)
        if isinstance(decoded, Rejected):
            rejected.append((record, decoded))
        else:
            events.append((record, decoded))
    return events, rejected


def _reason_for(exc: ValidationError) -> DeadLetterReason:
    types = {error["type"] for error in exc.errors()}
    if types & {"json_invalid", "json_type", "recursion_loop"}:
        return DeadLetterReason.INVALID_JSON
    if any(e["type"] == "string_too_long" and e["loc"][:1] == ("body",) for e in exc.errors()):
        return DeadLetterReason.OVERSIZE
    return DeadLetterReason.SCHEMA_VIOLATION


def _summarise(exc: ValidationError) -> str:
    parts = [
        f"{'.'.join(str(p) for p in e['loc']) or '<root>'}: {e['msg']}" for e in exc.errors()[:5]
    ]
    return "; ".join(parts)[:MAX_ERROR_CHARS]
