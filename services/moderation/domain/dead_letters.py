"""Why a record was dead-lettered: a closed set, written into the DLQ record's headers."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class DeadLetterReason(StrEnum):
    INVALID_JSON = "INVALID_JSON"  # not JSON, not UTF-8, or nested too deeply
    SCHEMA_VIOLATION = "SCHEMA_VIOLATION"  # JSON, but not a valid event
    OVERSIZE = "OVERSIZE"  # record or body larger than we accept
    EMPTY = "EMPTY"  # no value at all (a tombstone on a non-compacted topic)
    # A valid event that a consumer cannot apply and never will (its database refuses it).
    UNPROCESSABLE = "UNPROCESSABLE"


@dataclass(frozen=True)
class Rejected:
    reason: DeadLetterReason
    error: str
