"""The one table of roles: each role's name, HTTP port, consumer group, the topics it reads
and writes, and where its app is built.

`moderation run ROLE`, `moderation dev`, the AsyncAPI document and the deployment tests all
read this table; nothing else holds a role's port, group or topics.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from typing import Any

from moderation.topics import (
    ARTICLES_CONTEXT,
    COMMENTS_SUBMITTED,
    COMMENTS_SUBMITTED_DLQ,
    MODERATION_AUTHORS,
    MODERATION_DECISIONS,
    MODERATION_DECISIONS_DLQ,
    MODERATION_REVIEWS,
    MODERATION_REVIEWS_DLQ,
    TopicSpec,
)


@dataclass(frozen=True)
class Role:
    name: str
    port: int  # default HTTP port (health, readiness, metrics, and its UI or API)
    group: str  # consumer group of the topics in `consumes`
    consumes: tuple[TopicSpec, ...]  # read in the group, offsets committed after the effects
    follows: tuple[TopicSpec, ...]  # read whole by every process, no group (a table)
    produces: tuple[TopicSpec, ...]
    app: str  # "module:function" building the role's ASGI app from settings
    summary: str

    @property
    def consumed_topics(self) -> list[str]:
        """Names of the topics read in the group (what consumer lag is measured on)."""
        return [topic.name for topic in self.consumes]

    def create_app(self, **kwargs: Any) -> Any:
        """Build the role's app; imported only now, so one role never loads another's code."""
        module, _, function = self.app.partition(":")
        return getattr(import_module(module), function)(**kwargs)


CLASSIFIER = Role(
    name="classifier",
    port=8002,
    group="classifier",
    consumes=(COMMENTS_SUBMITTED,),
    # moderation.authors: readers moderators premoderated or banned.
    follows=(ARTICLES_CONTEXT, MODERATION_AUTHORS),
    # articles.context: saved contexts a restarted memory-only broker lost are published again.
    produces=(MODERATION_DECISIONS, COMMENTS_SUBMITTED_DLQ, ARTICLES_CONTEXT),
    app="moderation.classifier.app:create_app",
    summary="scores each comment for toxicity and legal risk; publishes approve or hold",
)
COMMENT_STORE = Role(
    name="comment-store",
    port=8001,
    group="comment-store",
    consumes=(COMMENTS_SUBMITTED, MODERATION_DECISIONS, MODERATION_REVIEWS),
    follows=(),
    # comments.submitted: comments posted over HTTP, and pending ones published again.
    produces=(COMMENTS_SUBMITTED, MODERATION_DECISIONS_DLQ, MODERATION_REVIEWS_DLQ),
    app="moderation.store.app:create_app",
    summary="comment status for the site: read API and HTTP submission",
)
MODERATOR_QUEUE = Role(
    name="moderator-queue",
    port=8000,
    group="moderator-queue",
    consumes=(MODERATION_DECISIONS,),
    follows=(ARTICLES_CONTEXT,),
    # moderation.authors: moderators' reader actions (the queue's database is their truth).
    produces=(MODERATION_REVIEWS, MODERATION_DECISIONS_DLQ, MODERATION_AUTHORS),
    app="moderation.queue.app:create_app",
    summary="held comments for moderators (web UI); their reviews and reader actions as events",
)

SCORING_API = Role(
    name="scoring-api",
    port=8003,
    group="scoring-api",  # consumes nothing: stateless, answers HTTP
    consumes=(),
    follows=(ARTICLES_CONTEXT,),
    # Comments Coral's External Moderation Phase sends, and our decisions on them.
    produces=(COMMENTS_SUBMITTED, MODERATION_DECISIONS),
    app="moderation.scoring_api.service:create_app",
    summary="Perspective-compatible scoring API, /v1/moderate and Coral's moderation phase",
)

ROLES: dict[str, Role] = {
    role.name: role for role in (CLASSIFIER, COMMENT_STORE, MODERATOR_QUEUE, SCORING_API)
}
