"""In-process scorer throughput (no broker)."""

from __future__ import annotations

import time
from collections.abc import Sequence

from moderation.scoring.base import ToxicityScorer


def scorer_cps(
    scorer: ToxicityScorer, texts: Sequence[str], batch: int = 256, warm_up: int | None = None
) -> float:
    # Warm-up (first batch by default): first-call costs are not throughput.
    scorer.score_batch(texts[: batch if warm_up is None else warm_up])
    started = time.perf_counter()
    for start in range(0, len(texts), batch):
        scorer.score_batch(texts[start : start + batch])
    return len(texts) / (time.perf_counter() - started)
