"""A deterministic corpus of news-comment-like texts for benchmarks.

Lengths follow a log-normal distribution with a median of about 300 characters and a tail
to 5,000, as on news sites; a few percent of comments are abusive.
"""

from __future__ import annotations

import random
import uuid

from moderation.modeltools.sample_comments import ABUSIVE_SENTENCES, CLEAN_SENTENCES

ABUSIVE_SHARE = 0.04
MEDIAN_CHARS = 300
MAX_CHARS = 5000


def comment_bodies(count: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    bodies = []
    for _ in range(count):
        target = int(min(MAX_CHARS, max(20, rng.lognormvariate(0, 0.8) * MEDIAN_CHARS)))
        abusive = rng.random() < ABUSIVE_SHARE
        parts: list[str] = [rng.choice(ABUSIVE_SENTENCES)] if abusive else []
        while sum(len(p) + 1 for p in parts) < target:
            parts.append(rng.choice(CLEAN_SENTENCES))
        rng.shuffle(parts)
        bodies.append(" ".join(parts)[:target].rsplit(" ", 1)[0] or parts[0])
    return bodies


def comment_events(bodies: list[str], run_id: str | None = None) -> list[dict]:
    run = run_id or uuid.uuid4().hex[:8]
    return [
        {
            "event_id": f"{run}-e{i}",
            "comment_id": f"{run}-c{i}",
            "article_id": f"bench-article-{i % 50}",
            "site_id": "bench",
            "author": {"id": f"reader-{i % 997}"},
            "body": body,
        }
        for i, body in enumerate(bodies)
    ]
