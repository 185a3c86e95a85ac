"""Reader statuses on the classifier's side: the event, its topic key, the reader table
that follows moderation.authors, and the classify use case holding premoderated and banned
readers with reason codes of their own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from moderation.adapters.reader_table import ReaderTable
from moderation.domain.events import (
    MAX_NOTE_CHARS,
    Author,
    Decision,
    ReaderStatus,
    ReaderStatusChanged,
)
from moderation.domain.labels import CATEGORY_OF_REASON, ReasonCategory, ReasonCode, ReviewReason
from moderation.domain.policy import parse_policy
from moderation.service_layer.classify import Classifier
from moderation.topics import MODERATION_AUTHORS, reader_key
from tests.fakes import KeywordScorer, comment

POLICY = parse_policy({"version": "t1", "thresholds": {"toxicity": 0.8}})
T0 = datetime(2026, 3, 1, 12, tzinfo=UTC)


def change(status: ReaderStatus, at: datetime = T0, author: str = "reader-1", **fields):
    return ReaderStatusChanged(
        site_id=fields.pop("site_id", "site"),
        author_id=author,
        status=status,
        reason_code=ReviewReason.ABUSIVE,
        moderator_id="maria",
        changed_at=at,
        **fields,
    )


def by(author: str, body: str = "Thanks, an informative piece.", site_id: str = "site"):
    return comment(body, comment_id=f"{author}-c", site_id=site_id).model_copy(
        update={"author": Author(id=author)}
    )


def test_the_event_is_bounded_and_keyed_by_site_and_reader():
    assert MODERATION_AUTHORS.configs == {"cleanup.policy": "compact"}
    assert MODERATION_AUTHORS.event == "ReaderStatusChanged"
    assert reader_key("site", "users/42") == "site/users/42"
    with pytest.raises(ValidationError):
        change(ReaderStatus.BANNED, note="x" * (MAX_NOTE_CHARS + 1))
    with pytest.raises(ValidationError):  # a naive time cannot be compared with ours
        change(ReaderStatus.BANNED, at=datetime(2026, 3, 1, 12))
    with pytest.raises(ValidationError):
        ReaderStatusChanged.model_validate(
            {**change(ReaderStatus.BANNED).model_dump(mode="json"), "status": "muted"}
        )


def test_reader_reasons_are_in_the_premoderated_category():
    assert CATEGORY_OF_REASON[ReasonCode.PREMODERATED_READER] == ReasonCategory.PREMODERATED
    assert CATEGORY_OF_REASON[ReasonCode.BANNED_READER] == ReasonCategory.PREMODERATED


def test_the_table_keeps_each_readers_latest_change_whatever_the_record_order():
    table = ReaderTable()
    banned = change(ReaderStatus.BANNED, T0 + timedelta(minutes=5))
    premoderated = change(ReaderStatus.PREMODERATED, T0)
    table.apply(banned.model_dump_json().encode())
    # The queue republishes old statuses at start: an older change must not win.
    table.apply(premoderated.model_dump_json().encode())
    assert table.get("site", "reader-1") == ReaderStatus.BANNED
    assert table.get("other-site", "reader-1") is None
    table.apply(change(ReaderStatus.NONE, T0 + timedelta(minutes=9)).model_dump_json().encode())
    assert table.get("site", "reader-1") is None
    assert len(table) == 0
    assert table.applied == 3


def test_the_table_ignores_records_it_cannot_read():
    table = ReaderTable()
    table.apply(b"{not json")
    table.apply(None)
    table.apply(b'{"site_id": "site"}')
    assert table.applied == 0 and len(table) == 0


@pytest.mark.parametrize(
    "status,code",
    [
        (ReaderStatus.PREMODERATED, ReasonCode.PREMODERATED_READER),
        (ReaderStatus.BANNED, ReasonCode.BANNED_READER),
    ],
)
def test_a_clean_comment_of_a_reader_with_a_status_is_held_with_its_reason(status, code):
    table = ReaderTable()
    table.apply(change(status, author="troll").model_dump_json().encode())
    classifier = Classifier(
        scorer=KeywordScorer(), policy=POLICY, articles={}.get, readers=table.get
    )
    held, other, elsewhere = classifier.classify(
        [by("troll"), by("someone-else"), by("troll", site_id="other-site")]
    )
    assert held.decision == Decision.HOLD
    assert [r.code for r in held.reasons] == [code]
    # Only that reader, and only on that site.
    assert other.decision == Decision.APPROVE and other.reasons == []
    assert elsewhere.decision == Decision.APPROVE


def test_a_lifted_reader_is_classified_as_anyone():
    table = ReaderTable()
    table.apply(change(ReaderStatus.BANNED, author="troll").model_dump_json().encode())
    table.apply(
        change(ReaderStatus.NONE, T0 + timedelta(hours=1), author="troll")
        .model_dump_json()
        .encode()
    )
    classifier = Classifier(
        scorer=KeywordScorer(), policy=POLICY, articles={}.get, readers=table.get
    )
    [decision] = classifier.classify([by("troll")])
    assert decision.decision == Decision.APPROVE


def test_the_reader_reason_comes_with_the_others():
    table = ReaderTable()
    table.apply(change(ReaderStatus.PREMODERATED, author="troll").model_dump_json().encode())
    classifier = Classifier(
        scorer=KeywordScorer(), policy=POLICY, articles={}.get, readers=table.get
    )
    [decision] = classifier.classify([by("troll", body="you idiot")])
    codes = [r.code for r in decision.reasons]
    assert codes[0] == ReasonCode.PREMODERATED_READER and len(codes) > 1
