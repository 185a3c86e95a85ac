"""Pick the toxicity scorer named by the settings."""

from __future__ import annotations

import logging

from moderation.scoring.base import ToxicityScorer
from moderation.settings import ModerationSettings, max_tokens_per_batch

log = logging.getLogger(__name__)


def load_scorer(settings: ModerationSettings) -> ToxicityScorer:
    if settings.scorer == "news":
        from moderation.scoring.news_model import DEFAULT_NEWS_MODEL, NewsModelScorer

        return NewsModelScorer(
            settings.news_model or DEFAULT_NEWS_MODEL,
            settings.torch_threads,
            early_exit=settings.news_early_exit,
        )
    if settings.scorer == "baseline":
        from moderation.scoring.baseline import DEFAULT_BASELINE, BaselineScorer
        from moderation.scoring.model_store import installed

        if installed(settings.model_dir):
            log.warning(
                "Detoxify weights are present in %s but MODERATION_SCORER=baseline",
                settings.model_dir,
            )
        return BaselineScorer(settings.baseline_model or DEFAULT_BASELINE)
    from moderation.scoring.transformer import DetoxifyScorer, OnnxScorer

    if settings.scorer == "detoxify":
        return DetoxifyScorer(
            settings.model_dir,
            settings.model_variant,
            settings.device,
            settings.dtype,
            settings.torch_threads,
            max_tokens_per_batch(settings),
        )
    return OnnxScorer(
        settings.model_dir,
        settings.model_variant,
        quantized=settings.scorer == "onnx-int8",
        threads=settings.torch_threads,
        max_tokens=max_tokens_per_batch(settings),
    )
