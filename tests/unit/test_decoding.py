import json

import pytest

from moderation.adapters.decoding import MAX_RECORD_BYTES, decode_event
from moderation.domain.dead_letters import DeadLetterReason, Rejected
from moderation.domain.events import MAX_BODY_CHARS, CommentSubmitted

VALID = {"comment_id": "c", "article_id": "a", "site_id": "s", "author": {"id": "u"}, "body": "hi"}


def encoded(**changes):
    return json.dumps({**VALID, **changes}).encode()


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        (None, DeadLetterReason.EMPTY),
        (b"", DeadLetterReason.EMPTY),
        (b"not json", DeadLetterReason.INVALID_JSON),
        (b"\xff\xfe\x00garbage", DeadLetterReason.INVALID_JSON),
        (b"[" * 10_000 + b"]" * 10_000, DeadLetterReason.INVALID_JSON),
        (b"[]", DeadLetterReason.SCHEMA_VIOLATION),
        (b'{"comment_id": "c"}', DeadLetterReason.SCHEMA_VIOLATION),
        (encoded(revision="two"), DeadLetterReason.SCHEMA_VIOLATION),
        (encoded(revision=0), DeadLetterReason.SCHEMA_VIOLATION),
        (encoded(comment_id=""), DeadLetterReason.SCHEMA_VIOLATION),
        (encoded(body="x" * (MAX_BODY_CHARS + 1)), DeadLetterReason.OVERSIZE),
        (b"x" * (MAX_RECORD_BYTES + 1), DeadLetterReason.OVERSIZE),
    ],
)
def test_bad_records_are_rejected_with_a_reason(value, reason):
    result = decode_event(value, CommentSubmitted)
    assert isinstance(result, Rejected)
    assert result.reason == reason
    assert result.error


def test_schema_errors_name_the_field():
    result = decode_event(encoded(revision="two"), CommentSubmitted)
    assert isinstance(result, Rejected)
    assert result.error.startswith("revision:")


def test_valid_record_decodes_with_defaults_and_ignores_unknown_fields():
    result = decode_event(encoded(future_field=1), CommentSubmitted)
    assert isinstance(result, CommentSubmitted)
    assert result.revision == 1 and result.event_id and result.author.is_staff is False
