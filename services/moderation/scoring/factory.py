"""Pick the toxicity scorer named by the settings."""

from __future__ import annotations

import logging

from moderation.scoring.base import ToxicityScorer
from moderation.settings import ModerationSettings, max_tokens_per_batch

log = logging.getLogger(__name__)


def load_scorer(settings: ModerationSettings) -> ToxicityScorer:
    if settings.scorer == "news":
        from moderation.scoring.news_model import DEFAULT_NEWS_MODEL, NewsModelScorer

        scorer = NewsModelScorer(
            settings.news_model or DEFAULT_NEWS_MODEL,
            settings.torch_threads,
            early_exit=settings.news_early_exit,
        )
        if scorer.early_exit:
            warn_of_low_thresholds(scorer.meta["early_exit"]["ceilings"], settings)
        return scorer
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


# The early exit was checked at the default thresholds; a threshold under this many times
# its exit ceiling (half the default, for the shipped model) sits where the exit's
# estimates stand in for the model's scores.
SAFE_MULTIPLE_OF_CEILING = 5.0


def warn_of_low_thresholds(ceilings: dict[str, float], settings: ModerationSettings) -> list[str]:
    """Say which thresholds of the policy in use (overrides included) the early exit may
    undercut, and return them."""
    from moderation.domain.policy import load_policy

    policy = load_policy(settings.policy_file)
    scopes = [("default", policy.thresholds)] + [
        (f"override {o.site_id or '*'}/{o.section or '*'}/{o.article_id or '*'}", o.thresholds)
        for o in policy.overrides
    ]
    low = [
        f"{where}: {label.value} {threshold}"
        for where, thresholds in scopes
        for label, threshold in thresholds.items()
        if threshold is not None
        and threshold < SAFE_MULTIPLE_OF_CEILING * ceilings.get(label.value, 0.0)
    ]
    if low:
        log.warning(
            "MODERATION_NEWS_EARLY_EXIT is on, but these thresholds are under %s times the "
            "exit's ceilings, so comments near them may be approved on the exit's estimates: "
            "%s. Turn the early exit off for this policy (docs/models.md).",
            SAFE_MULTIPLE_OF_CEILING,
            "; ".join(low),
        )
    return low
