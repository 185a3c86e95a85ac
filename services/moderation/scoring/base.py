"""The scorer interface every toxicity backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.domain.events import ModelRef
from moderation.text.normalise import CanonicalBatch


class ToxicityScorer(Protocol):
    """Scores a batch of comment bodies; one {label: probability} dict per body.

    Labels are Detoxify's (see `moderation.domain.labels.Label`); a model reports only the
    labels it was trained for.
    """

    model: ModelRef
    labels: tuple[str, ...]

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]: ...

    def describe(self) -> str:
        """One line for start-up logs: which model is in use and what to know about it."""
        ...


class ScoresCanonicalText(Protocol):
    """What a scorer that reads the canonical text (text/normalise.py) may add: scores
    from the batch the classifier has normalised once for all its checks, so the scorer
    need not normalise the same bodies again. Same scores as `score_batch(texts)`.

    Optional: the classifier looks for `score_canonical` and calls `score_batch` where a
    scorer has none (the transformer and news models read the bodies, not canonical text).
    """

    def score_canonical(
        self, texts: Sequence[str], batch: CanonicalBatch
    ) -> list[dict[str, float]]: ...
