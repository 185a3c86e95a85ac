"""Prometheus metrics, defined once; every role serves them on /metrics."""

from __future__ import annotations

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from starlette.requests import Request
from starlette.responses import Response

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300)

comments_decided = Counter(
    "moderation_comments_decided_total", "Decisions published, by decision", ["decision"]
)
hold_reasons = Counter(
    "moderation_hold_reasons_total", "Reasons on held decisions, by reason code", ["code"]
)
scoring_seconds = Histogram(
    "moderation_scoring_seconds",
    "Time to classify one batch (toxicity + legal + policy)",
    buckets=LATENCY_BUCKETS,
)
batch_size = Histogram(
    "moderation_batch_size",
    "Records per consumed batch",
    ["role"],
    buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
)
end_to_end_seconds = Histogram(
    "moderation_end_to_end_seconds",
    "submitted_at to decided_at of each decision",
    buckets=LATENCY_BUCKETS,
)
dead_letters = Counter(
    "moderation_dead_letters_total", "Records sent to a dead-letter topic", ["topic", "reason"]
)
batch_failures = Counter(
    "moderation_batch_failures_total",
    "Batches rewound for retry (broker or database trouble)",
    ["role"],
)
consumer_stuck_seconds = Gauge(
    "moderation_consumer_stuck_seconds",
    "How long the role's current batch has been failing and retried (0 while it commits)",
    ["role"],
)
records_skipped = Counter(
    "moderation_records_skipped_total",
    "Records skipped because even their dead letter could not be published (alert on any)",
    ["role", "topic"],
)
undecodable_batches = Counter(
    "moderation_undecodable_batches_total",
    "Record batches no codec could decode, given up on after the configured tries: "
    "dead-lettered whole, or skipped where another role dead-letters the topic (alert on any)",
    ["role", "topic", "action"],
)
events_applied = Counter(
    "moderation_store_events_applied_total", "Events that changed a comment's status", ["topic"]
)
consumer_lag = Gauge(
    "moderation_consumer_lag",
    "Records not yet committed by the group, per partition",
    ["group", "topic", "partition"],
)
queue_depth = Gauge("moderation_queue_depth", "Held comments waiting for a moderator")
queue_oldest_age = Gauge(
    "moderation_queue_oldest_age_seconds", "Age of the oldest held comment waiting"
)
reviews_published = Counter(
    "moderation_reviews_published_total", "CommentReviewed events published", ["outcome"]
)


def metrics_response(_: Request | None = None) -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
