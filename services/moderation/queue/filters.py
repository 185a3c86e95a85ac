"""The queue's filters as query parameters: read once here for pages, fragments and the
JSON API, so a batch action selects exactly what the moderator sees."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, HTTPException, Query

from moderation.domain.events import MAX_ID_CHARS, MAX_SECTION_CHARS
from moderation.domain.labels import Label, ReasonCategory
from moderation.queue.repository import Filters, ScoreRange

ORDERS = ("newest", "oldest")


def query_filters(
    category: Annotated[str, Query(max_length=30)] = "",
    site: Annotated[str, Query(max_length=MAX_ID_CHARS)] = "",
    section: Annotated[str, Query(max_length=MAX_SECTION_CHARS)] = "",
    article: Annotated[str, Query(max_length=MAX_ID_CHARS)] = "",
    author: Annotated[str, Query(max_length=MAX_ID_CHARS)] = "",
    label: Annotated[str, Query(max_length=30)] = "",
    low: Annotated[float, Query(ge=0.0, le=1.0)] = 0.0,
    high: Annotated[float, Query(ge=0.0, le=1.0)] = 1.0,
    order: Annotated[str, Query(max_length=10)] = "newest",
    exclude: Annotated[str, Query(max_length=30)] = "",
) -> Filters:
    for name in (category, exclude):
        if name and name not in {c.value for c in ReasonCategory}:
            raise HTTPException(422, f"unknown category {name!r}")
    if label and label not in {lb.value for lb in Label}:
        raise HTTPException(422, f"unknown label {label!r}: one of {', '.join(Label)}")
    if low > high:
        raise HTTPException(422, "the score range is empty: low is above high")
    return Filters(
        category=category or None,
        site_id=site or None,
        section=section or None,
        article_id=article or None,
        author_id=author or None,
        score=ScoreRange(Label(label), low, high) if label else None,
        newest_first=order != "oldest",
        exclude_category=exclude or None,
    )


QueryFilters = Annotated[Filters, Depends(query_filters)]


def to_query(filters: Filters) -> str:
    """The query string that reads back as `filters` (links, live updates, next pages)."""
    params = {
        "category": filters.category,
        "site": filters.site_id,
        "section": filters.section,
        "article": filters.article_id,
        "author": filters.author_id,
        "order": None if filters.newest_first else "oldest",
        "exclude": filters.exclude_category,
    }
    if filters.score is not None:
        params.update(
            label=filters.score.label.value,
            low=str(filters.score.low),
            high=str(filters.score.high),
        )
    return urlencode({k: v for k, v in params.items() if v})
