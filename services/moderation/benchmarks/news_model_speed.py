"""Speed of the shipped news model against the TF-IDF baseline, in one process.

Comments are the benchmark corpus (news length: mean about 400 characters). Rows:
the baseline; the news model as served (both views); the news model without the
de-obfuscated view (what the second view costs). Each row is comments per second and its
ratio to the baseline.
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from moderation.benchmarks.corpus import comment_bodies
from moderation.benchmarks.scorer_speed import scorer_cps
from moderation.scoring.baseline import BaselineScorer
from moderation.scoring.news_model import NewsModelScorer


def news_length_bodies(count: int, seed: int = 17) -> list[str]:
    """The benchmark corpus: a median of about 300 characters and a mean of about 400,
    with a tail to 5,000 (long comments are cut into several windows)."""
    return comment_bodies(count, seed=seed)


def news_model_bench(sample: int = 1000) -> list[dict]:
    texts = news_length_bodies(sample)
    rows: list[dict[str, Any]] = []
    baseline = scorer_cps(BaselineScorer(), texts, batch=256)
    rows.append({"scorer": "baseline (TF-IDF)", "cps": round(baseline, 1), "ratio": 1.0})
    for views in (True, False):
        scorer = NewsModelScorer(deobfuscate=views)
        started = time.perf_counter()
        cps = scorer_cps(scorer, texts, batch=256)
        rows.append(
            {
                "scorer": "news-minilm int8" + ("" if views else " (raw view only)"),
                "cps": round(cps, 1),
                "ratio": round(cps / baseline, 3),
                "seconds": round(time.perf_counter() - started, 1),
            }
        )
    for row in rows:
        row["median_chars"] = statistics.median(len(t) for t in texts)
        row["mean_chars"] = round(sum(map(len, texts)) / len(texts), 1)
        row["comments"] = len(texts)
    return rows
