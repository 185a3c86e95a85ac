"""The one definition of every topic: name, partition count, configs, event and key.

Code, tests and deployment manifests all read these values; a test checks that the
Kubernetes and compose files agree with them.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    configs: dict[str, str] = field(default_factory=dict)
    # What a record holds: the event (a name in domain.events.EVENT_MODELS) and the event
    # field that is its key. Both None on a dead-letter topic, whose records are another
    # topic's records, bytes, key and headers as they were.
    event: str | None = None
    key: str | None = "comment_id"


DAY_MS = 24 * 3600 * 1000
# Work topics keep a week (time to replay after an outage); DLQs and reviews a month
# (time for a human to look); the article table is compacted and kept for ever.
WEEK = {"retention.ms": str(7 * DAY_MS)}
MONTH = {"retention.ms": str(30 * DAY_MS)}

COMMENTS_SUBMITTED = TopicSpec(
    "comments.submitted", partitions=6, configs=WEEK, event="CommentSubmitted"
)
COMMENTS_SUBMITTED_DLQ = TopicSpec("comments.submitted.dlq", partitions=1, configs=MONTH, key=None)
MODERATION_DECISIONS = TopicSpec(
    "moderation.decisions", partitions=6, configs=WEEK, event="CommentModerated"
)
MODERATION_REVIEWS = TopicSpec(
    "moderation.reviews", partitions=3, configs=MONTH, event="CommentReviewed"
)
# Compacted: the latest context per article_id is all any classifier needs.
ARTICLES_CONTEXT = TopicSpec(
    "articles.context",
    partitions=3,
    configs={"cleanup.policy": "compact"},
    event="ArticleContext",
    key="article_id",
)
# Compacted: the latest status of each reader (premoderated, banned, none) per site,
# published by the moderator queue and followed by every classifier.
MODERATION_AUTHORS = TopicSpec(
    "moderation.authors",
    partitions=3,
    configs={"cleanup.policy": "compact"},
    event="ReaderStatusChanged",
    key="site_id/author_id",
)


def reader_key(site_id: str, author_id: str) -> str:
    """The record key of a reader on MODERATION_AUTHORS (author ids may hold "/", site
    ids in practice do not, so the site comes first)."""
    return f"{site_id}/{author_id}"


# Our own services produce decisions and reviews, so bad records there are unlikely; if one
# appears, the consumer that cannot apply it sets it aside here rather than stalling.
MODERATION_DECISIONS_DLQ = TopicSpec(
    "moderation.decisions.dlq", partitions=1, configs=MONTH, key=None
)
MODERATION_REVIEWS_DLQ = TopicSpec("moderation.reviews.dlq", partitions=1, configs=MONTH, key=None)

ALL_TOPICS: tuple[TopicSpec, ...] = (
    COMMENTS_SUBMITTED,
    COMMENTS_SUBMITTED_DLQ,
    MODERATION_DECISIONS,
    MODERATION_DECISIONS_DLQ,
    MODERATION_REVIEWS,
    MODERATION_REVIEWS_DLQ,
    ARTICLES_CONTEXT,
    MODERATION_AUTHORS,
)


def dlq_name(topic: str) -> str:
    """Dead-letter topic for a source topic (`<topic>.dlq`)."""
    return f"{topic}.dlq"


# Headers written on every dead-lettered record, so a replay tool and a human can tell why.
DLQ_HEADER_REASON = "x-dlq-reason"
DLQ_HEADER_ERROR = "x-dlq-error"
DLQ_HEADER_SOURCE_TOPIC = "x-dlq-source-topic"
DLQ_HEADER_SOURCE_PARTITION = "x-dlq-source-partition"
DLQ_HEADER_SOURCE_OFFSET = "x-dlq-source-offset"
# Only on a dead letter too large to keep whole: its value is a prefix of the original, and
# these say how large the original was and what its SHA-256 was (hex).
DLQ_HEADER_TRUNCATED = "x-dlq-truncated"
DLQ_HEADER_ORIGINAL_BYTES = "x-dlq-original-bytes"
DLQ_HEADER_ORIGINAL_SHA256 = "x-dlq-original-sha256"
