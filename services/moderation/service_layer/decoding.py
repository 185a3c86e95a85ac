"""Turn raw record bytes into events, or into a clear reason why not (never an exception)."""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ValidationError

from moderation.domain.dead_letters import DeadLetterReason, Rejected

# Far above any real comment event (bodies are capped at MAX_BODY_CHARS); parsing anything
# larger only costs memory and time before it is rejected anyway.
MAX_RECORD_BYTES = 256 * 1024
# Keep DLQ headers small even when pydantic's message is long.
MAX_ERROR_CHARS = 500

EventT = TypeVar("EventT", bound=BaseModel)


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
