"""Classify a batch of comments: score toxicity, check risks, apply the policy.

The bodies are normalised once (text/normalise.py) and the canonical batch handed to both
the legal checks and a scorer that reads it (`ScoresCanonicalText`, the baseline's lexicon).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from moderation.domain.events import (
    ArticleContext,
    CommentModerated,
    CommentSubmitted,
    Decision,
    ReaderStatus,
    Reason,
    Span,
)
from moderation.domain.labels import ReasonCode
from moderation.domain.policy import Policy
from moderation.scoring.base import ToxicityScorer
from moderation.service_layer.legal import NoRiskChecks, RiskChecker, check_failing_closed
from moderation.text.normalise import CanonicalBatch, normalise_batch

log = logging.getLogger(__name__)

ArticleLookup = Callable[[str], ArticleContext | None]
# (site_id, author_id) -> the status a moderator gave the reader (moderation.authors).
ReaderLookup = Callable[[str, str], ReaderStatus | None]
READER_REASONS = {
    ReaderStatus.PREMODERATED: ReasonCode.PREMODERATED_READER,
    ReaderStatus.BANNED: ReasonCode.BANNED_READER,
}


def no_reader_statuses(site_id: str, author_id: str) -> ReaderStatus | None:
    return None


TOXIC_SPAN_CATEGORY = "toxic"


def score_with_spans(
    scorer: ToxicityScorer, bodies: list[str], canonical: CanonicalBatch | None = None
) -> tuple[list[dict[str, float]], list[list[Span]]]:
    """Scores, and the toxic spans of each body where the scorer can point at them.
    `canonical` (the bodies normalised) goes to a scorer that reads it."""
    explain = getattr(scorer, "score_with_spans", None)
    if explain is None:
        reads_canonical = getattr(scorer, "score_canonical", None)
        if canonical is not None and reads_canonical is not None:
            return reads_canonical(bodies, canonical), [[] for _ in bodies]
        return scorer.score_batch(bodies), [[] for _ in bodies]
    scores, found = explain(bodies)
    spans = [
        [
            Span(
                start=s.start,
                end=s.end,
                text=body[s.start : s.end],
                term=body[s.start : s.end].lower(),
                category=TOXIC_SPAN_CATEGORY,
            )
            for s in body_spans
        ]
        for body, body_spans in zip(bodies, found, strict=True)
    ]
    return scores, spans


@dataclass
class Classifier:
    scorer: ToxicityScorer
    policy: Policy
    articles: ArticleLookup
    risks: RiskChecker = NoRiskChecks()  # noqa: RUF009 - stateless default
    readers: ReaderLookup = no_reader_statuses

    def classify(self, comments: Sequence[CommentSubmitted]) -> list[CommentModerated]:
        if not comments:
            return []
        all_spans: list[list[Span]] = [[] for _ in comments]
        bodies = [c.body for c in comments]
        canonical = self._normalise(bodies)
        try:
            all_scores, all_spans = score_with_spans(self.scorer, bodies, canonical)
            scorer_failure: Reason | None = None
        except Exception as exc:
            # Fail closed: hold the whole batch rather than approve unscored comments.
            log.exception("toxicity scorer failed on a batch of %d", len(comments))
            all_scores = [{} for _ in comments]
            scorer_failure = Reason(
                code=ReasonCode.SCORER_ERROR,
                label=f"toxicity scorer failed: {type(exc).__name__}",
            )
        items = [(comment, self.articles(comment.article_id)) for comment in comments]
        risks = check_failing_closed(self.risks, items, canonical)
        return [
            self._decide(comment, article, scores, spans, found, scorer_failure)
            for (comment, article), scores, spans, found in zip(
                items, all_scores, all_spans, risks, strict=True
            )
        ]

    def _normalise(self, bodies: list[str]) -> CanonicalBatch | None:
        """The bodies' canonical text, once for the scorer and the legal checks; None
        where neither reads it, or where normalising fails (each then normalises on its
        own and fails closed as it always has: the scorer for the batch, the legal checks
        one comment at a time)."""
        if isinstance(self.risks, NoRiskChecks) and not hasattr(self.scorer, "score_canonical"):
            return None
        try:
            return normalise_batch(bodies)
        except Exception:
            log.exception("normalising a batch of %d failed", len(bodies))
            return None

    def _decide(
        self,
        comment: CommentSubmitted,
        article: ArticleContext | None,
        scores: dict[str, float],
        toxic_spans: list[Span],
        risks: list[Reason],
        failure: Reason | None,
    ) -> CommentModerated:
        reasons: list[Reason] = []
        # A reader on premoderation or banned is held whatever they wrote.
        status = self.readers(comment.site_id, comment.author.id)
        if status is not None and status in READER_REASONS:
            reasons.append(Reason(code=READER_REASONS[status]))
        if article is not None and article.premoderate:
            reasons.append(Reason(code=ReasonCode.PREMODERATED_ARTICLE))
        reasons.extend(risks)
        if failure is not None:
            reasons.append(failure)
        section = comment.section or (article.section if article else None)
        thresholds = self.policy.thresholds_for(comment.site_id, section, comment.article_id)
        for reason in self.policy.toxicity_reasons(scores, thresholds):
            # The words that drove the score, so the queue highlights toxicity holds too.
            reasons.append(reason.model_copy(update={"spans": toxic_spans}))
        return CommentModerated(
            comment_id=comment.comment_id,
            article_id=comment.article_id,
            revision=comment.revision,
            decision=Decision.HOLD if reasons else Decision.APPROVE,
            reasons=reasons,
            scores={label: round(min(max(s, 0.0), 1.0), 4) for label, s in scores.items()},
            model=self.scorer.model,
            policy_version=self.policy.version,
            comment=comment,
        )
