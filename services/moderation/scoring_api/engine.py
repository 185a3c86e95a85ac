"""Micro-batched decisions: requests that arrive within a few milliseconds of each other go to
one worker thread together (one thread hop per batch), through the classifier's own
`Classifier` (scorer, legal checks, policy) in one call, so the event loop never waits on
the model and a comment gets what the classifier role would give it.

One call per batch gives each comment its own scores: the news model runs each model window
on its own (scoring/news_model.py), so a comment's scores do not depend on the rest of its
batch, and the API gives the same text the same score whoever else was in its window.
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
from moderation.roles import SCORING_API
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
            metrics.batch_size.labels(SCORING_API.name).observe(len(live))
            for pending, result in zip(live, results, strict=True):
                if pending.future.done():
                    continue
                if isinstance(result, BaseException):
                    pending.future.set_exception(result)
                else:
                    pending.future.set_result(result)

    def _classify(self, batch: list[_Pending]) -> list[Scored | BaseException]:
        started = time.perf_counter()
        resolved = [
            (
                p.comment,
                p.article if p.article is not None else self._articles(p.comment.article_id),
            )
            for p in batch
        ]
        results: list[Scored | BaseException] = [RuntimeError("not classified")] * len(batch)
        for group in _consistent_groups(resolved):
            try:
                scored = self._classify_together([resolved[i] for i in group])
            except Exception as exc:
                log.exception("a scoring batch of %d failed", len(group))
                scored = [exc] * len(group)
            for index, result in zip(group, scored, strict=True):
                results[index] = result
        metrics.scoring_seconds.observe(time.perf_counter() - started)
        return results

    def _classify_together(
        self, items: list[tuple[CommentSubmitted, ArticleContext | None]]
    ) -> list[Scored | BaseException]:
        """One `Classifier.classify` (one scorer call) for the comments; a batch whose scorer
        call failed is classified again one comment at a time, so one comment the model
        cannot read fails alone, not with every request that shared its window."""
        contexts = {comment.article_id: article for comment, article in items}
        classifier = replace(self._classifier, articles=contexts.get)
        self._recorder.last_spans = None
        decisions = classifier.classify([comment for comment, _ in items])
        found: list[list[Any]] = self._recorder.last_spans or [[] for _ in items]
        results: list[Scored | BaseException] = [
            Scored(decision, _token_spans(spans), article is not None)
            for decision, spans, (_, article) in zip(decisions, found, items, strict=True)
        ]
        if len(items) > 1 and all(isinstance(r, Scored) and r.scorer_failed for r in results):
            results = []
            for item in items:
                try:
                    results.extend(self._classify_together([item]))
                except Exception as exc:
                    results.append(exc)
        return results


def _token_spans(found: Sequence[Any]) -> list[TokenSpan]:
    # A scorer without a token head (the baseline) has spans without scores, or none.
    return [TokenSpan(int(s.start), int(s.end), float(getattr(s, "score", 1.0))) for s in found]


def _consistent_groups(
    items: list[tuple[CommentSubmitted, ArticleContext | None]],
) -> list[list[int]]:
    """Indexes of `items` in as few groups as keep one article context per article id in
    each group (the classifier looks a comment's context up by its article id): one group,
    unless two requests in one window sent different contexts for the same article."""
    groups: list[tuple[dict[str, ArticleContext | None], list[int]]] = []
    for index, (comment, article) in enumerate(items):
        for contexts, members in groups:
            if comment.article_id not in contexts or contexts[comment.article_id] == article:
                contexts[comment.article_id] = article
                members.append(index)
                break
        else:
            groups.append(({comment.article_id: article}, [index]))
    return [members for _, members in groups]
