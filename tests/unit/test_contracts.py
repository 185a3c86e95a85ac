"""The checked-in schemas/ must be what the models generate (run `make schemas`)."""

from moderation.contracts import SCHEMAS_DIR, render_asyncapi, render_schemas
from moderation.domain.events import CommentModerated, CommentSubmitted
from moderation.roles import ROLES
from moderation.topics import (
    ALL_TOPICS,
    ARTICLES_CONTEXT,
    COMMENTS_SUBMITTED,
)


def test_json_schemas_are_up_to_date():
    for filename, text in render_schemas().items():
        path = SCHEMAS_DIR / filename
        assert path.exists(), f"{path} missing: run `make schemas`"
        assert path.read_text() == text, f"{path} is stale: run `make schemas`"


def test_asyncapi_document_is_up_to_date():
    path = SCHEMAS_DIR / "asyncapi.json"
    assert path.read_text() == render_asyncapi(), "schemas/asyncapi.json is stale: make schemas"


def test_contract_fields_are_exactly_the_architecture_docs():
    assert set(CommentSubmitted.model_fields) == {
        "event_id",
        "comment_id",
        "article_id",
        "site_id",
        "section",
        "parent_id",
        "revision",
        "author",
        "body",
        "language",
        "submitted_at",
    }
    assert set(CommentModerated.model_fields) == {
        "event_id",
        "comment_id",
        "article_id",
        "revision",
        "decision",
        "reasons",
        "scores",
        "model",
        "policy_version",
        "decided_at",
        "comment",
    }


def test_topics_groups_and_partitions_are_defined_once_as_specified():
    names = {t.name for t in ALL_TOPICS}
    assert names == {
        "comments.submitted",
        "moderation.decisions",
        "moderation.reviews",
        "articles.context",
        "comments.submitted.dlq",
        "moderation.decisions.dlq",
        "moderation.reviews.dlq",
        "moderation.authors",
    }
    assert COMMENTS_SUBMITTED.partitions == 6
    assert ARTICLES_CONTEXT.configs == {"cleanup.policy": "compact"}
    assert {name: role.group for name, role in ROLES.items()} == {
        "classifier": "classifier",
        "comment-store": "comment-store",
        "moderator-queue": "moderator-queue",
        "scoring-api": "scoring-api",
    }
