"""The queue's readers on real SQLite and PostgreSQL databases (migrations included): the
read model fed by decisions and reviews, and the reader actions with their audit entries
and outbox records. The JSON API on SQLite at the end."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from moderation.db import make_engine, migrate
from moderation.domain.events import (
    Author,
    CommentModerated,
    CommentReviewed,
    Decision,
    ModelRef,
    ReaderStatus,
    ReaderStatusChanged,
    Reason,
    ReviewOutcome,
)
from moderation.domain.labels import ReasonCode, ReviewReason
from moderation.queue import reader_history, readers
from moderation.queue import repository as repo
from moderation.queue.app import create_app
from moderation.queue.tables import audit_log, outbox
from moderation.settings import KafkaSettings
from moderation.topics import MODERATION_AUTHORS, MODERATION_REVIEWS
from tests.fakes import comment
from tests.queue_helpers import csrf_from, prepare_queue_db

T0 = datetime(2026, 3, 1, 9, tzinfo=UTC)
SITE = "site"


def decided(
    comment_id: str,
    decision: Decision = Decision.APPROVE,
    author: str = "r1",
    minutes: int = 0,
    revision: int = 1,
    name: str | None = "Reader One",
    parent_id: str | None = None,
    body: str | None = None,
) -> CommentModerated:
    submitted = comment(
        body or f"body of {comment_id}",
        comment_id=comment_id,
        site_id=SITE,
        revision=revision,
        parent_id=parent_id,
        submitted_at=T0 + timedelta(minutes=minutes),
    ).model_copy(update={"author": Author(id=author, display_name=name)})
    return CommentModerated(
        comment_id=comment_id,
        article_id="a1",
        revision=revision,
        decision=decision,
        reasons=[Reason(code=ReasonCode.INSULT)] if decision == Decision.HOLD else [],
        model=ModelRef(backend="fake", version="1"),
        policy_version="p1",
        decided_at=T0 + timedelta(minutes=minutes, seconds=1),
        comment=submitted,
    )


@pytest.fixture
async def engine(new_database):
    engine = make_engine(await new_database())
    await migrate(engine, "queue")
    yield engine
    await engine.dispose()


async def feed(engine, *decisions: CommentModerated) -> list[bool]:
    async with engine.begin() as conn:
        return [await repo.add_held(conn, d, None) for d in decisions]


async def summary(engine, author: str = "r1", recent: int = 10):
    async with engine.connect() as conn:
        return await readers.reader_summary(conn, SITE, author, recent)


async def rows(engine, table, *where):
    async with engine.connect() as conn:
        query = sa.select(table).order_by(table.c.id)
        return [dict(r) for r in (await conn.execute(query.where(*where))).mappings()]


async def test_every_decision_counts_and_the_latest_comes_first(engine):
    assert await summary(engine) is None
    approved = decided("c1", minutes=1)
    held = decided("c2", Decision.HOLD, minutes=2)
    # The earliest submission is first seen even when its decision comes last.
    early = decided("c0", minutes=-60, name="R. One")
    late_name = decided("c3", minutes=3, name=None)
    assert await feed(engine, approved, held, early, late_name) == [False, True, False, False]
    # A decision seen again (redelivered, or published twice) counts once.
    await feed(engine, held, held.model_copy(update={"event_id": "again"}), approved)

    found = await summary(engine)
    assert found is not None
    assert (found["comments"], found["held"], found["rejected"]) == (4, 1, 0)
    assert found["rejection_rate"] == 0.0
    assert found["first_seen_at"] == T0 - timedelta(minutes=60)
    assert found["first_seen_at"].tzinfo is not None
    # The name last given (a comment without one keeps it).
    assert found["display_name"] == "R. One"
    assert found["status"] == "none" and found["status_by"] is None
    assert found["open_items"] == 1
    assert [r["comment_id"] for r in found["recent"]] == ["c3", "c2", "c1", "c0"]
    assert [r["outcome"] for r in found["recent"]] == ["approved", "held", "approved", "approved"]
    assert found["recent"][1] == {
        "comment_id": "c2",
        "revision": 1,
        "article_id": "a1",
        "body": "body of c2",
        "outcome": "held",
        "decided_at": T0 + timedelta(minutes=2, seconds=1),
    }
    assert [r["comment_id"] for r in (await summary(engine, recent=2))["recent"]] == ["c3", "c2"]
    assert await summary(engine, author="r2") is None


async def test_reviews_update_outcomes_and_the_rejection_rate(engine):
    await feed(engine, *(decided(f"c{i}", Decision.HOLD, minutes=i) for i in range(3)))
    await feed(engine, decided("ok", minutes=9))
    async with engine.begin() as conn:
        for cid, outcome, reason in (
            ("c0", ReviewOutcome.REJECTED, ReviewReason.ABUSIVE),
            ("c1", ReviewOutcome.APPROVED, ReviewReason.APPROVED),
        ):
            result = await repo.resolve(conn, repo.ItemKey(cid, 1), "alice", outcome, reason, None)
            assert result.outcome == repo.Outcome.DONE
    found = await summary(engine)
    assert (found["comments"], found["held"], found["rejected"]) == (4, 3, 1)
    assert found["rejection_rate"] == pytest.approx(0.25)
    assert found["open_items"] == 1
    assert {r["comment_id"]: r["outcome"] for r in found["recent"]} == {
        "ok": "approved",
        "c2": "held",
        "c1": "approved",
        "c0": "rejected",
    }


async def test_the_parent_of_a_reply_is_the_latest_revision_seen(engine):
    await feed(
        engine,
        decided("parent", body="first words", name="Parent Author", author="p"),
        decided("parent", body="second words", revision=2, minutes=5, author="p"),
        decided("reply", Decision.HOLD, parent_id="parent", minutes=6),
    )
    async with engine.connect() as conn:
        parent = await readers.comment_seen(conn, "parent")
        missing = await readers.comment_seen(conn, "never")
    assert parent == {
        "comment_id": "parent",
        "revision": 2,
        "author_id": "p",
        "author_name": "Reader One",
        "body": "second words",
        "outcome": "approved",
        "decided_at": T0 + timedelta(minutes=5, seconds=1),
    }
    assert missing is None


async def test_history_older_than_the_retention_is_pruned_and_the_counts_stay(engine):
    await feed(engine, decided("old", minutes=-3 * 24 * 60), decided("new", minutes=0))
    async with engine.begin() as conn:
        assert await reader_history.prune_history(conn, T0 + timedelta(hours=1), days=2) == 1
        assert await readers.comment_seen(conn, "old") is None
    found = await summary(engine)
    assert found["comments"] == 2
    assert [r["comment_id"] for r in found["recent"]] == ["new"]


async def test_status_changes_are_stored_audited_and_sent_through_the_outbox(engine):
    await feed(engine, decided("c1"))
    async with engine.begin() as conn:
        unknown = await readers.set_status(
            conn, SITE, "nobody", ReaderStatus.BANNED, ReviewReason.SPAM, None, "maria"
        )
        assert unknown is None
        for status, at in ((ReaderStatus.PREMODERATED, 1), (ReaderStatus.BANNED, 2)):
            await readers.set_status(
                conn, SITE, "r1", status, ReviewReason.ABUSIVE, "see audit", "maria",
                T0 + timedelta(hours=at),
            )  # fmt: skip
    found = await summary(engine)
    assert found["status"] == "banned"
    assert (found["status_reason"], found["status_by"]) == ("ABUSIVE", "maria")
    assert found["status_at"] == T0 + timedelta(hours=2)

    sent = await rows(engine, outbox, outbox.c.topic == MODERATION_AUTHORS.name)
    assert [r["key"] for r in sent] == ["site/r1", "site/r1"]
    events = [ReaderStatusChanged.model_validate_json(r["payload"]) for r in sent]
    assert [e.status for e in events] == [ReaderStatus.PREMODERATED, ReaderStatus.BANNED]
    assert events[1].moderator_id == "maria" and events[1].note == "see audit"
    audited = await rows(engine, audit_log)
    assert [(a["action"], a["site_id"], a["author_id"], a["comment_id"]) for a in audited] == [
        ("premoderate_reader", SITE, "r1", None),
        ("ban_reader", SITE, "r1", None),
    ]

    async with engine.begin() as conn:
        await readers.set_status(
            conn, SITE, "r1", ReaderStatus.NONE, ReviewReason.OTHER, None, "bob"
        )
        # Lifted readers are not republished: no record means "none" to a classifier.
        assert await readers.republish_statuses(conn) == 0
        await readers.set_status(
            conn, SITE, "r1", ReaderStatus.PREMODERATED, ReviewReason.SPAM, None, "bob",
            T0 + timedelta(hours=5),
        )  # fmt: skip
        assert await readers.republish_statuses(conn) == 1
    last = (await rows(engine, outbox, outbox.c.topic == MODERATION_AUTHORS.name))[-1]
    again = ReaderStatusChanged.model_validate_json(last["payload"])
    # As it was set, so a classifier that has it keeps it.
    assert (again.status, again.changed_at, again.moderator_id) == (
        ReaderStatus.PREMODERATED,
        T0 + timedelta(hours=5),
        "bob",
    )
    assert (await rows(engine, audit_log))[-2]["action"] == "lift_reader"


async def test_reject_all_pending_skips_items_claimed_by_someone_else(engine):
    await feed(engine, *(decided(f"c{i}", Decision.HOLD, minutes=i) for i in range(3)))
    await feed(engine, decided("other", Decision.HOLD, author="r2"))
    async with engine.begin() as conn:
        assert (await repo.claim(conn, repo.ItemKey("c1", 1), "bob")).outcome == repo.Outcome.DONE
        done = await readers.reject_pending(
            conn, SITE, "r1", "alice", ReviewReason.SPAM, "flooding"
        )
    assert done.done == [repo.ItemKey("c0", 1), repo.ItemKey("c2", 1)]
    assert [(s["comment_id"], s["revision"]) for s in done.skipped] == [("c1", 1)]
    assert "bob" in done.skipped[0]["detail"]

    reviews = [
        CommentReviewed.model_validate_json(r["payload"])
        for r in await rows(engine, outbox, outbox.c.topic == MODERATION_REVIEWS.name)
    ]
    assert [(r.comment_id, r.outcome, r.reason_code, r.moderator_id) for r in reviews] == [
        ("c0", ReviewOutcome.REJECTED, ReviewReason.SPAM, "alice"),
        ("c2", ReviewOutcome.REJECTED, ReviewReason.SPAM, "alice"),
    ]
    audited = [
        (a["action"], a["comment_id"], a["author_id"])
        for a in await rows(engine, audit_log, audit_log.c.moderator == "alice")
    ]
    assert audited == [
        ("rejected", "c0", None),
        ("rejected", "c2", None),
        ("reject_all_pending", None, "r1"),
    ]
    found = await summary(engine)
    assert (found["rejected"], found["open_items"]) == (2, 1)
    assert (await summary(engine, "r2"))["open_items"] == 1


async def test_a_banned_readers_held_comment_is_rejected_on_arrival(engine):
    await feed(engine, decided("before"))
    async with engine.begin() as conn:
        await readers.set_status(
            conn, SITE, "r1", ReaderStatus.BANNED, ReviewReason.ABUSIVE, None, "maria"
        )
    arriving = decided("after", Decision.HOLD, minutes=5)
    async with engine.begin() as conn:
        assert await repo.add_held(conn, arriving, None)
        assert await readers.reject_if_banned(conn, arriving)
        # Another reader's held comment stays for a moderator.
        other = decided("someone", Decision.HOLD, author="r2")
        assert await repo.add_held(conn, other, None)
        assert not await readers.reject_if_banned(conn, other)
        item = await repo.get_item(conn, repo.ItemKey("after", 1))
    assert (item["status"], item["resolved_by"]) == ("rejected", "maria")
    [review] = await rows(engine, outbox, outbox.c.topic == MODERATION_REVIEWS.name)
    reviewed = CommentReviewed.model_validate_json(review["payload"])
    assert (reviewed.outcome, reviewed.reason_code, reviewed.moderator_id) == (
        ReviewOutcome.REJECTED,
        ReviewReason.BANNED_READER,
        "maria",
    )
    [audited] = await rows(engine, audit_log, audit_log.c.comment_id == "after")
    assert audited["action"] == "ban_auto_reject" and audited["moderator"] == "maria"
    found = await summary(engine)
    assert (found["comments"], found["held"], found["rejected"], found["open_items"]) == (
        2,
        1,
        1,
        0,
    )
    assert found["recent"][0]["outcome"] == "rejected"


# The JSON API, on SQLite: a session, CSRF, 404s and the live "resolved" updates.


@pytest.fixture
def app(tmp_path):
    decisions = [decided(f"c{i}", Decision.HOLD, author="a/b", minutes=i) for i in range(2)]
    settings = prepare_queue_db(tmp_path, decisions)
    return create_app(kafka=KafkaSettings(bootstrap_servers="127.0.0.1:1"), settings=settings)


def logged_in(app) -> tuple[TestClient, str]:
    client = TestClient(app)
    client.__enter__()
    page = client.get("/login")
    client.post(
        "/login",
        data={
            "username": "alice",
            "password": "correct-horse-battery",
            "csrf_token": csrf_from(page.text),
            "next": "/",
        },
    )
    return client, csrf_from(client.get("/").text)


def test_the_api_needs_a_session_and_a_csrf_token(app):
    with TestClient(app) as anonymous:
        assert anonymous.get("/api/readers/site/a/b").status_code == 401
    client, csrf = logged_in(app)
    try:
        body = {"status": "banned", "reason_code": "SPAM"}
        assert client.post("/api/readers/site/a/b/status", json=body).status_code == 403
        assert client.get("/api/readers/site/nobody").status_code == 404
        missing = client.post(
            "/api/readers/site/nobody/status", json=body, headers={"x-csrf-token": csrf}
        )
        assert missing.status_code == 404
        wrong = client.post(
            "/api/readers/site/a/b/status",
            json={"status": "banned", "reason_code": "APPROVED"},
            headers={"x-csrf-token": csrf},
        )
        assert wrong.status_code == 422
        # The queue's own reason for a banned reader's comments is not a moderator's.
        system_reason = client.post(
            "/api/readers/site/a/b/reject-pending",
            json={"reason_code": "BANNED_READER"},
            headers={"x-csrf-token": csrf},
        )
        assert system_reason.status_code == 422
        assert client.get("/api/readers/site/a/b").json()["open_items"] == 2
    finally:
        client.__exit__(None, None, None)


def test_the_api_shows_a_reader_and_acts_on_them(app):
    client, csrf = logged_in(app)
    try:
        shown = client.get("/api/readers/site/a/b")
        assert shown.status_code == 200
        found = shown.json()
        assert (found["author_id"], found["comments"], found["open_items"]) == ("a/b", 2, 2)
        changed = client.post(
            "/api/readers/site/a/b/status",
            json={"status": "premoderated", "reason_code": "ABUSIVE", "note": "watch"},
            headers={"x-csrf-token": csrf},
        )
        assert changed.status_code == 200
        assert (changed.json()["status"], changed.json()["status_by"]) == ("premoderated", "alice")
        # A page listening for live updates (what LiveUpdates.stream registers).
        queue: asyncio.Queue[str | None] = asyncio.Queue()
        app.state.queue.live._listeners[queue] = "test"
        rejected = client.post(
            "/api/readers/site/a/b/reject-pending",
            json={"reason_code": "SPAM"},
            headers={"x-csrf-token": csrf},
        )
        assert rejected.json() == {"rejected": 2, "skipped": []}
        announced = [queue.get_nowait() for _ in range(queue.qsize())]
        assert [json.loads(m.split("data: ")[1])["comment_id"] for m in announced] == ["c0", "c1"]
        assert all(m.startswith("event: resolved") for m in announced)
        assert client.get("/api/readers/site/a/b").json()["open_items"] == 0
    finally:
        client.__exit__(None, None, None)
