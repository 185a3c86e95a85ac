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
    # A comment id already owned by another site: an event claiming site B for a comment
    # of site A (the same rule as `POST /comments`'s 403).
    SITE_MISMATCH = "SITE_MISMATCH"
    # A whole record batch no codec could decode (compression library missing, corrupt
    # compressed data, bad CRC): the dead letter holds the batch as it was on the wire.
    UNDECODABLE_BATCH = "UNDECODABLE_BATCH"


@dataclass(frozen=True)
class Rejected:
    reason: DeadLetterReason
    error: str


class EventRefused(Exception):
    """Raised by a consumer's apply step for an event it refuses for good: the batch loop
    dead-letters it with `reason` instead of the generic UNPROCESSABLE."""

    def __init__(self, reason: DeadLetterReason, error: str) -> None:
        super().__init__(error)
        self.reason = reason
