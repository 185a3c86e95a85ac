"""Micro-batched decisions: requests that arrive within a few milliseconds of each other go to
one worker thread together, through the classifier's own `Classifier` (scorer, legal checks,
policy), so the event loop never waits on the model.

Inside a batch each comment is classified on its own, exactly as `Classifier.classify([c])`
does. Two measured reasons (news model, int8 ONNX, one thread, this 2-core machine):
- the int8 model's scores depend on the other comments of its forward pass (activations are
  quantised with one scale per batch: "You are a pathetic idiot." scores 0.9393 alone and
  0.9433 beside four others), and an API must give the same text the same score;
- twenty short comments took 34 ms one by one and 64 ms as one padded batch.
What the window saves is a thread hop, a wake-up and the model's lock per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any

from moderation import metrics
from moderation.domain.events import ArticleContext, CommentModerated, CommentSubmitted
from moderation.domain.labels import ReasonCode
from moderation.service_layer.classify import ArticleLookup, Classifier

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TokenSpan:
    """Characters of the body that drove the toxicity score, with the token head's score."""

    start: int
    end: int
    score: float


@dataclass(frozen=True)
class Scored:
    decision: CommentModerated
    spans: list[TokenSpan]
    article_known: bool

    @property
    def scorer_failed(self) -> bool:
        return not self.decision.scores and any(
            r.code == ReasonCode.SCORER_ERROR for r in self.decision.reasons
        )


class RecordingScorer:
    """The classifier's scorer, unchanged, keeping the scored spans of its last call (the
    classifier passes spans on only for held comments, and without their scores)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.last_spans: list[list[Any]] | None = None

    def __getattr__(self, name: str) -> Any:
        attribute = getattr(self.inner, name)  # AttributeError where the scorer has none
        if name != "score_with_spans":
            return attribute

        def recording(texts: Sequence[str]) -> Any:
            scores, spans = attribute(texts)
            self.last_spans = spans
            return scores, spans

        return recording


@dataclass
class _Pending:
    comment: CommentSubmitted
    article: ArticleContext | None
    future: asyncio.Future[Scored]
    queued_at: float = field(default_factory=time.perf_counter)


class ScoringEngine:
    def __init__(
        self,
        classifier: Classifier,
        articles: ArticleLookup | None = None,
        window_ms: float = 3.0,
        max_batch: int = 64,
    ) -> None:
        self._recorder = RecordingScorer(classifier.scorer)
        self._classifier = replace(classifier, scorer=self._recorder)
        self._articles = articles or classifier.articles
        self.window_s = window_ms / 1000
        self.max_batch = max_batch
        self.model = classifier.scorer.model
        self.policy_version = classifier.policy.version
        self._queue: asyncio.Queue[_Pending] | None = None
        self._task: asyncio.Task[None] | None = None
        self._executor: ThreadPoolExecutor | None = None
        self.batches = 0
        self.requests = 0

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    async def start(self) -> None:
        self._queue = asyncio.Queue()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="scoring")
        self._task = asyncio.create_task(self._run(), name="scoring-batches")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)

    async def score(
        self, comment: CommentSubmitted, article: ArticleContext | None = None
    ) -> Scored:
        """The decision for one comment; `article` (from the request) before the table's."""
        if self._queue is None:
            raise RuntimeError("the scoring engine has not been started")
        future: asyncio.Future[Scored] = asyncio.get_running_loop().create_future()
        await self._queue.put(_Pending(comment, article, future))
        return await future

    async def _run(self) -> None:
        assert self._queue is not None
        loop = asyncio.get_running_loop()
        while True:
            batch = [await self._queue.get()]
            closes = loop.time() + self.window_s
            while len(batch) < self.max_batch:
                left = closes - loop.time()
                if left <= 0:
                    break
                try:
                    batch.append(await asyncio.wait_for(self._queue.get(), left))
                except TimeoutError:
                    break
            while len(batch) < self.max_batch and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            live = [p for p in batch if not p.future.done()]  # a caller may have given up
            if not live:
                continue
            try:
                results = await loop.run_in_executor(self._executor, self._classify, live)
            except Exception as exc:  # never leave a caller waiting
                log.exception("a scoring batch of %d failed", len(live))
                results = [exc] * len(live)
            self.batches += 1
            self.requests += len(live)
            metrics.batch_size.labels("scoring-api").observe(len(live))
            for pending, result in zip(live, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    def _classify(self, batch: list[_Pending]) -> list[Scored | BaseException]:
        started = time.perf_counter()
        results: list[Scored | BaseException] = []
        for pending in batch:
            try:
                results.append(self._classify_one(pending.comment, pending.article))
            except Exception as exc:
                results.append(exc)
        metrics.scoring_seconds.observe(time.perf_counter() - started)
        return results

    def _classify_one(self, comment: CommentSubmitted, given: ArticleContext | None) -> Scored:
        article = given if given is not None else self._articles(comment.article_id)
        classifier = replace(self._classifier, articles=lambda _article_id: article)
        self._recorder.last_spans = None
        decision = classifier.classify([comment])[0]
        found: list[Any] = (self._recorder.last_spans or [[]])[0]
        # A scorer without a token head (the baseline) has spans without scores, or none.
        spans = [
            TokenSpan(int(s.start), int(s.end), float(getattr(s, "score", 1.0))) for s in found
        ]
        return Scored(decision, spans, article is not None)
