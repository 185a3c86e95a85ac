"""Pick the toxicity scorer named by the settings."""

from __future__ import annotations

from moderation.scoring.base import ToxicityScorer
from moderation.settings import ModerationSettings


def load_scorer(settings: ModerationSettings) -> ToxicityScorer:
    if settings.scorer == "baseline":
        from moderation.scoring.baseline import DEFAULT_BASELINE, BaselineScorer

        return BaselineScorer(settings.baseline_model or DEFAULT_BASELINE)
    raise ValueError(f"unknown scorer {settings.scorer!r}")
