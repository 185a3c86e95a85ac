"""The scoring API's micro-batcher: a window's comments go through the classifier's
Classifier in one call (one scorer call, one thread hop); a comment the scorer cannot read
fails alone; requests that send different contexts for one article each get their own."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from moderation.domain.labels import ReasonCode
from moderation.domain.policy import load_policy
from moderation.scoring_api.engine import ScoringEngine
from moderation.service_layer.classify import Classifier
from tests.fakes import KeywordScorer, article, comment


class PoisonScorer(KeywordScorer):
    """Fails on any batch holding the word "poison"."""

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        if any("poison" in t for t in texts):
            self.batches.append(-len(texts))
            raise RuntimeError("unreadable")
        return super().score_batch(texts)


def engine_for(scorer: KeywordScorer, window_ms: float = 50.0) -> ScoringEngine:
    classifier = Classifier(scorer=scorer, policy=load_policy(None), articles=lambda _a: None)
    return ScoringEngine(classifier, window_ms=window_ms)


async def test_a_window_is_one_scorer_call() -> None:
    scorer = KeywordScorer()
    engine = engine_for(scorer)
    await engine.start()
    try:
        bodies = [f"comment {i}" + (" idiot" if i % 3 == 0 else "") for i in range(12)]
        scored = await asyncio.gather(
            *(engine.score(comment(b, comment_id=f"c{i}")) for i, b in enumerate(bodies))
        )
    finally:
        await engine.stop()
    assert scorer.batches == [12]  # one call for the whole window
    assert engine.batches == 1 and engine.requests == 12
    assert [s.decision.comment_id for s in scored] == [f"c{i}" for i in range(12)]
    assert [s.decision.scores["toxicity"] for s in scored] == [
        0.95 if i % 3 == 0 else 0.01 for i in range(12)
    ]


async def test_a_comment_the_scorer_cannot_read_fails_alone() -> None:
    scorer = PoisonScorer()
    engine = engine_for(scorer)
    await engine.start()
    try:
        bodies = ["fine", "poison pill", "you idiot", "also fine"]
        scored = await asyncio.gather(*(engine.score(comment(b)) for b in bodies))
    finally:
        await engine.stop()
    assert scorer.batches == [-4, 1, -1, 1, 1]  # the batch, then each alone
    assert [s.scorer_failed for s in scored] == [False, True, False, False]
    assert any(r.code == ReasonCode.SCORER_ERROR for r in scored[1].decision.reasons)
    assert scored[2].decision.scores["toxicity"] == 0.95


async def test_different_contexts_for_one_article_are_not_mixed() -> None:
    scorer = KeywordScorer()
    engine = engine_for(scorer)
    await engine.start()
    try:
        premoderated = article("a1", premoderate=True)
        scored = await asyncio.gather(
            engine.score(comment("one", comment_id="c1"), premoderated),
            engine.score(comment("two", comment_id="c2"), None),
            engine.score(comment("three", comment_id="c3", article_id="a2"), None),
            engine.score(comment("four", comment_id="c4"), premoderated),
        )
    finally:
        await engine.stop()
    assert sorted(scorer.batches) == [1, 3]  # c2 alone: a1 has no context for it
    codes = [[r.code for r in s.decision.reasons] for s in scored]
    assert codes == [[ReasonCode.PREMODERATED_ARTICLE], [], [], [ReasonCode.PREMODERATED_ARTICLE]]
    assert [s.article_known for s in scored] == [True, False, False, True]
