"""Speed of the shipped news model against the TF-IDF baseline, in one process.

Comments are the benchmark corpus (news length: mean about 400 characters). Rows:
the baseline; the news model as served by default (both views); the news model without the
de-obfuscated view (what the second view costs); the news model with its opt-in early exit
(and the share of windows that took it). Each row is comments per second and its ratio to
the baseline.
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
    variants = {
        "news-minilm int8": NewsModelScorer(),
        "news-minilm int8 (raw view only)": NewsModelScorer(deobfuscate=False),
        "news-minilm int8 (early exit on)": NewsModelScorer(early_exit=True),
    }
    for name, scorer in variants.items():
        started = time.perf_counter()
        cps = scorer_cps(scorer, texts, batch=256)
        row = {
            "scorer": name,
            "cps": round(cps, 1),
            "ratio": round(cps / baseline, 3),
            "seconds": round(time.perf_counter() - started, 1),
        }
        if scorer.early_exit:
            row["windows_exited"] = round(scorer.windows_exited / scorer.windows_scored, 3)
        rows.append(row)
    for row in rows:
        row["median_chars"] = statistics.median(len(t) for t in texts)
        row["mean_chars"] = round(sum(map(len, texts)) / len(texts), 1)
        row["comments"] = len(texts)
    return rows
