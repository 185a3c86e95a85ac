from datetime import UTC, datetime, timedelta

from moderation.domain.events import (
    CommentModerated,
    CommentReviewed,
    Decision,
    ModelRef,
    Reason,
    ReviewOutcome,
)
from moderation.domain.labels import ReasonCode, ReviewReason
from moderation.store.status import Source, Status, next_state
from tests.fakes import comment

T0 = datetime(2026, 11, 1, 12, tzinfo=UTC)


def decision(kind=Decision.HOLD, at=T0, revision=1):
    return CommentModerated(
        comment_id="c1",
        article_id="a1",
        revision=revision,
        decision=kind,
        reasons=[Reason(code=ReasonCode.TOXICITY)] if kind == Decision.HOLD else [],
        model=ModelRef(backend="t", version="1"),
        policy_version="p",
        decided_at=at,
        comment=comment(comment_id="c1", revision=revision),
    )


def review(outcome=ReviewOutcome.APPROVED, at=T0, revision=1):
    return CommentReviewed(
        comment_id="c1",
        revision=revision,
        outcome=outcome,
        reason_code=ReviewReason.APPROVED,
        moderator_id="m1",
        reviewed_at=at,
    )


def run(*events):
    state = None
    for event in events:
        state = next_state(state, event) or state
    return state


def test_submission_then_decision():
    assert run(comment()).status == Status.PENDING
    assert run(comment(), decision(Decision.APPROVE)).status == Status.PUBLISHED
    held = run(comment(), decision(Decision.HOLD))
    assert held.status == Status.HELD and held.reason_codes == ("TOXICITY",)


def test_a_late_submission_does_not_reset_a_decided_status():
    assert run(decision(Decision.APPROVE), comment()).status == Status.PUBLISHED


def test_review_outranks_decision_whichever_arrives_first():
    rejected = review(ReviewOutcome.REJECTED, at=T0 - timedelta(minutes=5))
    assert run(comment(), decision(), rejected).status == Status.REJECTED
    after = run(comment(), rejected, decision(Decision.APPROVE, at=T0 + timedelta(hours=1)))
    assert after.status == Status.REJECTED and after.source == Source.MODERATOR


def test_the_later_review_wins_between_two_reviews():
    first = review(ReviewOutcome.REJECTED, at=T0)
    second = review(ReviewOutcome.APPROVED, at=T0 + timedelta(minutes=1))
    assert run(first, second).status == Status.PUBLISHED
    assert run(second, first).status == Status.PUBLISHED


def test_redelivered_decision_changes_nothing_after_review():
    state = run(comment(), decision(), review(ReviewOutcome.APPROVED))
    assert next_state(state, decision()) is None
