"""Speed of the shipped news model against the TF-IDF baseline, in one process.

Comments are the benchmark corpus cut to news length (median about 400 characters). Rows:
the baseline; the news model as served (both views); the news model without the
de-obfuscated view (what the second view costs); and the news model at a few token
budgets per ONNX call. Each row is comments per second and its ratio to the baseline.
"""

from __future__ import annotations

import random
import time
from collections.abc import Sequence
from typing import Any

from moderation.benchmarks.corpus import comment_bodies
from moderation.benchmarks.scorer_speed import scorer_cps
from moderation.scoring.baseline import BaselineScorer
from moderation.scoring.news_model import NewsModelScorer

NEWS_MEDIAN_CHARS = 400


def news_length_bodies(count: int, seed: int = 17) -> list[str]:
    """Benchmark comments scaled so the median is about 400 characters."""
    rng = random.Random(seed)
    bodies = comment_bodies(count * 3, seed=seed)
    # comment_bodies has a 300-character median: join pairs of short ones, keep long ones.
    out: list[str] = []
    pool = iter(bodies)
    for body in pool:
        while len(body) < NEWS_MEDIAN_CHARS * rng.uniform(0.5, 1.6):
            body = f"{body} {next(pool, '')}".strip()
        out.append(body)
        if len(out) == count:
            break
    return out


def _median(values: Sequence[int]) -> float:
    ordered = sorted(values)
    return float(ordered[len(ordered) // 2])


def news_model_bench(sample: int = 600, budgets: Sequence[int] = (1024, 2048, 4096)) -> list[dict]:
    texts = news_length_bodies(sample)
    rows: list[dict[str, Any]] = []
    baseline = scorer_cps(BaselineScorer(), texts, batch=256)
    rows.append({"scorer": "baseline (TF-IDF)", "cps": round(baseline, 1), "ratio": 1.0})
    for budget in budgets:
        for views in (True, False):
            scorer = NewsModelScorer(max_tokens=budget, deobfuscate=views)
            started = time.perf_counter()
            cps = scorer_cps(scorer, texts, batch=256)
            rows.append(
                {
                    "scorer": "news-minilm int8" + ("" if views else " (raw view only)"),
                    "max_tokens": budget,
                    "cps": round(cps, 1),
                    "ratio": round(cps / baseline, 3),
                    "seconds": round(time.perf_counter() - started, 1),
                }
            )
    for row in rows:
        row["median_chars"] = _median([len(t) for t in texts])
        row["comments"] = len(texts)
    return rows
