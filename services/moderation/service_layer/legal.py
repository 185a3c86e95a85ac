"""The seam for legal-risk checks and term lists, and its fail-closed wrapper."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Protocol

from moderation.domain.events import ArticleContext, CommentSubmitted, Reason
from moderation.domain.labels import ReasonCode
from moderation.text.normalise import CanonicalBatch

log = logging.getLogger(__name__)

Item = tuple[CommentSubmitted, ArticleContext | None]


class RiskChecker(Protocol):
    """Finds legal or term-list risks in comments, with spans into the original bodies.

    `canonical`, where given, is `normalise_batch` of the items' bodies, made once by the
    classifier for all its checks; a checker without it normalises the bodies itself.
    """

    def check_batch(
        self, items: Sequence[Item], canonical: CanonicalBatch | None = None
    ) -> list[list[Reason]]: ...


class NoRiskChecks:
    """Used where no legal rules or term lists are configured."""

    def check_batch(
        self, items: Sequence[Item], canonical: CanonicalBatch | None = None
    ) -> list[list[Reason]]:
        return [[] for _ in items]


def check_failing_closed(
    checker: RiskChecker, items: Sequence[Item], canonical: CanonicalBatch | None = None
) -> list[list[Reason]]:
    """A check that crashes holds its comments: nothing is approved because a check did not
    run. The batch is retried one comment at a time so one bad comment holds only itself
    (each normalised on its own, as the checker would without `canonical`)."""
    try:
        return checker.check_batch(items, canonical)
    except Exception:
        log.exception("legal-risk check failed on a batch of %d; retrying one by one", len(items))
    results = []
    for item in items:
        try:
            results.extend(checker.check_batch([item]))
        except Exception as exc:
            log.exception("legal-risk check failed for comment %s", item[0].comment_id)
            results.append(
                [
                    Reason(
                        code=ReasonCode.SCORER_ERROR,
                        label=f"legal check failed: {type(exc).__name__}",
                    )
                ]
            )
    return results
