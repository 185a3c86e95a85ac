"""What the queue's routes, consumer and outbox share: one object on `app.state.queue`."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

from fastapi import Request
from fastapi.templating import Jinja2Templates
from faststream.kafka import KafkaBroker
from sqlalchemy.ext.asyncio import AsyncEngine

from moderation.adapters.article_table import ArticleTable
from moderation.domain.labels import ReviewReason
from moderation.queue.auth import LoginRateLimiter
from moderation.queue.live import LiveUpdates
from moderation.queue.wording import REVIEW_REASON_WORDS
from moderation.settings import ModerationSettings

HERE = Path(__file__).resolve().parent


@dataclass
class QueueState:
    settings: ModerationSettings
    engine: AsyncEngine
    broker: KafkaBroker
    articles: ArticleTable = field(default_factory=ArticleTable)
    live: LiveUpdates = field(default_factory=LiveUpdates)
    login_limiter: LoginRateLimiter = field(default_factory=LoginRateLimiter)
    # Set when a review is committed to the outbox, so it is published at once.
    outbox_wakeup: asyncio.Event = field(default_factory=asyncio.Event)
    # autoescape is on for .html
    templates: Jinja2Templates = field(default_factory=lambda: _templates())

    def title(self, article_id: str) -> str | None:
        """The article's title from the context table, if it has been seen."""
        context = self.articles.get(article_id)
        return context.title if context else None


def _templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(HERE / "templates"))
    # Codes stay in the data; pages show words (wording.py).
    templates.env.filters["review_words"] = lambda code: (
        REVIEW_REASON_WORDS.get(ReviewReason(code), code) if code in set(ReviewReason) else code
    )
    return templates


def queue_state(request: Request) -> QueueState:
    return cast(QueueState, request.app.state.queue)
