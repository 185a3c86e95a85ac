"""The store's repository on real SQLite and PostgreSQL databases (migrations included)."""

from datetime import UTC, datetime, timedelta

import pytest
from httpx import ASGITransport, AsyncClient

from moderation.db import make_engine, migrate, sqlite_dsn
from moderation.domain.events import ReviewOutcome
from moderation.settings import ModerationSettings
from moderation.store.api_keys import create_key
from moderation.store.app import create_app
from moderation.store.repository import apply_event, article_threads, comment_with_history
from tests.fakes import comment
from tests.unit.test_store_status import decision, review


@pytest.fixture
async def dsn(new_database):
    return await new_database()


@pytest.fixture
async def engine(dsn):
    engine = make_engine(dsn)
    await migrate(engine, "store")
    yield engine
    await engine.dispose()


async def apply(engine, *events):
    async with engine.begin() as conn:
        return [await apply_event(conn, e) for e in events]


async def status_of(engine, comment_id="c1"):
    async with engine.connect() as conn:
        return await comment_with_history(conn, comment_id)


async def test_migrations_are_idempotent(engine):
    await migrate(engine, "store")


async def test_duplicates_change_nothing(engine):
    submitted = comment(comment_id="c1")
    held = decision()
    assert await apply(engine, submitted, held, submitted, held) == [True, True, False, False]
    found = await status_of(engine)
    assert found.status == "held"
    assert [h.status for h in found.history] == ["pending", "held"]


async def test_review_outranks_decision_in_either_order(engine):
    rejected = review(ReviewOutcome.REJECTED)
    await apply(engine, rejected, decision(), comment(comment_id="c1"))
    found = await status_of(engine)
    assert found.status == "rejected"
    assert found.body == "A fair point, well made."  # filled in by the late submission
    assert found.history[-1].actor == "m1"


async def test_old_revision_decision_does_not_touch_the_new_revision(engine):
    now = datetime.now(UTC)
    await apply(engine, comment(comment_id="c1", revision=2), decision(revision=2, at=now))
    await apply(engine, decision(revision=1, at=now + timedelta(seconds=5)))
    found = await status_of(engine)
    assert (found.revision, found.status) == (2, "held")


async def test_threads_are_oldest_first_with_replies_nested(engine):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    events = [
        comment(comment_id="root-b", submitted_at=base + timedelta(minutes=2)),
        comment(comment_id="root-a", submitted_at=base),
        comment(comment_id="reply-1", parent_id="root-a", submitted_at=base + timedelta(3)),
        comment(comment_id="reply-2", parent_id="reply-1", submitted_at=base + timedelta(4)),
    ]
    await apply(engine, *events)
    async with engine.connect() as conn:
        threads = await article_threads(conn, "a1", None)
    assert [t.comment_id for t in threads] == ["root-a", "root-b"]
    assert threads[0].replies[0].replies[0].comment_id == "reply-2"


async def test_read_api_contract(dsn, engine):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    ids = [f"c{i}" for i in range(5)]
    await apply(
        engine,
        *[
            comment(comment_id=i, submitted_at=base + timedelta(minutes=n))
            for n, i in enumerate(ids)
        ],
    )
    for i in ids[:4]:
        d = decision().model_copy(update={"comment_id": i, "event_id": f"d-{i}"})
        d = d.model_copy(update={"decision": "approve", "reasons": []})
        await apply(engine, d)
    async with engine.begin() as conn:
        _, key = await create_key(conn, "site")
    app = create_app(settings=ModerationSettings(store_dsn=dsn))
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://t",
        headers={"authorization": f"Bearer {key}"},
    ) as client:
        one = (await client.get("/comments/c0")).json()
        assert {"comment_id", "article_id", "status", "history"} <= set(one)
        assert one["status"] == "published"
        assert (await client.get("/comments/nope")).status_code == 404

        first = (await client.get("/articles/a1/comments", params={"limit": 3})).json()
        assert [c["comment_id"] for c in first["comments"]] == ["c0", "c1", "c2"]
        second = (
            await client.get(
                "/articles/a1/comments", params={"limit": 3, "cursor": first["next_cursor"]}
            )
        ).json()
        assert [c["comment_id"] for c in second["comments"]] == ["c3"]
        assert second["next_cursor"] is None
        everything = (await client.get("/articles/a1/comments", params={"all": "true"})).json()
        assert len(everything["comments"]) == 5
        pending = (await client.get("/articles/a1/comments", params={"status": "pending"})).json()
        assert [c["comment_id"] for c in pending["comments"]] == ["c4"]
        assert (
            await client.get("/articles/a1/comments", params={"cursor": "garbage!"})
        ).status_code == 400
        assert (await client.get("/openapi.json")).status_code == 200
        # The JSON's field order and nulls are part of the contract sites parse.
        assert list(one) == [
            *("comment_id", "revision", "article_id", "site_id", "section", "parent_id"),
            *("author", "body", "submitted_at", "status", "status_source", "status_at"),
            *("reason_codes", "history"),
        ]
        assert one["author"] == {"id": "reader-1", "display_name": None}
        assert one["submitted_at"] == "2026-11-01T00:00:00Z"
        assert list(one["history"][0]) == [
            *("revision", "status", "actor", "reason_codes", "at", "note", "event_id")
        ]
        assert list(first) == ["article_id", "comments", "next_cursor"]
        assert list(first["comments"][0])[-1] == "replies"
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as public:
        seen = (await public.get("/comments/c0")).json()
        listed = (await public.get("/articles/a1/comments")).json()
    public_fields = [
        *("comment_id", "revision", "article_id", "site_id", "section", "parent_id", "body"),
        *("submitted_at", "status", "author"),
    ]
    assert list(seen) == public_fields
    assert seen["author"] == {"display_name": None}
    assert list(listed["comments"][0]) == [*public_fields, "replies"]


async def test_post_comment_answers_503_when_the_broker_cannot_acknowledge(tmp_path):
    engine = make_engine(sqlite_dsn(tmp_path / "store.db"))
    await migrate(engine, "store")
    async with engine.begin() as conn:
        _, key = await create_key(conn, "s")
    await engine.dispose()
    app = create_app(
        settings=ModerationSettings(data_dir=tmp_path), kafka=None
    )  # never connected: the lifespan did not run
    async with AsyncClient(
        transport=ASGITransport(app=app),
        base_url="http://t",
        headers={"authorization": f"Bearer {key}"},
    ) as client:
        invalid = await client.post("/comments", json={"comment_id": "x"})
        assert invalid.status_code == 422
        response = await client.post(
            "/comments",
            json={
                "comment_id": "c9",
                "article_id": "a1",
                "site_id": "s",
                "author": {"id": "u"},
                "body": "hello",
            },
        )
    assert response.status_code == 503
    assert "retry later" in response.json()["error"]
