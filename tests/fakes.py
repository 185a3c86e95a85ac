"""Hand-written fakes for unit and integration tests."""

from __future__ import annotations

from collections.abc import Sequence

from moderation.domain.events import ArticleContext, Author, CommentSubmitted, ModelRef


class KeywordScorer:
    """Scores 0.95 toxicity/insult when a body contains a keyword, else 0.01."""

    labels = ("toxicity", "insult", "identity_attack")

    def __init__(self, keyword: str = "idiot") -> None:
        self.keyword = keyword
        self.model = ModelRef(backend="fake", version="keyword-1")
        self.batches: list[int] = []

    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        self.batches.append(len(texts))
        return [
            {"toxicity": 0.95, "insult": 0.9, "identity_attack": 0.01}
            if self.keyword in t.lower()
            else {"toxicity": 0.01, "insult": 0.01, "identity_attack": 0.01}
            for t in texts
        ]

    def describe(self) -> str:
        return "fake keyword scorer"


class BrokenScorer(KeywordScorer):
    def score_batch(self, texts: Sequence[str]) -> list[dict[str, float]]:
        raise RuntimeError("model exploded")


def comment(
    body: str = "A fair point, well made.",
    comment_id: str = "c1",
    article_id: str = "a1",
    site_id: str = "site",
    section: str | None = None,
    **extra: object,
) -> CommentSubmitted:
    return CommentSubmitted(
        comment_id=comment_id,
        article_id=article_id,
        site_id=site_id,
        section=section,
        author=Author(id="reader-1"),
        body=body,
        **extra,  # type: ignore[arg-type]
    )


def article(article_id: str = "a1", **fields: object) -> ArticleContext:
    return ArticleContext(article_id=article_id, site_id="site", **fields)  # type: ignore[arg-type]
