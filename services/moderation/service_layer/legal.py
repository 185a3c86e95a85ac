"""The seam for legal-risk checks and term lists, and its fail-closed wrapper."""

from __future__ import annotations

import logging
from typing import Protocol

from moderation.domain.events import ArticleContext, CommentSubmitted, Reason
from moderation.domain.labels import ReasonCode

log = logging.getLogger(__name__)


class RiskChecker(Protocol):
    """Finds legal or term-list risks in a comment, with spans into the original body."""

    def check(self, comment: CommentSubmitted, article: ArticleContext | None) -> list[Reason]: ...


class NoRiskChecks:
    """Used where no legal rules or term lists are configured."""

    def check(self, comment: CommentSubmitted, article: ArticleContext | None) -> list[Reason]:
        return []


def check_failing_closed(
    checker: RiskChecker, comment: CommentSubmitted, article: ArticleContext | None
) -> list[Reason]:
    """A check that crashes holds the comment: nothing is approved because a check did not run."""
    try:
        return checker.check(comment, article)
    except Exception as exc:
        log.exception("legal-risk check failed for comment %s", comment.comment_id)
        return [
            Reason(code=ReasonCode.SCORER_ERROR, label=f"legal check failed: {type(exc).__name__}")
        ]
