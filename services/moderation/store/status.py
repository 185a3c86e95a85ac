"""Which event may change a comment revision's status: pure rules, tested without a database.

- A submission only creates a revision (`pending`); it never moves an existing status.
- An automatic decision sets `published` (approve) or `held` (hold) unless a moderator has
  reviewed that revision: a review outranks any decision, whichever arrives first.
- A review sets `published` or `rejected`; between two reviews the later `reviewed_at` wins.
Each revision is its own state, so an event for an old revision never touches a newer one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from moderation.domain.events import (
    CommentModerated,
    CommentReviewed,
    CommentSubmitted,
    Decision,
    ReviewOutcome,
)


class Status(StrEnum):
    PENDING = "pending"
    PUBLISHED = "published"
    HELD = "held"
    REJECTED = "rejected"


class Source(StrEnum):
    SUBMISSION = "submission"
    SYSTEM = "system"
    MODERATOR = "moderator"


@dataclass(frozen=True)
class StatusState:
    status: Status
    source: Source
    at: datetime
    actor: str
    reason_codes: tuple[str, ...] = ()


Event = CommentSubmitted | CommentModerated | CommentReviewed


def proposed_state(event: Event) -> StatusState:
    if isinstance(event, CommentSubmitted):
        return StatusState(Status.PENDING, Source.SUBMISSION, event.submitted_at, "reader")
    if isinstance(event, CommentModerated):
        status = Status.PUBLISHED if event.decision == Decision.APPROVE else Status.HELD
        return StatusState(
            status,
            Source.SYSTEM,
            event.decided_at,
            "system",
            tuple(r.code.value for r in event.reasons),
        )
    status = Status.PUBLISHED if event.outcome == ReviewOutcome.APPROVED else Status.REJECTED
    return StatusState(
        status, Source.MODERATOR, event.reviewed_at, event.moderator_id, (event.reason_code.value,)
    )


def next_state(current: StatusState | None, event: Event) -> StatusState | None:
    """The new state of a revision after `event`, or None when the event changes nothing."""
    proposed = proposed_state(event)
    if current is None:
        return proposed
    if proposed.source == Source.SUBMISSION:
        return None
    outranked = proposed.source != Source.MODERATOR or proposed.at < current.at
    if current.source == Source.MODERATOR and outranked:
        return None
    return proposed
