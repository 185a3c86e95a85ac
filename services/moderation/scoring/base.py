"""The scorer interface every toxicity backend implements."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from moderation.domain.events import ModelRef


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
